//! Snapshot tests of every seed article, plus targeted checks of the rules
//! the snapshots rely on.

use super::*;
use crate::model::Date;
use crate::test_seeds::SEEDS;

macro_rules! seed {
    ($name:literal) => {
        parse(include_bytes!(concat!("../../../../seeds/", $name)), $name).expect("seed parses")
    };
}

#[test]
fn snapshot_seed_000() {
    insta::assert_yaml_snapshot!(seed!("000_dd54529cc9df803b.txt"));
}
#[test]
fn snapshot_seed_001() {
    insta::assert_yaml_snapshot!(seed!("001_3c346a62ca02a70d.txt"));
}
#[test]
fn snapshot_seed_002() {
    insta::assert_yaml_snapshot!(seed!("002_9700a0d7cd026bde.txt"));
}
#[test]
fn snapshot_seed_003() {
    insta::assert_yaml_snapshot!(seed!("003_03305f744d138c2e.txt"));
}
#[test]
fn snapshot_seed_004() {
    insta::assert_yaml_snapshot!(seed!("004_b3b47ec6e03bc2f5.txt"));
}

#[test]
fn languages_of_the_seeds() {
    let langs: Vec<String> = [
        seed!("000_dd54529cc9df803b.txt"),
        seed!("001_3c346a62ca02a70d.txt"),
        seed!("002_9700a0d7cd026bde.txt"),
        seed!("003_03305f744d138c2e.txt"),
        seed!("004_b3b47ec6e03bc2f5.txt"),
    ]
    .into_iter()
    .map(|a| a.lang)
    .collect();
    assert_eq!(langs, ["de", "pl", "vi", "nl", "de"]);
}

#[test]
fn header_fields_of_dated_seeds() {
    let a = seed!("004_b3b47ec6e03bc2f5.txt");
    assert_eq!(
        a.title,
        "Generalsekretär an Lam: Wissenschaft, Technologie und Innovation priorisieren"
    );
    assert!(!a.title_derived);
    assert_eq!(a.publisher.as_deref(), Some("VietnamPlus"));
    assert_eq!(a.date, Date::new(2025, 7, 2));
    assert_eq!(
        a.url.as_deref(),
        Some("https://www.vietnamplus.vn/tong-bi-thu-to-lam-uu-tien-cac-nhiem-vu-khoa-hoc-cong-nghe-doi-moi-sang-tao-post1047658.vnp")
    );
    assert_eq!(a.credit.as_deref(), Some("Vietnam+"));
    let b = seed!("003_03305f744d138c2e.txt");
    assert_eq!(b.publisher.as_deref(), Some("Báo Tài nguyên Môi trường"));
    assert_eq!(b.date, Date::new(2025, 10, 16));
}

#[test]
fn no_noise_survives_in_any_seed() {
    for (name, bytes) in SEEDS {
        let a = parse(bytes, name).unwrap();
        let texts: Vec<&str> = a.blocks.iter().map(|b| b.text()).collect();
        for t in &texts {
            for noise in [
                "Kommentar (",
                "Komentarz (",
                "Reactie (",
                "No data",
                "No videos",
                "Vietnam.vn -",
                "http",
                "![",
                "| ",
            ] {
                assert!(!t.contains(noise), "{name}: noise {noise:?} in block {t:?}");
            }
        }
        let mut seen = std::collections::HashSet::new();
        for b in &a.blocks {
            if let Block::Paragraph(p) = b {
                assert!(seen.insert(p.clone()), "{name}: repeated paragraph {p:?}");
            }
        }
        // The related-links tail never reaches the body.
        for tail in [
            "Gleiches Thema",
            "In hetzelfde onderwerp",
            "Van dezelfde auteur",
            "Produkt",
            "Lokaal",
        ] {
            assert!(!texts.contains(&tail), "{name}: tail line {tail:?} kept");
        }
    }
}

#[test]
fn a_second_parse_in_the_known_language_gives_the_same_article() {
    for (name, bytes) in SEEDS {
        let a = parse(bytes, name).unwrap();
        assert_eq!(reparse(bytes, name, &a.lang).unwrap(), a, "{name}");
    }
    // The language given is the article's: nothing is detected.
    let (name, bytes) = SEEDS[0];
    assert_ne!(parse(bytes, name).unwrap().lang, "pl");
    assert_eq!(reparse(bytes, name, "pl").unwrap().lang, "pl");
}

#[test]
fn the_seeds_parse_the_same_among_their_languages() {
    let among: Languages = "de,nl,pl,vi".parse().unwrap();
    for (name, bytes) in SEEDS {
        let a = parse(bytes, name).unwrap();
        assert_eq!(
            parse_as(bytes, name, Language::Detect(&among), None).unwrap(),
            a,
            "{name}"
        );
    }
    // A short article whose few words look like a neighbour language when
    // any language may be chosen.
    let short = "Verdwaald in het feeënmosbos op weg naar de verovering van Phu Sa Phin\n\n\
                 Verdwaald in het feeënmosbos op weg naar de verovering van Phu Sa Phin.\n";
    assert_eq!(parse(short.as_bytes(), "x.txt").unwrap().lang, "af");
    let a = parse_as(short.as_bytes(), "x.txt", Language::Detect(&among), None).unwrap();
    assert_eq!(a.lang, "nl");
}

#[test]
fn fingerprints_fold_the_whole_text_word_by_word() {
    // What a fingerprint hashes, folding each text whole.
    fn whole(a: &Article) -> [u8; 16] {
        let mut h = blake3::Hasher::new();
        for text in std::iter::once(a.title.as_str()).chain(crate::index::body_texts(a)) {
            for word in crate::analysis::fold(text).split_whitespace() {
                h.update(word.as_bytes());
                h.update(b" ");
            }
            h.update(b"\n");
        }
        h.finalize().as_bytes()[..16].try_into().unwrap()
    }
    let mut folds = crate::analysis::Folds::with_max(64);
    let mut tricky = parse(SEEDS[0].1, SEEDS[0].0).unwrap();
    tricky.title = "Don´t  ﬁnd Ｓtraße\u{a0}İstanbul ̈x".into();
    let articles = SEEDS
        .iter()
        .map(|(name, bytes)| parse(bytes, name).unwrap())
        .chain([tricky]);
    for a in articles {
        let expected = whole(&a);
        assert_eq!(fingerprint(&a), expected, "{}", a.source);
        assert_eq!(fingerprint_with(&a, &mut folds), expected, "{}", a.source);
    }
    // White space and case do not count; words do.
    let a = parse(SEEDS[1].1, SEEDS[1].0).unwrap();
    let mut b = a.clone();
    b.title = format!("  {}  ", a.title.to_uppercase().replace(' ', "\t "));
    assert_eq!(fingerprint(&b), fingerprint(&a));
    b.title.push_str(" x");
    assert_ne!(fingerprint(&b), fingerprint(&a));
}

#[test]
fn untitled_scrapes_get_a_derived_title() {
    let a = seed!("000_dd54529cc9df803b.txt");
    assert!(a.title_derived);
    assert!(a.title.starts_with("Zur Delegation gehörten"));
    assert!(a.title.chars().count() <= 91);
}

#[test]
fn the_same_rules_clean_a_new_article() {
    // Not a seed: an invented page from the same kind of site.
    let text = "tintuc.example.vn - Trang tin tổng hợp\n\nMột tiêu đề mới\n\nBáo Mới Báo Mới 03/04/2026\n\nĐoạn văn đầu tiên của bài báo, đủ dài để được coi là nội dung chính của bài viết này.\nĐoạn văn đầu tiên của bài báo, đủ dài để được coi là nội dung chính của bài viết này.\nanh-1.png\nChú thích ảnh. (Ảnh: TTXVN)\nNguồn: https://example.vn/bai-1\nBình luận (3)\nCùng chủ đề\nMột bài khác\n";
    let a = parse_text(text, "x.txt").unwrap();
    assert_eq!(a.title, "Một tiêu đề mới");
    assert_eq!(a.date, Date::new(2026, 4, 3));
    assert_eq!(a.url.as_deref(), Some("https://example.vn/bai-1"));
    assert_eq!(
        a.blocks,
        vec![
            Block::Paragraph("Đoạn văn đầu tiên của bài báo, đủ dài để được coi là nội dung chính của bài viết này.".into()),
            Block::Figure { image: Some("anh-1.png".into()), caption: Some("Chú thích ảnh. (Ảnh: TTXVN)".into()) },
        ]
    );
}

#[test]
fn bad_bytes_are_reported() {
    assert_eq!(
        parse(b"abc\xffdef", "x"),
        Err(IngestError::InvalidUtf8 {
            offset: 3,
            guess: Some("windows-1252")
        })
    );
    assert_eq!(parse(b"abc\0def", "x"), Err(IngestError::Binary));
    assert_eq!(parse(b"  \n\n ", "x"), Err(IngestError::NoText));
    assert_eq!(
        parse(b"Kommentar (0)\nNo data\n", "x"),
        Err(IngestError::NoText)
    );
}

#[cfg(feature = "html")]
#[test]
fn a_saved_web_page_is_read_as_its_article() {
    let page = r#"<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Ein Artikel | Zeitung</title>
<meta property="og:site_name" content="Die Zeitung">
<meta name="author" content="Anna Schmidt">
<meta property="article:published_time" content="2025-07-03T08:15:00+07:00">
<link rel="canonical" href="https://example.org/artikel/1">
<style>body{color:red}</style><script>var x = 1;</script></head>
<body><header><nav><a href="/">Startseite</a></nav></header>
<article><h1>Ein Artikel über Wissenschaft</h1>
<p>Der erste Absatz des Artikels ist lang genug, um als Text zu gelten, und erzählt von Wissenschaft und Technologie.</p>
<figure><img src="/img/foto-1.jpg"><figcaption>Der Minister spricht.</figcaption></figure>
<p>Zweiter Absatz mit &amp; Entitäten &uuml;ber die digitale Transformation in Vietnam und ihre Folgen.</p>
<p>Kommentare (3)</p><ul><li>Anderer Artikel</li></ul></article>
<footer>© Die Zeitung</footer></body></html>"#;
    let a = parse(page.as_bytes(), "seite.html").unwrap();
    assert_eq!(a.title, "Ein Artikel über Wissenschaft");
    assert!(!a.title_derived);
    assert_eq!(a.lang, "de");
    // What the head says, where the text does not say it.
    assert_eq!(a.publisher.as_deref(), Some("Die Zeitung"));
    assert_eq!(a.author.as_deref(), Some("Anna Schmidt"));
    assert_eq!(a.date, Date::new(2025, 7, 3));
    assert_eq!(a.url.as_deref(), Some("https://example.org/artikel/1"));
    // The same rules as for a text scrape: the figure with its caption,
    // the tail from the comment counter on dropped, no markup, no script.
    assert_eq!(
        a.blocks,
        vec![
            Block::Paragraph(
                "Der erste Absatz des Artikels ist lang genug, um als Text zu gelten, \
                 und erzählt von Wissenschaft und Technologie."
                    .into()
            ),
            Block::Figure {
                image: Some("foto-1.jpg".into()),
                caption: Some("Der Minister spricht.".into())
            },
            Block::Paragraph(
                "Zweiter Absatz mit & Entitäten über die digitale Transformation in \
                 Vietnam und ihre Folgen."
                    .into()
            ),
        ]
    );
    // Read as text, the same page would have been markup.
    let as_text = parse_text(page, "seite.html").unwrap();
    assert_eq!(as_text.title, "<!DOCTYPE html>");
}

#[cfg(feature = "html")]
#[test]
fn a_pages_headings_are_headings_wherever_they_stand() {
    // After an image a short line passes for its caption in a scrape, and
    // before a short paragraph for a paragraph; a page says what it is.
    let page = "<!doctype html><article><h1>Der Titel des Artikels</h1>\
                <p>Der erste Absatz ist lang genug, um als Text zu gelten, und erzählt von \
                Wissenschaft und Technologie in der Provinz.</p>\
                <img src=karte.png><h2>Die Lage am Fluss</h2>\
                <p>Der Pegel steigt.</p><h3>Ausblick</h3><p>Es regnet weiter.</p></article>";
    let a = parse(page.as_bytes(), "seite.html").unwrap();
    assert_eq!(
        a.blocks[1..],
        [
            Block::Figure {
                image: Some("karte.png".into()),
                caption: None
            },
            Block::Heading("Die Lage am Fluss".into()),
            Block::Paragraph("Der Pegel steigt.".into()),
            Block::Heading("Ausblick".into()),
            Block::Paragraph("Es regnet weiter.".into()),
        ]
    );
}

#[test]
fn markup_is_told_by_its_start() {
    let page = Some(Markup::Page);
    assert_eq!(markup("<!DOCTYPE html>\n<html lang=de>"), page);
    assert_eq!(markup("\n  <HTML><body>x</body></HTML>"), page);
    // Browsers' mark on saved pages; XHTML.
    assert_eq!(
        markup("<!-- saved from url=(0029)https://example.org/a.html -->\r\n<html>"),
        page
    );
    assert_eq!(
        markup("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\">"),
        page
    );
    let feed = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Nachrichten</title>";
    assert_eq!(markup(feed), Some(Markup::Xml));
    assert_eq!(parse(feed.as_bytes(), "feed.xml"), Err(IngestError::Xml));
    // Text that mentions markup, or begins with a comment, is text.
    assert_eq!(markup("Ein Artikel über <html> und Markup"), None);
    assert_eq!(markup("<!-- x --> Ein Artikel"), None);
    assert_eq!(markup("<!-- nie geschlossen"), None);
    assert_eq!(markup(""), None);
}

#[cfg(feature = "markdown")]
const MARKDOWN: &str = r#"---
title: "Hochwasser in Sachsen: Pegel steigen weiter"
date: 2024-09-16T08:30:00+02:00
author: Anna Schmidt
site_name: Sächsische Zeitung
lang: de
tags: [Wetter, Sachsen]
canonical: https://example.org/news/hochwasser-sachsen
---

# Hochwasser in Sachsen: Pegel steigen weiter

Die Pegel an der Elbe steigen weiter. In **Dresden** wurde am Montagmorgen ein Wasserstand von 6,20 Metern gemessen, wie das [Landeshochwasserzentrum](https://www.umwelt.sachsen.de/) mitteilte.

![Die Elbe in Dresden](bilder/elbe.jpg)

## Evakuierungen in Pirna

Die Stadt Pirna hat mehrere Straßen in Ufernähe räumen lassen, *rund 300 Menschen* sind nach Angaben der Stadt davon betroffen.

![](bilder/karte.png)

- Sandsäcke gibt es am Rathaus.
"#;

#[cfg(feature = "markdown")]
#[test]
fn a_markdown_article_is_read_with_its_front_matter() {
    let a = parse(MARKDOWN.as_bytes(), "news/hochwasser.md").unwrap();
    assert_eq!(a.title, "Hochwasser in Sachsen: Pegel steigen weiter");
    assert!(!a.title_derived);
    assert_eq!(a.lang, "de");
    assert_eq!(a.date, Date::new(2024, 9, 16));
    assert_eq!(a.publisher.as_deref(), Some("Sächsische Zeitung"));
    assert_eq!(a.author.as_deref(), Some("Anna Schmidt"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://example.org/news/hochwasser-sachsen")
    );
    // The `# headline` that repeats the title is not a paragraph; no
    // Markdown is left in the text.
    assert_eq!(
        a.blocks,
        vec![
            Block::Paragraph(
                "Die Pegel an der Elbe steigen weiter. In Dresden wurde am Montagmorgen \
                 ein Wasserstand von 6,20 Metern gemessen, wie das \
                 Landeshochwasserzentrum mitteilte."
                    .into()
            ),
            // An image's caption is its title or alt text; a heading after
            // it is a heading.
            Block::Figure {
                image: Some("elbe.jpg".into()),
                caption: Some("Die Elbe in Dresden".into())
            },
            Block::Heading("Evakuierungen in Pirna".into()),
            Block::Paragraph(
                "Die Stadt Pirna hat mehrere Straßen in Ufernähe räumen lassen, rund 300 \
                 Menschen sind nach Angaben der Stadt davon betroffen."
                    .into()
            ),
            // Nor is a short line after an image without one its caption.
            Block::Figure {
                image: Some("karte.png".into()),
                caption: None
            },
            Block::Paragraph("Sandsäcke gibt es am Rathaus.".into()),
        ]
    );
    // A second parse in the language found gives the same article.
    assert_eq!(
        reparse(MARKDOWN.as_bytes(), "news/hochwasser.md", &a.lang).unwrap(),
        a
    );
    // Read as text, the front matter would have been the title.
    assert_eq!(
        parse_text(MARKDOWN, "news/hochwasser.md").unwrap().title,
        "title: \"Hochwasser in Sachsen: Pegel steigen weiter\""
    );
}

#[cfg(feature = "markdown")]
#[test]
fn front_matter_says_what_detection_and_patterns_would_guess() {
    // A text scrape with front matter: its fields go first, the text is
    // cleaned by the same rules, and a declared language is the language.
    let text = "+++\ntitle = \"Kort nieuws\"\ndescription = \"Een korte samenvatting.\"\n\
                language = \"nl-BE\"\n+++\nDe trein tussen Gent en Brussel rijdt sinds vanochtend weer volgens de dienstregeling.\n\
                Reacties (0)\nMeer nieuws\n";
    let a = parse(text.as_bytes(), "kort.txt").unwrap();
    assert_eq!(a.title, "Kort nieuws");
    assert_eq!(a.summary.as_deref(), Some("Een korte samenvatting."));
    assert_eq!(a.lang, "nl");
    assert_eq!(
        a.blocks,
        vec![Block::Paragraph(
            "De trein tussen Gent en Brussel rijdt sinds vanochtend weer volgens de dienstregeling."
                .into()
        )]
    );
    // The declaration is trusted over detection: this text declared
    // Afrikaans is Afrikaans (Dutch without the declaration).
    let afrikaans = text.replace("\"nl-BE\"", "\"af\"");
    assert_eq!(parse(afrikaans.as_bytes(), "kort.txt").unwrap().lang, "af");
    let undeclared = text.replace("language = \"nl-BE\"\n", "");
    assert_eq!(parse(undeclared.as_bytes(), "kort.txt").unwrap().lang, "nl");
    // A text scrape between two rules is front matter only where it names
    // an article's field.
    let update = "---\nUpdate: Die Polizei meldet eine Festnahme.\n---\n\
                  Der Text des Artikels ist lang genug, um als Text zu gelten, wirklich.\n";
    let a = parse(update.as_bytes(), "meldung.txt").unwrap();
    assert_eq!(a.title, "Update: Die Polizei meldet eine Festnahme");
    // A title given, but a different headline on top: that one stays.
    let md =
        "---\ntitle: Der Titel\n---\n# Eine andere Zeile\n\nDer Text des Artikels, lang genug.\n";
    let a = parse(md.as_bytes(), "a.md").unwrap();
    assert_eq!(a.title, "Der Titel");
    assert_eq!(a.blocks[0].text(), "Eine andere Zeile");
}

#[cfg(feature = "markdown")]
#[test]
fn drafts_are_not_read() {
    let draft = MARKDOWN.replacen("lang: de\n", "lang: de\ndraft: true\n", 1);
    assert_eq!(
        parse(draft.as_bytes(), "news/hochwasser.md"),
        Err(IngestError::Draft)
    );
    // Jekyll's way of saying so.
    let unpublished = MARKDOWN.replacen("lang: de\n", "lang: de\npublished: false\n", 1);
    assert_eq!(
        parse(unpublished.as_bytes(), "news/hochwasser.md"),
        Err(IngestError::Draft)
    );
    for published in ["draft: false", "published: true", "published: 2024-09-16"] {
        let md = MARKDOWN.replacen("lang: de\n", &format!("lang: de\n{published}\n"), 1);
        assert!(
            parse(md.as_bytes(), "news/hochwasser.md").is_ok(),
            "{published}"
        );
    }
}

#[test]
fn a_labelled_byline_names_the_author_and_is_no_paragraph() {
    let body = "Die Pegel an der Elbe steigen weiter, in Dresden wurde am Montag ein \
                Wasserstand von mehr als sechs Metern gemessen, wie die Stadt mitteilte.";
    // In the body (the first byline is the article's), and in the header
    // between the title and the dateline.
    let texts = [
        format!(
            "Hochwasser in Sachsen\n\n{body}\n\nAutor: Anna Schmidt\n\nTác giả: Nguyễn Văn An\n"
        ),
        format!("Hochwasser in Sachsen\nAutor: Anna Schmidt\nDie Zeitung 16/09/2024\n{body}\n"),
    ];
    for text in &texts {
        let a = parse_text(text, "a.txt").unwrap();
        assert_eq!(a.author.as_deref(), Some("Anna Schmidt"), "{text}");
        assert_eq!(a.title, "Hochwasser in Sachsen");
        assert_eq!(a.blocks, [Block::Paragraph(body.into())], "{text}");
        assert_eq!(a.summary, None);
    }
}
