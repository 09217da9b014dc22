//! `core/RULES.md` maps each rule to the tests that prove it; this keeps that table true:
//! every test and function it names exists (a name ending in `…` is a prefix).

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_test_named_in_rules_md_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let table = std::fs::read_to_string(root.join("core/RULES.md")).unwrap();
    let mut files = vec![];
    for dir in ["core/src", "core/tests", "cli/src", "cli/tests", "hub/src", "hub/tests"] {
        sources(&root.join(dir), &mut files);
    }
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| (f.clone(), std::fs::read_to_string(&f).unwrap()))
        .collect();
    let mut checked = 0;
    for cell in table.split('`').skip(1).step_by(2) {
        // `file.rs::name`, `dir/file.rs::name` or `module::tests::name`
        let Some((place, name)) = cell.rsplit_once("::") else {
            continue;
        };
        if !(place.ends_with(".rs") || place.ends_with("tests")) || name.contains(['(', ' ']) {
            continue;
        }
        let prefix = name.trim_end_matches('…').trim_end_matches('*');
        let in_place = |p: &Path, text: &str| {
            let file = p.to_string_lossy();
            let module = place.trim_end_matches("::tests");
            let matches_place = if place.ends_with(".rs") {
                file.ends_with(place)
            } else {
                file.ends_with(&format!("/{module}.rs")) || file.ends_with(&format!("/{module}/mod.rs"))
            };
            matches_place && text.contains(&format!("fn {prefix}"))
        };
        assert!(
            texts.iter().any(|(p, t)| in_place(p, t)),
            "RULES.md names `{cell}`, which does not exist"
        );
        checked += 1;
    }
    assert!(checked > 40, "only {checked} tests named: is the table still there?");
}
