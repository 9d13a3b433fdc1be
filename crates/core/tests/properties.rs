//! Property tests of the analyzer and of indexing/querying agreement.

use broadsheet_core::analysis::{fold, normalize, tokenize};
use broadsheet_core::bundle::MANIFEST_FILE;
use broadsheet_core::index::{build, order, BuildOptions};
use broadsheet_core::search::{Engine, Query};
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
            date: None,
            url: None,
            summary: None,
            credit: None,
            blocks: vec![Block::Paragraph(t.clone())],
            source: format!("{i}.txt"),
        }).collect();
        let ordered = order(articles);
        let bundle = build(&ordered, &BuildOptions { term_shard_bytes: 256, ..Default::default() });
        let file = |n: &str| bundle.files.iter().find(|f| f.name == n).map(|f| f.bytes.clone()).ok_or(());
        let mut engine = Engine::open(&file(MANIFEST_FILE).unwrap()).unwrap();

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
