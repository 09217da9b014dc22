//! A broken rule on a field, and the list a check collects: the words every layer reports
//! problems in. Near the bottom of the core (it needs only the time and the sentences).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// How bad a problem is. Warnings never block a save (an early USCC may fail its check).
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One broken rule on one field.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Dotted path of the field, e.g. `interviewee.resident_id` or `workers.0.phone`.
    pub field: String,
    /// Short name of the rule, e.g. `resident_id_check_char`.
    pub rule: String,
    /// In English, for logs and developers.
    pub message: String,
    /// What a person is shown, in Chinese (from `words`; the same on every phone and page).
    pub in_chinese: String,
    pub severity: Severity,
}

impl Problem {
    /// A problem with the Chinese sentence of its rule.
    pub fn new(
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
        severity: Severity,
    ) -> Self {
        let (field, rule) = (field.into(), rule.into());
        Problem {
            in_chinese: crate::words::sentences::sentence(&rule, &field).to_string(),
            field,
            rule,
            message: message.into(),
            severity,
        }
    }

    /// Says more than the rule's sentence (who may, the figures a person needs).
    pub fn saying(mut self, in_chinese: impl Into<String>) -> Self {
        self.in_chinese = in_chinese.into();
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{} ({})", self.message, self.rule)
        } else {
            write!(f, "{}: {} ({})", self.field, self.message, self.rule)
        }
    }
}

/// Collects problems while a record is checked; `at` builds nested field paths. It carries
/// the store's "now" (never the machine's clock), which bounds birth dates and signatures.
#[derive(Debug, Clone)]
pub struct Problems {
    prefix: Vec<String>,
    pub list: Vec<Problem>,
    pub(crate) now: DateTime<Utc>,
}

impl Problems {
    pub fn as_of(now: DateTime<Utc>) -> Self {
        Problems {
            prefix: vec![],
            list: vec![],
            now,
        }
    }

    /// For rules that must not depend on the clock (what every device lists alike): "now"
    /// is far in the future, so no date counts as "in the future".
    pub fn timeless() -> Self {
        Self::as_of(timeless_now())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Today in Shanghai.
    pub fn today(&self) -> NaiveDate {
        crate::time::local_date(self.now)
    }

    fn path(&self, field: &str) -> String {
        let mut parts = self.prefix.clone();
        if !field.is_empty() {
            parts.push(field.to_string());
        }
        parts.join(".")
    }

    pub fn error(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        let field = self.path(field);
        self.list.push(Problem::new(field, rule, message, Severity::Error));
    }

    /// An error whose Chinese says more than its rule's sentence (a name, a last day).
    pub fn error_saying(&mut self, field: &str, rule: &str, message: impl Into<String>, in_chinese: impl Into<String>) {
        let field = self.path(field);
        self.list
            .push(Problem::new(field, rule, message, Severity::Error).saying(in_chinese));
    }

    pub fn warn(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        let field = self.path(field);
        self.list.push(Problem::new(field, rule, message, Severity::Warning));
    }

    /// Runs `f` with `segment` appended to the field path.
    pub fn at<R>(&mut self, segment: impl ToString, f: impl FnOnce(&mut Self) -> R) -> R {
        self.prefix.push(segment.to_string());
        let r = f(self);
        self.prefix.pop();
        r
    }

    /// A required field in a full (sealing or closing) check.
    pub fn require(&mut self, present: bool, field: &str) {
        if !present {
            self.error(
                field,
                "required",
                "is required before the record can be signed or closed",
            );
        }
    }

    /// Adds problems found by a separate check: as they are when `as_errors`, else as warnings
    /// (what signing refuses, a draft only warns about).
    pub fn merge_at_level(&mut self, other: Problems, as_errors: bool) {
        for mut problem in other.list {
            problem.field = self.path(&problem.field);
            if !as_errors {
                problem.severity = Severity::Warning;
            }
            self.list.push(problem);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|p| p.severity == Severity::Error)
    }

    pub fn errors(&self) -> Vec<Problem> {
        self.list
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .cloned()
            .collect()
    }

    pub fn warnings(&self) -> Vec<Problem> {
        self.list
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .cloned()
            .collect()
    }
}

/// "Now" for rules that must not depend on the clock: the year 9000.
pub fn timeless_now() -> DateTime<Utc> {
    DateTime::from_timestamp(221_845_392_000, 0).unwrap_or_default()
}
