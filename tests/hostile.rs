//! Hostile input and faults: bad files are named and skipped (or fail the
//! build with --strict), duplicates are packed once, odd names work, and a
//! build killed at any moment leaves the previous site whole.

mod common;

use broadsheet_core::bundle::{decode, FileKind, Manifest};
use common::*;
use std::fs;
use std::path::Path;
use std::time::Duration;

/// A folder with two good articles and one of every kind of bad file.
fn hostile_folder(dir: &Path) {
    fs::create_dir_all(dir.join("sub dir")).unwrap();
    fs::copy(
        seeds().join("003_03305f744d138c2e.txt"),
        dir.join("with space.txt"),
    )
    .unwrap();
    fs::copy(
        seeds().join("004_b3b47ec6e03bc2f5.txt"),
        dir.join("sub dir/Ünïcödé 記事.txt"),
    )
    .unwrap();
    // The same article again under another name, with other white space.
    let again = fs::read_to_string(seeds().join("003_03305f744d138c2e.txt"))
        .unwrap()
        .replace("\n\n", "\n\n\n");
    fs::write(dir.join("zz-copy.txt"), again).unwrap();
    fs::write(
        dir.join("latin1.txt"),
        b"Gr\xfc\xdfe aus K\xf6ln, ein Artikel in Latin-1.",
    )
    .unwrap();
    fs::write(dir.join("image.jpg"), b"\xff\xd8\xff\xe0\0\x10JFIF\0").unwrap();
    fs::write(dir.join("empty.txt"), b"").unwrap();
    fs::write(dir.join("blank.txt"), b" \n\t\n  \n").unwrap();
    fs::write(dir.join("giant.txt"), "Wort ".repeat(1_000_000)).unwrap();
    // A page nested a million deep: hours of tree building, were it built.
    let deep = format!("<!doctype html>{}Text", "<div>".repeat(1_000_000));
    fs::write(dir.join("deep.html"), deep).unwrap();
    // Markdown quotes in quotes, the same as HTML; and front matter nested
    // past what a recursive parser's stack would hold (no front matter
    // then: read as Markdown, it is a rule and a heading, no text).
    fs::write(
        dir.join("deep.md"),
        format!("{} Text", ">".repeat(1_000_000)),
    )
    .unwrap();
    fs::write(
        dir.join("front.md"),
        format!("---\nx: {}\n---\n", "[".repeat(100_000)),
    )
    .unwrap();
    fs::write(
        dir.join("feed.xml"),
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>News</title></channel></rss>",
    )
    .unwrap();
}

#[test]
fn bad_files_are_named_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    hostile_folder(&input);
    let out = tmp.path().join("site");
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for (file, reason) in [
        ("latin1.txt", "not valid UTF-8"),
        ("image.jpg", "binary"),
        ("empty.txt", "no article text"),
        ("blank.txt", "no article text"),
        ("giant.txt", "line 1 is 5000000 bytes long"),
        ("deep.html", "nested more than 512 elements deep"),
        ("deep.md", "nested more than 512 elements deep"),
        ("front.md", "no article text"),
        ("feed.xml", "an XML document"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} not named:\n{err}"));
        assert!(line.contains(reason) && line.contains("skipped"), "{line}");
    }
    assert!(
        err.contains("zz-copy.txt: same text as") && err.contains("packed once"),
        "{err}"
    );
    assert!(err.contains("built 2 articles"), "{err}");
    assert!(
        err.contains("9 files skipped, 1 duplicate packed once"),
        "{err}"
    );

    // Odd names are kept as sources and their articles are searchable.
    let v = search_json(&out, "");
    let mut sources: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["source"].as_str().unwrap())
        .collect();
    sources.sort();
    assert_eq!(sources, ["sub dir/Ünïcödé 記事.txt", "with space.txt"]);
}

#[test]
fn strict_fails_on_the_first_bad_file_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    hostile_folder(&input);
    let out = tmp.path().join("site");
    let o = build_output(&input, &out, &["--strict"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    // Files are read in name order: blank.txt is the first bad one.
    assert!(err.contains("blank.txt: no article text"), "{err}");
    assert!(err.contains("--strict"), "{err}");
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing beside the input"
    );
}

#[test]
fn files_in_other_encodings_are_read_as_marked_or_as_named() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    // A Vietnamese seed saved as UTF-16 with a byte-order mark (Windows'
    // "Unicode"), a Polish one in the Central European code page.
    let vi = fs::read_to_string(seeds().join("002_9700a0d7cd026bde.txt")).unwrap();
    let utf16: Vec<u8> = "\u{feff}"
        .encode_utf16()
        .chain(vi.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    fs::write(input.join("unicode.txt"), utf16).unwrap();
    let pl = fs::read_to_string(seeds().join("001_3c346a62ca02a70d.txt")).unwrap();
    let cp1250 = broadsheet_core::ingest::legacy_encoding("windows-1250").unwrap();
    let (bytes, _, lossy) = cp1250.encode(&pl);
    assert!(!lossy);
    fs::write(input.join("cp1250.txt"), bytes).unwrap();
    let (_seeds_tmp, seeds_site) = build_seeds();
    let same_hits = |site: &Path, query: &str| {
        let hits = |site| {
            let v = search_json(site, query);
            (v["hits"].as_array().unwrap().iter())
                .map(|h| (h["title"].clone(), h["lang"].clone(), h["snippet"].clone()))
                .collect::<Vec<_>>()
        };
        let (got, want) = (hits(site), hits(&seeds_site));
        assert!(!want.is_empty(), "{query}");
        assert_eq!(got, want, "{query}");
    };

    // Marked: read. Not UTF-8 and not marked: skipped, with a guess.
    let out = tmp.path().join("site");
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("cp1250.txt"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("not valid UTF-8"), "{line}");
    assert!(line.contains("`--encoding windows-1250`"), "{line}");
    assert!(line.ends_with("skipped"), "{line}");
    assert!(
        err.contains("built 1 article (vi 1), 1 file skipped"),
        "{err}"
    );
    same_hits(&out, "Cao Bằng khoa học");

    // Named: read in that encoding, the same article as the UTF-8 seed's
    // (read twice: `--keep-bytes 0` keeps no article between the passes).
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&out).args([
        "--encoding",
        "windows-1250",
        "--keep-bytes",
        "0",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("built 2 articles (pl 1, vi 1) into"),
        "{}",
        stderr(&o)
    );
    same_hits(&out, "członek Komitetu");
    same_hits(&out, "Cao Bằng khoa học");

    // A label that names no encoding: an error, nothing written.
    let none = tmp.path().join("none");
    let o = run(bin()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(&none)
        .args(["--encoding", "cp-9999"]));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("`cp-9999` names no encoding"),
        "{}",
        stderr(&o)
    );
    assert!(!none.exists());
}

fn assert_whole(site: &Path) -> u32 {
    let m: Manifest = decode(
        FileKind::Manifest,
        &fs::read(site.join("data/manifest.bin")).expect("manifest present"),
    )
    .expect("manifest intact");
    for f in m.files() {
        assert!(site.join("data").join(f).is_file(), "{f} missing");
    }
    assert!(site.join("index.html").is_file());
    m.doc_count
}

#[test]
fn a_build_killed_at_any_moment_leaves_a_whole_site() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&seeds(), &out);
    assert_eq!(assert_whole(&out), 5);

    // A bigger input, so that a build takes a while.
    let big = tmp.path().join("big");
    fs::create_dir(&big).unwrap();
    let base = fs::read_to_string(seeds().join("004_b3b47ec6e03bc2f5.txt")).unwrap();
    for i in 0..1500 {
        fs::write(
            big.join(format!("{i:04}.txt")),
            // Distinct first lines: a short line at the end would be
            // cleaned away, leaving 1,500 duplicates of one article.
            format!("Meldung {i}: {base}"),
        )
        .unwrap();
    }
    for delay_ms in [5, 20, 40, 80, 120, 200, 300, 450, 700, 1000, 1500, 2500] {
        let mut child = bin()
            .arg("build")
            .arg(&big)
            .arg("--out")
            .arg(&out)
            .arg("-q")
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait().unwrap();
        let docs = assert_whole(&out);
        assert!(
            docs == 5 || docs == 1500,
            "site has {docs} documents after kill at {delay_ms} ms"
        );
    }
    // A later build cleans up what the killed ones left beside the site.
    build_into(&seeds(), &out);
    assert_eq!(assert_whole(&out), 5);
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("broadsheet-"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}
