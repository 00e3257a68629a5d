//! Bad-input corpus: every `tests/bad_input/config/NAME.toml` must be refused with a
//! message containing each line of `NAME.expected` and naming the file, so a user always
//! learns which file and which key to fix. Likewise every `queries/NAME.query` must be
//! refused before it could be sent (a malformed query can match far too much). Add a case
//! by adding the two files.
use std::path::{Path, PathBuf};

use offsync::config::{Paths, Settings};
use offsync::model::Query;

fn corpus(kind: &str, ext: &str) -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_input")
        .join(kind);
    let mut cases: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| {
            let expected = p.with_extension("expected");
            let want = std::fs::read_to_string(&expected)
                .unwrap_or_else(|e| panic!("{} needs {}: {e}", p.display(), expected.display()));
            (p, want)
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_bad_config_is_refused_with_its_message() {
    let cases = corpus("config", "toml");
    assert!(cases.len() >= 10, "the corpus lost cases: {}", cases.len());
    let mut failures = Vec::new();
    for (path, want) in &cases {
        let text = std::fs::read_to_string(path).unwrap();
        let mut paths = Paths::under(std::env::temp_dir().join("offsync-bad-input"));
        paths.config_file = path.clone();
        let msg = match Settings::from_str(&text, paths, None, false) {
            Ok(_) => {
                failures.push(format!("{}: accepted", path.display()));
                continue;
            }
            Err(e) => e.to_string(),
        };
        for fragment in want.lines().filter(|l| !l.trim().is_empty()) {
            if !msg.contains(fragment) {
                failures.push(format!(
                    "{}:\n  want: {fragment}\n  got:  {msg}",
                    path.display()
                ));
            }
        }
        if !msg.contains(&path.display().to_string()) {
            failures.push(format!(
                "{}: message does not name the file: {msg}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_expected_file_has_a_config() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input/config");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "expected") {
            assert!(
                p.with_extension("toml").exists(),
                "{} has no .toml",
                p.display()
            );
        }
    }
}

#[test]
fn every_bad_query_is_refused_with_its_message() {
    let cases = corpus("queries", "query");
    assert!(cases.len() >= 10, "the corpus lost cases: {}", cases.len());
    let mut failures = Vec::new();
    for (path, want) in &cases {
        let text = std::fs::read_to_string(path).unwrap();
        match Query::parse_google(text.trim_end_matches('\n')) {
            Ok(q) => failures.push(format!("{}: accepted as {q:?}", path.display())),
            Err(e) => {
                let msg = e.to_string();
                for fragment in want.lines().filter(|l| !l.trim().is_empty()) {
                    if !msg.contains(fragment) {
                        failures.push(format!(
                            "{}:\n  want: {fragment}\n  got:  {msg}",
                            path.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
