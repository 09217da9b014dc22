//! What went wrong, in terms a phone can act on: every invalid field at once, a refusal with
//! the rule, and the store's troubles told apart (wrong key, full disk, cancelled, network).

use fieldcase_core::validate::{Problem, Severity};
use fieldcase_core::Error;

#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum FieldError {
    /// Values break field rules: show each problem next to the field it names.
    #[error("{}", join(problems))]
    InvalidFields { problems: Vec<Problem> },
    /// A rule refuses the change (closing without a resolution, a role that may not, ...).
    #[error("{}", join(problems))]
    Refused { problems: Vec<Problem> },
    /// The record is signed and sealed: offer to record a correction instead.
    #[error("record {id} is sealed (signed and frozen)")]
    Sealed { id: String },
    #[error("{detail}")]
    NotFound { detail: String },
    /// The store's key is not this store's (or the files are not a Fieldcase store).
    #[error("{detail}")]
    WrongKey { detail: String },
    /// The phone's storage is full: nothing saved was lost; free space and try again.
    #[error("{detail}")]
    DiskFull { detail: String },
    /// Cancelled by the user: what arrived is kept.
    #[error("{detail}")]
    Cancelled { detail: String },
    /// The hub could not be reached or the link dropped: try again.
    #[error("{detail}")]
    Network { detail: String },
    /// This device is not enrolled at the hub, or was revoked.
    #[error("{detail}")]
    Unauthorised { detail: String },
    /// The store could not be read or written (damaged files, the file system).
    #[error("{detail}")]
    Storage { detail: String },
    /// A fault of the library itself (it was caught; nothing was saved).
    #[error("{detail}")]
    Internal { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FieldError {
    /// The app's transport threw something other than a `FieldError`.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        FieldError::Network {
            detail: format!("the app's transport failed: {}", e.reason),
        }
    }
}

/// Which kind of trouble a `FieldError` is, with the platform's own case names
/// (`FieldErrorKind.INVALID_FIELDS` in Kotlin, `.invalidFields` in Swift): what a screen
/// switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FieldErrorKind {
    InvalidFields,
    Refused,
    Sealed,
    NotFound,
    WrongKey,
    DiskFull,
    Cancelled,
    Network,
    Unauthorised,
    Storage,
    Internal,
}

#[uniffi::export]
impl FieldError {
    /// Which kind of trouble this is.
    pub fn kind(&self) -> FieldErrorKind {
        match self {
            FieldError::InvalidFields { .. } => FieldErrorKind::InvalidFields,
            FieldError::Refused { .. } => FieldErrorKind::Refused,
            FieldError::Sealed { .. } => FieldErrorKind::Sealed,
            FieldError::NotFound { .. } => FieldErrorKind::NotFound,
            FieldError::WrongKey { .. } => FieldErrorKind::WrongKey,
            FieldError::DiskFull { .. } => FieldErrorKind::DiskFull,
            FieldError::Cancelled { .. } => FieldErrorKind::Cancelled,
            FieldError::Network { .. } => FieldErrorKind::Network,
            FieldError::Unauthorised { .. } => FieldErrorKind::Unauthorised,
            FieldError::Storage { .. } => FieldErrorKind::Storage,
            FieldError::Internal { .. } => FieldErrorKind::Internal,
        }
    }

    /// The fields at fault, each with its rule and sentences (for invalid fields and
    /// refusals; empty for the other kinds): show each next to the field it names.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            FieldError::InvalidFields { problems } | FieldError::Refused { problems } => problems.clone(),
            _ => vec![],
        }
    }

    /// What went wrong in English, with the rule (for logs): Kotlin's `toString()`, Swift's
    /// `description`.
    pub fn in_english(&self) -> String {
        self.to_string()
    }

    /// What went wrong, as a field worker reads it (the core's words, the same on both
    /// phones): each problem's sentence for invalid fields and refusals, else the error's.
    pub fn in_chinese(&self) -> String {
        use fieldcase_core::words::sentences::failure;
        match self {
            FieldError::InvalidFields { problems } | FieldError::Refused { problems } => problems
                .iter()
                .map(|p| p.in_chinese.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            FieldError::Sealed { .. } => failure("sealed").into(),
            FieldError::NotFound { .. } => failure("not_found").into(),
            FieldError::WrongKey { .. } => failure("wrong_key").into(),
            FieldError::DiskFull { .. } => failure("disk_full").into(),
            FieldError::Cancelled { .. } => failure("cancelled").into(),
            FieldError::Network { .. } => failure("network").into(),
            FieldError::Unauthorised { .. } => failure("unauthorised").into(),
            FieldError::Storage { .. } => failure("storage").into(),
            FieldError::Internal { .. } => failure("internal").into(),
        }
    }
}

impl FieldError {
    /// One invalid field.
    pub(crate) fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        FieldError::InvalidFields {
            problems: vec![Problem::new(field, rule, message, Severity::Error)],
        }
    }
}

fn join(problems: &[Problem]) -> String {
    problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")
}

impl From<Error> for FieldError {
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e {
            Error::Invalid(problems) => FieldError::InvalidFields { problems },
            Error::Rule(problems) => FieldError::Refused { problems },
            Error::Rejected(message) => FieldError::InvalidFields {
                problems: vec![Problem::new("", "rejected", message, Severity::Error)],
            },
            Error::Sealed { id } => FieldError::Sealed { id },
            Error::NotFound { .. } => FieldError::NotFound { detail },
            Error::WrongKey { .. } => FieldError::WrongKey { detail },
            Error::DiskFull => FieldError::DiskFull { detail },
            Error::Cancelled => FieldError::Cancelled { detail },
            Error::Network(_) => FieldError::Network { detail },
            Error::Unauthorised(_) => FieldError::Unauthorised { detail },
            Error::Internal(_) => FieldError::Internal { detail },
            Error::Io(ref io) if io.raw_os_error() == Some(28) => FieldError::DiskFull { detail },
            Error::BadStore { .. } | Error::Storage(_) | Error::Document(_) | Error::Io(_) => {
                FieldError::Storage { detail }
            }
        }
    }
}

impl From<FieldError> for Error {
    /// An error the app's transport raised, as the core sees it.
    fn from(e: FieldError) -> Self {
        match e {
            FieldError::Cancelled { .. } => Error::Cancelled,
            FieldError::Unauthorised { detail } => Error::Unauthorised(detail),
            e => Error::Network(e.to_string()),
        }
    }
}
