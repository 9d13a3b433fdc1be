//! Property tests of the analyzer and of indexing/querying agreement.

use broadsheet_core::analysis::{fold, normalize, tokenize};
use broadsheet_core::bundle::MANIFEST_FILE;
use broadsheet_core::index::{build, order, BuildOptions};
use broadsheet_core::search::{Engine, Need, Query};
use broadsheet_core::{Article, Block};
use proptest::prelude::*;

/// Words over Latin letters with the diacritics of the seed languages, the
/// letters NFD does not decompose, digits and capitals.
fn word() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-ZđĐłŁßøæœàáảãạăằâấêếôốơớưứäöüÄÖÜąęśźżĄĘŚŹŻ0-9]{1,10}")
        .unwrap()
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            word(),
            prop::sample::select(vec![" ", ", ", ". ", " - ", "/", "-", " (", ") "]),
        ),
        1..30,
    )
    .prop_map(|v| v.into_iter().map(|(w, sep)| format!("{w}{sep}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn folding_is_idempotent(s in "\\PC{0,40}") {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once.clone());
        prop_assert_eq!(normalize(&normalize(&s)), normalize(&s));
        // Folding never leaves combining marks or the hand-mapped letters.
        prop_assert!(!once.chars().any(|c| "đłßøæœ".contains(c)));
    }

    #[test]
    fn tokens_are_stable_under_reanalysis(t in text()) {
        // A token's own text analyses to the same folded form: what the
        // indexer stores is what a query made of that word looks up.
        for tok in tokenize(&t) {
            let again = tokenize(&t[tok.start..tok.end]);
            prop_assert!(again.iter().any(|a| a.folded == tok.folded && a.exact == tok.exact),
                "{:?} re-analysed as {:?}", &t[tok.start..tok.end], again);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every word of a document, typed as a query (exactly, or folded, in any
    /// case), finds that document.
    #[test]
    fn every_indexed_word_finds_its_document(texts in proptest::collection::vec(text(), 1..6), pick in any::<prop::sample::Index>(), lower in any::<bool>()) {
        let articles: Vec<Article> = texts.iter().enumerate().map(|(i, t)| Article {
            slug: String::new(),
            title: format!("Doc {i}"),
            title_derived: false,
            lang: ["de", "pl", "vi", "nl", "und"][i % 5].into(),
            publisher: None,
            author: None,
            date: None,
            url: None,
            summary: None,
            credit: None,
            blocks: vec![Block::Paragraph(t.clone())],
            source: format!("{i}.txt"),
        }).collect();
        let ordered = order(articles);
        let bundle = build(&ordered, &BuildOptions { term_shard_bytes: 256, ..Default::default() });
        let file = |n: &Need| bundle.load(n);
        let mut engine = Engine::open(bundle.file(MANIFEST_FILE).unwrap()).unwrap();

        let doc = pick.index(ordered.len());
        let tokens = tokenize(ordered[doc].blocks[0].text());
        let tok = &tokens[pick.index(tokens.len())];
        let typed = &ordered[doc].blocks[0].text()[tok.start..tok.end];
        let typed = if lower { fold(typed) } else { typed.to_string() };
        let q = Query::parse(&format!("{typed} "));
        let results = engine.resolve(file, |e| e.search(&q)).unwrap();
        prop_assert!(results.hits.iter().any(|h| h.doc as usize == doc),
            "query {:?} misses document {} ({:?})", typed, doc, ordered[doc].blocks[0].text());
    }
}

// ---- hostile input: nothing panics ----------------------------------------

use broadsheet_core::bundle::{self as bundle_fmt, FileKind};
use broadsheet_core::ingest::{self, IngestError};
use broadsheet_core::search::{MAX_QUERY_CHARS, MAX_QUERY_WORDS};

/// Lines that look like page furniture, mixed into random text.
fn scrape_line() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        Just("Kommentar (0)".to_string()),
        Just("No data".to_string()),
        Just("![]() |".to_string()),
        Just("| Bildunterschrift. |".to_string()),
        Just("foto-1.jpg".to_string()),
        Just("Quelle: https://example.com/a".to_string()),
        Just("VietnamPlusVietnamPlus02/07/2025".to_string()),
        Just("(Vietnam+)".to_string()),
        Just(String::new()),
        "\\PC{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn ingest_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = ingest::parse(&bytes, "x.txt");
    }

    #[test]
    fn ingested_articles_are_well_formed(lines in proptest::collection::vec(scrape_line(), 0..40)) {
        match ingest::parse_text(&lines.join("\n"), "x.txt") {
            Ok(a) => {
                prop_assert!(!a.title.trim().is_empty());
                prop_assert!(a.blocks.iter().all(|b| !matches!(b, Block::Paragraph(t) if t.trim().is_empty())));
                prop_assert!(a.url.as_deref().is_none_or(|u| u.starts_with("http://") || u.starts_with("https://")));
            }
            Err(e) => prop_assert_eq!(e, IngestError::NoText),
        }
    }

    #[test]
    fn query_parsing_never_panics_and_respects_caps(q in "\\PC{0,400}") {
        let parsed = Query::parse(&q);
        prop_assert!(parsed.terms.len() + parsed.excluded.len() <= MAX_QUERY_WORDS);
        for t in parsed.terms.iter().chain(&parsed.excluded) {
            prop_assert!(t.exact.chars().count() <= MAX_QUERY_CHARS * 3);
        }
        for r in &parsed.phrases {
            prop_assert!(r.end <= parsed.terms.len() && r.start < r.end);
        }
    }

    #[test]
    fn bundle_decoding_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for kind in [FileKind::Manifest, FileKind::Meta, FileKind::Pack] {
            let _ = bundle_fmt::decode::<broadsheet_core::Manifest>(kind, &bytes);
        }
        let half = bytes.len() / 2;
        let _ = broadsheet_core::bundle::pack::decode_pack(&bytes[..half], &bytes[half..]);
        let _ = broadsheet_core::bundle::pack::record_ranges(&bytes, half as u32);
        let _ = broadsheet_core::bundle::pack::decode_record(&bytes);
        for kind in [FileKind::Terms, FileKind::Tails] {
            if let Ok(shard) = broadsheet_core::index::decode_term_shard(kind, &bytes) {
                for (offset, flag) in [(0, 0), (1, 0), (0, 1u64 << 63)] {
                    let _ = shard.entry(offset | flag, 1000);
                }
            }
        }
        // A head entry: a tail's count and weight, then an entry; merged
        // with whatever the rest decodes to.
        use broadsheet_core::bundle::TermEntry;
        let _ = TermEntry::decode_head(&bytes, 1000);
        for at in [half, bytes.len() / 3] {
            if let (Ok(head), Ok(tail)) = (
                TermEntry::decode_head(&bytes[..at], 1000),
                TermEntry::decode(&bytes[at..], 1000),
            ) {
                let _ = head.merged(&tail);
            }
        }
        let _ = broadsheet_core::index::decode_slug_shard(&bytes);
        let _ = Engine::open(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Real bundle files with bytes flipped or cut: loading and searching
    /// them gives answers or errors, never a panic.
    #[test]
    fn damaged_bundle_files_are_errors_not_panics(
        texts in proptest::collection::vec(text(), 1..4),
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
        q in "[a-zđ ]{1,12}",
    ) {
        let articles: Vec<Article> = texts.iter().enumerate().map(|(i, t)| Article {
            slug: String::new(), title: format!("T {i}"), title_derived: false, lang: "de".into(),
            publisher: None, author: None, date: None, url: None, summary: None, credit: None,
            blocks: vec![Block::Paragraph(t.clone())], source: format!("{i}.txt"),
        }).collect();
        let bundle = build(&order(articles), &BuildOptions { term_shard_bytes: 128, ..Default::default() });
        let mut files: Vec<(String, Vec<u8>)> = bundle.files.iter().map(|f| (f.name.clone(), f.bytes.clone())).collect();
        let i = which.index(files.len());
        let f = &mut files[i].1;
        let pos = at.index(f.len());
        if cut { f.truncate(pos); } else { f[pos] ^= byte | 1; }
        let whole = |n: &str| files.iter().find(|(name, _)| name == n).map(|(_, b)| b);
        let get = |n: &Need| whole(&n.file).and_then(|b| n.cut(b).ok()).map(<[u8]>::to_vec).ok_or(());
        let Ok(mut engine) = Engine::open(whole(MANIFEST_FILE).unwrap()) else { return Ok(()) };
        let query = Query::parse(&q);
        if let Ok(r) = engine.resolve(get, |e| e.search(&query)) {
            let docs: Vec<u32> = r.hits.iter().map(|h| h.doc).collect();
            if engine.resolve(get, |e| e.need_docs(&docs, true)).is_ok() {
                for d in docs {
                    let _ = engine.meta(d);
                    let _ = engine.snippet(d, &r.matched);
                }
            }
        }
    }
}
