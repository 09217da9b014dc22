//! Case rules: which status changes a person may make, and the legal clocks that give each
//! record its deadline.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::calendar::{self, Calendar};
use crate::error::{Error, Result};
use crate::model::{CaseStatus, MediationStatus, Record};
use crate::validate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    pub at: DateTime<Utc>,
    /// Which clock: `inspection_60_working_days`, `mediation_15_days`, ...
    pub rule: &'static str,
}

/// The deadline that applies to a record now, if any. `sealed_at` is when it was signed.
pub fn deadline(record: &Record, sealed_at: Option<DateTime<Utc>>, cal: &Calendar) -> Option<Deadline> {
    match record {
        Record::Case(c) if c.status != CaseStatus::Closed => {
            let filed = c.filed_on?;
            let extended = c.extension.as_ref().is_some_and(|e| e.approved_on.is_some());
            let (days, rule) = if extended {
                (
                    calendar::INSPECTION_CLOCK_WORKING_DAYS + calendar::INSPECTION_EXTENSION_WORKING_DAYS,
                    "inspection_90_working_days_extended",
                )
            } else {
                (calendar::INSPECTION_CLOCK_WORKING_DAYS, "inspection_60_working_days")
            };
            Some(Deadline {
                at: calendar::end_of_day(cal.add_working_days(filed, days)),
                rule,
            })
        }
        Record::Mediation(m) => match m.status {
            MediationStatus::Applied | MediationStatus::InSession => {
                let received = m.application.received_at?;
                Some(Deadline {
                    at: received + Duration::days(calendar::MEDIATION_CLOCK_DAYS),
                    rule: "mediation_15_days",
                })
            }
            MediationStatus::Agreed if m.arbitration_review.as_ref().and_then(|r| r.applied_on).is_none() => {
                let effective = sealed_at?;
                let last_day = calendar::local_date(effective) + Duration::days(calendar::ARBITRATION_REVIEW_DAYS);
                Some(Deadline {
                    at: calendar::end_of_day(last_day),
                    rule: "arbitration_review_15_days",
                })
            }
            _ => None,
        },
        _ => None,
    }
}

/// Refuses a status change a person may not make by editing.
pub fn check_transition(before: &Record, after: &Record) -> Result<()> {
    let (from, to) = (before.status(), after.status());
    if from == to {
        return Ok(());
    }
    let mut p = Problems::new();
    if after.sealed_status() == Some(to.as_str()) {
        p.error(
            "status",
            "status_set_by_signing",
            format!("'{to}' is set by signing (fieldcase seal), not by an edit"),
        );
        return Err(Error::Rule(p.list));
    }
    let allowed = after
        .transitions()
        .iter()
        .any(|(f, t)| (*f == "*" || *f == from) && *t == to);
    if !allowed {
        p.error(
            "status",
            "status_transition",
            format!("a {} cannot go from '{from}' to '{to}'", after.kind()),
        );
        return Err(Error::Rule(p.list));
    }
    if let Record::Case(c) = after {
        if c.status == CaseStatus::Closed {
            let problems = c.closing_problems();
            if problems.has_errors() {
                return Err(Error::Rule(problems.errors()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Mediation, RecordKind, SignOff};

    fn case(status: &str) -> Record {
        let mut v = Record::example(Kind::Case).to_json();
        v["status"] = status.into();
        Record::from_json(Kind::Case, v).unwrap()
    }

    #[test]
    fn a_case_closes_only_with_resolution_and_sign_off() {
        let before = case("in_progress");
        let e = check_transition(&before, &case("closed")).unwrap_err();
        let rules: Vec<_> = e.problems().iter().map(|p| p.rule.as_str()).collect();
        assert_eq!(rules, ["resolution_before_close", "sign_off_before_close"]);
        let mut v = case("closed").to_json();
        v["resolution"] = serde_json::json!({"kind": "paid_in_full", "on": "2026-03-30"});
        v["sign_off"] = serde_json::to_value(SignOff {
            by: "王五".into(),
            at: "2026-03-30T08:00:00Z".parse().ok(),
        })
        .unwrap();
        let wrong_person = Record::from_json(Kind::Case, v.clone()).unwrap();
        assert_eq!(
            check_transition(&before, &wrong_person).unwrap_err().problems()[0].rule,
            "sign_off_by_responsible_person"
        );
        v["sign_off"]["by"] = "张丽".into();
        assert!(check_transition(&before, &Record::from_json(Kind::Case, v).unwrap()).is_ok());
    }

    #[test]
    fn signed_statuses_come_only_from_sealing() {
        let m = Record::Mediation(Mediation::example());
        let mut v = m.to_json();
        v["status"] = "agreed".into();
        let e = check_transition(&m, &Record::from_json(Kind::Mediation, v).unwrap()).unwrap_err();
        assert_eq!(e.problems()[0].rule, "status_set_by_signing");
    }

    #[test]
    fn clocks() {
        let cal = Calendar::default();
        // Filed Wednesday 2026-03-11; 60 working days later is Wednesday 2026-06-03.
        let d = deadline(&case("open"), None, &cal).unwrap();
        assert_eq!(d.rule, "inspection_60_working_days");
        assert_eq!(calendar::local_date(d.at).to_string(), "2026-06-03");
        assert!(deadline(&case("closed"), None, &cal).is_none());
        let m = Record::Mediation(Mediation::example());
        let d = deadline(&m, None, &cal).unwrap();
        assert_eq!(
            (d.rule, d.at.to_rfc3339().as_str()),
            ("mediation_15_days", "2026-03-28T01:00:00+00:00")
        );
    }
}
