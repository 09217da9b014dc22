//! fieldcase-ffi: the phone library, generated for Kotlin (`org.fieldcase`) and Swift
//! (`Fieldcase`) by uniffi. It only maps: every rule lives in fieldcase-core.
//!
//! - Every call that touches the store or the network is `suspend` in Kotlin and `async` in
//!   Swift: it runs on the library's own threads (`background`), never on the caller's, so a
//!   call from the main thread does not block it.
//! - The app brings the network (`HubTransport`: OkHttp on Android, URLSession on iOS): the
//!   library has no HTTP or TLS stack of its own.
//! - Records cross as typed records whose optional fields default (`new_record` gives a draft),
//!   instants as `Instant` / `Date`, money as integer fen.
//! - Errors say what happened (`FieldError`); a panic inside becomes `Internal`, never a crash.

uniffi::setup_scaffolding!();

mod background;
mod error;
mod exchange;
mod form;
mod qr;
mod records;
mod store;
mod sync;
mod transport;
mod words;

pub use error::FieldError;
pub use exchange::{
    new_exchange_code, read_exchange_code, ExchangeCode, ExchangeListener, ExchangeReport, KindCount, PeerExchange,
};
pub use form::{creatable_kinds, form_fields, read_yuan, record_from_form, signature_svg, yuan};
pub use qr::{qr_code, QrBundleReceiver, QrBundleSender, QrPicture, QrReading};
pub use records::{example_record, new_record, FieldConflict, FieldRecord, StoredRecord};
pub use store::{create_store, open_store, FieldStore, KeyProvider, ListenerHandle, RecordListener};
pub use sync::{join_new_store, parse_join_link, CancelToken, JoinLinkInfo, SyncProgress};
pub use transport::{HubResponse, HubTransport};
pub use words::{kind_name, risk_name, status_name};
