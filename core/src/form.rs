//! A form as people fill it in: the text of each field, keyed by the record's own path
//! (`headcount`, `amount_claimed_fen`, `representatives.0.phone`, `escalation.inspector_arrived_at`).
//! Both phone apps keep their forms, and their drafts, in this one shape, and the core reads them:
//! money typed in 元 becomes fen (`money::read_yuan`), counts, dates (`2026-12-10`, `2026/12/10`,
//! `2026年12月10日`), instants (RFC 3339), yes/no, a value of a list (`blocking_road_or_gate`) or
//! several (`a,b`) — each by the type the record's schema gives the path. A slip is a problem at
//! its path in the core's words; what is typed is never lost, since the form is kept as typed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{Kind, Record};
use crate::problem::{Problem, Severity};

/// What is typed on a form: text by record path.
pub type Fields = BTreeMap<String, String>;

/// What the schema says a path holds.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Money,
    Count,
    Number,
    Yes,
    Date,
    Instant,
    OneOf(Vec<String>),
    SomeOf(Vec<String>),
    Text,
    /// A list of objects, or an object: filled by the paths inside it.
    Nested,
}

fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    let mut s = s;
    for _ in 0..8 {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            if let Some(name) = r.strip_prefix("#/$defs/") {
                if let Some(d) = root.get("$defs").and_then(|d| d.get(name)) {
                    s = d;
                    continue;
                }
            }
        }
        // `Option<T>` is `anyOf: [T, null]`.
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            if let Some(t) = any
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            {
                s = t;
                continue;
            }
        }
        break;
    }
    s
}

fn types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => vec![],
    }
}

/// The values an enum may take: `enum`, or `oneOf` of `const`s (values with a description).
fn choices(s: &Value) -> Option<Vec<String>> {
    let listed = |e: &Value| -> Vec<String> {
        e.as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    if let Some(e) = s.get("enum") {
        return Some(listed(e));
    }
    let one_of = s.get("oneOf")?.as_array()?;
    let mut out = vec![];
    for v in one_of {
        match (v.get("const").and_then(Value::as_str), v.get("enum")) {
            (Some(c), _) => out.push(c.to_string()),
            (None, Some(e)) => out.extend(listed(e)),
            _ => return None,
        }
    }
    Some(out)
}

/// The schema of `path` in `root` (the kind's schema).
fn schema_at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut s = resolve(root, root);
    for seg in path.split('.') {
        s = if seg.parse::<usize>().is_ok() {
            resolve(root, s.get("items")?)
        } else {
            resolve(root, s.get("properties")?.get(seg)?)
        };
    }
    Some(s)
}

fn shape(root: &Value, path: &str) -> Option<Shape> {
    let s = schema_at(root, path)?;
    let last = path.rsplit('.').next().unwrap_or(path);
    let t = types(s);
    if let Some(c) = choices(s) {
        return Some(Shape::OneOf(c));
    }
    Some(match t.first().copied() {
        Some("integer") if last.ends_with("_fen") => Shape::Money,
        Some("integer") => Shape::Count,
        Some("number") => Shape::Number,
        Some("boolean") => Shape::Yes,
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date") => Shape::Date,
            Some("date-time") => Shape::Instant,
            _ => Shape::Text,
        },
        Some("array") => match s.get("items").map(|i| resolve(root, i)).and_then(choices) {
            Some(c) => Shape::SomeOf(c),
            None => Shape::Nested,
        },
        _ => Shape::Nested,
    })
}

/// A date as people write it: `2026-12-10`, `2026/12/10`, `2026.12.10`, `2026年12月10日`.
pub fn read_date(text: &str) -> std::result::Result<chrono::NaiveDate, &'static str> {
    let t = text.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts[..] else {
        return Err("date_format");
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
        return Err("date_format");
    };
    chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or("date_format")
}

fn problem(path: &str, rule: &str, message: String) -> Problem {
    Problem::new(path, rule, message, Severity::Error)
}

/// The value `text` is at a path of `shape`; empty text is no value.
fn read(path: &str, shape: &Shape, text: &str) -> std::result::Result<Value, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(match shape {
            Shape::SomeOf(_) => Value::Array(vec![]),
            Shape::Yes => Value::Bool(false),
            _ => Value::Null,
        });
    }
    let slip = |rule: &'static str| problem(path, rule, format!("'{t}' cannot be read here"));
    Ok(match shape {
        Shape::Money => crate::money::read_yuan(t).map(Value::from).map_err(slip)?,
        Shape::Count => t
            .parse::<i32>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Value::from)
            .ok_or_else(|| slip("count_format"))?,
        Shape::Number => t
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::from)
            .ok_or_else(|| slip("type"))?,
        Shape::Yes => match t {
            "true" | "是" | "1" => Value::Bool(true),
            "false" | "否" | "0" => Value::Bool(false),
            _ => return Err(slip("type")),
        },
        Shape::Date => Value::from(read_date(t).map_err(slip)?.to_string()),
        Shape::Instant => Value::from(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| slip("instant_format"))?
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
        Shape::OneOf(c) if c.iter().any(|v| v == t) => Value::from(t),
        Shape::OneOf(_) => return Err(slip("type")),
        Shape::SomeOf(c) => {
            let mut out = vec![];
            for v in t.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                if !c.iter().any(|x| x == v) {
                    return Err(problem(path, "type", format!("'{v}' is not one of {}", c.join(", "))));
                }
                out.push(Value::from(v));
            }
            Value::Array(out)
        }
        Shape::Text => Value::from(t),
        Shape::Nested => return Err(problem(path, "known_field", "a list or a group, not a field".into())),
    })
}

/// Orders paths so that list positions count as numbers (`x.2` before `x.10`).
fn path_order(p: &str) -> Vec<(u8, u64, String)> {
    p.split('.')
        .map(|s| match s.parse::<u64>() {
            Ok(n) => (0, n, String::new()),
            Err(_) => (1, 0, s.to_string()),
        })
        .collect()
}

/// Sets `value` at `path` of `root`, making the groups and list entries on the way (a list
/// where the schema has one).
fn put(schema: &Value, root: &mut Value, path: &str, value: Value) -> Result<()> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if cur.is_null() {
            let list = segs[i].parse::<usize>().is_ok();
            *cur = if list {
                Value::Array(vec![])
            } else {
                Value::Object(Map::new())
            };
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
                let n: usize = seg
                    .parse()
                    .map_err(|_| Error::invalid(path, "path", format!("'{seg}' is not a position in a list")))?;
                if n > a.len() {
                    return Err(Error::invalid(
                        path,
                        "path",
                        format!("the list has {} entries; position {n} is past its end", a.len()),
                    ));
                }
                if n == a.len() {
                    let so_far = segs[..=i].join(".");
                    let fresh = match schema_at(schema, &so_far) {
                        Some(s) if types(s).contains(&"object") || s.get("properties").is_some() => {
                            Value::Object(Map::new())
                        }
                        _ => Value::Null,
                    };
                    a.push(fresh);
                }
                if last {
                    a[n] = value;
                    return Ok(());
                }
                &mut a[n]
            }
            _ => return Err(Error::invalid(path, "path", "is a value, not a group or a list")),
        };
    }
    Ok(())
}

/// A record of `kind` from what is typed, over `base` (the record as it stands, or a draft):
/// each field read by its type; every slip at its path at once (`Error::Invalid`). The
/// record's own rules are checked when it is saved.
pub fn record_from(kind: Kind, base: &Record, fields: &Fields) -> Result<Record> {
    if base.kind() != kind {
        return Err(Error::invalid(
            "kind",
            "same_kind",
            format!("the form is of a {kind}, the record a {}", base.kind()),
        ));
    }
    let schema = Record::json_schema(kind);
    let mut json = base.to_json();
    let mut problems = vec![];
    let mut paths: Vec<&String> = fields.keys().collect();
    paths.sort_by_key(|p| path_order(p));
    for path in paths {
        let text = &fields[path];
        let Some(shape) = shape(&schema, path) else {
            problems.push(problem(path, "known_field", format!("a {kind} has no field {path}")));
            continue;
        };
        match read(path, &shape, text) {
            Ok(v) => {
                if let Err(e) = put(&schema, &mut json, path, v) {
                    problems.extend(e.problems().iter().cloned());
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Record::from_json(kind, json)
}

/// A record as the text of its form: every value by its path, money in 元, lists of values
/// joined by commas; empty values left out.
pub fn fields_of(record: &Record) -> Fields {
    let schema = Record::json_schema(record.kind());
    let mut out = Fields::new();
    fn walk(schema: &Value, path: &str, v: &Value, out: &mut Fields) {
        match v {
            Value::Null => {}
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(schema, &p, v, out);
                }
            }
            Value::Array(a) => match shape(schema, path) {
                Some(Shape::SomeOf(_)) => {
                    let all: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                    if !all.is_empty() {
                        out.insert(path.to_string(), all.join(","));
                    }
                }
                _ => {
                    for (i, v) in a.iter().enumerate() {
                        walk(schema, &format!("{path}.{i}"), v, out);
                    }
                }
            },
            Value::Bool(b) => {
                if *b {
                    out.insert(path.to_string(), "true".into());
                }
            }
            Value::Number(n) => {
                let text = match (shape(schema, path), n.as_i64()) {
                    (Some(Shape::Money), Some(fen)) => crate::money::yuan(fen),
                    _ => n.to_string(),
                };
                out.insert(path.to_string(), text);
            }
            Value::String(s) => {
                if !s.is_empty() {
                    out.insert(path.to_string(), s.clone());
                }
            }
        }
    }
    walk(&schema, "", &record.to_json(), &mut out);
    // What the record says of itself, not what a person types.
    out.remove("schema_version");
    out.remove("township");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn an_incident_form_reads_into_a_record_and_back() {
        let draft = Record::draft(Kind::Incident, "华新镇").unwrap();
        let fields = typed(&[
            ("headcount", "35"),
            ("amount_claimed_fen", "9,600.50"),
            ("employer_name", " 恒达劳务 "),
            ("risk_signs", "blocking_road_or_gate,media_present"),
            ("representatives.0.name", "王强"),
            ("representatives.0.phone", "13712345678"),
            ("representatives.1.name", "李娜"),
            ("escalation.grid_assistant_arrived_at", "2026-06-18T09:35:00+08:00"),
            ("location.lat", "31.15"),
            ("location.lon", "121.12"),
            ("fund_advance_requested", "是"),
        ]);
        let record = record_from(Kind::Incident, &draft, &fields).unwrap();
        let Record::Incident(i) = &record else { panic!() };
        assert_eq!(i.headcount, Some(35));
        assert_eq!(i.amount_claimed_fen, Some(960_050));
        assert_eq!(i.employer_name.as_deref(), Some("恒达劳务"));
        assert_eq!(i.risk_signs.len(), 2);
        assert_eq!(i.representatives[1].name, "李娜");
        assert_eq!(
            i.escalation.grid_assistant_arrived_at.unwrap().to_rfc3339(),
            "2026-06-18T01:35:00+00:00"
        );
        assert!(i.fund_advance_requested);
        let back = fields_of(&record);
        assert_eq!(back["amount_claimed_fen"], "9,600.50");
        assert_eq!(back["risk_signs"], "blocking_road_or_gate,media_present");
        assert_eq!(back["representatives.1.name"], "李娜");
        assert_eq!(
            record_from(Kind::Incident, &draft, &back).unwrap(),
            record,
            "a round trip"
        );
    }

    #[test]
    fn every_slip_is_a_problem_at_its_field_in_the_core_s_words() {
        let draft = Record::draft(Kind::Incident, "华新镇").unwrap();
        let fields = typed(&[
            ("headcount", "三十"),
            ("amount_claimed_fen", "-5"),
            ("months_owed", "2.5"),
            ("risk_signs", "riot"),
            ("reported_at", "yesterday"),
            ("no_such_field", "x"),
        ]);
        let e = record_from(Kind::Incident, &draft, &fields).unwrap_err();
        let by: BTreeMap<&str, &str> = e
            .problems()
            .iter()
            .map(|p| (p.field.as_str(), p.rule.as_str()))
            .collect();
        assert_eq!(by["headcount"], "count_format");
        assert_eq!(by["amount_claimed_fen"], "money_not_negative");
        assert_eq!(by["months_owed"], "count_format");
        assert_eq!(by["risk_signs"], "type");
        assert_eq!(by["reported_at"], "instant_format");
        assert_eq!(by["no_such_field"], "known_field");
        assert!(e.problems().iter().all(|p| !p.in_chinese.is_empty()));
    }

    #[test]
    fn dates_are_read_as_people_write_them() {
        for (t, d) in [
            ("2026-03-05", "2026-03-05"),
            ("2026/3/5", "2026-03-05"),
            ("2026.3.5", "2026-03-05"),
            ("2026年3月5日", "2026-03-05"),
        ] {
            assert_eq!(read_date(t).unwrap().to_string(), d, "{t}");
        }
        for bad in ["2026-02-30", "3/5", "明天", ""] {
            assert!(read_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_example_of_every_kind_goes_through_its_form_unchanged() {
        for &kind in Kind::ALL {
            let example = Record::example(kind);
            let draft = Record::draft(kind, example.township()).unwrap();
            let fields = fields_of(&example);
            let back = record_from(kind, &draft, &fields).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(back, example, "{kind}: {fields:?}");
        }
    }
}
