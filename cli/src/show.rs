//! What `show` prints: the record, what the store knows about it, and every instant in
//! Shanghai time (`+08:00`), as people read them.

use fieldcase_core::calendar::shanghai;
use fieldcase_core::store::StoredRecord;
use serde_json::{json, Value};

pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Rewrites every UTC instant (RFC 3339 ending in `Z`) as Shanghai time.
pub fn local_times(v: &mut Value) {
    match v {
        Value::String(s) if s.ends_with('Z') && s.len() >= 20 => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                *s = t
                    .with_timezone(&shanghai())
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(local_times),
        Value::Object(m) => m.values_mut().for_each(local_times),
        _ => {}
    }
}

/// Beside every amount in fen (`amount_owed_fen`), the same in 元 as people read it
/// (`amount_owed_yuan`: "186,000.00"): scripts keep the integer, people read the other.
fn with_yuan(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let yuan: Vec<(String, Value)> = m
                .iter()
                .filter_map(|(k, v)| {
                    let fen = v.as_i64()?;
                    let base = k.strip_suffix("_fen")?;
                    Some((format!("{base}_yuan"), json!(fieldcase_core::money::yuan(fen))))
                })
                .collect();
            m.values_mut().for_each(with_yuan);
            m.extend(yuan);
        }
        Value::Array(a) => a.iter_mut().for_each(with_yuan),
        _ => {}
    }
}

pub fn record(r: &StoredRecord) -> Value {
    let mut v = r.record.to_json();
    with_yuan(&mut v);
    if let Value::Object(m) = &mut v {
        m.insert("id".into(), json!(r.id));
        m.insert("kind".into(), json!(r.kind));
        m.insert("ledger_status".into(), json!(r.ledger_status));
        m.insert("sealed".into(), json!(r.seal.is_some()));
        if let Some(seal) = &r.seal {
            m.insert("seal".into(), to_json(seal));
        }
        if let Some(med) = r.record.as_mediation() {
            m.insert("effective".into(), json!(r.seal.is_some() && med.all_signed()));
            m.insert("effective_on".into(), to_json(&med.effective_on()));
        }
        if !r.after_seal.is_empty() {
            m.insert("after_seal".into(), to_json(&r.after_seal));
        }
        m.insert("conflicts".into(), to_json(&r.conflicts));
        m.insert("created".into(), to_json(&r.created));
        m.insert("updated".into(), to_json(&r.updated));
        m.insert("deadline".into(), to_json(&r.deadline));
        if !r.linked_from.is_empty() {
            m.insert(
                "linked_from".into(),
                r.linked_from
                    .iter()
                    .map(|(id, relation)| json!({"id": id, "relation": relation}))
                    .collect(),
            );
        }
    }
    local_times(&mut v);
    v
}
