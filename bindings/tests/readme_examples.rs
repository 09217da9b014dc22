//! The README's phone API examples are test code: each code block of "The phone API" is, word
//! for word, the part between `// README: begin` and `// README: end` of a test that compiles
//! and runs (Kotlin in tests/kotlin, Swift in ios/FieldcaseKit).

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The code blocks of `lang` in the README's section "The phone API".
fn readme_blocks(lang: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("The phone API"))
        .expect("a section \"The phone API\" in README.md");
    let fence = format!("```{lang}\n");
    section
        .split(fence.as_str())
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default().to_string())
        .collect()
}

/// The marked lines of a test file, without their common indentation.
fn marked(path: &str) -> String {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim() != "// README: begin")
        .skip(1)
        .take_while(|l| l.trim() != "// README: end")
        .collect();
    assert!(
        !lines.is_empty(),
        "{path} has no lines between // README: begin and // README: end"
    );
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect()
}

#[test]
fn the_readme_examples_are_the_tests_code() {
    for (lang, path) in [
        ("kotlin", "tests/kotlin/src/test/kotlin/ReadmeExampleTest.kt"),
        (
            "swift",
            "ios/FieldcaseKit/Tests/FieldcaseTests/ReadmeExampleTests.swift",
        ),
    ] {
        let blocks = readme_blocks(lang);
        assert_eq!(blocks.len(), 1, "one {lang} block in the README's phone API section");
        assert_eq!(
            blocks[0],
            marked(path),
            "the README's {lang} example differs from {path}"
        );
    }
}
