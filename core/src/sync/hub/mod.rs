//! The hub's half of sync, without any HTTP: devices, their enrolment and the registry the hub
//! signs (here), a sync session (`session`), attachments (`attachments`). The hub is an
//! ordinary store; its change feed numbers every change it takes in, and a device's cursor says
//! which of them it already holds.

mod attachments;
pub mod routes;
mod session;

pub use routes::{handle, status_of, Reply, Route};
pub use session::{serve_sync, Answer};

use crate::model::{Kind, Role, DISTRICT};
use crate::rules::roles::{self, Action};
pub(crate) use crate::store::doc::whole_record;
pub use crate::store::{Device, Enrolment, JoinRequest, Joined};

impl Device {
    /// The device a registry entry names, as far as the entry says (for the rules a change
    /// carried for it is held to).
    pub(crate) fn from_entry(e: &crate::signing::RegistryEntry) -> Device {
        Device {
            id: e.device.clone(),
            township: e.township.clone(),
            role: e.role,
            user: e.user.clone(),
            enrolled_at: e.enrolled_at,
            revoked_at: e.revoked_at,
            last_sync_at: None,
            actor: Some(e.actor.clone()),
            public_key: Some(e.public_key.clone()),
        }
    }

    /// Records of its township, and district-wide ones (the calendar); the office sees all.
    pub fn sees(&self, township: &str) -> bool {
        self.role == Role::Office || self.township == township || township == DISTRICT
    }

    /// Whether this device may change a record of `township` and `kind`: in its scope,
    /// district-wide records by the office only, and kinds its role may edit.
    pub(crate) fn may_change(&self, township: &str, kind: Kind) -> std::result::Result<(), String> {
        if township == DISTRICT && self.role != Role::Office {
            return Err("only the office changes district-wide records (the calendar)".into());
        }
        if !self.sees(township) {
            return Err("not accepted from this device: outside its township".into());
        }
        if !(roles::may(self.role, Action::Edit, kind) || roles::may(self.role, Action::Create, kind)) {
            return Err(format!("a {} device may not change a {kind}", self.role.as_str()));
        }
        Ok(())
    }
}
