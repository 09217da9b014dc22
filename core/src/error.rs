//! One rich internal error, and the small set of kinds callers act on (`ErrorKind`): the CLI
//! maps kinds to exit codes, the phone bindings to their public error enum.

use crate::problem::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a field rule: wrong ID number, unknown field, wrong type.
    #[error("{}", join(.0))]
    Invalid(Vec<Problem>),
    /// Well-formed input that a rule refuses: closing a case without resolution, a status
    /// change that is not allowed, signing an incomplete record.
    #[error("refused: {}", join(.0))]
    Rule(Vec<Problem>),
    #[error("record {id} is sealed (signed and frozen); record a correction that refers to it instead")]
    Sealed { id: String },
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    #[error("refused whole, nothing applied: {0}")]
    Rejected(String),
    #[error("cannot open the store at {path}: wrong key, or not a Fieldcase store")]
    WrongKey { path: String },
    #[error("store at {path}: {message}")]
    BadStore { path: String, message: String },
    #[error("the disk is full; nothing was lost, but this change was not saved")]
    DiskFull,
    #[error("database: {0}")]
    Storage(rusqlite::Error),
    #[error("record document: {0}")]
    Document(#[from] automerge::AutomergeError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not allowed: {0}")]
    Unauthorised(String),
    #[error("network: {0}")]
    Network(String),
    #[error("cancelled; what had arrived is kept and the next sync resumes from there")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

fn join(problems: &[Problem]) -> String {
    problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull,
            // A sync's apply interrupted by its cancel: the transaction rolled back whole.
            Some(rusqlite::ErrorCode::OperationInterrupted) => Error::Cancelled,
            _ => Error::Storage(e),
        }
    }
}

/// What a caller can do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Fix the input (exit 2 in the CLI).
    Invalid,
    /// The rules refuse it; sealed records included (exit 3).
    Refused,
    NotFound,
    /// The device is not enrolled, or was revoked.
    Unauthorised,
    /// The hub could not be reached or the connection was cut; try again.
    Network,
    /// Storage, disk or internal trouble (exit 1).
    Failed,
}

impl Error {
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![Problem::new(
            field,
            rule,
            message,
            crate::problem::Severity::Error,
        )])
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) | Error::Rejected(_) => ErrorKind::Invalid,
            Error::Rule(_) | Error::Sealed { .. } => ErrorKind::Refused,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Unauthorised(_) => ErrorKind::Unauthorised,
            Error::Network(_) | Error::Cancelled => ErrorKind::Network,
            _ => ErrorKind::Failed,
        }
    }

    /// The first field named by the error, if any.
    pub fn field(&self) -> Option<String> {
        match self {
            Error::Invalid(p) | Error::Rule(p) => p.first().map(|p| p.field.clone()),
            _ => None,
        }
    }

    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Invalid(p) | Error::Rule(p) => p,
            _ => &[],
        }
    }

    /// The same problems, those of the record as a whole placed at `field` (a rule about who
    /// may change a field says which field). Their sentences stay as they were.
    pub fn at_field(mut self, field: &str) -> Self {
        if let Error::Invalid(p) | Error::Rule(p) = &mut self {
            for problem in p.iter_mut().filter(|p| p.field.is_empty()) {
                problem.field = field.to_string();
            }
        }
        self
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
