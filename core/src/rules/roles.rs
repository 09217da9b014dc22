//! Who may do what. The store asks here before every local change; the hub asks here before
//! it takes a device's changes. A refusal names the rule (`role_may_seal`, ...) and is a
//! "refused" error (exit 3).
//!
//! | kind | create | edit | close / reopen | seal | after sealing |
//! |---|---|---|---|---|---|
//! | employer | inspector, grid, office | inspector, grid, office (blacklisting: office) | | | |
//! | project | inspector, office | inspector, office | | | |
//! | case | inspector, grid, office | inspector, grid, mediator, office (assigning the responsible leader and person: office) | the responsible person, or the office | | |
//! | inspection | inspector | inspector | | inspector | inspector, office |
//! | interview | inspector | inspector | | inspector | inspector, office |
//! | incident | grid, inspector, office | grid, inspector, office | inspector, office | | |
//! | mediation | mediator, office | mediator, office | | mediator | mediator, office |
//! | calendar | office | office | | | |
//!
//! Resolving a conflict is an edit. Sign-offs and seals always carry the store's own user,
//! never a typed name.

use crate::error::{Error, Result};
use crate::model::{Kind, Role};
use crate::validate::{Problem, Severity};
use crate::words;

use Role::{Grid, Inspector, Mediator, Office};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Edit,
    /// Close a case or an incident.
    Close,
    /// Take a closed case back into work.
    Reopen,
    Seal,
    /// Record what happened after sealing (review, performance, notes).
    AfterSeal,
    /// Assign a case's responsible leader and person.
    Assign,
    /// Put an employer on the blacklist, or take it off.
    Blacklist,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Edit => "edit",
            Action::Close => "close",
            Action::Reopen => "reopen",
            Action::Seal => "seal",
            Action::AfterSeal => "record_after_seal",
            Action::Assign => "assign",
            Action::Blacklist => "blacklist",
        }
    }

    fn chinese(self) -> &'static str {
        match self {
            Action::Create => "新建",
            Action::Edit => "修改",
            Action::Close => "办结",
            Action::Reopen => "重新办理",
            Action::Seal => "签署",
            Action::AfterSeal => "补充记录",
            Action::Assign => "指定责任人",
            Action::Blacklist => "列入黑名单",
        }
    }
}

/// The roles that may take `action` on a record of `kind`. Closing a case also needs the
/// responsible person (checked by the store, which knows who that is).
pub fn allowed(action: Action, kind: Kind) -> &'static [Role] {
    match (kind, action) {
        (Kind::Employer, Action::Create | Action::Edit) => &[Inspector, Grid, Office],
        (Kind::Employer, Action::Blacklist) => &[Office],
        (Kind::Project, Action::Create | Action::Edit) => &[Inspector, Office],
        (Kind::Case, Action::Create) => &[Inspector, Grid, Office],
        (Kind::Case, Action::Edit) => &[Inspector, Grid, Mediator, Office],
        (Kind::Case, Action::Close | Action::Reopen) => &[Inspector, Grid, Mediator, Office],
        (Kind::Case, Action::Assign) => &[Office],
        (Kind::Inspection | Kind::Interview, Action::Create | Action::Edit | Action::Seal) => &[Inspector],
        (Kind::Inspection | Kind::Interview, Action::AfterSeal) => &[Inspector, Office],
        (Kind::Incident, Action::Create | Action::Edit) => &[Grid, Inspector, Office],
        (Kind::Incident, Action::Close | Action::Reopen) => &[Inspector, Office],
        (Kind::Mediation, Action::Create | Action::Edit) => &[Mediator, Office],
        (Kind::Mediation, Action::Seal) => &[Mediator],
        (Kind::Mediation, Action::AfterSeal) => &[Mediator, Office],
        (Kind::Calendar, Action::Create | Action::Edit) => &[Office],
        _ => &[],
    }
}

/// The kinds of record a person of `role` may create, in the order menus list them.
pub fn creatable(role: Role) -> Vec<Kind> {
    Kind::ALL
        .iter()
        .copied()
        .filter(|k| may(role, Action::Create, *k))
        .collect()
}

pub fn may(role: Role, action: Action, kind: Kind) -> bool {
    allowed(action, kind).contains(&role)
}

/// Refuses `action` on `kind` for `role`, naming the rule and who may.
pub fn check(role: Role, action: Action, kind: Kind) -> Result<()> {
    if may(role, action, kind) {
        return Ok(());
    }
    let who: Vec<&str> = allowed(action, kind).iter().map(|r| r.as_str()).collect();
    let message = if who.is_empty() {
        format!("a {kind} cannot be {}ed ({})", action.as_str(), action.chinese())
    } else {
        let article = if role.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!(
            "{article} {} may not {} a {kind} ({}); only: {}",
            role.as_str(),
            action.as_str().replace('_', " "),
            action.chinese(),
            who.join(", ")
        )
    };
    let rule = format!("role_may_{}", action.as_str());
    let said = if who.is_empty() {
        format!("{}不需要{}", words::kind_name(kind), action.chinese())
    } else {
        let names: Vec<&str> = allowed(action, kind).iter().map(|r| words::role_name(*r)).collect();
        format!(
            "{}不能{}{}；可以{}的是：{}",
            words::role_name(role),
            action.chinese(),
            words::kind_name(kind),
            action.chinese(),
            names.join("、")
        )
    };
    Err(Error::Rule(vec![
        Problem::new("", rule, message, Severity::Error).saying(said)
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_assistant_records_incidents_but_seals_nothing() {
        assert!(may(Grid, Action::Create, Kind::Incident));
        assert!(!may(Grid, Action::Seal, Kind::Inspection));
        assert!(!may(Grid, Action::Create, Kind::Inspection));
        let e = check(Grid, Action::Seal, Kind::Inspection).unwrap_err();
        assert_eq!(e.problems()[0].rule, "role_may_seal");
        assert!(e.to_string().contains("only: inspector"), "{e}");
        assert!(!may(Inspector, Action::Edit, Kind::Calendar));
        assert!(may(Office, Action::Edit, Kind::Calendar));
    }
}
