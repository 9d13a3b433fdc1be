//! End-to-end tests of the engine over small built bundles.

use super::*;
use crate::bundle::{DocMeta, FileKind, BACKGROUND_TABLES_BYTES, PREFETCH_TABLES_BYTES};
use crate::index::{build, order, BuildOptions};
use crate::ingest::parse_text;
use crate::model::Article;
use std::borrow::Cow;

fn article(source: &str, text: &str) -> Article {
    parse_text(text, source).unwrap()
}

fn engine_with(articles: Vec<Article>, opts: &BuildOptions) -> (Engine, crate::index::Bundle) {
    let bundle = build(&order(articles), opts);
    (
        Engine::open(bundle.file(crate::bundle::MANIFEST_FILE).unwrap()).unwrap(),
        bundle,
    )
}

fn run(engine: &mut Engine, bundle: &crate::index::Bundle, q: &str) -> Vec<String> {
    let q = Query::parse(q);
    let results = engine
        .resolve(|name| bundle.load(name), |e| e.search(&q))
        .unwrap();
    results
        .hits
        .iter()
        .map(|h| {
            engine
                .resolve(
                    |n| bundle.load(n),
                    |e| e.meta(h.doc).map(|m| m.slug.clone()),
                )
                .unwrap()
        })
        .collect()
}

fn corpus() -> Vec<Article> {
    vec![
        article("a.txt", "Tổng Bí thư Tô Lâm làm việc\n\nNgày 01/02/2025\n\nTổng Bí thư Tô Lâm đã làm việc với tỉnh Cao Bằng về chuyển đổi số và Nghị quyết 57-NQ/TW của Bộ Chính trị."),
        article("b.txt", "Generalsekretär To Lam besucht Cao Bang\n\nPresse 03/02/2025\n\nGeneralsekretär To Lam sprach über die digitale Transformation und die Resolution Nr. 57-NQ/TW in der Provinz."),
        article("c.txt", "Stahlwerk in Cao Bang modernisiert\n\nPresse 05/01/2024\n\nDas Stahlwerk investiert in digitale Technologie, Umweltschutz und grüne Transformation."),
    ]
}

#[test]
fn and_semantics_and_folding() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    assert_eq!(run(&mut e, &b, "cao bang"), run(&mut e, &b, "Cao Bằng"));
    assert_eq!(run(&mut e, &b, "cao bang").len(), 3);
    assert_eq!(
        run(&mut e, &b, "stahlwerk umweltschutz"),
        ["stahlwerk-in-cao-bang-modernisiert"]
    );
    // No article has both words: the partial results have one of them.
    let q = Query::parse("stahlwerk nichtvorhanden ");
    let load = |n: &Need| b.load(n);
    let r = e.resolve(load, |e| e.search(&q)).unwrap();
    assert!(r.partial);
    assert_eq!(r.hits.len(), 1);
}

#[test]
fn exact_form_ranks_above_folded() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    assert_eq!(
        run(&mut e, &b, "To Lam ")[0],
        "generalsekretar-to-lam-besucht-cao-bang"
    );
    assert_eq!(run(&mut e, &b, "Tô Lâm ")[0], "tong-bi-thu-to-lam-lam-viec");
}

#[test]
fn prefix_phrase_exclusion_language_identifier() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    assert_eq!(
        run(&mut e, &b, "Stahlw"),
        ["stahlwerk-in-cao-bang-modernisiert"]
    );
    assert_eq!(run(&mut e, &b, "\"digitale Transformation\"").len(), 1);
    assert_eq!(run(&mut e, &b, "digitale transformation").len(), 2);
    assert_eq!(run(&mut e, &b, "cao -stahlwerk").len(), 2);
    assert_eq!(
        run(&mut e, &b, "cao lang:vi"),
        ["tong-bi-thu-to-lam-lam-viec"]
    );
    assert_eq!(run(&mut e, &b, "57-NQ/TW").len(), 2);
    assert_eq!(run(&mut e, &b, "lang:de").len(), 2);
    // Empty query: everything, newest first.
    assert_eq!(
        run(&mut e, &b, ""),
        [
            "generalsekretar-to-lam-besucht-cao-bang",
            "tong-bi-thu-to-lam-lam-viec",
            "stahlwerk-in-cao-bang-modernisiert"
        ]
    );
}

#[test]
fn inflections_match_through_stems_without_positions() {
    // Stem keys keep counts but no positions (`stores_positions` in
    // index/runs.rs): `digitalen Transformationen` is still found by its
    // stems, and phrases, which never used stems, still match only the
    // words as written.
    let text = |title: &str, body: &str| {
        format!("{title}\n\nPresse 01/02/2025\n\n{body} Das Werk in der Provinz plant seit dem letzten Jahr eine umfassende Modernisierung seiner Anlagen.")
    };
    let (mut e, b) = engine_with(
        vec![
            article(
                "a.txt",
                &text(
                    "Digitale Transformation im Werk",
                    "Das Werk beginnt die digitale Transformation der Produktion.",
                ),
            ),
            article(
                "b.txt",
                &text(
                    "Neue Pläne im Stahlwerk",
                    "Das Werk beginnt mehrere digitalen Transformationen der Produktion.",
                ),
            ),
        ],
        &BuildOptions::default(),
    );
    assert_eq!(run(&mut e, &b, "digitale transformation").len(), 2);
    assert_eq!(
        run(&mut e, &b, "\"digitale transformation\""),
        ["digitale-transformation-im-werk"]
    );
}

#[test]
fn tiny_shards_give_identical_results() {
    let tiny = BuildOptions {
        term_shard_bytes: 64,
        slug_shard_len: 1,
        meta_chunk_size: 1,
        pack_bytes: 1,
        ..Default::default()
    };
    let (mut big, bb) = engine_with(corpus(), &BuildOptions::default());
    let (mut small, sb) = engine_with(corpus(), &tiny);
    assert!(small.manifest().term_shards.len() > 3);
    assert_eq!(small.manifest().packs.len(), 3);
    for q in [
        "cao",
        "c",
        "to lam",
        "digit",
        "\"digitale transformation\"",
        "lang:vi",
        "57-NQ/TW",
        "z",
        "",
    ] {
        assert_eq!(
            run(&mut big, &bb, q),
            run(&mut small, &sb, q),
            "query {q:?}"
        );
    }
    let doc = small
        .resolve(
            |n| sb.load(n),
            |e| e.find_slug("stahlwerk-in-cao-bang-modernisiert"),
        )
        .unwrap();
    assert_eq!(doc, Some(2));
}

/// The words marked in the snippet of the first hit of `q`.
fn marked_in_first_hit(articles: Vec<Article>, q: &str) -> Vec<String> {
    let (mut e, b) = engine_with(articles, &BuildOptions::default());
    let q = Query::parse(q);
    let load = |n: &Need| b.load(n);
    let r = e.resolve(load, |e| e.search(&q)).unwrap();
    let s = e
        .resolve(load, |e| e.snippet(r.hits[0].doc, &r.matched))
        .unwrap();
    s.segments()
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(t, _)| t.to_string())
        .collect()
}

#[test]
fn snippets_mark_matches() {
    assert_eq!(
        marked_in_first_hit(corpus(), "umweltschutz "),
        ["Umweltschutz"]
    );
}

/// Skipping the stems of words whose first letter no query stem has
/// (German, Polish) marks what stemming every word marks: the snippets of
/// every hit of queries made of the seeds' own words, inflected as they
/// come, are the same either way.
#[test]
fn snippets_skip_no_stem_they_need() {
    let seeds = crate::test_seeds::seed_articles();
    let mut words: Vec<String> = Vec::new();
    for a in &seeds {
        for text in crate::index::body_texts(a) {
            crate::analysis::for_each_word(text, |w| words.push(w.text.to_string()));
        }
    }
    let (mut e, b) = engine_with(seeds, &BuildOptions::default());
    let load = |n: &Need| b.load(n);
    let (mut compared, mut stemmed) = (0, 0);
    for pair in words.chunks(2).step_by(9) {
        let q = Query::parse(&format!("{} ", pair.join(" ")));
        let r = e.resolve(load, |e| e.search(&q)).unwrap();
        stemmed += usize::from(r.matched.terms.iter().any(|t| !t.stems.is_empty()));
        for hit in r.hits.iter().take(10) {
            let article = e.resolve(load, |e| e.article(hit.doc).cloned()).unwrap();
            let got = e.resolve(load, |e| e.snippet(hit.doc, &r.matched)).unwrap();
            let mut every = snippet::Marker::stemming_every_word(&r.matched, &article.lang);
            let tokens = snippet::ArticleTokens::of(&article);
            let expected = snippet::snippet_from(&article, &tokens, &mut every);
            assert_eq!(got, expected, "{pair:?} in {}", article.source);
            compared += 1;
        }
    }
    assert!(
        compared > 200 && stemmed > 100,
        "{compared} snippets, {stemmed} queries with stems"
    );
}

/// Dutch stems drop the `ge-` of past participles, so a Dutch word can
/// share a stem with a query word that starts with another letter: it is
/// marked (Dutch words are stemmed whatever their first letter).
#[test]
fn a_dutch_participle_is_marked_by_its_stem() {
    let nl = article(
        "nl.txt",
        "Nieuws uit de provincie\n\nDe bewoners hebben het nieuws over de nieuwe brug gisteren gehoord en waren blij met het besluit van de gemeente.",
    );
    assert_eq!(nl.lang, "nl");
    assert_eq!(marked_in_first_hit(vec![nl], "hoorden "), ["gehoord"]);
}

/// Needs of one file whose ranges meet are fetched as one range, whatever
/// order they come in, and each need's bytes are cut out of it as if
/// fetched alone (or out of the whole file, from a host that ignores
/// ranges); ranges that do not meet, and other files, stay apart.
#[test]
fn needs_that_meet_are_fetched_together() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    // Every piece, laid end to end in the index files.
    let pieces = e.pieces();
    assert!(pieces.len() >= 3);
    let mut needs = pieces.clone();
    needs.reverse();
    let batched = batches(&needs);
    let mut held: Vec<usize> = batched.iter().flat_map(|b| b.needs.clone()).collect();
    held.sort_unstable();
    assert_eq!(held, (0..needs.len()).collect::<Vec<_>>());
    let mut files: Vec<&str> = needs.iter().map(|n| n.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    assert_eq!(batched.len(), files.len(), "one fetch per index file");
    for batch in &batched {
        let file = b.file(&batch.file).unwrap();
        let (start, end) = batch.range.unwrap();
        let fetched = &file[start as usize..end as usize];
        for &i in &batch.needs {
            let alone = needs[i].cut(file).unwrap();
            assert_eq!(batch.cut(&needs[i], fetched).unwrap(), alone);
            assert_eq!(batch.cut(&needs[i], file).unwrap(), alone);
        }
    }
    // The first and third pieces do not meet; a record is in another
    // file.
    let record = {
        let table = e.pieces().pop().unwrap();
        e.add(&table, &table.inflate(&b.load(&table).unwrap()).unwrap())
            .unwrap();
        let Err(EngineError::Missing(mut needs)) = e.need_docs(&[0], true) else {
            panic!("document 0 is loaded");
        };
        needs.pop().unwrap()
    };
    assert!(record.file.starts_with("pack-"), "{record:?}");
    let apart = [pieces[0].clone(), pieces[2].clone(), record];
    let batched = batches(&apart);
    assert_eq!(batched.len(), 3);
    // A need is cut only out of its own batch's range.
    let first = batched.iter().find(|b| b.needs == [0]).unwrap();
    let (start, end) = first.range.unwrap();
    let fetched = vec![0; (end - start) as usize];
    assert!(first.cut(&apart[1], &fetched).is_err());
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    let manifest = b.file(crate::bundle::MANIFEST_FILE).unwrap();
    assert!(Engine::open(&manifest[..manifest.len() / 2]).is_err());
    let pieces = e.pieces();
    assert!(
        pieces.len() >= 3,
        "a term shard, a slug shard, a meta chunk"
    );
    for need in &pieces {
        let piece = need.inflate(&b.load(need).unwrap()).unwrap();
        for cut in [0, 7, piece.len() / 2, piece.len() - 1] {
            assert!(e.add(need, &piece[..cut]).is_err());
        }
        // Deflated bytes are not a piece; nor is a piece of another kind.
        assert!(e.add(need, &b.load(need).unwrap()).is_err());
        let other = pieces.iter().find(|n| n.piece_kind() != need.piece_kind());
        let other = other.map(|n| n.inflate(&b.load(n).unwrap()).unwrap());
        assert!(e.add(need, &other.unwrap()).is_err());
    }
    assert!(e.pieces().len() == pieces.len(), "a damaged piece was kept");
    // A span the manifest does not list is refused, whatever its bytes.
    let need = &pieces[0];
    let piece = need.inflate(&b.load(need).unwrap()).unwrap();
    assert!(e.add(&need.shifted(), &piece).is_err());
    assert!(e.add(need, &piece).is_ok());
}

/// Search results with snippets load body packs only: the listing data
/// comes from the articles, the same as the meta chunks hold.
#[test]
fn results_with_snippets_need_no_meta_chunks() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    let q = Query::parse("cao bang ");
    let load = |n: &Need| b.load(n);
    let r = e.resolve(load, |e| e.search(&q)).unwrap();
    let docs: Vec<u32> = r.hits.iter().map(|h| h.doc).collect();
    assert_eq!(docs.len(), 3);
    e.resolve(load, |e| e.need_docs(&docs, true)).unwrap();
    let from_packs: Vec<DocMeta> = docs
        .iter()
        .map(|&d| e.meta(d).unwrap().into_owned())
        .collect();
    let chunk = e.manifest().meta_chunk(docs[0]).unwrap();
    assert!(!e.is_loaded(chunk), "a meta chunk was loaded");
    // The same listing data as a fresh engine reads from the meta chunks.
    let (mut fresh, _) = engine_with(corpus(), &BuildOptions::default());
    fresh.resolve(load, |e| e.need_docs(&docs, false)).unwrap();
    for (&d, m) in docs.iter().zip(&from_packs) {
        assert!(matches!(fresh.meta(d).unwrap(), Cow::Borrowed(_)));
        assert_eq!(&*fresh.meta(d).unwrap(), m);
    }
}

/// Articles whose words are worked out as each comes in, in any order
/// (`Engine::prepare_snippet`, as the viewer does while a page's other
/// articles are on their way), give the same snippets as words worked out
/// when the snippets are asked for.
#[test]
fn words_worked_out_as_articles_come_in_give_the_same_snippets() {
    let q = Query::parse("digitale transformation ");
    let snippets = |prepare: bool| {
        let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
        let r = e.resolve(|n: &Need| b.load(n), |e| e.search(&q)).unwrap();
        let docs: Vec<u32> = r.hits.iter().map(|h| h.doc).collect();
        assert!(docs.len() > 1);
        while let Err(EngineError::Missing(needs)) = e.need_docs(&docs, true) {
            for need in needs.iter().rev() {
                let bytes = b.load(need).unwrap();
                let bytes = match need.deflated() {
                    true => need.inflate(&bytes).unwrap(),
                    false => bytes,
                };
                e.add(need, &bytes).unwrap();
                if prepare {
                    e.prepare_snippet(need);
                }
            }
        }
        // Each article's words, as it came in, or none yet.
        assert!(docs.iter().all(|&d| e.has_words(d) == prepare));
        e.snippets(&docs, &r.matched).unwrap()
    };
    let prepared = snippets(true);
    // Each marks what it matched.
    let marked = |s: &Snippet| s.segments().iter().any(|(_, marked)| *marked);
    assert!(
        prepared.len() > 1 && prepared.iter().all(marked),
        "{prepared:?}"
    );
    assert_eq!(prepared, snippets(false));
}

/// Words the generated articles of several tests are about.
const WORDS: [&str; 6] = [
    "Technologie",
    "Umwelt",
    "digitale",
    "Wissenschaft",
    "Politik",
    "Stahl",
];

/// What the engine remembers never changes an answer: a long-lived engine
/// (with an entry memory small enough to be emptied again and again)
/// answers every query as a fresh engine does, scores and snippets and all.
#[test]
fn answers_do_not_depend_on_what_was_asked_before() {
    let words = WORDS;
    let mut articles = corpus();
    for i in 0..120usize {
        let pick = |k: usize| words[(i * (k + 3) + k * k) % words.len()];
        articles.push(article(
            &format!("g{i}.txt"),
            &format!(
                "Meldung {i}: {} und {}\n\nPresse 0{}/03/2024\n\n{} {} {} im Bericht {i} über {} und {}.",
                pick(0), pick(1), 1 + i % 9, pick(2), pick(3), pick(1), pick(4), pick(0)
            ),
        ));
    }
    let queries = [
        "technologie umwelt",
        "umwelt",
        "umwelt",
        "digitale wissenschaft politik",
        "technologie umwelt",
        "wissenschft",
        "stahl -politik",
        "\"digitale transformation\"",
        "lang:de umwelt",
        "politik stahl",
        "umwel",
        "technologie umwelt",
        "wissenschaft",
        "digitale technologie",
        "stahl umwelt politik digitale",
        "technologie umwelt",
        "technologie wissenschaft -politik",
        "technologie wissenschaft",
        "lang:de cao bang",
        "cao bang",
    ];
    let opts = BuildOptions::default();
    let (mut long_lived, bundle) = engine_with(articles.clone(), &opts);
    long_lived.set_cache_limit(150);
    let load = |n: &Need| bundle.load(n);
    let (mut marked, mut related) = (0, 0);
    for round in 0..2 {
        for q in queries {
            let query = Query::parse(q);
            let (mut fresh, _) = engine_with(articles.clone(), &opts);
            let expected = fresh.resolve(load, |e| e.search(&query)).unwrap();
            let got = long_lived.resolve(load, |e| e.search(&query)).unwrap();
            assert!(!expected.hits.is_empty(), "{q}: the test needs hits");
            assert_eq!(got, expected, "{q} (round {round})");
            // Snippets too, from the articles' words the long-lived engine
            // kept from earlier pages.
            let docs: Vec<u32> = got.hits.iter().take(10).map(|h| h.doc).collect();
            let snippets = |e: &mut Engine| {
                e.resolve(load, |e| e.need_docs(&docs, true)).unwrap();
                e.snippets(&docs, &got.matched).unwrap()
            };
            let expected = snippets(&mut fresh);
            marked += expected.iter().filter(|s| !s.highlights.is_empty()).count();
            assert_eq!(snippets(&mut long_lived), expected, "{q} (round {round})");
            // The articles like its best too: they owe nothing to earlier
            // answers, and leave no trace in later ones.
            let best = got.hits[0].doc;
            let like = fresh.resolve(load, |e| e.related(best, 5)).unwrap();
            related += usize::from(!like.is_empty());
            let got = long_lived.resolve(load, |e| e.related(best, 5)).unwrap();
            assert_eq!(got, like, "{q}: related (round {round})");
        }
    }
    assert!(
        marked > 100,
        "the test needs snippets with matches: {marked}"
    );
    assert!(related > 30, "the test needs related articles: {related}");
}

/// In a large dictionary a query fetches a bounded handful of term shards,
/// whatever is typed: a nonsense word, one letter, a word with a typo. (A
/// nonsense word used to fetch every shard, looking for typos under every
/// letter.) Typos after the first letters are still found.
#[test]
fn queries_fetch_few_shards_of_a_large_dictionary() {
    let mut articles = corpus();
    for i in 0..400usize {
        articles.push(article(
            &format!("w{i}.txt"),
            &format!(
                "Bericht {i}\n\nPresse 02/03/2024\n\nDas Stahlwerk meldet Posten t{i}x{} und w{i}q{} im Werk {i}.",
                i * 7919 % 1000,
                i * 104_729 % 1000
            ),
        ));
    }
    let opts = BuildOptions {
        term_shard_bytes: 256,
        ..Default::default()
    };
    let (mut e, b) = engine_with(articles, &opts);
    let shards = e.manifest().term_shards.len();
    assert!(
        shards > 60,
        "the test needs a large dictionary: {shards} shards"
    );
    for (q, expect_hits) in [
        ("qqqqqqq", false),
        ("t", true),
        ("stahlwrek", true),
        ("stahlwerk qqqqqqq", true),
        ("xtahlwerk", false),
    ] {
        let query = Query::parse(q);
        let mut fetched: Vec<String> = Vec::new();
        let results = e
            .resolve(
                |n| {
                    fetched.push(n.to_string());
                    b.load(n)
                },
                |e| e.search(&query),
            )
            .unwrap();
        let terms = fetched.iter().filter(|f| f.starts_with("terms-")).count();
        assert!(terms <= 10, "{q}: fetched {terms} of {shards} term shards");
        assert_eq!(!results.hits.is_empty(), expect_hits, "{q}");
    }
}

/// A page's articles cost their pack's record table once, then one range
/// per article: never a whole pack.
#[test]
fn a_page_reads_its_pack_table_once_then_each_article() {
    let (mut e, b) = engine_with(corpus(), &BuildOptions::default());
    assert_eq!(e.manifest().packs.len(), 1);
    let pack = e.manifest().packs[0].clone();
    let table = e.manifest().record_tables[0];
    let index = e.manifest().index_file(table).unwrap().to_string();
    let docs = [2, 0, 1];
    let mut asked = Vec::new();
    let load = |n: &Need| {
        asked.push((n.file.clone(), n.range, n.deflated()));
        b.load(n)
    };
    e.resolve(load, |e| e.need_docs(&docs, true)).unwrap();
    // The table, a piece of the index, then each record: the first right
    // after the pack's header, each where the one before ended.
    let r = table.range();
    assert_eq!(asked[0], (index, Some((r.start, r.end)), true));
    assert_eq!(asked.len(), 4, "{asked:?}");
    assert!(asked[1..]
        .iter()
        .all(|(f, r, deflated)| f == &pack && r.is_some() && *deflated));
    let mut records: Vec<(u64, u64)> = asked[1..].iter().map(|a| a.1.unwrap()).collect();
    records.sort_unstable();
    assert_eq!(records[0].0, 7);
    assert!(records.windows(2).all(|w| w[0].1 == w[1].0), "{records:?}");
    assert_eq!(records[2].1, b.file(&pack).unwrap().len() as u64);
    let mut titles: Vec<String> = docs
        .iter()
        .map(|&d| e.article(d).unwrap().title.clone())
        .collect();
    let mut want: Vec<String> = corpus().into_iter().map(|a| a.title).collect();
    titles.sort();
    want.sort();
    assert_eq!(titles, want);
    // Loaded now: nothing more to fetch.
    assert_eq!(e.need_docs(&docs, true), Ok(()));
}

/// 400 short articles in packs of a few each.
fn many_small_packs() -> (Engine, crate::index::Bundle) {
    let articles: Vec<Article> = (0..400)
        .map(|i| {
            article(
                &format!("{i:03}.txt"),
                &format!("Bericht {i}\n\nDer Bericht Nummer {i} handelt von Dingen."),
            )
        })
        .collect();
    let opts = BuildOptions {
        pack_bytes: 256,
        ..BuildOptions::default()
    };
    engine_with(articles, &opts)
}

/// A page's documents that share a pack read its record table once; then
/// every document of those packs is one range away.
#[test]
fn many_packs_read_each_table_once() {
    let (mut e, b) = many_small_packs();
    let (size, first) = (e.manifest().pack_size, e.manifest().first_pack);
    assert!(first >= 3 && e.manifest().packs.len() > 5, "{size} {first}");
    // Places 0 and 2 of pack 0, place 1 of pack 5.
    let fifth = first + 4 * size;
    let docs = [2, fifth + 1, 0];
    assert_eq!(e.manifest().pack_of(fifth + 1), (5, 1));
    let Err(EngineError::Missing(needs)) = e.need_docs(&docs, true) else {
        panic!("nothing missing");
    };
    let m = e.manifest();
    let part = |span: crate::bundle::Span| Need::part(m, FileKind::Records, span);
    assert_eq!(needs, [part(m.record_tables[0]), part(m.record_tables[5])]);
    e.resolve(|n: &Need| b.load(n), |e| e.need_docs(&docs, true))
        .unwrap();
    // Any other document of those packs: its record alone.
    for doc in [1, fifth + 2] {
        let Err(EngineError::Missing(needs)) = e.need_docs(&[doc], true) else {
            panic!("document {doc} is loaded");
        };
        assert!(needs.len() == 1 && needs[0].deflated(), "{needs:?}");
        assert!(needs[0].file.starts_with("pack-"), "{needs:?}");
    }
}

/// A small bundle's record tables, fetched with the first query's pieces,
/// leave every article one range away: no query waits for a table.
#[test]
fn a_small_bundle_prefetches_every_record_table() {
    let (mut e, b) = many_small_packs();
    let (size, packs) = (e.manifest().pack_size, e.manifest().packs.len());
    assert!(packs > 5, "{packs}");
    let wanted = e.prefetch();
    // Every table, and they lie end to end: one range.
    let m = e.manifest();
    let tables: Vec<Need> = m
        .record_tables
        .iter()
        .map(|&s| Need::part(m, FileKind::Records, s))
        .collect();
    assert_eq!(wanted, tables);
    assert_eq!(batches(&wanted).len(), 1);
    for need in &wanted {
        e.add(need, &need.inflate(&b.load(need).unwrap()).unwrap())
            .unwrap();
    }
    assert_eq!(e.prefetch(), Vec::new(), "loaded already");
    // Any documents, from any packs: only their records are missing.
    let docs = [0, size + 2, 399, 5 * size + 1];
    let Err(EngineError::Missing(needs)) = e.need_docs(&docs, true) else {
        panic!("nothing missing");
    };
    assert_eq!(needs.len(), docs.len());
    assert!(
        needs
            .iter()
            .all(|n| n.deflated() && n.file.starts_with("pack-")),
        "{needs:?}"
    );
}

/// Record tables come with the first query up to their budget, then in
/// the background (once a first list is on screen) up to another, then
/// as each query needs them.
#[test]
fn record_tables_come_first_in_the_background_or_as_needed() {
    let bundle = |docs: u64, pack_bytes: usize| {
        let articles: Vec<Article> = (0..docs)
            .map(|i| article(&format!("{i:05}.txt"), &format!("Titel {i}\n\nText {i}.")))
            .collect();
        let opts = BuildOptions {
            pack_bytes,
            max_parts: 100_000,
            ..BuildOptions::default()
        };
        engine_with(articles, &opts)
    };
    let tables = |e: &Engine| -> u64 {
        e.manifest()
            .record_tables
            .iter()
            .map(|s| u64::from(s.len))
            .sum()
    };
    let (small, _) = bundle(2_000, 1 << 20);
    assert!(tables(&small) <= PREFETCH_TABLES_BYTES);
    assert_eq!(small.prefetch().len(), small.manifest().packs.len());
    assert_eq!(small.background(), Vec::new());
    // A pack a document: each table is its header and one length,
    // deflated to a few bytes.
    let (mut large, b) = bundle(5_000, 16);
    assert!(tables(&large) > PREFETCH_TABLES_BYTES, "{}", tables(&large));
    assert!(
        tables(&large) <= BACKGROUND_TABLES_BYTES,
        "{}",
        tables(&large)
    );
    assert_eq!(large.prefetch(), Vec::new());
    // Every table in the background, in one range, while any is missing
    // (those a query loaded too: the range stays whole).
    let m = large.manifest();
    let all: Vec<Need> = (m.record_tables.iter())
        .map(|&s| Need::part(m, FileKind::Records, s))
        .collect();
    assert_eq!(large.background(), all);
    assert_eq!(batches(&all).len(), 1);
    let add = |e: &mut Engine, need: &Need| {
        e.add(need, &need.inflate(&b.load(need).unwrap()).unwrap())
            .unwrap()
    };
    add(&mut large, &all[7]);
    assert_eq!(large.background(), all);
    for need in &all {
        add(&mut large, need);
    }
    assert_eq!(large.background(), Vec::new(), "all loaded");
    // Past the background's budget, none (the same tables, said to be
    // larger).
    let mut huge = large.manifest().clone();
    let each = (BACKGROUND_TABLES_BYTES / huge.record_tables.len() as u64 + 1) as u32;
    huge.record_tables.iter_mut().for_each(|s| s.len = each);
    assert_eq!(huge.background_tables(), &[]);
    assert_eq!(huge.prefetched_tables(), &[]);
    huge.record_tables.truncate(huge.record_tables.len() / 2);
    assert_eq!(huge.background_tables(), &huge.record_tables[..]);
}

/// Options that split a word in 80 of a few hundred articles, with heads
/// of 60: [`recurring`]'s frequent words are split.
fn split_small() -> BuildOptions {
    BuildOptions {
        split_docs: 80,
        head_docs: 60,
        term_shard_bytes: 1024,
        ..BuildOptions::default()
    }
}

/// Articles in which a few words recur, each a different number of times
/// in bodies of different lengths, so that their weights in documents
/// differ: for entries split into heads and tails.
fn recurring(n: usize) -> Vec<Article> {
    let words: Vec<&str> = WORDS.into_iter().chain(["Technologien"]).collect();
    let mut articles = corpus();
    for i in 0..n {
        let pick = |k: usize| words[(i * (k + 3) + k * k + i / 7) % words.len()];
        let repeat = |w: &str, k: usize| vec![w; 1 + (i * 7 + k) % 4].join(" ");
        let filler = vec!["und weitere Worte"; (i * 13) % 9].join(" ");
        // Short words without compounds, some articles about them above
        // all: heads decide queries of several words too.
        let (headline, animals) = match i % 20 {
            0 => (" Kuh Hund", "Kuh Hund Kuh Hund".to_string()),
            k => (
                "",
                format!(
                    "{} {}",
                    vec!["kuh"; k % 3].join(" "),
                    vec!["hund"; k % 4].join(" ")
                ),
            ),
        };
        articles.push(article(
            &format!("g{i}.txt"),
            &format!(
                "Meldung {i}: {} und {}{headline}\n\nPresse 0{}/03/2024\n\n{} {} {filler} {} im Bericht {i} über {} und {}. {animals}.",
                pick(0),
                pick(1),
                1 + i % 9,
                repeat(pick(2), 1),
                repeat(pick(3), 2),
                pick(1),
                repeat(pick(4), 3),
                pick(0)
            ),
        ));
    }
    articles
}

/// Frequent words' entries split into heads and tails rank every match as
/// whole entries do; and a query for its best ten either gets them from
/// the heads alone, exactly what the whole entries rank first, without a
/// tail fetched, or fetches the tails and gets the whole answer. A query of
/// several words asks for its words' tails with its term shards.
#[test]
fn heads_decide_what_whole_entries_rank_first() {
    let articles = recurring(300);
    let split = split_small();
    let whole = BuildOptions {
        split_docs: usize::MAX,
        ..BuildOptions::default()
    };
    let (mut reference, rb) = engine_with(articles.clone(), &whole);
    let (mut both, sb) = engine_with(articles.clone(), &split);
    assert!(reference.manifest().tail_shards.is_empty());
    let tails = both.manifest().tail_shards.clone();
    assert!(tails.len() > 2, "{} tail shards", tails.len());
    let (mut decided, mut fetched, mut multi_asked) = (0, 0, 0);
    for q in [
        "technologie",
        "umwelt",
        "technologie umwelt",
        "digitale wissenschaft",
        "digitale wissenschaft politik",
        "politik stahl",
        "stahl -politik",
        "\"digitale wissenschaft\"",
        "lang:de umwelt",
        "technolog",
        "wissenschaft bericht",
        "meldung 17",
        "stahl meldung",
        "technologien",
        "kuh hund ",
        "hund kuh ",
        "kuh ",
    ] {
        let query = Query::parse(q);
        let expected = reference
            .resolve(|n| rb.load(n), |e| e.search(&query))
            .unwrap();
        assert!(expected.hits.len() > 1, "{q}: the test needs hits");
        let got = both.resolve(|n| sb.load(n), |e| e.search(&query)).unwrap();
        assert_eq!(got, expected, "{q}: every match");
        // A query of several words asks for the tails the manifest shows
        // with its term shards; one word's, for none.
        let (mut fresh, _) = engine_with(articles.clone(), &split);
        let Err(EngineError::Missing(first)) = fresh.search_top(&query, 10) else {
            panic!("{q}: nothing loaded, yet an answer");
        };
        let asks_tails = first
            .iter()
            .any(|n| n.piece_kind() == Some(FileKind::Tails));
        assert!(!asks_tails || query.terms.len() > 1, "{q}: {first:?}");
        multi_asked += usize::from(asks_tails);
        // The heads alone, the term shards loaded before.
        let terms = fresh.pieces().into_iter();
        for need in terms.filter(|n| n.piece_kind() == Some(FileKind::Terms)) {
            let bytes = need.inflate(&sb.load(&need).unwrap()).unwrap();
            fresh.add(&need, &bytes).unwrap();
        }
        let top = fresh
            .resolve(|n| sb.load(n), |e| e.search_top(&query, 10))
            .unwrap();
        let no_tail = tails.iter().all(|t| !fresh.is_loaded(t.at));
        match top.more {
            Some(at_least) => {
                decided += 1;
                // (An excluded word's documents are every one of them.)
                let excludes = !query.excluded.is_empty();
                assert!(no_tail || excludes, "{q}: decided, yet a tail was fetched");
                assert!(top.hits.len() >= 10, "{q}: {} decided", top.hits.len());
                assert!(at_least >= top.hits.len() && at_least <= expected.hits.len());
                assert_eq!(top.hits, expected.hits[..top.hits.len()], "{q}: the best");
                assert_eq!(top.matched, expected.matched, "{q}");
            }
            None => {
                fetched += usize::from(!no_tail);
                assert_eq!(top, expected, "{q}: with the tails");
            }
        }
        // Then every match, the tails fetched now: nothing worked out from
        // the heads alone stands in for them.
        let all = fresh.resolve(|n| sb.load(n), |e| e.search(&query)).unwrap();
        assert_eq!(all, expected, "{q}: every match after the best");
    }
    assert!(
        decided >= 5 && fetched >= 3,
        "{decided} decided, {fetched} fetched tails"
    );
    assert!(multi_asked >= 3, "{multi_asked} asked for tails first");
}

/// A split word's whole entry is kept once, merged from its head and its
/// tail: the tail alone is not kept beside it in the entry memory, where
/// it would weigh twice.
#[test]
fn a_merged_entry_is_kept_without_its_tail_alone() {
    let (mut both, bundle) = engine_with(recurring(300), &split_small());
    let words = run(&mut both, &bundle, "technologie umwelt");
    assert!(!words.is_empty());
    assert!(both.has_tails(), "the query's tails were loaded");
    assert!(!both.keeps_a_tail());
}

/// What `first_needs` names is what the query asks for first, whatever is
/// asked (the best few or every match): loaded, the query never asks for
/// any of it again, and the query's answer is the same as without it.
#[test]
fn first_needs_are_what_a_query_asks_for_first() {
    let articles = recurring(300);
    let mut named_tails = 0;
    for q in [
        "technologie umwelt",
        "digitale wissenschaft politik",
        "stahl -politik",
        "lang:de umwelt",
        "technolog",
        "kuh hund ",
        "meldung 17",
        "nichtsdergleichen",
    ] {
        let query = Query::parse(q);
        for top in [Some(10), None] {
            // What `first_needs` is asked about.
            let ask = |e: &Engine| match top {
                Some(n) => e.search_top(&query, n),
                None => e.search(&query),
            };
            let (mut fresh, bundle) = engine_with(articles.clone(), &split_small());
            let needs = fresh.first_needs(&query, top);
            let Err(EngineError::Missing(first)) = ask(&fresh) else {
                panic!("{q}: nothing loaded, yet an answer");
            };
            assert_eq!(needs, first, "{q} ({top:?})");
            named_tails += needs
                .iter()
                .filter(|n| n.piece_kind() == Some(FileKind::Tails))
                .count();
            for need in &needs {
                let bytes = need.inflate(&bundle.load(need).unwrap()).unwrap();
                fresh.add(need, &bytes).unwrap();
            }
            assert!(fresh.first_needs(&query, top).is_empty(), "{q}: loaded");
            let mut asked_again = Vec::new();
            let got = fresh
                .resolve(
                    |n| {
                        asked_again.push(n.clone());
                        bundle.load(n)
                    },
                    ask,
                )
                .unwrap();
            assert!(
                asked_again.iter().all(|n| !needs.contains(n)),
                "{q}: asked again for {asked_again:?}"
            );
            // Asked of an engine that loads as the query asks.
            let (mut reference, rb) = engine_with(articles.clone(), &split_small());
            let expected = reference.resolve(|n| rb.load(n), ask).unwrap();
            assert_eq!(got, expected, "{q} ({top:?})");
        }
    }
    assert!(named_tails > 0, "the test needs queries that need tails");
}

/// The slugs of the articles like the one at `slug`, best first.
fn related(engine: &mut Engine, bundle: &crate::index::Bundle, slug: &str) -> Vec<String> {
    let load = |n: &Need| bundle.load(n);
    let doc = engine.resolve(load, |e| e.find_slug(slug)).unwrap();
    let doc = doc.unwrap_or_else(|| panic!("no article at {slug}"));
    let hits = engine.resolve(load, |e| e.related(doc, 5)).unwrap();
    let slugs = |e: &Engine| {
        (hits.iter())
            .map(|h| Ok(e.meta(h.doc)?.slug.clone()))
            .collect()
    };
    engine.resolve(load, slugs).unwrap()
}

/// The articles like one share its title's telling words, those that
/// share more of them (or rarer ones) first; never the article itself, and
/// none that shares only words most articles have.
#[test]
fn related_articles_share_the_titles_telling_words() {
    let mut articles = corpus();
    for (name, text) in [
        ("d.txt", "Hochwasser an der Elbe: Dresden sperrt die Altstadt\n\nPresse 06/01/2024\n\nDas Hochwasser der Elbe steigt weiter, Dresden sperrt die Altstadt an der Brücke."),
        ("e.txt", "Das Hochwasser der Elbe erreicht Meißen\n\nPresse 07/01/2024\n\nNach Dresden erreicht das Hochwasser nun Meißen, die Elbe steigt an der Altstadt."),
        ("f.txt", "Die Altstadt feiert an der Elbe\n\nPresse 08/01/2024\n\nDie Altstadt feiert an der Elbe ein Fest."),
        ("g.txt", "Die Bahn fährt an der Grenze\n\nPresse 09/01/2024\n\nDie Bahn fährt an der Grenze wieder, sagt die Gemeinde an der Mühle."),
        ("h.txt", "Die Gemeinde baut an der Mühle\n\nPresse 10/01/2024\n\nDie Gemeinde baut an der Mühle, die an der Straße steht."),
        ("j.txt", "Die Folgen des Hochwassers für Meißen\n\nPresse 11/01/2024\n\nDie Folgen des Hochwassers sind in der ganzen Stadt zu sehen, sagen die Bewohner, die ihre Keller wieder leer pumpen und auf besseres Wetter hoffen."),
    ] {
        articles.push(article(name, text));
    }
    // Most articles have "die", "an" and "der", as in any German paper.
    for (i, topic) in ["Wahl", "Schule", "Hafen", "Oper", "Markt", "Klinik"]
        .iter()
        .enumerate()
    {
        articles.push(article(
            &format!("n{i}.txt"),
            &format!(
                "{topic} im Blick\n\nPresse 1{i}/02/2024\n\nDie {topic} an der Ecke, sagt der Rat."
            ),
        ));
    }
    let (mut e, b) = engine_with(articles, &BuildOptions::default());
    let elbe = "hochwasser-an-der-elbe-dresden-sperrt-die-altstadt";
    assert_eq!(
        related(&mut e, &b, elbe),
        [
            "das-hochwasser-der-elbe-erreicht-meissen",
            "die-altstadt-feiert-an-der-elbe"
        ]
    );
    // Only "die", "an" and "der" in common with the flood: not related to
    // it, but to each other by what they share besides.
    assert_eq!(
        related(&mut e, &b, "die-gemeinde-baut-an-der-muhle"),
        ["die-bahn-fahrt-an-der-grenze"]
    );
    // Across languages by the names they share (Cao Bang, To Lam), and the
    // results are what any later query would find: nothing was filtered
    // out of the words' matches it keeps.
    // An inflected title word finds the other forms by its stem (its key
    // is in the word's own term shard here): "Hochwassers", "Hochwasser".
    assert_eq!(
        related(&mut e, &b, "die-folgen-des-hochwassers-fur-meissen"),
        ["das-hochwasser-der-elbe-erreicht-meissen"]
    );
    let vi = related(&mut e, &b, "tong-bi-thu-to-lam-lam-viec");
    assert_eq!(
        vi.first().map(String::as_str),
        Some("generalsekretar-to-lam-besucht-cao-bang")
    );
    assert!(!vi.contains(&"tong-bi-thu-to-lam-lam-viec".to_string()));
    assert_eq!(run(&mut e, &b, "To Lam ").len(), 2);
}

/// A split bundle lists related articles from its frequent words' heads:
/// no tail is ever fetched for them, and no term shard but those of the
/// title's words as written (a stem is looked up only where its key is in
/// its word's shard).
#[test]
fn related_articles_need_no_tail() {
    let (mut e, b) = engine_with(recurring(300), &split_small());
    assert!(!e.manifest().tail_shards.is_empty());
    let mut listed = 0;
    for i in (0..300).step_by(37) {
        let slug = {
            let q = Query::parse(&format!("\"Meldung {i}\""));
            let hits = e.resolve(|n| b.load(n), |e| e.search(&q)).unwrap().hits;
            let doc = hits[0].doc;
            e.resolve(|n| b.load(n), |e| e.meta(doc).map(|m| m.slug.clone()))
                .unwrap()
        };
        let (mut fresh, _) = engine_with(recurring(300), &split_small());
        let asked = std::cell::RefCell::new(Vec::new());
        let load = |n: &Need| {
            asked.borrow_mut().push(n.clone());
            b.load(n)
        };
        let doc = fresh
            .resolve(load, |e| e.find_slug(&slug))
            .unwrap()
            .unwrap();
        let hits = fresh.resolve(load, |e| e.related(doc, 5)).unwrap();
        assert!(hits.iter().all(|h| h.doc != doc), "{slug}: itself");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        listed += usize::from(!hits.is_empty());
        let asked = asked.into_inner();
        assert!(
            asked
                .iter()
                .all(|n| n.piece_kind() != Some(FileKind::Tails)),
            "{slug}: {asked:?}"
        );
        let title = fresh.meta(doc).unwrap().title.clone();
        let words: Vec<Need> = (Query::words(&title).terms.iter())
            .filter_map(|t| {
                crate::bundle::shard_for(&fresh.manifest().term_shards, t.folded.as_bytes())
            })
            .map(|s| Need::part(fresh.manifest(), FileKind::Terms, s.at))
            .collect();
        for n in asked
            .iter()
            .filter(|n| n.piece_kind() == Some(FileKind::Terms))
        {
            assert!(words.contains(n), "{slug}: {n:?} is no title word's shard");
        }
    }
    assert!(listed >= 5, "{listed} articles have related ones");
}

/// A title word whose term shard is oversized (the long posting list of a
/// word in a third of the articles) is not looked up for related articles:
/// that shard, the dearest to fetch, is never fetched for them.
#[test]
fn related_articles_skip_an_oversized_term_shard() {
    let opts = BuildOptions {
        split_docs: usize::MAX,
        term_shard_bytes: 128,
        ..BuildOptions::default()
    };
    let mut articles = recurring(1000);
    for (name, text) in [
        (
            "x1.txt",
            "Almabtrieb in der Provinz\n\nPresse 01/04/2024\n\nDer Almabtrieb mit Kuhglocken.",
        ),
        (
            "x2.txt",
            "Kuhglocken beim Almabtrieb\n\nPresse 02/04/2024\n\nKuhglocken läuten beim Almabtrieb.",
        ),
    ] {
        articles.push(article(name, text));
    }
    let (mut e, b) = engine_with(articles, &opts);
    let terms = &e.manifest().term_shards;
    let provinz = crate::bundle::shard_for(terms, b"provinz").unwrap().at;
    let mean = terms.iter().map(|s| s.at.len).sum::<u32>() / terms.len() as u32;
    assert!(
        provinz.len > 3 * mean,
        "the test needs `provinz` in an oversized shard: {} bytes, the mean {mean}",
        provinz.len
    );
    assert_eq!(
        related(&mut e, &b, "almabtrieb-in-der-provinz"),
        ["kuhglocken-beim-almabtrieb"]
    );
    assert!(!e.is_loaded(provinz), "`provinz`'s shard was fetched");
}
