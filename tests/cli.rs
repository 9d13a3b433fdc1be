//! The CLI end to end: real seeds in, a real site out.

mod common;

use broadsheet_core::bundle::{decode, FileKind, Manifest};
use common::*;
use std::fs;

#[test]
fn build_writes_a_complete_site() {
    let (_tmp, site) = build_seeds();
    let html = fs::read_to_string(site.join("index.html")).unwrap();
    // Every asset the page references exists, and has a content-hashed name.
    for ext in ["js", "wasm", "css"] {
        let name = fs::read_dir(&site)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| {
                (n.starts_with("app-") || n.starts_with("style-"))
                    && n.ends_with(&format!(".{ext}"))
            })
            .unwrap_or_else(|| panic!("no .{ext} file"));
        assert!(name.len() > 20, "{name} is not hashed");
        if ext != "wasm" {
            assert!(html.contains(&name), "index.html does not reference {name}");
        }
    }
    let wasm = fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .unwrap();
    assert_eq!(&fs::read(wasm).unwrap()[..4], b"\0asm");

    let manifest: Manifest = decode(
        FileKind::Manifest,
        &fs::read(site.join("data/manifest.bin")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.doc_count, 5);
    let mut langs = site_langs(&site);
    langs.sort();
    assert_eq!(
        langs,
        [
            ("de".into(), 2),
            ("nl".into(), 1),
            ("pl".into(), 1),
            ("vi".into(), 1)
        ]
    );
    for f in manifest.files() {
        assert!(
            site.join("data").join(f).is_file(),
            "manifest names missing file {f}"
        );
    }
}

#[test]
fn build_prints_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--out")
        .arg(tmp.path().join("s")));
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.contains("built 5 articles"), "{err}");
    assert!(err.contains("gzip"), "{err}");

    // Counts of one read as such: one article, one file skipped.
    let input = tmp.path().join("one");
    fs::create_dir(&input).unwrap();
    fs::copy(
        seeds().join("000_dd54529cc9df803b.txt"),
        input.join("a.txt"),
    )
    .unwrap();
    fs::write(input.join("b.txt"), b"   \n").unwrap();
    let o = run(bin()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(tmp.path().join("s1")));
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("built 1 article (de 1), 1 file skipped into"),
        "{err}"
    );

    // And a folder whose only file is not an article says so.
    fs::remove_file(input.join("a.txt")).unwrap();
    let o = run(bin()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(tmp.path().join("s2")));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(": the only file was skipped; nothing written"),
        "{err}"
    );
}

#[test]
fn search_json_has_the_documented_shape() {
    let (_tmp, site) = build_seeds();
    let v = search_json(&site, "Bac Ninh");
    assert_eq!(v["total"], 1);
    let hit = &v["hits"][0];
    assert_eq!(hit["lang"], "nl");
    assert_eq!(hit["source"], "003_03305f744d138c2e.txt");
    assert!(hit["slug"].as_str().unwrap().starts_with("bac-ninh"));
    assert!(hit["title"].as_str().unwrap().starts_with("Bac Ninh"));
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(hit["snippet"].as_str().unwrap().contains("Bac Ninh"));
}

/// Without `--json`, a reader's list: the count (in words that agree with
/// it), then each result's title and language, byline, link, file and
/// snippet.
#[test]
fn search_prints_a_readable_list() {
    let (_tmp, site) = build_seeds();
    let o = run(bin().arg("search").arg(&site).arg("Bac Ninh"));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1 result for \"Bac Ninh\"", "{out}");
    assert!(
        lines[2].starts_with(" 1. Bac Ninh") && lines[2].contains("[nl]"),
        "{out}"
    );
    assert_eq!(
        lines[3], "    2025-10-16 · Báo Tài nguyên Môi trường",
        "{out}"
    );
    assert!(lines[4].trim_start().starts_with("#/a/bac-ninh"), "{out}");
    assert!(lines[4].ends_with("(003_03305f744d138c2e.txt)"), "{out}");
    assert!(lines[5].contains("Bac Ninh"), "{out}");
    let o = run(bin().arg("search").arg(&site).arg("Cao Bằng"));
    assert!(
        stdout(&o).starts_with("3 results for \"Cao Bằng\""),
        "{}",
        stdout(&o)
    );
    assert!(
        lines[2].ends_with(')'),
        "ranked hits show their score: {out}"
    );
    // No words: every article (the filters leave), newest first, unscored.
    for (q, head) in [
        ("", "5 articles, newest first"),
        ("lang:de", "2 articles for \"lang:de\", newest first"),
        ("lang:nl", "1 article for \"lang:nl\", newest first"),
    ] {
        let o = run(bin().arg("search").arg(&site).arg(q));
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], head, "{out}");
        assert!(lines[2].ends_with(']'), "no score: {out}");
    }
}

/// `search --related SLUG` lists the articles like one, as the viewer does
/// under it: best first, never the article itself, with a readable
/// heading; an unknown slug is an error that names it.
#[test]
fn search_lists_the_articles_like_one() {
    let (_tmp, site) = build_seeds();
    let delegation = "zur-delegation-gehorten-leiter-der-abteilung-fur-wissenschaft-und";
    let secretary = "generalsekretar-an-lam-wissenschaft-technologie-und-innovation";
    assert_eq!(related_slugs(&site, delegation), [secretary]);
    assert_eq!(related_slugs(&site, secretary), [delegation]);
    let o = run(bin()
        .arg("search")
        .arg(&site)
        .arg("--related")
        .arg(secretary));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("1 article like #/a/{secretary}"), "{out}");
    assert!(lines[2].starts_with(" 1. Zur Delegation"), "{out}");
    assert_eq!(
        lines[3].trim_start(),
        format!("#/a/{delegation}  (000_dd54529cc9df803b.txt)")
    );
    let o = run(bin().arg("search").arg(&site).arg("--related").arg("nope"));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no article at `nope`"),
        "{}",
        stderr(&o)
    );
    let o = run(bin()
        .arg("search")
        .arg(&site)
        .arg("cao")
        .arg("--related")
        .arg(secretary));
    assert!(!o.status.success(), "a query and --related together");
}

#[test]
fn search_batch_mode_reads_queries_from_stdin() {
    use std::io::Write;
    let (_tmp, site) = build_seeds();
    let mut child = bin()
        .arg("search")
        .arg(&site)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Bac Ninh\nCao Bằng\nzzzqqq\n".as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let totals: Vec<u64> = lines.iter().map(|v| v["total"].as_u64().unwrap()).collect();
    assert_eq!(totals, [1, 3, 0]);
}

#[test]
fn missing_input_is_an_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let o = run(bin()
        .arg("build")
        .arg(tmp.path().join("nope"))
        .arg("--out")
        .arg(&out));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no temporary files left behind"
    );
}

#[test]
fn empty_input_is_an_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("empty");
    fs::create_dir(&input).unwrap();
    let out = tmp.path().join("site");
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&out));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    assert!(!out.exists());

    // A folder whose only files are not articles is just as empty.
    fs::write(input.join("a.bin"), b"\0\x01\x02").unwrap();
    fs::write(input.join("b.txt"), b"   \n").unwrap();
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&out));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("a.bin") && err.contains("binary"), "{err}");
    assert!(err.contains("no articles"), "{err}");
    assert!(!out.exists());
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_create() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("precious");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("thesis.txt"), "do not delete").unwrap();
    let o = run(bin().arg("build").arg(seeds()).arg("--out").arg(&out));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not created by broadsheet"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_to_string(out.join("thesis.txt")).unwrap(),
        "do not delete"
    );
    assert_eq!(fs::read_dir(&out).unwrap().count(), 1);
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "no temporary files left behind"
    );
}

#[test]
fn rebuilds_replace_its_own_site() {
    let (_tmp, site) = build_seeds();
    let input = site.parent().unwrap().join("one");
    fs::create_dir(&input).unwrap();
    fs::copy(
        seeds().join("003_03305f744d138c2e.txt"),
        input.join("a.txt"),
    )
    .unwrap();
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&site));
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: Manifest = decode(
        FileKind::Manifest,
        &fs::read(site.join("data/manifest.bin")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.doc_count, 1);
    // Only files of the new build remain: its index files and body packs
    // (read by byte range, so served as they are), and its manifest and
    // offline file list, each with its .br and .gz.
    let data: Vec<_> = fs::read_dir(site.join("data")).unwrap().collect();
    assert_eq!(data.len(), manifest.files().count() + 3 * 2);
}

/// A news site is rebuilt whenever an article is added. The rebuild
/// writes the newest pack anew and leaves every older pack's file as it
/// was (same name, same bytes: a host uploads, a CDN fetches and a saved
/// site downloads only what changed), and every older article keeps its
/// address, even where the new one has the same title.
#[test]
fn a_newer_article_leaves_older_packs_and_links_as_they_were() {
    // About 3 MB of text: several packs of the default size.
    let words = [
        "Hafen", "Brücke", "Rat", "Schule", "Wetter", "Markt", "Bahn",
    ];
    let text = |i: usize| -> String {
        let body: Vec<String> = (0..600)
            .map(|w| format!("{}{}", words[(i + w) % words.len()], (i * 7 + w) % 1000))
            .collect();
        body.join(" ")
    };
    let mut files: Vec<(String, String)> = (0..700)
        .map(|i| {
            let date = format!("{:02}/{:02}/2024", 1 + i % 28, 1 + i % 12);
            let article = format!("Bericht {i}\n\n{date}\n\n{}.\n", text(i));
            (format!("{i:03}.txt"), article)
        })
        .collect();
    files[5].1 = format!("Wetter\n\n06/06/2024\n\n{}.\n", text(5));
    let named: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (tmp, input) = articles_in(&named);
    let site = tmp.path().join("site");
    build_into(&input, &site);
    let manifest = |site: &std::path::Path| -> Manifest {
        decode(
            FileKind::Manifest,
            &fs::read(site.join("data/manifest.bin")).unwrap(),
        )
        .unwrap()
    };
    let before = manifest(&site);
    assert!(before.packs.len() >= 3, "{} packs", before.packs.len());
    let packs_before: Vec<(String, Vec<u8>)> = data_files(&site)
        .into_iter()
        .filter(|(name, _)| name.starts_with("pack-"))
        .collect();
    let slug_of = |site: &std::path::Path, source: &str| -> String {
        let hits = search_json(site, "\"Wetter\"")["hits"].clone();
        let hit = hits
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["source"] == source);
        hit.unwrap_or_else(|| panic!("{source} in {hits}"))["slug"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(slug_of(&site, "005.txt"), "wetter");

    fs::write(
        input.join("new.txt"),
        format!("Wetter\n\n01/12/2026\n\n{}.\n", text(9_999)),
    )
    .unwrap();
    build_into(&input, &site);
    let after = manifest(&site);
    assert_eq!(after.doc_count, before.doc_count + 1);
    let packs_after = data_files(&site);
    let kept = packs_before
        .iter()
        .filter(|p| packs_after.contains(p))
        .count();
    assert_eq!(kept, before.packs.len() - 1, "older packs rewritten");
    assert_eq!(slug_of(&site, "005.txt"), "wetter");
    assert_eq!(slug_of(&site, "new.txt"), "wetter-2");
}

/// A site (or one-file page) written inside the folder of articles is not
/// read as articles by the next build: its pages, scripts and file lists
/// would otherwise be indexed, one more build of them each time. A built
/// site given as the input is refused, naming it.
#[test]
fn a_site_built_inside_the_input_is_not_read_as_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("articles");
    fs::create_dir(&input).unwrap();
    for e in fs::read_dir(seeds()).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), input.join(e.file_name())).unwrap();
    }
    let (site, page) = (input.join("site"), input.join("page.html"));
    for _ in 0..2 {
        let o = run(bin().arg("build").arg(&input).arg("--out").arg(&site));
        assert!(o.status.success(), "{}", stderr(&o));
        let o = run(bin()
            .arg("build")
            .arg(&input)
            .arg("--single-file")
            .arg(&page));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let again = tmp.path().join("again");
    let o = run(bin().arg("build").arg(&input).arg("--out").arg(&again));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let named = format!("`{}` is a site broadsheet built", site.display());
    assert!(err.contains(&named), "the site is named as skipped: {err}");
    let named = format!(
        "{}: a page `broadsheet build --single-file` wrote",
        page.display()
    );
    assert!(err.contains(&named), "the page is named as skipped: {err}");
    let v = search_json(&site, "");
    assert_eq!(v["total"], 5, "{v}");
    let v = search_json(&again, "");
    assert_eq!(v["total"], 5, "{v}");

    let o = run(bin()
        .arg("build")
        .arg(&site)
        .arg("--out")
        .arg(tmp.path().join("x")));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is a site broadsheet built"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn files_given_directly_are_read_as_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let o = run(bin()
        .arg("build")
        .arg(seeds().join("002_9700a0d7cd026bde.txt"))
        .arg(seeds().join("004_b3b47ec6e03bc2f5.txt"))
        .arg("--out")
        .arg(&out)
        .arg("-q"));
    assert!(o.status.success(), "{}", stderr(&o));
    let v = search_json(&out, "");
    assert_eq!(v["total"], 2);
    // Newest first: 004 is dated, 002 is not.
    assert_eq!(v["hits"][0]["source"], "004_b3b47ec6e03bc2f5.txt");
}

#[test]
fn saved_web_pages_are_read_as_their_articles() {
    let (tmp, input) = articles_in(&[(
        "seite.html",
        "<!DOCTYPE html>\n<html lang=\"de\"><head><title>Zeitung</title>\
         <script>var werbung = 1;</script></head><body><nav>Startseite Politik</nav>\
         <article><h1>Ein Artikel &uuml;ber Wissenschaft</h1>\
         <p>Der erste Absatz ist lang genug, um als Text zu gelten, und erzählt von \
         Wissenschaft und Technologie in der Provinz.</p></article></body></html>",
    )]);
    let site = tmp.path().join("site");
    build_into(&input, &site);
    let v = search_json(&site, "Wissenschaft");
    let hit = &v["hits"][0];
    assert_eq!(hit["title"], "Ein Artikel über Wissenschaft", "{v}");
    assert_eq!(hit["source"], "seite.html");
    assert_eq!(hit["lang"], "de");
    // The page's furniture and code are not the article's text.
    for word in ["Startseite", "werbung", "Zeitung"] {
        assert_eq!(search_json(&site, word)["total"], 0, "{word}");
    }
}

#[test]
fn markdown_articles_are_read_with_their_front_matter_and_drafts_left_out() {
    // Hugo's TOML front matter; Jekyll's YAML, marked a draft; a text
    // scrape with front matter.
    let (tmp, input) = articles_in(&[
        (
            "verkiezingen.md",
            "+++\ntitle = \"Verkiezingen: opkomst hoger dan verwacht\"\n\
             date = 2023-11-22T21:00:00+01:00\npublisher = \"Het Dagblad\"\n\
             authors = [\"Jan de Vries\", \"Sanne Bakker\"]\n+++\n\n\
             De **opkomst** bij de verkiezingen voor de [Tweede Kamer](https://example.nl/) \
             was woensdag hoger dan verwacht, meldt het ANP op basis van tellingen.\n\n\
             {{< figure src=\"/img/stembus.jpg\" caption=\"Een stembus in Utrecht\" >}}\n\n\
             ## Lange rijen\n\nIn Amsterdam stonden kiezers tot na sluitingstijd in de rij \
             bij de stembureaus van de gemeente.\n",
        ),
        (
            "fusie.md",
            "---\ntitle: Fusie van de kranten\ndraft: true\n---\n\
             Geheim concept over de fusie van de twee kranten, dat nog niet openbaar mag worden.\n",
        ),
        (
            "kort.txt",
            "---\ntitle: Treinverkeer hervat\ndate: 2024-01-05\nlang: nl\n---\n\
             De trein tussen Gent en Brussel rijdt sinds vanochtend weer volgens de dienstregeling.\n",
        ),
    ]);
    let site = tmp.path().join("site");
    // A draft is no bad file: `--strict` builds, and the summary counts it.
    let o = build_output(&input, &site, &["--strict"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("fusie.md: a draft"), "{err}");
    assert!(
        err.contains("built 2 articles") && err.contains("1 draft left out"),
        "{err}"
    );

    let v = search_json(&site, "opkomst");
    let hit = &v["hits"][0];
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(hit["title"], "Verkiezingen: opkomst hoger dan verwacht");
    assert_eq!(hit["lang"], "nl");
    // The byline's facts, as the front matter gives them.
    assert_eq!(hit["author"], "Jan de Vries, Sanne Bakker");
    assert_eq!(hit["publisher"], "Het Dagblad");
    assert_eq!(hit["date"], "2023-11-22");
    let o = run(bin().arg("search").arg(&site).arg("opkomst"));
    let byline = "    Jan de Vries, Sanne Bakker · 2023-11-22 · Het Dagblad";
    assert_eq!(stdout(&o).lines().nth(3), Some(byline), "{}", stdout(&o));
    // An author's name finds their articles, by itself or with words of
    // the text; no snippet is made of it.
    for q in ["Sanne Bakker", "Vries opkomst"] {
        let v = search_json(&site, q);
        assert_eq!(
            v["hits"][0]["author"], "Jan de Vries, Sanne Bakker",
            "{q}: {v}"
        );
        assert_eq!(v["total"], 1, "{q}: {v}");
    }
    let snippet = search_json(&site, "Bakker")["hits"][0]["snippet"].clone();
    assert!(
        snippet.as_str().unwrap().starts_with("De opkomst"),
        "{snippet}"
    );
    let v = search_json(&site, "Treinverkeer");
    assert_eq!(v["hits"][0]["source"], "kort.txt", "{v}");
    // What an article does not say is left out, not made up.
    let hit = v["hits"][0].as_object().unwrap();
    assert!(
        !hit.contains_key("author") && !hit.contains_key("publisher"),
        "{v}"
    );
    // Neither the front matter's names nor Markdown's link targets are
    // text; the draft is nowhere.
    // A shortcode's figure is its caption, and the shortcode no text.
    assert_eq!(search_json(&site, "stembus")["total"], 1);
    for word in [
        "title",
        "draft",
        "publisher",
        "example",
        "Geheim",
        "fusie",
        "figure",
        "src",
    ] {
        assert_eq!(search_json(&site, word)["total"], 0, "{word}");
    }
    // Drafts alone are no site.
    let o = build_output(&input.join("fusie.md"), &tmp.path().join("none"), &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("the only file is a draft; nothing written"),
        "{}",
        stderr(&o)
    );
}

/// The site's Atom feed: its newest articles, newest first, each with its
/// link into the viewer, its authors and its language; the page names it.
/// Article text is data: the feed is well-formed XML whatever the titles
/// hold.
#[test]
fn the_feed_lists_the_newest_articles() {
    let article = |front: &str, text: &str| format!("---\n{front}\n---\n\n{text}\n");
    let (tmp, input) = articles_in(&[
        (
            "a.md",
            &article(
                "title: \"Wahlen & <Parteien>\"\ndate: 2024-10-01\nlang: de\nauthors: [Ewa Nowak, Jan de Vries]",
                "Die Wahlbeteiligung war höher als erwartet, meldet die Wahlkommission.\u{1}",
            ),
        ),
        (
            "b.md",
            &article(
                "title: Pegel sinken\ndate: 2024-09-20\nlang: de",
                "Vier Tage nach dem Höchststand sinken die Pegel an der Elbe wieder.",
            ),
        ),
        (
            "c.md",
            &article(
                "title: Zonder datum\nlang: nl\nauthor: \"Piet Jansen,\"",
                "Een artikel zonder datum staat achteraan in de lijst van nieuwe artikelen.",
            ),
        ),
    ]);
    for (args, home) in [(&[][..], "./"), (&["--base-url", "/news/"][..], "/news/")] {
        let site = tmp.path().join(format!("site{}", home.len()));
        let o = build_output(&input, &site, &[&["--title", "Die Zeitung"], args].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        let xml = fs::read_to_string(site.join("feed.xml")).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let feed = doc.root_element();
        let child = |n: roxmltree::Node<'_, '_>, name: &str| {
            n.children()
                .find(|c| c.has_tag_name(name))
                .and_then(|c| c.text())
                .map(String::from)
        };
        assert_eq!(child(feed, "title").as_deref(), Some("Die Zeitung"));
        assert_eq!(
            child(feed, "updated").as_deref(),
            Some("2024-10-01T00:00:00Z")
        );
        let entries: Vec<_> = feed
            .children()
            .filter(|c| c.has_tag_name("entry"))
            .collect();
        let titles: Vec<_> = entries
            .iter()
            .map(|e| child(*e, "title").unwrap())
            .collect();
        assert_eq!(
            titles,
            ["Wahlen & <Parteien>", "Pegel sinken", "Zonder datum"],
            "{xml}"
        );
        let first = entries[0];
        let link = first.children().find(|c| c.has_tag_name("link")).unwrap();
        assert_eq!(
            link.attribute("href"),
            Some(&*format!("{home}#/a/wahlen-parteien"))
        );
        let authors: Vec<_> = (first.children().filter(|c| c.has_tag_name("author")))
            .map(|a| child(a, "name").unwrap())
            .collect();
        assert_eq!(authors, ["Ewa Nowak", "Jan de Vries"]);
        assert_eq!(
            first.attribute(("http://www.w3.org/XML/1998/namespace", "lang")),
            Some("de")
        );
        // The undated article is as new as the newest; a name and a stray
        // comma are one author.
        assert_eq!(
            child(entries[2], "updated").as_deref(),
            Some("2024-10-01T00:00:00Z")
        );
        let authors: Vec<_> = (entries[2].children().filter(|c| c.has_tag_name("author")))
            .map(|a| child(a, "name").unwrap())
            .collect();
        assert_eq!(authors, ["Piet Jansen"]);
        let page = fs::read_to_string(site.join("index.html")).unwrap();
        let named = format!(
            r#"<link rel="alternate" type="application/atom+xml" title="Die Zeitung" href="{}feed.xml">"#,
            home.trim_start_matches("./")
        );
        assert!(page.contains(&named), "{page}");
    }
}

#[test]
fn every_file_has_precompressed_siblings() {
    use std::io::Read;
    let (_tmp, site) = build_seeds();
    let mut checked = 0;
    for dir in [site.clone(), site.join("data")] {
        for e in fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // Body packs and index files are read by byte range, article by
            // article and piece by piece: served as they are, never by a
            // sibling.
            if name.starts_with("pack-") || name.starts_with("index-") {
                assert!(!name.ends_with(".br") && !name.ends_with(".gz"), "{name}");
                assert!(
                    !dir.join(format!("{name}.br")).exists(),
                    "{name} has a sibling"
                );
                continue;
            }
            if !path.is_file()
                || name.starts_with('.')
                || name.ends_with(".br")
                || name.ends_with(".gz")
                // Compressed already: served as they are.
                || name.ends_with(".png")
            {
                continue;
            }
            let plain = fs::read(&path).unwrap();
            let mut from_br = Vec::new();
            brotli::Decompressor::new(&fs::read(dir.join(format!("{name}.br"))).unwrap()[..], 4096)
                .read_to_end(&mut from_br)
                .unwrap();
            let mut from_gz = Vec::new();
            flate2::read::GzDecoder::new(&fs::read(dir.join(format!("{name}.gz"))).unwrap()[..])
                .read_to_end(&mut from_gz)
                .unwrap();
            assert!(
                from_br == plain && from_gz == plain,
                "{name}: siblings differ"
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} files checked");
}

#[test]
fn the_sites_name_goes_wherever_the_site_names_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    // A name is text, never markup.
    build_with(&seeds(), &site, &["--title", " Die <Zeitung> & Co "]);
    let html = fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        html.contains("<title>Die &lt;Zeitung&gt; &amp; Co</title>"),
        "{html}"
    );
    let app: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("manifest.webmanifest")).unwrap()).unwrap();
    assert_eq!(app["name"], "Die <Zeitung> & Co");
    // The bundle carries it, for the viewer's masthead wherever it is
    // embedded.
    let manifest: Manifest = decode(
        FileKind::Manifest,
        &fs::read(site.join("data/manifest.bin")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.name, "Die <Zeitung> & Co");
    let page = tmp.path().join("one.html");
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .args(["--quiet", "--title", "Die Zeitung", "--single-file"])
        .arg(&page));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::read_to_string(&page)
        .unwrap()
        .contains("<title>Die Zeitung</title>"));
    // Without one, the product's.
    let (_tmp, plain) = build_seeds();
    let html = fs::read_to_string(plain.join("index.html")).unwrap();
    assert!(html.contains("<title>Broadsheet</title>"), "{html}");
    // A name that cannot be one is an error, and nothing is written.
    for bad in ["  ", "Die\nZeitung"] {
        let out = tmp.path().join("bad");
        let o = build_output(&seeds(), &out, &["--title", bad]);
        assert!(!o.status.success(), "{bad:?}");
        assert!(stderr(&o).contains("site's name"), "{}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn serve_on_a_port_in_use_fails_before_it_builds() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let o = run(bin()
        .arg("serve")
        .arg(seeds())
        .args(["--port", &port, "--out"])
        .arg(&out));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(&format!("127.0.0.1:{port}")) && err.contains("`--port 0` picks a free one"),
        "{err}"
    );
    // Nothing was built for a server that could not start.
    assert!(!out.exists(), "{err}");
}

#[test]
fn serve_sends_precompressed_files_with_the_right_types() {
    use std::io::{BufRead, BufReader, Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let mut child = bin()
        .arg("serve")
        .arg(seeds())
        .args(["--port", "0", "--quiet", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let wasm = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".wasm"))
        .unwrap();
    let get = |path: &str, encoding: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET /{path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n\r\n").unwrap();
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).unwrap();
        let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (
            String::from_utf8_lossy(&resp[..split]).to_lowercase(),
            resp[split + 4..].to_vec(),
        )
    };
    let (head, body) = get(&wasm, "br");
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("immutable"), "{head}");
    assert_eq!(body, fs::read(out.join(format!("{wasm}.br"))).unwrap());
    let (head, _) = get("data/manifest.bin", "gzip");
    assert!(
        head.contains("content-encoding: gzip") && head.contains("no-cache"),
        "{head}"
    );
    let (head, body) = get("index.html", "identity");
    assert!(!head.contains("content-encoding"), "{head}");
    assert_eq!(body, fs::read(out.join("index.html")).unwrap());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_site_is_installable() {
    let (_tmp, site) = build_seeds();
    let html = fs::read_to_string(site.join("index.html")).unwrap();
    assert!(html.contains(r#"<link rel="manifest" href="manifest.webmanifest">"#));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("manifest.webmanifest")).unwrap()).unwrap();
    assert_eq!(manifest["start_url"], "./");
    assert_eq!(manifest["display"], "standalone");
    // A PNG's own width and height (IHDR), checked against what is declared.
    let png_size = |src: &str| {
        let bytes = fs::read(site.join(src)).unwrap_or_else(|_| panic!("icon {src} missing"));
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{src}");
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        format!("{w}x{h}")
    };
    let mut sizes = Vec::new();
    for icon in manifest["icons"].as_array().unwrap() {
        // PNG only: an SVG icon costs the loading page's main thread a
        // whole SVG document.
        assert_eq!(icon["type"], "image/png", "{icon}");
        let src = icon["src"].as_str().unwrap();
        let size = png_size(src);
        assert_eq!(icon["sizes"], size, "{src}");
        sizes.push(size);
    }
    // Browsers install apps with a 192 and a 512 pixel icon.
    assert_eq!(sizes, ["192x192", "512x512"]);
    // The tab's icon: a small PNG.
    assert!(html.contains(r#"<link rel="icon" href="icon-32.png" type="image/png" sizes="32x32">"#));
    assert_eq!(png_size("icon-32.png"), "32x32");
}

#[test]
fn the_service_worker_names_files_that_exist() {
    let (_tmp, site) = build_seeds();
    let sw = fs::read_to_string(site.join("sw.js")).unwrap();
    let line = |name: &str| {
        sw.lines()
            .find(|l| l.starts_with(&format!("const {name} = ")))
            .unwrap_or_else(|| panic!("sw.js has no {name}"))
            .trim_start_matches(&format!("const {name} = "))
            .trim_end_matches(';')
            .to_string()
    };
    let precache: Vec<String> = serde_json::from_str(&line("PRECACHE")).unwrap();
    assert!(precache.contains(&"./".to_string()));
    assert!(precache.contains(&"data/manifest.bin".to_string()));
    for f in precache.iter().filter(|f| *f != "./") {
        assert!(site.join(f).is_file(), "precached {f} does not exist");
    }
    let list_name: String = serde_json::from_str(&line("FILE_LIST")).unwrap();
    let list = fs::read_to_string(site.join(&list_name)).unwrap();
    let mut total = 0;
    for l in list.lines() {
        let (len, path) = l.split_once(' ').unwrap();
        let len: u64 = len.parse().unwrap();
        assert_eq!(fs::metadata(site.join(path)).unwrap().len(), len, "{path}");
        total += len;
    }
    // Every data file is listed for "save everything".
    for e in fs::read_dir(site.join("data")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".bin") {
            assert!(
                list.contains(&format!(" data/{name}\n")),
                "{name} not listed"
            );
        }
    }
    assert_eq!(line("TOTAL_BYTES"), total.to_string());
}

#[test]
fn base_url_must_be_a_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    for bad in ["news/", "https://example.org/news/", "/a\"b/"] {
        let o = run(bin()
            .arg("build")
            .arg(seeds())
            .arg("--out")
            .arg(&out)
            .args(["--base-url", bad]));
        assert!(!o.status.success());
        assert!(stderr(&o).contains("--base-url"), "{}", stderr(&o));
        assert!(!out.exists(), "something was written for {bad:?}");
    }
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--out")
        .arg(&out)
        .args(["--base-url", "/news", "--quiet"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains(r#"<meta name="broadsheet-data" content="/news/data/">"#));
    assert!(html.contains(r#"<link rel="manifest" href="/news/manifest.webmanifest">"#));
    let manifest = fs::read_to_string(out.join("manifest.webmanifest")).unwrap();
    assert!(manifest.contains(r#""start_url": "/news/""#), "{manifest}");
}

#[test]
fn single_file_is_one_self_contained_page() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("news.html");
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--single-file")
        .arg(&page));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("news.html: 1 file,"), "{}", stderr(&o));
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "only the page is written"
    );
    let html = fs::read_to_string(&page).unwrap();
    // It references nothing outside itself.
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let value = &html[i + attr.len()..];
            assert!(
                value.starts_with("data:"),
                "external reference: {}",
                &value[..40.min(value.len())]
            );
        }
    }
    // Its scripts run by hash, nothing else may.
    assert!(html.contains("script-src 'sha256-"));
    assert!(!html.contains("unsafe-inline"));
    // Every bundle file is inline.
    let (_t, site) = build_seeds();
    for e in fs::read_dir(site.join("data")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".bin") {
            assert!(
                html.contains(&format!("id=\"bs:data/{name}\"")),
                "{name} not inline"
            );
        }
    }
}

#[test]
fn search_reads_a_single_file_page_as_its_site() {
    let (tmp, site) = build_seeds();
    let page = tmp.path().join("news.html");
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .args(["--quiet", "--single-file"])
        .arg(&page));
    assert!(o.status.success(), "{}", stderr(&o));
    // The same engine over the same bundle: the same answers, snippets
    // (read from the articles) included.
    for q in [
        "cao bang",
        "Wissenschaft Technologie",
        "członek",
        "",
        "xyzzy",
    ] {
        let (from_page, from_site) = (search_json(&page, q), search_json(&site, q));
        assert_eq!(from_page, from_site, "{q}");
        assert!(q == "xyzzy" || from_page["total"].as_u64() > Some(0), "{q}");
    }
    // A file that is neither: named as such.
    let other = seeds().join("000_dd54529cc9df803b.txt");
    let o = run(bin().arg("search").arg(&other).arg("cao"));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is not a built site: neither a folder"),
        "{}",
        stderr(&o)
    );
    // A page whose data was tampered with: named, with what is wrong.
    let html = fs::read_to_string(&page).unwrap();
    let broken = tmp.path().join("broken.html");
    fs::write(
        &broken,
        html.replace(
            "id=\"bs:data/manifest.bin\">",
            "id=\"bs:data/manifest.bin\">!",
        ),
    )
    .unwrap();
    let o = run(bin().arg("search").arg(&broken).arg("cao"));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("broken.html: inline file manifest.bin is not base64"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn single_file_never_overwrites_a_file_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("notes.html");
    fs::write(&page, "<!doctype html><p>my notes</p>").unwrap();
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--single-file")
        .arg(&page));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("notes.html"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing to overwrite"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_to_string(&page).unwrap(),
        "<!doctype html><p>my notes</p>"
    );
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "no leftovers");
    // Its own page it replaces.
    let own = tmp.path().join("site.html");
    for _ in 0..2 {
        let o = run(bin()
            .arg("build")
            .arg(seeds())
            .arg("--single-file")
            .arg(&own));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 2);
}

#[test]
fn spilling_the_index_and_reading_articles_again_change_nothing() {
    // `--run-bytes 1` spills the postings after every article: the runs go
    // to temporary files and are merged, as for corpora larger than memory.
    // `--keep-bytes 0` keeps no article between the two passes: each is
    // read and parsed again, in the language the first pass found.
    let (_tmp, site) = build_seeds();
    let spilled = site.parent().unwrap().join("spilled");
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--out")
        .arg(&spilled)
        .args(["--run-bytes", "1", "--keep-bytes", "0", "--quiet"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(data_files(&site), data_files(&spilled));
    assert!(!spilled.join(".runs").exists(), "index runs left behind");
}

/// The names and bytes of a site's data files.
fn data_files(site: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(site.join("data"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The language facet of a built site: (code, articles).
fn site_langs(site: &std::path::Path) -> Vec<(String, u32)> {
    let manifest: Manifest = decode(
        FileKind::Manifest,
        &fs::read(site.join("data/manifest.bin")).unwrap(),
    )
    .unwrap();
    manifest
        .langs
        .iter()
        .map(|l| (l.value.clone(), l.count))
        .collect()
}

#[test]
fn languages_given_are_chosen_among() {
    let build = |input: &std::path::Path, out: &std::path::Path, args: &[&str]| {
        run(bin()
            .arg("build")
            .arg(input)
            .arg("--out")
            .arg(out)
            .args(args))
    };
    // Told the seeds' own languages: the same site.
    let (tmp, site) = build_seeds();
    let told = tmp.path().join("told");
    let o = build(&seeds(), &told, &["--languages", "de,nl,pl,vi", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(data_files(&site), data_files(&told));

    // A short Dutch article looks like Afrikaans among every language.
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(
        input.join("kort.txt"),
        "Verdwaald in het feeënmosbos op weg naar de verovering van Phu Sa Phin\n\n\
         Verdwaald in het feeënmosbos op weg naar de verovering van Phu Sa Phin.\n",
    )
    .unwrap();
    let langs = |out: &str, args: &[&str]| {
        let out = tmp.path().join(out);
        let o = build(&input, &out, args);
        assert!(o.status.success(), "{}", stderr(&o));
        site_langs(&out)
    };
    assert_eq!(langs("any", &["--quiet"]), [("af".into(), 1)]);
    assert_eq!(langs("nl", &["--languages", "nl,de"]), [("nl".into(), 1)]);
    // The summary says what detection chose among.
    let o = build(&input, &tmp.path().join("said"), &["--languages", "nl,de"]);
    let err = stderr(&o);
    assert!(err.contains("(nl 1; detected among nl, de)"), "{err}");

    // A code that is not one is refused before anything is read or written.
    let out = tmp.path().join("bad");
    let o = build(&input, &out, &["--languages", "nl,xx"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("`xx` is not an ISO 639-1 language code"),
        "{err}"
    );
    assert!(!out.exists());
}
