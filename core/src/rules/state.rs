//! What must hold of a record whatever path it took to this store: a local edit, a resolved
//! conflict, a bundle or a sync. The store refuses a local change that breaks one of these;
//! after a merge, a state that breaks one is kept (nothing received is dropped) and listed as
//! a rule conflict for a person to settle, and the ledger keeps the case open meanwhile.
//!
//! These rules depend on the record and the calendar only, never on the clock, so that every
//! device that holds the same changes lists the same rule conflicts.

use chrono::{Datelike, Duration, NaiveDate};

use crate::calendar::{self, Calendar};
use crate::model::{
    Case, CaseStatus, Employer, EmployerStatus, Incident, IncidentStatus, Record, ResolutionKind, Role,
};
use crate::validate::{Problem, Problems};

/// Every rule the record breaks in its current state.
pub fn problems(record: &Record, sealed: bool, cal: &Calendar) -> Vec<Problem> {
    // These rules never depend on the clock.
    let mut p = Problems::timeless();
    match record {
        Record::Case(c) => {
            if c.status == CaseStatus::Closed {
                closing(c, &mut p);
            }
            extension(c, cal, &mut p);
        }
        Record::Incident(i) if i.status == IncidentStatus::Closed => incident_closing(i, &mut p),
        Record::Employer(e) => blacklist(e, &mut p),
        _ => {}
    }
    if let Some(signed) = record.sealed_status() {
        if record.status() == signed && !sealed {
            p.error(
                "status",
                "signed_only_by_sealing",
                format!("the status says '{signed}' but the record carries no seal"),
            );
        }
    }
    p.errors()
}

/// A case is not closed until the hazard is eliminated (隐患不消除不销账): a resolution that
/// says what resolved it and when, and the sign-off of the responsible person or the office.
pub fn closing(c: &Case, p: &mut Problems) {
    match &c.resolution {
        None => p.error(
            "resolution",
            "resolution_before_close",
            "a case is closed only when a resolution is recorded (隐患不消除不销账)",
        ),
        Some(r) => p.at("resolution", |p| {
            match r.kind {
                None => p.error("kind", "resolution_kind", "say what resolved the case (paid in full, mediated agreement performed, award, court, fund advance, transfer)"),
                Some(ResolutionKind::PaidInFull) if r.amount_paid_fen.is_none() => {
                    p.error("amount_paid_fen", "amount_paid", "paid in full: record the amount paid")
                }
                Some(ResolutionKind::Transferred) if c.handovers.is_empty() => p.error(
                    "kind",
                    "handover_before_transfer",
                    "a transferred case names the hand-over (handovers) to the receiving body",
                ),
                Some(ResolutionKind::FundAdvance)
                    if !c.fund_advance.as_ref().is_some_and(|f| f.approved_on.is_some() && f.approved_by.as_deref().is_some_and(|b| !b.trim().is_empty())) =>
                {
                    p.error(
                        "kind",
                        "fund_advance_approved",
                        "a case resolved by the wage-guarantee fund needs the approved advance (fund_advance)",
                    )
                }
                Some(ResolutionKind::MediatedAgreementPerformed | ResolutionKind::ArbitrationAward | ResolutionKind::Court)
                    if r.reference.as_deref().is_none_or(|s| s.trim().is_empty()) =>
                {
                    p.error(
                        "reference",
                        "resolution_reference",
                        "name the agreement, award or judgment that resolved the case",
                    )
                }
                _ => {}
            }
            if r.on.is_none() {
                p.error("on", "resolution_date", "the resolution needs its date");
            }
        }),
    }
    match &c.sign_off {
        None => p.error(
            "sign_off",
            "sign_off_before_close",
            "the responsible person (or the office) must sign off before the case is closed",
        ),
        Some(s) => {
            if s.by.trim().is_empty() {
                p.error("sign_off.by", "sign_off_named", "the sign-off names who signed");
            } else if s.role != Some(Role::Office)
                && c.responsible_person.as_deref().map(str::trim) != Some(s.by.trim())
            {
                p.error(
                    "sign_off.by",
                    "sign_off_by_responsible_person",
                    match &c.responsible_person {
                        Some(who) => format!("signed off by {} but the responsible person is {who}", s.by),
                        None => format!(
                            "signed off by {}, but the case has no responsible person: only the office may close it",
                            s.by
                        ),
                    },
                );
            }
            if s.at.is_none() {
                p.error("sign_off.at", "sign_off_time", "the sign-off needs its time");
            }
        }
    }
}

/// The extra 30 working days need an approver, approving before the 60 run out.
pub fn extension(c: &Case, cal: &Calendar, p: &mut Problems) {
    let Some(e) = &c.extension else { return };
    p.at("extension", |p| {
        if e.approved_by.trim().is_empty() {
            p.error(
                "approved_by",
                "extension_approver",
                "an extension names who approved it",
            );
        }
        match (e.approved_on, c.filed_on) {
            (None, _) => p.error(
                "approved_on",
                "extension_approved_on",
                "an extension needs the day it was approved",
            ),
            (Some(on), Some(filed)) => {
                let last = cal
                    .working_days_after(filed, calendar::INSPECTION_CLOCK_WORKING_DAYS)
                    .on;
                if on > last {
                    p.error_saying(
                        "approved_on",
                        "extension_before_clock_ends",
                        format!("approved on {on}, after the 60 working days ran out on {last}"),
                        format!("延长须在60个工作日届满（{last}）前批准，批准日期为{on}"),
                    );
                }
                if on < filed {
                    p.error("approved_on", "period_order", "approved before the case was filed");
                }
            }
            (Some(_), None) => p.error("filed_on", "required", "an extension extends the clock of a filed case"),
        }
    });
}

fn incident_closing(i: &Incident, p: &mut Problems) {
    i.escalation_order(p);
}

/// Blacklisting: listed with its date and reason, for three years.
fn blacklist(e: &Employer, p: &mut Problems) {
    if e.status != EmployerStatus::Blacklisted {
        return;
    }
    let Some(b) = &e.blacklist else {
        p.error(
            "blacklist",
            "blacklist_entry",
            "a blacklisted employer needs the listing: date, reason and end",
        );
        return;
    };
    p.at("blacklist", |p| {
        if b.reason.trim().is_empty() {
            p.error("reason", "blacklist_reason", "say why (arrears at the criminal threshold, or arrears that caused a mass incident, unpaid after an order)");
        }
        match (b.listed_on, b.until) {
            (None, _) => p.error("listed_on", "required", "the listing needs its date"),
            (_, None) => p.error("until", "required", "the listing needs its end (three years after it starts)"),
            (Some(from), Some(until)) => {
                let three_years = years_after(from, 3) - Duration::days(1);
                if until < three_years {
                    p.error_saying(
                        "until",
                        "blacklist_three_years",
                        format!("a listing lasts three years: from {from} until {} at the earliest", three_years),
                        format!("列入黑名单的期限为三年：自{from}起，最早到{three_years}"),
                    );
                }
            }
        }
    });
}

fn years_after(d: NaiveDate, n: i32) -> NaiveDate {
    d.with_year(d.year() + n)
        .or_else(|| (d - Duration::days(1)).with_year(d.year() + n))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use serde_json::json;

    fn rules(kind: Kind, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<String> {
        let mut v = Record::example(kind).to_json();
        edit(&mut v);
        let r = Record::from_json(kind, v).unwrap();
        problems(&r, false, &Calendar::official())
            .into_iter()
            .map(|p| p.rule)
            .collect()
    }

    #[test]
    fn an_empty_resolution_or_a_nameless_sign_off_does_not_close_a_case() {
        let closed = |v: &mut serde_json::Value| v["status"] = json!("closed");
        assert_eq!(
            rules(Kind::Case, closed),
            ["resolution_before_close", "sign_off_before_close"]
        );
        let r = rules(Kind::Case, |v| {
            closed(v);
            v["resolution"] = json!({});
            v["sign_off"] = json!({"by": "", "at": "2026-03-30T08:00:00Z"});
        });
        assert_eq!(r, ["resolution_kind", "resolution_date", "sign_off_named"]);
        let r = rules(Kind::Case, |v| {
            closed(v);
            v["responsible_person"] = json!(null);
            v["resolution"] = json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 100});
            v["sign_off"] = json!({"by": "李华", "role": "grid", "at": "2026-03-30T08:00:00Z"});
        });
        assert_eq!(r, ["sign_off_by_responsible_person"]);
        let r = rules(Kind::Case, |v| {
            closed(v);
            v["resolution"] = json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 100});
            v["sign_off"] = json!({"by": "周明", "role": "office", "at": "2026-03-30T08:00:00Z"});
        });
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn an_extension_needs_an_approver_before_the_sixty_days_run_out() {
        // Filed 2026-03-11: the 60 working days end on 2026-06-08.
        let r = rules(Kind::Case, |v| v["extension"] = json!({"approved_on": "2026-06-09"}));
        assert_eq!(r, ["extension_approver", "extension_before_clock_ends"]);
        let r = rules(Kind::Case, |v| {
            v["extension"] = json!({"approved_by": "周明", "approved_on": "2026-06-08"})
        });
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn a_blacklisting_is_an_entry_for_three_years() {
        let listed = |v: &mut serde_json::Value| v["status"] = json!("blacklisted");
        assert_eq!(rules(Kind::Employer, listed), ["blacklist_entry"]);
        let r = rules(Kind::Employer, |v| {
            listed(v);
            v["blacklist"] = json!({"listed_on": "2026-04-01", "reason": "拒不支付劳动报酬", "until": "2026-05-01"});
        });
        assert_eq!(r, ["blacklist_three_years"]);
        let r = rules(Kind::Employer, |v| {
            listed(v);
            v["blacklist"] = json!({"listed_on": "2026-04-01", "reason": "拒不支付劳动报酬", "until": "2029-03-31"});
        });
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn a_closed_incident_has_its_escalation_in_order() {
        let r = rules(Kind::Incident, |v| {
            v["status"] = json!("closed");
            v["escalation"]["grid_assistant_arrived_at"] = json!("2026-06-18T01:00:00Z");
            v["escalation"]["inspector_arrived_at"] = json!("2026-06-18T01:30:00Z");
        });
        assert_eq!(r, ["escalation_order", "escalation_order"]);
    }
}
