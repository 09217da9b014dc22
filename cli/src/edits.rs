//! `PATH=VALUE` arguments: VALUE is read as JSON when it parses, else as text, and a bare
//! number given for a text field (a phone typed without quotes) stays text.

use std::io::Read;
use std::path::PathBuf;

use fieldcase_core::{Error, ErrorKind};
use serde_json::{Map, Value};

use crate::{fail, from_core, CliResult};

pub struct Edit {
    pub path: String,
    pub value: Value,
    raw: String,
}

pub fn parse(s: &str) -> CliResult<Edit> {
    let (path, raw) = s
        .split_once('=')
        .ok_or_else(|| fail(ErrorKind::Invalid, format!("'{s}' is not PATH=VALUE")))?;
    let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    Ok(Edit {
        path: path.trim().to_string(),
        value,
        raw: raw.to_string(),
    })
}

pub fn parse_all(args: &[String]) -> CliResult<Vec<Edit>> {
    args.iter().map(|a| parse(a)).collect()
}

/// Applies edits; where a value parsed as a number or other JSON but the field wants text,
/// retries with the text as given.
pub fn apply_with_fallback(
    edits: &[Edit],
    apply: impl Fn(&[(String, Value)]) -> Result<Value, Error>,
) -> CliResult<Value> {
    let first: Vec<(String, Value)> = edits.iter().map(|e| (e.path.clone(), e.value.clone())).collect();
    match apply(&first) {
        Err(e) if e.problems().iter().any(|p| p.rule == "type") => {
            let field = e.field().unwrap_or_default();
            let retry: Vec<(String, Value)> = edits
                .iter()
                .map(|e| {
                    let as_text = field == e.path || field.starts_with(&format!("{}.", e.path));
                    if as_text && !e.value.is_string() {
                        (e.path.clone(), Value::String(e.raw.clone()))
                    } else {
                        (e.path.clone(), e.value.clone())
                    }
                })
                .collect();
            if retry == first {
                return Err(from_core(e));
            }
            apply(&retry).map_err(from_core)
        }
        r => r.map_err(from_core),
    }
}

/// `PATH=VALUE` pairs as one JSON object (for a resolution, a hand-over, a review).
pub fn object(edits: &[(String, Value)]) -> Result<Value, Error> {
    let mut v = Value::Object(Map::new());
    for (path, value) in edits {
        set(&mut v, path, value.clone())?;
    }
    Ok(v)
}

fn set(root: &mut Value, path: &str, value: Value) -> Result<(), Error> {
    let mut cur = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(Error::invalid(path, "path", "a path is field names joined by dots"));
        }
        let map = match cur {
            Value::Object(m) => m,
            _ => return Err(Error::invalid(path, "path", "is a value, not an object")),
        };
        if i + 1 == parts.len() {
            map.insert(part.to_string(), value);
            return Ok(());
        }
        cur = map.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

pub fn read_input(file: &Option<PathBuf>) -> CliResult<String> {
    match file {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read_to_string(p).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", p.display())))
        }
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| fail(ErrorKind::Failed, e))?;
            Ok(s)
        }
    }
}
