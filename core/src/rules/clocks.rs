//! The clocks the ledger shows, each counted by the calendar the way the law counts:
//!
//! | rule | runs from | period |
//! |---|---|---|
//! | `inspection_60_working_days` | the filing date of a case | 60 working days |
//! | `inspection_90_working_days_extended` | the filing date, with an approved extension | 90 working days |
//! | `mediation_15_days` | the day a mediation application was received | 15 days |
//! | `arbitration_review_15_days` | the day the agreement took effect (its last signature) | 15 days |
//! | `agreement_payment` | — | the payment date the agreement sets |
//!
//! A clock is stored in the index as (rule, start date, period), so that a new calendar
//! recomputes every deadline from the index alone.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::calendar::{self, Calendar};
use crate::model::{AfterSeal, CaseStatus, MediationStatus, Record};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    WorkingDays(u32),
    Days(u32),
    /// Due on the start date itself.
    On,
}

/// A running clock: which rule, from when, for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub rule: String,
    pub from: NaiveDate,
    pub period: Period,
}

/// When a clock runs out, and what to tell people about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    /// Which clock: `inspection_60_working_days`, `mediation_15_days`, ...
    pub rule: String,
    /// The last day (Shanghai).
    pub due_on: NaiveDate,
    /// The end of that day (24:00 Shanghai): overdue from this instant on.
    pub at: DateTime<Utc>,
    /// Set when the calendar does not cover the days counted.
    pub warning: Option<String>,
    /// The clock counts working days (else calendar days).
    pub working_days: bool,
}

impl Deadline {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        now >= self.at
    }

    /// Days left on `today` (Shanghai), in the clock's own days: 0 on the last day; below
    /// zero, the calendar days it is overdue.
    pub fn days_left(&self, today: NaiveDate, cal: &Calendar) -> i64 {
        if today > self.due_on {
            return -(today - self.due_on).num_days();
        }
        if !self.working_days {
            return (self.due_on - today).num_days();
        }
        today
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= self.due_on)
            .filter(|d| cal.is_working_day(*d))
            .count() as i64
    }
}

impl Clock {
    pub fn due(&self, cal: &Calendar) -> Deadline {
        let due = match self.period {
            Period::WorkingDays(n) => cal.working_days_after(self.from, n),
            Period::Days(n) => cal.days_after(self.from, n),
            Period::On => calendar::Due {
                on: self.from,
                warning: None,
            },
        };
        Deadline {
            rule: self.rule.clone(),
            due_on: due.on,
            at: calendar::end_of_day(due.on),
            warning: due.warning,
            working_days: matches!(self.period, Period::WorkingDays(_)),
        }
    }

    /// The period as two numbers for the index: (unit, count); unit 0 working days, 1 days,
    /// 2 on the date.
    pub fn period_code(&self) -> (i64, i64) {
        match self.period {
            Period::WorkingDays(n) => (0, n.into()),
            Period::Days(n) => (1, n.into()),
            Period::On => (2, 0),
        }
    }

    pub fn from_code(rule: String, from: NaiveDate, unit: i64, n: i64) -> Option<Clock> {
        let n = u32::try_from(n).ok()?;
        let period = match unit {
            0 => Period::WorkingDays(n),
            1 => Period::Days(n),
            2 => Period::On,
            _ => return None,
        };
        Some(Clock { rule, from, period })
    }
}

/// The clock that runs for a record now, if any. `closed` says whether a case is really
/// closed (a merged "closed" without a valid closing keeps its clock running); `sealed`
/// whether the record carries a seal.
pub fn clock(record: &Record, after_seal: &AfterSeal, sealed: bool, closed: bool) -> Option<Clock> {
    match record {
        Record::Case(c) if !(c.status == CaseStatus::Closed && closed) => {
            let filed = c.filed_on?;
            let (n, rule) = if c
                .extension
                .as_ref()
                .is_some_and(|e| e.approved_on.is_some() && !e.approved_by.trim().is_empty())
            {
                (
                    calendar::INSPECTION_CLOCK_WORKING_DAYS + calendar::INSPECTION_EXTENSION_WORKING_DAYS,
                    "inspection_90_working_days_extended",
                )
            } else {
                (calendar::INSPECTION_CLOCK_WORKING_DAYS, "inspection_60_working_days")
            };
            Some(Clock {
                rule: rule.into(),
                from: filed,
                period: Period::WorkingDays(n),
            })
        }
        Record::Mediation(m) => match m.status {
            MediationStatus::Applied | MediationStatus::InSession => Some(Clock {
                rule: "mediation_15_days".into(),
                from: calendar::local_date(m.application.received_at?),
                period: Period::Days(calendar::MEDIATION_CLOCK_DAYS),
            }),
            MediationStatus::Agreed if sealed => {
                if after_seal.performed() {
                    None
                } else if !after_seal.review_settled()
                    && m.arbitration_review.as_ref().is_none_or(|r| r.applied_on.is_none())
                {
                    Some(Clock {
                        rule: "arbitration_review_15_days".into(),
                        from: m.effective_on()?,
                        period: Period::Days(calendar::ARBITRATION_REVIEW_DAYS),
                    })
                } else {
                    Some(Clock {
                        rule: "agreement_payment".into(),
                        from: m.agreement.as_ref()?.payment_date?,
                        period: Period::On,
                    })
                }
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Case, Kind, Mediation, RecordKind};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_case_runs_sixty_working_days_from_filing() {
        let cal = Calendar::official();
        let case = Record::Case(Case::example());
        // Filed Wednesday 2026-03-11; 60 working days later, the Qingming (Apr 4-6) and May Day
        // (May 1-5, with Saturday May 9 worked) holidays skipped.
        let due = clock(&case, &AfterSeal::default(), false, false).unwrap().due(&cal);
        assert_eq!(due.rule, "inspection_60_working_days");
        assert_eq!(due.due_on, d("2026-06-08"));
        assert_eq!(
            Calendar::weekends_only().working_days_after(d("2026-03-11"), 60).on,
            d("2026-06-03")
        );
    }

    #[test]
    fn days_left_count_the_clocks_own_days_and_then_the_days_overdue() {
        let cal = Calendar::official();
        let due = clock(&Record::Case(Case::example()), &AfterSeal::default(), false, false)
            .unwrap()
            .due(&cal);
        // Due Monday 2026-06-08. From Thursday the 4th: Friday and Monday are left.
        assert_eq!(due.days_left(d("2026-06-04"), &cal), 2);
        assert_eq!(due.days_left(d("2026-06-05"), &cal), 1);
        assert_eq!(due.days_left(d("2026-06-07"), &cal), 1, "Sunday is no working day");
        assert_eq!(due.days_left(d("2026-06-08"), &cal), 0, "the last day");
        assert_eq!(due.days_left(d("2026-06-10"), &cal), -2, "two calendar days overdue");
        // Over May Day (May 1-5 off, Saturday May 9 worked): after Apr 30, up to May 11, the 6th,
        // 7th, 8th, 9th and 11th are working days.
        let may = Deadline {
            due_on: d("2026-05-11"),
            ..due.clone()
        };
        assert_eq!(may.days_left(d("2026-04-30"), &cal), 5);
    }

    #[test]
    fn the_mediation_clock_counts_days_from_the_day_after_the_application() {
        let mut m = Mediation::example();
        m.application.received_at = "2026-09-22T02:00:00Z".parse().ok();
        let due = clock(&Record::Mediation(m), &AfterSeal::default(), false, false)
            .unwrap()
            .due(&Calendar::official());
        assert_eq!((due.rule.as_str(), due.due_on), ("mediation_15_days", d("2026-10-08")));
        assert_eq!(due.at.to_rfc3339(), "2026-10-08T16:00:00+00:00");
    }

    #[test]
    fn the_review_window_runs_from_the_last_signature_until_the_review_is_recorded() {
        let mut v = Record::example(Kind::Mediation).to_json();
        v["status"] = "agreed".into();
        v["agreement"]["signatures"]["organisation_seal"]["signed_at"] = "2026-03-23T02:00:00Z".into();
        let m = Record::from_json(Kind::Mediation, v).unwrap();
        let mut after = AfterSeal::default();
        let due = clock(&m, &after, true, false).unwrap().due(&Calendar::official());
        // Effective Monday 2026-03-23 (the organisation sealed last); 15 days: Tuesday April 7.
        assert_eq!(
            (due.rule.as_str(), due.due_on),
            ("arbitration_review_15_days", d("2026-04-07"))
        );
        after.arbitration_review = Some(crate::model::ArbitrationReview {
            applied_on: Some(d("2026-03-30")),
            joint_application: true,
            ..Default::default()
        });
        let due = clock(&m, &after, true, false).unwrap().due(&Calendar::official());
        assert_eq!((due.rule.as_str(), due.due_on), ("agreement_payment", d("2026-03-31")));
        after.performance.push(crate::model::Performance {
            on: Some(d("2026-03-31")),
            ..Default::default()
        });
        assert!(clock(&m, &after, true, false).is_none());
    }
}
