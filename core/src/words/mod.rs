//! What the core says to people, in Chinese: one table for the whole product, so the Android
//! and iOS apps and the office's pages show the same words. Every problem the core reports
//! carries a sentence from here (`Problem::in_chinese`); the English `message` stays for logs
//! and developers.
//!
//! A sentence is chosen by the rule's name; a few rules say more for a particular field. A rule
//! that carries figures a person needs (a last day, a count) sets its own sentence where the
//! figures are known (`Problem::saying`).
//!
//! `sentences`: rules, fields and clocks, by their names. `names`: the values of the record
//! model (kinds, statuses, risk levels, ...).

pub mod names;
pub mod sentences;

pub use names::*;
pub use sentences::*;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The rule names passed to `error`, `warn`, `invalid` and `refused` in the sources, found
    /// by reading the calls' second argument when it is a string literal.
    fn rules_in(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rules_in(&path, found);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // The rule is the second argument of these calls, the first of a check's `Err((rule, ..))`.
            for (call, arg_index) in [
                ("error(", 1),
                ("warn(", 1),
                ("invalid(", 1),
                ("refused(", 1),
                ("Err((", 0),
            ] {
                for (at, _) in text.match_indices(call) {
                    let args = &text[at + call.len()..];
                    let mut depth = 0;
                    let mut commas = 0;
                    let mut start = (arg_index == 0).then_some(0);
                    for (i, c) in args.char_indices() {
                        match c {
                            '(' | '[' | '{' => depth += 1,
                            ')' | ']' | '}' if depth == 0 => break,
                            ')' | ']' | '}' => depth -= 1,
                            ',' if depth == 0 => {
                                commas += 1;
                                if commas == arg_index {
                                    start = Some(i + 1);
                                } else {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        if i > 400 {
                            break;
                        }
                    }
                    let Some(start) = start else { continue };
                    let arg = args[start..].trim_start();
                    let Some(rest) = arg.strip_prefix('"') else { continue };
                    let Some(end) = rest.find('"') else { continue };
                    let name = &rest[..end];
                    if !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    {
                        found.push((name.to_string(), path.display().to_string()));
                    }
                }
            }
        }
    }

    #[test]
    fn every_rule_in_the_core_has_its_chinese_sentence() {
        let mut found = vec![];
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        rules_in(&root.join("src"), &mut found);
        rules_in(&root.join("../bindings/src"), &mut found);
        assert!(found.len() > 60, "the scan found only {} rule names", found.len());
        let missing: Vec<_> = found
            .iter()
            .filter(|(rule, _)| sentences::by_rule(rule).is_none())
            .collect();
        assert!(missing.is_empty(), "rules without a Chinese sentence: {missing:?}");
    }

    #[test]
    fn the_resident_id_rules_speak_chinese_at_the_field() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let (rule, _) = crate::validate::check_resident_id("110105199001011234", today).unwrap_err();
        assert_eq!(
            sentence(rule, "workers.0.resident_id"),
            "身份证号码校验位不对，请逐位核对"
        );
        assert_eq!(
            sentence("escalation_order", "escalation.inspector_arrived_at"),
            "监察员到场时间早于接到通知的时间"
        );
        assert_eq!(sentence("role_may_seal", ""), "你的角色不能签署这类记录");
        let refused = crate::rules::roles::check(
            crate::model::Role::Grid,
            crate::rules::roles::Action::Seal,
            crate::model::Kind::Inspection,
        )
        .unwrap_err();
        assert_eq!(
            refused.problems()[0].in_chinese,
            "网格员不能签署现场检查；可以签署的是：劳动监察员"
        );
    }
}
