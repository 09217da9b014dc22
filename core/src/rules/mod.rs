//! The legal and case rules, in one place, applied on every path a record takes:
//!
//! - [`clocks`]: which deadline runs for a record, counted by the calendar;
//! - [`roles`]: who may create, edit, close, seal and resolve what;
//! - [`state`]: what must hold of a record whatever path it took (a closed case has a
//!   resolution and a valid sign-off, a signed status has a seal, ...). A local change that
//!   breaks one is refused; a merged state that breaks one is listed as a rule conflict;
//! - status transitions, below: which status changes a person may make by editing.
//!
//! `core/RULES.md` maps each rule of domain.md to where it is enforced and the tests.

pub mod clocks;
pub mod roles;
pub mod state;

pub use clocks::{Clock, Deadline, Period};

use crate::error::{Error, Result};
use crate::model::Record;
use crate::validate::Problem;

/// Refuses a status change a person may not make by editing.
pub fn check_transition(before: &Record, after: &Record) -> Result<()> {
    let (from, to) = (before.status(), after.status());
    if from == to {
        return Ok(());
    }
    if after.sealed_status() == Some(to.as_str()) {
        return Err(refused(
            "status",
            "status_set_by_signing",
            format!("'{to}' is set by signing (fieldcase seal), not by an edit"),
        ));
    }
    let allowed = after
        .transitions()
        .iter()
        .any(|(f, t)| (*f == "*" || *f == from) && *t == to);
    if !allowed {
        return Err(refused(
            "status",
            "status_transition",
            format!("a {} cannot go from '{from}' to '{to}'", after.kind()),
        ));
    }
    Ok(())
}

/// What a running clock counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum ClockUnit {
    WorkingDays,
    Days,
}

pub use crate::model::StatusAction;

/// A status a record may be given now, by whom is asking: allowed, or why not (the rule's
/// sentence). The screens show these; they decide nothing themselves.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct StatusChoice {
    pub to: crate::model::LedgerStatus,
    pub action: StatusAction,
    /// What the button says.
    pub label: String,
    pub allowed: bool,
    pub why_not: Option<String>,
}

/// The status changes `record` may take now from its status, for a person of `role` named
/// `user`: every edit to another status the record's kind allows (statuses set by signing are
/// not edits), with who may make it. Closing and reopening a case also need the responsible
/// person (or the office); the resolution itself is checked when the case is closed.
pub fn status_choices(record: &Record, role: crate::model::Role, user: &str) -> Vec<StatusChoice> {
    use crate::model::{LedgerStatus, Role};
    let from = record.status();
    let kind = record.kind();
    let signed = record.sealed_status();
    let mut out = vec![];
    for (f, t) in record.transitions() {
        if !(*f == "*" || *f == from) || *t == from || signed == Some(*t) {
            continue;
        }
        let Ok(to) = t.parse::<LedgerStatus>() else { continue };
        let action = if *t == "closed" {
            StatusAction::Close
        } else if from == "closed" {
            StatusAction::Reopen
        } else {
            StatusAction::Change
        };
        let role_action = match action {
            StatusAction::Close => roles::Action::Close,
            StatusAction::Reopen => roles::Action::Reopen,
            StatusAction::Change => roles::Action::Edit,
        };
        let mut why_not = roles::check(role, role_action, kind)
            .err()
            .and_then(|e| e.problems().first().map(|p| p.in_chinese.clone()));
        if why_not.is_none() && action != StatusAction::Change && role != Role::Office {
            if let Record::Case(c) = record {
                if c.responsible_person.as_deref().map(str::trim) != Some(user) {
                    why_not = Some(crate::words::sentence("close_by_responsible_person", "status").to_string());
                }
            }
        }
        out.push(StatusChoice {
            to,
            action,
            label: crate::words::status_change_name(action, to).to_string(),
            allowed: why_not.is_none(),
            why_not,
        });
    }
    out
}

/// A refusal by a rule (exit 3 in the command line).
pub(crate) fn refused(field: &str, rule: &str, message: impl Into<String>) -> Error {
    Error::Rule(vec![Problem::new(
        field,
        rule,
        message,
        crate::validate::Severity::Error,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Mediation, RecordKind};

    #[test]
    fn signed_statuses_come_only_from_sealing() {
        let m = Record::Mediation(Mediation::example());
        let mut v = m.to_json();
        v["status"] = "agreed".into();
        let e = check_transition(&m, &Record::from_json(Kind::Mediation, v).unwrap()).unwrap_err();
        assert_eq!(e.problems()[0].rule, "status_set_by_signing");
    }
}
