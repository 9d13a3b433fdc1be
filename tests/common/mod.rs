//! Helpers shared by the integration tests: running the real `broadsheet`
//! binary on real input.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
}

pub fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("broadsheet runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Builds the site of `input` into `out`, quietly, expecting success.
pub fn build_into(input: &Path, out: &Path) {
    build_with(input, out, &[]);
}

/// Like [`build_into`], with more arguments to `build`.
pub fn build_with(input: &Path, out: &Path, args: &[&str]) {
    let o = build_output(input, out, &[&["--quiet"], args].concat());
    assert!(o.status.success(), "build failed: {}", stderr(&o));
}

/// `broadsheet build INPUT --out OUT ARGS…`, whatever its outcome.
pub fn build_output(input: &Path, out: &Path, args: &[&str]) -> Output {
    run(bin()
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(args))
}

/// A folder `in` of article files (name, text) in a fresh temporary
/// folder, which holds the build's output too.
pub fn articles_in(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (name, text) in files {
        std::fs::write(input.join(name), text).unwrap();
    }
    (tmp, input)
}

/// Builds the seed site into a fresh temporary folder.
pub fn build_seeds() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&seeds(), &out);
    (tmp, out)
}

/// `broadsheet search SITE QUERY --json`, parsed.
pub fn search_json(site: &Path, query: &str) -> serde_json::Value {
    let o = run(bin()
        .arg("search")
        .arg(site)
        .arg(query)
        .arg("--json")
        .arg("--limit")
        .arg("50"));
    assert!(o.status.success(), "search failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("search prints JSON")
}

/// The slugs `broadsheet search --related` lists for the article at `slug`
/// of `site`, best first: the first five, as many as the viewer shows.
pub fn related_slugs(site: &Path, slug: &str) -> Vec<String> {
    let o = run(bin()
        .arg("search")
        .arg(site)
        .arg("--related")
        .arg(slug)
        .arg("--limit")
        .arg("5")
        .arg("--json"));
    assert!(
        o.status.success(),
        "search --related failed: {}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("search prints JSON");
    (v["hits"].as_array().unwrap().iter())
        .map(|h| h["slug"].as_str().unwrap().to_string())
        .collect()
}
