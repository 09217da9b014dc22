//! What a form needs from the core, so the two apps read and show what is typed the same way:
//! a record as the text of its fields and back (money in 元, dates, counts, choices), amounts
//! in 元, the kinds a person may create, and the status changes a record may take now.

use std::collections::HashMap;

use fieldcase_core::model::{Kind, Role};
use fieldcase_core::validate::{Problem, Severity};

use crate::error::FieldError;
use crate::records::FieldRecord;

/// A record as the text of its form, by field path (`employer_name`, `workers.0.name`,
/// `amount_owed_fen` in 元 as typed); empty fields are left out. A form starts from this.
#[uniffi::export]
pub fn form_fields(record: FieldRecord) -> HashMap<String, String> {
    fieldcase_core::form::fields_of(&record.into()).into_iter().collect()
}

/// The record a form's fields make over `base` (the record as it stands, or a draft): every
/// slip at its field at once (`InvalidFields`, each problem at its path). An empty text clears
/// the field. The record's own rules are checked when it is saved.
#[uniffi::export]
pub fn record_from_form(
    kind: Kind,
    base: FieldRecord,
    fields: HashMap<String, String>,
) -> Result<FieldRecord, FieldError> {
    let fields: fieldcase_core::form::Fields = fields.into_iter().collect();
    Ok(fieldcase_core::form::record_from(kind, &base.into(), &fields)?.into())
}

/// Fen as 元 for showing: `18600000` is `186,000.00`.
#[uniffi::export]
pub fn yuan(fen: i64) -> String {
    fieldcase_core::money::yuan(fen)
}

/// An amount as a person types it (`1,234.56`, `12万`, `¥800`) in fen; a slip is
/// `InvalidFields` with the rule's sentence.
#[uniffi::export]
pub fn read_yuan(text: String) -> Result<i64, FieldError> {
    fieldcase_core::money::read_yuan(&text).map_err(|rule| FieldError::InvalidFields {
        problems: vec![Problem::new(
            "",
            rule,
            format!("not an amount: {text}"),
            Severity::Error,
        )],
    })
}

/// The kinds of record a person of `role` may create, in the order menus list them.
#[uniffi::export]
pub fn creatable_kinds(role: Role) -> Vec<Kind> {
    fieldcase_core::rules::roles::creatable(role)
}

/// The strokes drawn on the signing pad as the SVG image the record keeps (the same bytes on
/// both phones for the same strokes).
#[uniffi::export]
pub fn signature_svg(strokes: Vec<Vec<fieldcase_core::signature::PadPoint>>, width: i32, height: i32) -> Vec<u8> {
    let side = |n: i32| u32::try_from(n.max(1)).unwrap_or(1);
    fieldcase_core::signature::svg(&strokes, side(width), side(height)).into_bytes()
}
