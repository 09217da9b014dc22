//! fieldcase-core: the records labour inspectors, grid assistants and mediators keep offline,
//! stored encrypted, merged without loss, sealed once signed.
//!
//! - [`model`]: every record kind as a typed struct.
//! - [`validate`]: field rules (resident ID, USCC, mobile, money, location).
//! - [`calendar`] and [`rules`]: working days, legal clocks, who may do what, what must hold.
//! - [`report`]: the three zeros the office reports upward.
//! - [`Store`]: the encrypted store: create, edit, seal, list, search, conflicts, bundles.

pub mod calendar;
pub mod canonical;
pub mod error;
#[doc(hidden)]
pub mod form;
#[doc(hidden)]
pub mod fuzzing;
pub mod geo;
pub mod ledger_import;
pub mod model;
pub mod money;
pub mod problem;
pub mod report;
pub mod rules;
pub mod sample;
pub mod signature;
pub mod signing;
pub mod store;
pub mod sync;
pub mod time;
pub mod validate;
pub mod warning;
pub mod words;

pub use error::{Error, ErrorKind, Result};
pub use model::{Kind, Record};
pub use store::{
    BundleSummary, Conflict, HistoryEntry, Identity, ImportReport, LedgerQuery, LedgerRow, RefusedChange, Role, Saved,
    Seal, SealStatus, Stamp, Store, StoredRecord,
};

#[cfg(feature = "ffi")]
uniffi::setup_scaffolding!();

/// How instants and dates cross to the phones: instants as the platform's own time type
/// (Kotlin `Instant`, Swift `Date`), dates as ISO `YYYY-MM-DD` text.
#[cfg(feature = "ffi")]
mod ffi_types {
    type DateTimeUtc = chrono::DateTime<chrono::Utc>;
    uniffi::custom_type!(DateTimeUtc, std::time::SystemTime, {
        remote,
        lower: |t| t.into(),
        try_lift: |s| Ok(s.into()),
    });
    type NaiveDate = chrono::NaiveDate;
    uniffi::custom_type!(NaiveDate, String, {
        remote,
        lower: |d| d.format("%Y-%m-%d").to_string(),
        try_lift: |s| Ok(s.parse()?),
    });
}
