//! A record's automerge document. The root holds `kind`, the record content under `record`
//! (the serde JSON form of the kind's struct) and, once signed, `seal`. Content is written by
//! reconciling the new JSON against what the document holds, so only changed values become
//! operations: two phones editing different fields merge cleanly, and the same field edited
//! on both is kept twice by automerge and listed as a conflict.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, Prop, ReadDoc, ScalarValue, ROOT};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// Where changes came from. Changes from the hub are not sent back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Local,
    Peer,
    Hub,
}

pub(crate) const KIND_KEY: &str = "kind";
pub(crate) const RECORD_KEY: &str = "record";
pub(crate) const SEAL_KEY: &str = "seal";
/// What is recorded after sealing (review, performance, notes): outside the sealed content.
pub(crate) const AFTER_SEAL_KEY: &str = "after_seal";

/// A field that needs a person: two devices set it to different values (`rule` is `None`,
/// `values` holds both), or the merged record breaks a rule (`rule` names it, `values` holds
/// the value now there, `changes` the changes that wrote it). Read from a store, `written_by`
/// says who wrote each value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub id: String,
    /// Dotted path inside the record, e.g. `amount_owed_fen` or `workers.0.phone`; fields
    /// recorded after sealing start with `after_seal.`.
    pub path: String,
    pub values: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Who wrote each value and when (in the order of `values`), as far as this store knows
    /// the devices: for putting the values side by side.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written_by: Vec<Option<super::Stamp>>,
    /// A broken rule in the words a person is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_chinese: Option<String>,
    /// The record's title as the ledger shows it, and the field's name in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// Each value as a person reads it (in the order of `values`): money in 元, text without
    /// quotes, nothing as （空）.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<String>,
}

fn scalar_to_json(s: &ScalarValue) -> Value {
    match s {
        ScalarValue::Str(s) => Value::String(s.to_string()),
        ScalarValue::Int(i) => Value::from(*i),
        ScalarValue::Uint(u) => Value::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Timestamp(t) => Value::from(*t),
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Bytes(b) => Value::String(hex::encode(b)),
        ScalarValue::Null | ScalarValue::Unknown { .. } => Value::Null,
    }
}

fn json_to_scalar(v: &Value) -> ScalarValue {
    match v {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(u)) => ScalarValue::Uint(u),
            _ => ScalarValue::F64(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Array(_) | Value::Object(_) => ScalarValue::Null,
    }
}

fn value_to_json<R: ReadDoc>(doc: &R, value: &automerge::Value<'_>, id: &ObjId) -> Value {
    match value {
        automerge::Value::Scalar(s) => scalar_to_json(s),
        automerge::Value::Object(_) => read_object(doc, id),
    }
}

/// The JSON of an object, taking the winning value wherever two values conflict.
pub(crate) fn read_object<R: ReadDoc>(doc: &R, obj: &ObjId) -> Value {
    Walk { conflicts: None }.object(doc, obj, "")
}

/// Reads an object in one pass over its ops (a range, not a lookup a field), noting on the
/// way every field where two devices' values conflict.
struct Walk<'a> {
    /// The record's id and where to put conflicts; `None` reads only.
    conflicts: Option<(&'a str, &'a mut Vec<Conflict>)>,
}

impl Walk<'_> {
    fn object<R: ReadDoc>(&mut self, doc: &R, obj: &ObjId, path: &str) -> Value {
        match doc.object_type(obj) {
            Ok(ObjType::Map) | Ok(ObjType::Table) => {
                let mut map = Map::new();
                for item in doc.map_range(obj, ..) {
                    let key = item.key.to_string();
                    let id = item.id();
                    let value = self.field(doc, obj, Prop::Map(key.clone()), item.conflict, item.value, id, path);
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            Ok(ObjType::List) => Value::Array(
                doc.list_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        self.field(doc, obj, Prop::Seq(item.index), item.conflict, item.value, id, path)
                    })
                    .collect(),
            ),
            Ok(ObjType::Text) => Value::String(doc.text(obj).unwrap_or_default()),
            Err(_) => Value::Null,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field<R: ReadDoc>(
        &mut self,
        doc: &R,
        obj: &ObjId,
        prop: Prop,
        conflict: bool,
        value: automerge::ValueRef<'_>,
        id: ObjId,
        path: &str,
    ) -> Value {
        let winner = value.into_value();
        let Some((record, out)) = self.conflicts.as_mut() else {
            return value_to_json(doc, &winner, &id);
        };
        let seg = match &prop {
            Prop::Map(k) => k.clone(),
            Prop::Seq(i) => i.to_string(),
        };
        let p = join(path, &seg);
        if conflict {
            let mut values: Vec<Value> = vec![];
            for (v, vid) in doc.get_all(obj, prop).unwrap_or_default() {
                let j = value_to_json(doc, &v, &vid);
                if !values.contains(&j) {
                    values.push(j);
                }
            }
            if values.len() > 1 {
                out.push(Conflict {
                    id: record.to_string(),
                    path: p,
                    values,
                    rule: None,
                    message: None,
                    changes: vec![],
                    written_by: vec![],
                    in_chinese: None,
                    title: None,
                    field_name: None,
                    shown: vec![],
                });
                // A conflict on a whole object is listed once, not once per inner field.
                return value_to_json(doc, &winner, &id);
            }
        }
        match winner {
            automerge::Value::Object(_) => self.object(doc, &id, &p),
            automerge::Value::Scalar(s) => scalar_to_json(&s),
        }
    }
}

/// A document read once for the index: the record, what was recorded after sealing, and the
/// fields where values conflict.
pub(crate) struct ReadForIndex {
    pub record: Option<Value>,
    pub after_seal: Option<Value>,
    pub conflicts: Vec<Conflict>,
}

pub(crate) fn read_for_index(doc: &Automerge, id: &str) -> ReadForIndex {
    let mut conflicts = vec![];
    let record = root_object(doc, RECORD_KEY).map(|obj| {
        Walk {
            conflicts: Some((id, &mut conflicts)),
        }
        .object(doc, &obj, "")
    });
    let after_seal = root_object(doc, AFTER_SEAL_KEY).map(|obj| {
        Walk {
            conflicts: Some((id, &mut conflicts)),
        }
        .object(doc, &obj, AFTER_SEAL_KEY)
    });
    ReadForIndex {
        record,
        after_seal,
        conflicts,
    }
}

/// The object id under `key` at the root, if it is an object.
pub(crate) fn root_object<R: ReadDoc>(doc: &R, key: &str) -> Option<ObjId> {
    match doc.get(ROOT, key) {
        Ok(Some((automerge::Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

pub(crate) fn read_kind<R: ReadDoc>(doc: &R) -> Option<String> {
    match doc.get(ROOT, KIND_KEY) {
        Ok(Some((automerge::Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The record content, or `None` while the document has not received its creation.
pub(crate) fn read_record<R: ReadDoc>(doc: &R) -> Option<Value> {
    root_object(doc, RECORD_KEY).map(|id| read_object(doc, &id))
}

/// What was recorded after sealing; empty when nothing was.
pub(crate) fn read_after_seal<R: ReadDoc>(doc: &R) -> crate::model::AfterSeal {
    root_object(doc, AFTER_SEAL_KEY)
        .and_then(|id| serde_json::from_value(read_object(doc, &id)).ok())
        .unwrap_or_default()
}

/// The change that last wrote the value at a dotted path of the record (or of the
/// after-seal area), if the path exists: for naming what caused a rule conflict.
pub(crate) fn change_at(doc: &Automerge, path: &str) -> Option<String> {
    let (mut obj, rest) = match path.strip_prefix("after_seal.") {
        Some(rest) => (root_object(doc, AFTER_SEAL_KEY)?, rest),
        None => (root_object(doc, RECORD_KEY)?, path),
    };
    let segments: Vec<&str> = rest.split('.').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        return doc
            .get(ROOT, RECORD_KEY)
            .ok()
            .flatten()
            .and_then(|(_, id)| doc.hash_for_opid(&id))
            .map(|h| h.to_string());
    }
    for (i, seg) in segments.iter().enumerate() {
        let prop = match doc.object_type(&obj) {
            Ok(ObjType::List) => Prop::Seq(seg.parse().ok()?),
            _ => Prop::Map(seg.to_string()),
        };
        let (value, id) = doc.get(&obj, prop).ok()??;
        if i + 1 == segments.len() {
            return doc.hash_for_opid(&id).map(|h| h.to_string());
        }
        match value {
            automerge::Value::Object(_) => obj = id,
            // A value where the path goes on: the change that wrote that value.
            automerge::Value::Scalar(_) => return doc.hash_for_opid(&id).map(|h| h.to_string()),
        }
    }
    None
}

/// The change that wrote each of the values a conflicting field holds, in the order the
/// conflict lists its values (distinct values, as `Walk` lists them).
pub(crate) fn changes_of_values(doc: &Automerge, path: &str) -> Vec<String> {
    let (mut obj, rest) = match path.strip_prefix("after_seal.") {
        Some(rest) => match root_object(doc, AFTER_SEAL_KEY) {
            Some(o) => (o, rest),
            None => return vec![],
        },
        None => match root_object(doc, RECORD_KEY) {
            Some(o) => (o, path),
            None => return vec![],
        },
    };
    let segments: Vec<&str> = rest.split('.').filter(|s| !s.is_empty()).collect();
    let prop_of = |obj: &ObjId, seg: &str| match doc.object_type(obj) {
        Ok(ObjType::List) => seg.parse().ok().map(Prop::Seq),
        _ => Some(Prop::Map(seg.to_string())),
    };
    let Some((last, inner)) = segments.split_last() else {
        return vec![];
    };
    for seg in inner {
        let Some(prop) = prop_of(&obj, seg) else { return vec![] };
        match doc.get(&obj, prop) {
            Ok(Some((automerge::Value::Object(_), id))) => obj = id,
            _ => return vec![],
        }
    }
    let Some(prop) = prop_of(&obj, last) else { return vec![] };
    let mut values: Vec<Value> = vec![];
    let mut changes = vec![];
    for (v, vid) in doc.get_all(&obj, prop).unwrap_or_default() {
        let j = value_to_json(doc, &v, &vid);
        if !values.contains(&j) {
            values.push(j);
            changes.push(doc.hash_for_opid(&vid).map(|h| h.to_string()).unwrap_or_default());
        }
    }
    changes
}

/// Writes `value` as a new value at `prop` of `obj` (scalars directly, objects recursively).
pub(crate) fn put_value<T: Transactable>(tx: &mut T, obj: &ObjId, prop: Prop, value: &Value) -> Result<()> {
    match value {
        Value::Object(m) => {
            let child = tx.put_object(obj, prop, ObjType::Map)?;
            fill_map(tx, &child, m)?;
        }
        Value::Array(a) => {
            let child = tx.put_object(obj, prop, ObjType::List)?;
            fill_list(tx, &child, a)?;
        }
        scalar => tx.put(obj, prop, json_to_scalar(scalar))?,
    }
    Ok(())
}

fn insert_value<T: Transactable>(tx: &mut T, list: &ObjId, index: usize, value: &Value) -> Result<()> {
    match value {
        Value::Object(m) => {
            let child = tx.insert_object(list, index, ObjType::Map)?;
            fill_map(tx, &child, m)?;
        }
        Value::Array(a) => {
            let child = tx.insert_object(list, index, ObjType::List)?;
            fill_list(tx, &child, a)?;
        }
        scalar => tx.insert(list, index, json_to_scalar(scalar))?,
    }
    Ok(())
}

fn fill_map<T: Transactable>(tx: &mut T, obj: &ObjId, m: &Map<String, Value>) -> Result<()> {
    for (k, v) in m {
        put_value(tx, obj, Prop::Map(k.clone()), v)?;
    }
    Ok(())
}

fn fill_list<T: Transactable>(tx: &mut T, obj: &ObjId, a: &[Value]) -> Result<()> {
    for (i, v) in a.iter().enumerate() {
        insert_value(tx, obj, i, v)?;
    }
    Ok(())
}

fn join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{path}.{seg}")
    }
}

fn child_id<T: Transactable>(tx: &T, obj: &ObjId, prop: Prop) -> Option<ObjId> {
    match tx.get(obj, prop) {
        Ok(Some((automerge::Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

/// Makes `obj` (currently `old`) equal to `new`, writing only what differs; the dotted paths
/// written are added to `changed`.
pub(crate) fn reconcile<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    old: &Value,
    new: &Value,
    path: &str,
    changed: &mut Vec<String>,
) -> Result<()> {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, nv) in n {
                let p = join(path, k);
                match o.get(k) {
                    Some(ov) if ov == nv => {}
                    Some(ov) if same_shape(ov, nv) => match child_id(tx, obj, Prop::Map(k.clone())) {
                        Some(child) => reconcile(tx, &child, ov, nv, &p, changed)?,
                        None => {
                            put_value(tx, obj, Prop::Map(k.clone()), nv)?;
                            changed.push(p);
                        }
                    },
                    _ => {
                        put_value(tx, obj, Prop::Map(k.clone()), nv)?;
                        changed.push(p);
                    }
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                tx.delete(obj, k.as_str())?;
                changed.push(join(path, k));
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            let common = o.len().min(n.len());
            for i in 0..common {
                let p = join(path, &i.to_string());
                let (ov, nv) = (&o[i], &n[i]);
                if ov == nv {
                    continue;
                }
                match child_id(tx, obj, Prop::Seq(i)) {
                    Some(child) if same_shape(ov, nv) => reconcile(tx, &child, ov, nv, &p, changed)?,
                    _ => {
                        put_value(tx, obj, Prop::Seq(i), nv)?;
                        changed.push(p);
                    }
                }
            }
            for (i, nv) in n.iter().enumerate().skip(common) {
                insert_value(tx, obj, i, nv)?;
                changed.push(join(path, &i.to_string()));
            }
            for i in (common..o.len()).rev() {
                tx.delete(obj, i)?;
                changed.push(join(path, &i.to_string()));
            }
        }
        _ => {
            return Err(Error::Internal(format!(
                "cannot reconcile {path}: not an object or list"
            )))
        }
    }
    Ok(())
}

fn same_shape(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_))
    )
}

/// Sets a dotted path in a JSON value, creating objects along the way where the value is
/// missing or null; `n` on a list of length `n` appends.
pub(crate) fn set_path(root: &mut Value, path: &str, value: Value) -> Result<()> {
    let segments: Vec<&str> = path.split('.').collect();
    if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(Error::invalid(
            path,
            "path",
            "a path is field names and list positions joined by dots, e.g. workers.0.phone",
        ));
    }
    let mut cur = root;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let so_far = segments[..=i].join(".");
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        cur = match cur {
            Value::Object(m) => {
                if last {
                    m.insert(seg.to_string(), value);
                    return Ok(());
                }
                m.entry(seg.to_string()).or_insert(Value::Null)
            }
            Value::Array(a) => {
                let idx: usize = seg
                    .parse()
                    .map_err(|_| Error::invalid(&so_far, "path", format!("'{seg}' is not a position in a list")))?;
                if idx > a.len() {
                    return Err(Error::invalid(
                        &so_far,
                        "path",
                        format!("the list has {} entries; position {idx} is past its end", a.len()),
                    ));
                }
                if idx == a.len() {
                    a.push(Value::Null);
                }
                if last {
                    a[idx] = value;
                    return Ok(());
                }
                &mut a[idx]
            }
            _ => return Err(Error::invalid(&so_far, "path", "is a value, not an object or list")),
        };
    }
    Ok(())
}

/// Writes `value` at the dotted `path` of the record (or, for paths starting `after_seal.`,
/// of the after-seal area), superseding every value there, conflicting ones included. The
/// parent must exist.
pub(crate) fn force_path<T: Transactable>(tx: &mut T, path: &str, value: &Value) -> Result<()> {
    let (root_key, path) = match path.strip_prefix("after_seal.") {
        Some(rest) => (AFTER_SEAL_KEY, rest),
        None => (RECORD_KEY, path),
    };
    let mut obj = root_object(tx, root_key).ok_or_else(|| Error::Internal("document has no record".into()))?;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let prop = match tx.object_type(&obj) {
            Ok(ObjType::List) => Prop::Seq(
                seg.parse()
                    .map_err(|_| Error::invalid(path, "path", format!("'{seg}' is not a list position")))?,
            ),
            _ => Prop::Map(seg.to_string()),
        };
        if i + 1 == segments.len() {
            return put_value(tx, &obj, prop, value);
        }
        obj = child_id(tx, &obj, prop).ok_or_else(|| Error::invalid(path, "path", "no such field in this record"))?;
    }
    Ok(())
}

/// Every field of the record (and of its after-seal area) that holds two or more different
/// concurrent values.
/// A record for a device that has none of it. A record with few changes goes as its raw
/// changes: unlike a saved document they carry no 32-byte head hash, and uncompressed they
/// let the body's brotli share the field names and values common to all records.
pub(crate) fn whole_record(doc: &automerge::Automerge) -> Vec<u8> {
    let changes = doc.get_changes(&[]);
    if changes.len() <= 4 {
        changes.iter().flat_map(|c| c.raw_bytes().to_vec()).collect()
    } else {
        doc.save_nocompress()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc_with(v: &Value) -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        put_value(&mut tx, &ROOT, Prop::Map(RECORD_KEY.into()), v).unwrap();
        tx.commit();
        doc
    }

    fn edit(doc: &mut Automerge, new: &Value) -> Vec<String> {
        let old = read_record(doc).unwrap();
        let obj = root_object(doc, RECORD_KEY).unwrap();
        let mut changed = vec![];
        let mut tx = doc.transaction();
        reconcile(&mut tx, &obj, &old, new, "", &mut changed).unwrap();
        tx.commit();
        changed
    }

    #[test]
    fn reconcile_writes_only_what_changed() {
        let v = json!({"a": 1, "b": {"c": "x", "d": [1, 2, 3]}, "e": null});
        let mut doc = doc_with(&v);
        assert_eq!(read_record(&doc).unwrap(), v);
        let v2 = json!({"a": 1, "b": {"c": "y", "d": [1, 5]}, "e": {"f": true}});
        let changed = edit(&mut doc, &v2);
        assert_eq!(read_record(&doc).unwrap(), v2);
        assert_eq!(changed, ["b.c", "b.d.1", "b.d.2", "e"]);
    }

    #[test]
    fn concurrent_different_fields_merge_and_same_field_conflicts() {
        let base = json!({"a": 1, "b": 2, "c": 3});
        let mut one = doc_with(&base);
        let mut two = one.fork();
        edit(&mut one, &json!({"a": 10, "b": 2, "c": 30}));
        edit(&mut two, &json!({"a": 1, "b": 20, "c": 31}));
        one.merge(&mut two).unwrap();
        two.merge(&mut one.clone()).unwrap();
        let merged = read_record(&one).unwrap();
        assert_eq!(merged["a"], 10);
        assert_eq!(merged["b"], 20);
        let c1 = read_for_index(&one, "r").conflicts;
        assert_eq!(c1, read_for_index(&two, "r").conflicts);
        assert_eq!(c1.len(), 1);
        assert_eq!(c1[0].path, "c");
        let mut vals = c1[0].values.clone();
        vals.sort_by_key(|v| v.as_i64());
        assert_eq!(vals, [json!(30), json!(31)]);
        let mut tx = one.transaction();
        force_path(&mut tx, "c", &json!(31)).unwrap();
        tx.commit();
        assert!(read_for_index(&one, "r").conflicts.is_empty());
    }

    #[test]
    fn set_path_creates_and_appends() {
        let mut v = json!({"agreement": null, "workers": [{"name": "a"}]});
        set_path(&mut v, "agreement.agreed_amount_fen", json!(100)).unwrap();
        set_path(&mut v, "workers.1.name", json!("b")).unwrap();
        set_path(&mut v, "workers.0.phone", json!("138")).unwrap();
        assert_eq!(
            v,
            json!({"agreement": {"agreed_amount_fen": 100}, "workers": [{"name": "a", "phone": "138"}, {"name": "b"}]})
        );
        assert!(set_path(&mut v, "workers.5.name", json!("c")).is_err());
        assert!(set_path(&mut v, "agreement.agreed_amount_fen.x", json!(1)).is_err());
        assert!(set_path(&mut v, "", json!(1)).is_err());
    }
}
