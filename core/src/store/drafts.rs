//! Forms as typed, before they are saved as records: the fields a person typed, by form,
//! kept in the encrypted store so that nothing typed is lost when the app is killed (or a
//! value the rules refuse cannot be saved yet). Drafts stay on the device; they never sync.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::{Error, Result};

/// A draft's text, at most: a form of some dozens of fields is far below it.
const MAX_DRAFT_BYTES: usize = 256 * 1024;

/// The drafts of one store.
pub struct Drafts<'s>(&'s Store);

impl Store {
    pub fn drafts(&self) -> Drafts<'_> {
        Drafts(self)
    }
}

impl Drafts<'_> {
    /// Keeps what is typed in `form` (e.g. `incident` or `case:ID/claim`), replacing the last.
    pub fn keep(&self, form: &str, fields: &HashMap<String, String>) -> Result<()> {
        let json = serde_json::to_string(fields).map_err(|e| Error::Internal(e.to_string()))?;
        if json.len() > MAX_DRAFT_BYTES {
            return Err(Error::invalid(
                "fields",
                "draft_size",
                format!("a draft holds at most {MAX_DRAFT_BYTES} bytes, not {}", json.len()),
            ));
        }
        let now = self.0.now().timestamp_millis();
        self.0.write(|tx| {
            tx.execute(
                "INSERT INTO drafts (form, fields, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (form) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at",
                params![form, json, now],
            )?;
            Ok(())
        })
    }

    /// What was typed in `form`, if a draft is kept.
    pub fn get(&self, form: &str) -> Result<Option<HashMap<String, String>>> {
        let json: Option<String> = self.0.read(|c| {
            Ok(
                c.query_row("SELECT fields FROM drafts WHERE form = ?1", [form], |r| r.get(0))
                    .optional()?,
            )
        })?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// The form was saved (or given up): its draft goes.
    pub fn discard(&self, form: &str) -> Result<()> {
        self.0.write(|tx| {
            tx.execute("DELETE FROM drafts WHERE form = ?1", [form])?;
            Ok(())
        })
    }
}
