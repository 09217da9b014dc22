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
