//! Records as the phone sees them: one enum over the kinds, a stored record with what the
//! store knows of it, and drafts whose optional fields are empty.

use fieldcase_core::model::{self, Kind};
use fieldcase_core::store::{SealStatus, Stamp};

use crate::error::FieldError;

/// A record of any kind.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FieldRecord {
    Employer { value: model::Employer },
    Project { value: model::Project },
    Case { value: model::Case },
    Inspection { value: model::Inspection },
    Interview { value: model::Interview },
    Incident { value: model::Incident },
    Mediation { value: model::Mediation },
    Calendar { value: model::WorkCalendar },
}

impl From<FieldRecord> for model::Record {
    fn from(r: FieldRecord) -> Self {
        match r {
            FieldRecord::Employer { value } => model::Record::Employer(value),
            FieldRecord::Project { value } => model::Record::Project(value),
            FieldRecord::Case { value } => model::Record::Case(value),
            FieldRecord::Inspection { value } => model::Record::Inspection(value),
            FieldRecord::Interview { value } => model::Record::Interview(value),
            FieldRecord::Incident { value } => model::Record::Incident(value),
            FieldRecord::Mediation { value } => model::Record::Mediation(value),
            FieldRecord::Calendar { value } => model::Record::Calendar(value),
        }
    }
}

impl From<model::Record> for FieldRecord {
    fn from(r: model::Record) -> Self {
        match r {
            model::Record::Employer(value) => FieldRecord::Employer { value },
            model::Record::Project(value) => FieldRecord::Project { value },
            model::Record::Case(value) => FieldRecord::Case { value },
            model::Record::Inspection(value) => FieldRecord::Inspection { value },
            model::Record::Interview(value) => FieldRecord::Interview { value },
            model::Record::Incident(value) => FieldRecord::Incident { value },
            model::Record::Mediation(value) => FieldRecord::Mediation { value },
            model::Record::Calendar(value) => FieldRecord::Calendar { value },
        }
    }
}

/// A field's value as the screens use it, typed: money in fen, counts, text, yes or no.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FieldValue {
    /// No value (the field was cleared).
    Empty,
    Text {
        text: String,
    },
    /// Money, in fen (the field's name ends in `_fen`).
    Money {
        fen: i64,
    },
    /// A whole number (people, months, days).
    Count {
        number: i64,
    },
    Number {
        number: f64,
    },
    Flag {
        yes: bool,
    },
    /// A list or a group of fields, as JSON.
    Structured {
        json: String,
    },
}

impl FieldValue {
    fn of(path: &str, v: &serde_json::Value) -> Self {
        use serde_json::Value;
        match v {
            Value::Null => FieldValue::Empty,
            Value::String(t) => FieldValue::Text { text: t.clone() },
            Value::Bool(b) => FieldValue::Flag { yes: *b },
            Value::Number(n) => match n.as_i64() {
                Some(fen) if path.ends_with("_fen") => FieldValue::Money { fen },
                Some(number) => FieldValue::Count { number },
                None => FieldValue::Number {
                    number: n.as_f64().unwrap_or_default(),
                },
            },
            other => FieldValue::Structured {
                json: other.to_string(),
            },
        }
    }
}

/// One of the values a conflict offers: what it is, how a person reads it (money in 元, text
/// without quotes, nothing as （空）), and who set it when (none for a device this phone does
/// not know yet). Pass it back to `resolve` to keep it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConflictChoice {
    pub value: FieldValue,
    pub shown: String,
    pub set_by: Option<Stamp>,
}

/// Two or more values two devices set for the same field (`choices`; `rule` empty), or a
/// rule the merged record breaks (`rule` and `message` say which; no choices).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FieldConflict {
    pub id: String,
    pub path: String,
    pub choices: Vec<ConflictChoice>,
    pub rule: Option<String>,
    pub message: Option<String>,
    /// A broken rule, in the words the screens show.
    pub in_chinese: Option<String>,
    /// The record's title in the ledger, and the field's name on the forms.
    pub title: Option<String>,
    pub field_name: Option<String>,
}

impl From<fieldcase_core::Conflict> for FieldConflict {
    fn from(c: fieldcase_core::Conflict) -> Self {
        let choices = c
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| ConflictChoice {
                value: FieldValue::of(&c.path, v),
                shown: c.shown.get(i).cloned().unwrap_or_else(|| v.to_string()),
                set_by: c.written_by.get(i).cloned().flatten(),
            })
            .collect();
        FieldConflict {
            id: c.id,
            path: c.path,
            choices,
            rule: c.rule,
            message: c.message,
            in_chinese: c.in_chinese,
            title: c.title,
            field_name: c.field_name,
        }
    }
}

/// Which of a conflict's current values `choice` is: the conflict may have changed since it
/// was shown (a sync brought a third value, another person settled it).
pub(crate) fn position_of(c: &fieldcase_core::Conflict, choice: &FieldValue) -> Option<usize> {
    c.values.iter().position(|v| FieldValue::of(&c.path, v) == *choice)
}

/// A record as stored, with what the store knows about it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StoredRecord {
    pub id: String,
    pub kind: Kind,
    pub record: FieldRecord,
    pub seal: Option<SealStatus>,
    pub conflicts: Vec<FieldConflict>,
    pub created: Option<Stamp>,
    pub updated: Option<Stamp>,
    /// When the running clock runs out (24:00 Shanghai of the last day), and by which rule.
    pub deadline: Option<std::time::SystemTime>,
    pub due_on: Option<String>,
    pub deadline_rule: Option<String>,
    pub deadline_warning: Option<String>,
    /// Days left on the running clock today (working or calendar days, as the clock counts);
    /// below zero, the days it is overdue. And the clock's name in Chinese.
    pub days_left: Option<i64>,
    pub clock_name: Option<String>,
    /// The clock as the screens show it: "办理期限：截止 2026-12-10，还剩 3 个工作日".
    pub clock_text: Option<String>,
    /// Whether the clock counts working days or calendar days.
    pub clock_unit: Option<fieldcase_core::rules::ClockUnit>,
    /// The status changes this phone's person may make now (allowed, or why not): the
    /// screens draw these as buttons and decide nothing themselves.
    pub status_choices: Vec<fieldcase_core::rules::StatusChoice>,
    /// The status the ledger counts.
    pub ledger_status: model::LedgerStatus,
    /// What was recorded after sealing: the arbitration review, performance, notes.
    pub after_seal: model::AfterSeal,
    /// Records that refer to this one, as (id, how).
    pub linked_from: Vec<String>,
}

impl StoredRecord {
    /// The record as `who` sees it (the status changes are theirs).
    pub(crate) fn seen_by(r: fieldcase_core::StoredRecord, who: &fieldcase_core::Identity) -> Self {
        let status_choices = fieldcase_core::rules::status_choices(&r.record, who.role, &who.user);
        StoredRecord {
            id: r.id,
            kind: r.kind,
            record: r.record.into(),
            seal: r.seal,
            conflicts: r.conflicts.into_iter().map(Into::into).collect(),
            created: r.created,
            updated: r.updated,
            deadline: r.deadline.as_ref().map(|d| d.at.into()),
            due_on: r.deadline.as_ref().map(|d| d.due_on.format("%Y-%m-%d").to_string()),
            deadline_rule: r.deadline.as_ref().map(|d| d.rule.clone()),
            deadline_warning: r.deadline.and_then(|d| d.warning),
            days_left: r.days_left,
            clock_name: r.clock_name,
            clock_text: r.clock_text,
            clock_unit: r.clock_unit,
            status_choices,
            ledger_status: r.ledger_status,
            after_seal: r.after_seal,
            linked_from: r
                .linked_from
                .into_iter()
                .map(|(id, how)| format!("{how}:{id}"))
                .collect(),
        }
    }
}

/// Per kind, an empty draft (`newCase("华新镇")`) and a complete example (`exampleCase()`),
/// typed: no cast from `FieldRecord` needed.
macro_rules! typed_records {
    ($($kind:ident, $variant:ident, $ty:ty, $new:ident, $example:ident;)*) => {$(
        /// An empty draft of this kind in `township`: every optional field empty, ready for a form.
        #[uniffi::export]
        pub fn $new(township: String) -> Result<$ty, FieldError> {
            match model::Record::draft(Kind::$kind, &township)? {
                model::Record::$variant(v) => Ok(v),
                _ => Err(FieldError::Internal { detail: concat!("a draft of another kind than ", stringify!($kind)).into() }),
            }
        }

        /// An example of this kind, complete and valid: a template for forms and tests.
        #[uniffi::export]
        pub fn $example() -> $ty {
            match model::Record::example(Kind::$kind) {
                model::Record::$variant(v) => v,
                _ => <$ty>::default(),
            }
        }
    )*};
}

typed_records! {
    Employer, Employer, model::Employer, new_employer, example_employer;
    Project, Project, model::Project, new_project, example_project;
    Case, Case, model::Case, new_case, example_case;
    Inspection, Inspection, model::Inspection, new_inspection, example_inspection;
    Interview, Interview, model::Interview, new_interview, example_interview;
    Incident, Incident, model::Incident, new_incident, example_incident;
    Mediation, Mediation, model::Mediation, new_mediation, example_mediation;
    Calendar, Calendar, model::WorkCalendar, new_calendar, example_calendar;
}

/// An empty draft of `kind` in `township`: every optional field empty, ready for a form.
#[uniffi::export]
pub fn new_record(kind: Kind, township: String) -> Result<FieldRecord, FieldError> {
    Ok(model::Record::draft(kind, &township)?.into())
}

/// An example record of each kind, complete and valid: a template for forms and tests.
#[uniffi::export]
pub fn example_record(kind: Kind) -> FieldRecord {
    model::Record::example(kind).into()
}
