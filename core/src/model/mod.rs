//! The records field workers keep, one file a kind. Every kind is a plain serde struct whose
//! fields are all optional while it is a draft; `check` with `full` says what signing or
//! closing still needs. The JSON form of these structs is what the store writes into each
//! record's automerge document, what `fieldcase show` prints and what `new` accepts.

mod after_seal;
mod calendar;
mod case;
mod employer;
mod incident;
mod inspection;
mod interview;
mod mediation;
mod project;

pub use after_seal::*;
pub use calendar::*;
pub use case::*;
pub use employer::*;
pub use incident::*;
pub use inspection::*;
pub use interview::*;
pub use mediation::*;
pub use project::*;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::validate::Problems;

pub use crate::geo::{Location, LocationSource};

/// The schema version written into every record. Raise it with a migration in `migrate`.
pub const SCHEMA_VERSION: u32 = 1;

/// Money is integer fen (分); floating point is refused when a record is read.
pub type Fen = i64;
pub type Instant = DateTime<Utc>;
pub type Date = NaiveDate;

/// The township of records that hold for the whole district (the working calendar): every
/// device receives them, and only the office changes them.
pub const DISTRICT: &str = "*";

// Enum values' names (`snake_case`, as serde writes them in records) come from one derive
// (`strum`): parsing, printing and the list of values, never written out by hand.
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[strum(parse_err_ty = Error, parse_err_fn = not_a_kind)]
pub enum Kind {
    Employer,
    Project,
    Case,
    Inspection,
    Interview,
    Incident,
    Mediation,
    /// The office's working calendar of one year.
    Calendar,
}

fn one_of<T: strum::VariantArray + Copy + Into<&'static str>>() -> String {
    T::VARIANTS
        .iter()
        .map(|v| (*v).into())
        .collect::<Vec<&str>>()
        .join(", ")
}

fn not_a_kind(s: &str) -> Error {
    Error::invalid(
        "kind",
        "known_kind",
        format!("'{s}' is not a record kind; kinds are {}", one_of::<Kind>()),
    )
}

impl Kind {
    /// Every kind, in the order menus list them.
    pub const ALL: &'static [Kind] = <Kind as strum::VariantArray>::VARIANTS;

    /// The value's name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Kinds that are signed and then sealed.
    pub fn is_sealable(self) -> bool {
        matches!(self, Kind::Inspection | Kind::Interview | Kind::Mediation)
    }
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[strum(parse_err_ty = Error, parse_err_fn = not_a_risk_level)]
pub enum RiskLevel {
    High,
    #[default]
    Medium,
    Low,
}

impl RiskLevel {
    /// The value's name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn not_a_risk_level(s: &str) -> Error {
    Error::invalid(
        "risk_level",
        "known_risk_level",
        format!("'{s}' is not a risk level; risk levels are {}", one_of::<RiskLevel>()),
    )
}

/// What a person does in the field or the office; decides what they may do (`rules::roles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[strum(parse_err_ty = Error, parse_err_fn = not_a_role)]
pub enum Role {
    Inspector,
    Grid,
    Mediator,
    Office,
}

impl Role {
    /// The value's name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn not_a_role(s: &str) -> Error {
    Error::invalid(
        "role",
        "known_role",
        format!("'{s}' is not a role; roles are {}", one_of::<Role>()),
    )
}

/// A record's status as the ledger counts it, over every kind: a case whose merged state says
/// "closed" without a valid closing stays `InProgress` here until a person settles the rule
/// conflict; a signed status without a seal stays a draft; a record that cannot be read is
/// `Unreadable` (listed, so that a person sees it).
/// What changing a record's status to another is, for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum StatusAction {
    /// An ordinary change of status (a case taken into work, an incident responded to).
    Change,
    /// Closing: a case needs its resolution, and the sign-off is written by the store.
    Close,
    /// Taking a closed record back into work.
    Reopen,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[strum(parse_err_ty = Error, parse_err_fn = not_a_status)]
pub enum LedgerStatus {
    // Cases.
    Open,
    InProgress,
    Closed,
    // Incidents.
    Reported,
    Responding,
    HandedOver,
    // Mediations.
    Applied,
    InSession,
    Agreed,
    NoAgreement,
    Withdrawn,
    // Inspections and interviews.
    Draft,
    Signed,
    // Employers.
    Active,
    Monitored,
    Blacklisted,
    Deregistered,
    // Projects.
    UnderConstruction,
    Suspended,
    Completed,
    /// A year's working calendar.
    InForce,
    Unreadable,
}

impl LedgerStatus {
    /// The value's name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A record's own status (its `status` field), as the ledger names it.
    pub fn of(record: &Record) -> LedgerStatus {
        match record.kind() {
            Kind::Calendar => LedgerStatus::InForce,
            _ => record.status().parse().unwrap_or(LedgerStatus::Unreadable),
        }
    }
}

fn not_a_status(s: &str) -> Error {
    Error::invalid(
        "status",
        "known_status",
        format!("'{s}' is not a status; statuses are {}", one_of::<LedgerStatus>()),
    )
}

/// A file kept beside the database and named by its SHA-256; never stored in a document.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AttachmentRef {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub sha256: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub mime: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub size: i64,
    /// photo, audio, signature, scan: free text so new uses need no release.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub purpose: Option<String>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// This record is about that one (an inspection about a project, a case about an employer).
    #[default]
    About,
    /// This record corrects that sealed record.
    Corrects,
    /// This record follows from that one (a case opened from an incident).
    FollowsFrom,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Link {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub id: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub kind: Option<Kind>,
    pub relation: Relation,
}

/// A signature: who signed, when, and the image of the signature if one was captured.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Signature {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub signed_at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub image_sha256: Option<String>,
}

impl Signature {
    pub fn is_signed(&self) -> bool {
        !self.name.trim().is_empty() && self.signed_at.is_some()
    }

    fn check(&self, p: &mut Problems) {
        if let Some(h) = &self.image_sha256 {
            p.sha256("image_sha256", h);
        }
    }
}

/// An inspector, with the credential number shown on site.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Inspector {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub credential_number: String,
}

/// What the index needs of a record so that lists and search never load documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub title: String,
    pub risk: Option<RiskLevel>,
    pub responsible: Option<String>,
    /// Names, company names, ID numbers, phones, addresses: whatever someone may search by.
    pub search: Vec<String>,
}

/// What every record kind provides.
pub trait RecordKind: Serialize + DeserializeOwned + JsonSchema + Default + Clone + PartialEq {
    const KIND: Kind;
    /// A complete, valid record: the template shown by `fieldcase example`.
    fn example() -> Self;
    /// Checks present values always and, when `full`, completeness for signing or closing.
    fn check(&self, p: &mut Problems, full: bool);
    fn summary(&self) -> Summary;
    fn township(&self) -> &str;
    fn schema_version(&self) -> u32;
    fn set_schema_version(&mut self, v: u32);
    fn attachments(&self) -> &[AttachmentRef];
    fn links(&self) -> &[Link];
    /// Status transitions a person may make by editing; `*` as source means any status.
    fn transitions() -> &'static [(&'static str, &'static str)];
    /// The status that sealing sets, for kinds that are signed.
    fn sealed_status() -> Option<&'static str> {
        None
    }
}

/// Declares a record kind: the fields every kind shares come first, then the kind's own.
macro_rules! record_kind {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[cfg_attr(feature = "ffi", derive(uniffi::Record))]
        #[serde(default)]
        pub struct $name {
            /// Version of the record layout; set by the store.
            #[cfg_attr(feature = "ffi", uniffi(default))]
            pub schema_version: u32,
            /// The township (街镇) the record belongs to; it decides who may see it.
            #[cfg_attr(feature = "ffi", uniffi(default))]
            pub township: String,
            $($(#[$fm])* pub $field: $ty,)*
            #[cfg_attr(feature = "ffi", uniffi(default))]
            pub attachments: Vec<$crate::model::AttachmentRef>,
            #[cfg_attr(feature = "ffi", uniffi(default))]
            pub links: Vec<$crate::model::Link>,
        }
    };
}
pub(crate) use record_kind;

/// The common part of `RecordKind` for structs declared with `record_kind!`.
macro_rules! common_accessors {
    () => {
        fn township(&self) -> &str {
            &self.township
        }
        fn schema_version(&self) -> u32 {
            self.schema_version
        }
        fn set_schema_version(&mut self, v: u32) {
            self.schema_version = v;
        }
        fn attachments(&self) -> &[$crate::model::AttachmentRef] {
            &self.attachments
        }
        fn links(&self) -> &[$crate::model::Link] {
            &self.links
        }
    };
}
pub(crate) use common_accessors;

/// A count (people, months, days) is a whole number, never below zero.
pub(crate) fn check_count(p: &mut Problems, field: &str, value: Option<i32>) {
    if let Some(n) = value.filter(|n| *n < 0) {
        p.error(field, "count_not_negative", format!("a count cannot be negative ({n})"));
    }
}

/// Checks the fields every kind shares.
pub(crate) fn check_common<R: RecordKind>(r: &R, p: &mut Problems) {
    if r.township().trim().is_empty() {
        p.error("township", "required", "every record belongs to a township");
    }
    for (i, a) in r.attachments().iter().enumerate() {
        p.at("attachments", |p| p.at(i, |p| p.sha256("sha256", &a.sha256)));
    }
    for (i, l) in r.links().iter().enumerate() {
        if l.id.trim().is_empty() {
            p.at("links", |p| {
                p.at(i, |p| p.error("id", "required", "a link names the record it points to"))
            });
        }
    }
}

pub(crate) fn check_signatures(p: &mut Problems, field: &str, sigs: &[Signature]) {
    for (i, s) in sigs.iter().enumerate() {
        p.at(field, |p| p.at(i, |p| s.check(p)));
    }
}

pub(crate) fn check_inspectors(p: &mut Problems, inspectors: &[Inspector], full: bool) {
    if full {
        let named = inspectors
            .iter()
            .filter(|i| !i.name.trim().is_empty() && !i.credential_number.trim().is_empty())
            .count();
        if named < 2 {
            p.error_saying(
                "inspectors",
                "two_inspectors",
                format!(
                    "at least two inspectors, each with name and credential number, must be recorded (found {named})"
                ),
                format!("至少两名执法人员，每人须有姓名和执法证号（现有{named}名）"),
            );
        }
    }
}

/// Inspectors' signatures must cover every inspector named.
pub(crate) fn check_inspector_signatures(p: &mut Problems, inspectors: &[Inspector], sigs: &[Signature]) {
    for (i, insp) in inspectors.iter().enumerate() {
        if !sigs.iter().any(|s| s.is_signed() && s.name == insp.name) {
            p.at("inspectors", |p| {
                p.at(i, |p| {
                    p.error_saying(
                        "signature",
                        "inspector_signed",
                        format!("inspector {} has not signed", insp.name),
                        format!("执法人员{}尚未签名", insp.name),
                    )
                })
            });
        }
    }
}

/// A record of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Employer(Employer),
    Project(Project),
    Case(Case),
    Inspection(Inspection),
    Interview(Interview),
    Incident(Incident),
    Mediation(Mediation),
    Calendar(WorkCalendar),
}

/// Runs the same code on whichever kind a record is.
macro_rules! each_kind {
    ($rec:expr, $r:ident => $e:expr) => {
        match $rec {
            Record::Employer($r) => $e,
            Record::Project($r) => $e,
            Record::Case($r) => $e,
            Record::Inspection($r) => $e,
            Record::Interview($r) => $e,
            Record::Incident($r) => $e,
            Record::Mediation($r) => $e,
            Record::Calendar($r) => $e,
        }
    };
}

/// Runs the same code for a kind's type `T`.
macro_rules! for_kind {
    ($kind:expr, $t:ident => $e:expr) => {
        match $kind {
            Kind::Employer => {
                type $t = Employer;
                $e
            }
            Kind::Project => {
                type $t = Project;
                $e
            }
            Kind::Case => {
                type $t = Case;
                $e
            }
            Kind::Inspection => {
                type $t = Inspection;
                $e
            }
            Kind::Interview => {
                type $t = Interview;
                $e
            }
            Kind::Incident => {
                type $t = Incident;
                $e
            }
            Kind::Mediation => {
                type $t = Mediation;
                $e
            }
            Kind::Calendar => {
                type $t = WorkCalendar;
                $e
            }
        }
    };
}

fn parse_kind<T: RecordKind>(value: Value) -> Result<T, Error> {
    let original = value.clone();
    // Every value of the wrong type at once, each with what was given: serde stops at the
    // first, so each one found is taken out and the rest read again.
    let mut trial = value;
    let mut problems: Vec<crate::problem::Problem> = vec![];
    let parsed: Option<T> = loop {
        match serde_json::from_value::<T>(trial.clone()) {
            Ok(p) => break Some(p),
            Err(e) => {
                let message = e.to_string();
                let field = field_at_fault::<T>(&trial, &message);
                let given = value_at(&original, &field)
                    .filter(|v| !v.is_object() && !v.is_array())
                    .map(|v| format!(" (given: {v})"))
                    .unwrap_or_default();
                let again = problems.iter().any(|p| p.field == field);
                if !again {
                    problems.push(crate::problem::Problem::new(
                        &field,
                        "type",
                        format!("{message}{given}"),
                        crate::problem::Severity::Error,
                    ));
                }
                if again || field.is_empty() || problems.len() >= 50 || !remove_at(&mut trial, &field) {
                    break None;
                }
            }
        }
    };
    let parsed = match parsed {
        Some(p) if problems.is_empty() => p,
        _ => return Err(Error::Invalid(problems)),
    };
    // Serde drops fields it does not know; a misspelt field must not vanish silently.
    let canonical = serde_json::to_value(&parsed).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(path) = first_unknown_field(&original, &canonical, "") {
        return Err(Error::invalid(
            &path,
            "known_field",
            format!("{} has no field '{path}'", T::KIND),
        ));
    }
    Ok(parsed)
}

/// The dotted path (`workers.0.phone`) of the value that made reading `value` as a `T` fail
/// with `error`. Only a failure is looked into: from the top, the part whose removal changes
/// the error is the one at fault, and the search goes down into it. Serde reports the first
/// wrong value it meets, and a missing field only after the rest, so removing a good part
/// leaves the error as it is. A missing field is named under the object that lacks it.
/// The value at a dotted path (`workers.0.phone`), if there is one.
fn value_at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(value, |v, p| match v {
            Value::Object(m) => m.get(p),
            Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
}

/// Takes the value at a dotted path out (a list's item becomes null, so the others keep their
/// places); false when there is none.
fn remove_at(value: &mut Value, path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, parent)) = parts.split_last() else {
        return false;
    };
    let mut v = value;
    for p in parent {
        v = match v {
            Value::Object(m) => match m.get_mut(*p) {
                Some(x) => x,
                None => return false,
            },
            Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match v {
        Value::Object(m) => m.remove(*last).is_some(),
        Value::Array(a) => match last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
            Some(x) if !x.is_null() => {
                *x = Value::Null;
                true
            }
            _ => false,
        },
        _ => false,
    }
}

fn field_at_fault<T: serde::de::DeserializeOwned>(value: &Value, error: &str) -> String {
    let same_error = |v: &Value| matches!(serde_json::from_value::<T>(v.clone()), Err(e) if e.to_string() == error);
    fn at<'v>(v: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
        path.iter().try_fold(v, |v, p| match v {
            Value::Object(m) => m.get_mut(p),
            Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        })
    }
    let mut path: Vec<String> = vec![];
    // Bounded: each round goes one level down or stops, and looks at no more than 64 parts of
    // an object or list (a hostile record with a huge list is named at the list).
    loop {
        let mut copy = value.clone();
        let children: Vec<String> = match at(&mut copy, &path) {
            Some(Value::Object(m)) => m.keys().cloned().collect(),
            Some(Value::Array(a)) => (0..a.len()).map(|i| i.to_string()).collect(),
            _ => break,
        };
        let culprit = children.into_iter().take(64).find(|child| {
            let mut without = value.clone();
            match at(&mut without, &path) {
                Some(Value::Object(m)) => {
                    m.remove(child);
                }
                Some(Value::Array(a)) => {
                    a.remove(child.parse::<usize>().unwrap_or_default());
                }
                _ => return false,
            }
            !same_error(&without)
        });
        match culprit {
            Some(c) => path.push(c),
            None => break,
        }
    }
    if let Some(missing) = error
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        path.push(missing.to_string());
    }
    path.join(".")
}

fn first_unknown_field(input: &Value, known: &Value, prefix: &str) -> Option<String> {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match (input, known) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| match b.get(k) {
            None => Some(join(k)),
            Some(kv) => first_unknown_field(v, kv, &join(k)),
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_unknown_field(x, y, &join(&i.to_string()))),
        _ => None,
    }
}

impl Record {
    pub fn kind(&self) -> Kind {
        each_kind!(self, r => kind_of(r))
    }

    /// Reads a record of `kind` from its JSON form, naming the field of any type error or
    /// unknown field. Records from a newer app are refused rather than misread.
    /// The record as the rules keep what people type: identity numbers and credit codes
    /// without spaces and with capital letters (a resident ID's X, a USCC's letters), and a
    /// mediation with sessions in session. Every local change is normalised so; the phones
    /// and the office need not.
    pub fn normalized(self) -> Record {
        fn walk(v: &mut Value) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m.iter_mut() {
                        if matches!(k.as_str(), "resident_id" | "uscc") {
                            if let Value::String(s) = v {
                                *s = s.split_whitespace().collect::<String>().to_uppercase();
                            }
                        } else {
                            walk(v);
                        }
                    }
                }
                Value::Array(a) => a.iter_mut().for_each(walk),
                _ => {}
            }
        }
        let kind = self.kind();
        let mut json = self.to_json();
        walk(&mut json);
        let mut record = Record::from_json(kind, json).unwrap_or(self);
        if let Record::Mediation(m) = &mut record {
            if m.status == MediationStatus::Applied && !m.sessions.is_empty() {
                m.status = MediationStatus::InSession;
            }
        }
        record
    }

    pub fn from_json(kind: Kind, mut value: Value) -> Result<Record, Error> {
        if value.is_null() {
            value = Value::Object(Default::default());
        }
        if !value.is_object() {
            return Err(Error::invalid(
                "",
                "json_object",
                format!("a {kind} record must be a JSON object"),
            ));
        }
        migrate(kind, &mut value)?;
        let original = value.clone();
        let parsed: Result<Record, Error> = (|| {
            Ok(for_kind!(kind, T => {
                let mut r: T = parse_kind(value)?;
                if r.schema_version() == 0 {
                    r.set_schema_version(SCHEMA_VERSION);
                }
                T::wrap(r)
            }))
        })();
        parsed.map_err(|e| match Self::kind_it_is(kind, &original) {
            // A whole record of another kind, given as this one: say that, not its first field.
            Some(other) => {
                let a = |k: Kind| {
                    if k.to_string().starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    }
                };
                Error::invalid(
                    "",
                    "record_kind",
                    format!(
                        "this is {} {other} record, not {} {kind}; give it as {} {other}",
                        a(other),
                        a(kind),
                        a(other)
                    ),
                )
            }
            None => e,
        })
    }

    /// The one other kind `value` reads as whole (no field unknown, none of the wrong type),
    /// when it does not read as `kind`.
    fn kind_it_is(kind: Kind, value: &Value) -> Option<Kind> {
        let fits: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| *k != kind)
            .filter(|k| {
                let mut v = value.clone();
                migrate(*k, &mut v).is_ok() && for_kind!(*k, T => parse_kind::<T>(v).is_ok())
            })
            .collect();
        match fits[..] {
            [one] => Some(one),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        each_kind!(self, r => serde_json::to_value(r).unwrap_or(Value::Null))
    }

    /// An empty draft of `kind` in `township`: what a form starts from.
    pub fn draft(kind: Kind, township: &str) -> Result<Record, Error> {
        Record::from_json(kind, serde_json::json!({ "township": township }))
    }

    pub fn example(kind: Kind) -> Record {
        for_kind!(kind, T => T::wrap(T::example()))
    }

    pub fn json_schema(kind: Kind) -> Value {
        for_kind!(kind, T => serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null))
    }

    pub fn township(&self) -> &str {
        each_kind!(self, r => r.township())
    }

    pub fn status(&self) -> String {
        match self.to_json().get("status") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }

    pub fn summary(&self) -> Summary {
        each_kind!(self, r => r.summary())
    }

    pub fn attachments(&self) -> &[AttachmentRef] {
        each_kind!(self, r => r.attachments())
    }

    /// All problems as of `now` (birth dates, future dates): with `full`, also what signing or
    /// closing needs.
    pub fn check(&self, full: bool, now: Instant) -> Problems {
        let mut p = Problems::as_of(now);
        each_kind!(self, r => { check_common(r, &mut p); r.check(&mut p, full) });
        p
    }

    pub fn transitions(&self) -> &'static [(&'static str, &'static str)] {
        Self::transitions_of(self.kind())
    }

    /// The status changes a kind allows, as (from, to); `*` is any status.
    pub fn transitions_of(kind: Kind) -> &'static [(&'static str, &'static str)] {
        for_kind!(kind, T => T::transitions())
    }

    pub fn sealed_status(&self) -> Option<&'static str> {
        for_kind!(self.kind(), T => T::sealed_status())
    }

    pub fn as_case(&self) -> Option<&Case> {
        match self {
            Record::Case(c) => Some(c),
            _ => None,
        }
    }

    pub fn as_mediation(&self) -> Option<&Mediation> {
        match self {
            Record::Mediation(m) => Some(m),
            _ => None,
        }
    }
}

fn kind_of<T: RecordKind>(_: &T) -> Kind {
    T::KIND
}

/// Wraps a kind's struct into `Record`.
pub trait IntoRecord {
    fn wrap(self) -> Record;
}

macro_rules! into_record {
    ($($t:ident),*) => { $(impl IntoRecord for $t { fn wrap(self) -> Record { Record::$t(self) } })* };
}
into_record!(Employer, Project, Case, Inspection, Interview, Incident, Mediation);
impl IntoRecord for WorkCalendar {
    fn wrap(self) -> Record {
        Record::Calendar(self)
    }
}

/// Brings an older record layout up to date. Version 1 is the first; a record written by a
/// newer app is refused so that it is not silently misread and re-saved without its new fields.
fn migrate(kind: Kind, value: &mut Value) -> Result<(), Error> {
    let version = value.get("schema_version").and_then(Value::as_u64).unwrap_or(0);
    if version > u64::from(SCHEMA_VERSION) {
        return Err(Error::invalid(
            "schema_version",
            "schema_version_supported",
            format!("this {kind} record has layout version {version}, newer than this app knows ({SCHEMA_VERSION}); update the app"),
        ));
    }
    Ok(())
}

/// Canonical bytes of a record's content, for the seal hash: sorted keys, no spaces.
pub fn canonical_bytes(value: &Value) -> Vec<u8> {
    // serde_json's map is ordered by key (the preserve_order feature is not enabled).
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Instant {
        "2026-11-27T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn every_example_is_complete_and_valid() {
        for &kind in Kind::ALL {
            let r = Record::example(kind);
            let p = r.check(true, now());
            assert!(p.list.is_empty(), "{kind}: {:?}", p.list);
            let back = Record::from_json(kind, r.to_json()).unwrap();
            assert_eq!(back, r);
        }
    }

    #[test]
    fn a_draft_may_be_almost_empty() {
        let r = Record::from_json(Kind::Incident, json!({"township": "华新镇"})).unwrap();
        assert!(!r.check(false, now()).has_errors());
        assert!(r.check(true, now()).has_errors());
    }

    #[test]
    fn unknown_fields_and_type_errors_name_the_field() {
        let e = Record::from_json(Kind::Employer, json!({"township": "x", "naem": "a"})).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("naem"));
        let e = Record::from_json(Kind::Case, json!({"amount_owed_fen": 12.5})).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("amount_owed_fen"));
        let e = Record::from_json(Kind::Mediation, json!({"workers": [{"name": "a", "phne": "1"}]})).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("workers.0.phne"));
        // A wrong type deep inside, among good values before and after it.
        let mut case = Record::example(Kind::Case).to_json();
        case["wage_claims"] = json!([case["wage_claims"][0].clone(), case["wage_claims"][0].clone()]);
        case["wage_claims"][1]["amount_owed_fen"] = json!("一万五");
        let e = Record::from_json(Kind::Case, case.clone()).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("wage_claims.1.amount_owed_fen"), "{e}");
        // Two wrong values: the first one serde meets is named.
        case["amount_owed_fen"] = json!(true);
        let e = Record::from_json(Kind::Case, case).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("amount_owed_fen"), "{e}");
    }

    #[test]
    fn newer_layouts_are_refused() {
        let e = Record::from_json(Kind::Case, json!({"schema_version": 99})).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("schema_version"));
    }

    #[test]
    fn json_schema_names_fields() {
        let s = Record::json_schema(Kind::Inspection).to_string();
        assert!(s.contains("checklist") && s.contains("credential_number"));
    }
}
