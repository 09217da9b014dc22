//! What is recorded about a signed record after it is sealed: the arbitration review of a
//! mediation agreement (仲裁审查确认), whether the agreement was performed, and notes (such as
//! the correction that replaces a sealed inspection). It lives in the record's document
//! beside the sealed content, never inside it, so the seal still holds and the ledger's clocks
//! can read what happened next.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Date, Fen, Instant, Kind};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The arbitration commission confirmed the agreement (确认有效).
    Confirmed,
    /// It refused to confirm it (不予确认).
    Refused,
}

/// The joint application for arbitration review of a mediation agreement.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ArbitrationReview {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub applied_on: Option<Date>,
    /// Both parties applied together, as the review requires.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub joint_application: bool,
    /// The parties chose not to apply: the review window no longer runs.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub declined: bool,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub outcome: Option<ReviewOutcome>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub outcome_on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub note: Option<String>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceResult {
    #[default]
    PaidOnTime,
    PaidLate,
    PartlyPaid,
    NotPaid,
}

impl PerformanceResult {
    /// The agreement is performed: nothing is owed any more.
    pub fn settled(self) -> bool {
        matches!(self, PerformanceResult::PaidOnTime | PerformanceResult::PaidLate)
    }
}

/// Whether the employer paid what the agreement says.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Performance {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub on: Option<Date>,
    pub result: PerformanceResult,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_paid_fen: Option<Fen>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub note: Option<String>,
}

/// A note on a sealed record; `correction_id` names the record that corrects it.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AfterSealNote {
    /// Set by the store: when and by whom.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub by: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub text: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub correction_id: Option<String>,
}

/// Everything recorded after sealing.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AfterSeal {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub arbitration_review: Option<ArbitrationReview>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub performance: Vec<Performance>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub notes: Vec<AfterSealNote>,
}

impl AfterSeal {
    pub fn is_empty(&self) -> bool {
        *self == AfterSeal::default()
    }

    /// The review clock stops once the review is applied for or declined.
    pub fn review_settled(&self) -> bool {
        self.arbitration_review
            .as_ref()
            .is_some_and(|r| r.applied_on.is_some() || r.declined)
    }

    /// The agreement is performed: the last performance entry says it was paid.
    pub fn performed(&self) -> bool {
        self.performance
            .iter()
            .filter(|p| p.on.is_some())
            .max_by_key(|p| p.on)
            .is_some_and(|p| p.result.settled())
    }

    /// Checks what was recorded against the record it follows: `effective` is the day the
    /// mediation agreement took effect.
    pub fn check(&self, kind: Kind, effective: Option<Date>, p: &mut Problems) {
        let mediation = kind == Kind::Mediation;
        if let Some(r) = &self.arbitration_review {
            p.at("arbitration_review", |p| {
                if !mediation {
                    p.error(
                        "",
                        "review_of_mediation",
                        "only a mediation agreement goes to arbitration review",
                    );
                    return;
                }
                if let Some(on) = r.applied_on {
                    p.not_future("applied_on", Some(crate::time::start_of_day(on)));
                    if !r.joint_application {
                        p.error(
                            "joint_application",
                            "review_applied_jointly",
                            "arbitration review is applied for jointly by both parties",
                        );
                    }
                    if let Some(eff) = effective {
                        if on < eff {
                            p.error(
                                "applied_on",
                                "review_after_effect",
                                format!("the agreement took effect on {eff}; a review cannot be applied for before"),
                            );
                        }
                    }
                    if r.declined {
                        p.error(
                            "declined",
                            "review_applied_or_declined",
                            "a review cannot be both applied for and declined",
                        );
                    }
                }
                if r.outcome.is_some() && r.applied_on.is_none() {
                    p.error(
                        "outcome",
                        "outcome_after_application",
                        "an outcome needs the application date",
                    );
                }
                if let (Some(a), Some(o)) = (r.applied_on, r.outcome_on) {
                    if o < a {
                        p.error(
                            "outcome_on",
                            "period_order",
                            "the outcome is dated before the application",
                        );
                    }
                }
            });
        }
        for (i, perf) in self.performance.iter().enumerate() {
            p.at("performance", |p| {
                p.at(i, |p| {
                    if !mediation {
                        p.error(
                            "",
                            "performance_of_mediation",
                            "performance is recorded for mediation agreements",
                        );
                    }
                    p.require(perf.on.is_some(), "on");
                    p.not_future("on", perf.on.map(crate::time::start_of_day));
                    p.money("amount_paid_fen", perf.amount_paid_fen);
                })
            });
        }
        for (i, n) in self.notes.iter().enumerate() {
            p.at("notes", |p| {
                p.at(i, |p| {
                    if n.text.trim().is_empty() && n.correction_id.is_none() {
                        p.error(
                            "text",
                            "required",
                            "a note says something or names the correcting record",
                        );
                    }
                })
            });
        }
    }
}
