//! fieldcase-core: the records labour inspectors, grid assistants and mediators keep offline,
//! stored encrypted, merged without loss, sealed once signed.
//!
//! - [`model`]: every record kind as a typed struct.
//! - [`validate`]: field rules (resident ID, USCC, mobile, money, location).
//! - [`calendar`] and [`rules`]: working days, legal clocks, status changes.
//! - [`Store`]: the encrypted store: create, edit, seal, list, search, conflicts, bundles.

pub mod calendar;
pub mod error;
pub mod geo;
pub mod model;
pub mod rules;
pub mod sample;
pub mod store;
pub mod sync;
pub mod validate;

pub use error::{Error, ErrorKind, Result};
pub use model::{Kind, Record};
pub use store::{
    BundleSummary, Conflict, HistoryEntry, Identity, ImportReport, LedgerQuery, LedgerRow, RefusedChange, Role, Saved,
    Seal, SealStatus, Stamp, Store, StoredRecord,
};
