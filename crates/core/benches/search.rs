//! Native query latency at 10,000 articles, or as many as
//! `BROADSHEET_BENCH_ARTICLES` says, and build throughput on 1,000
//! articles (criterion).
//!
//! The corpus is synthetic but realistic: each article is stitched from runs
//! of 8–24 consecutive words of one seed article (German, Polish,
//! Vietnamese, Dutch), so word frequencies, inflections and diacritics are
//! those of real news text. The whole bundle is loaded first: this measures
//! search, not I/O.
//!
//! Beside each group runs its peer, in the same run on the same articles:
//! tantivy, the Rust search library, with the articles in an index in
//! memory (see [`peer`]).
//!
//! Run: `cargo bench -p broadsheet-core --bench search` (both), or add
//! `-- search` / `-- build` for one group (and its peer's).

use broadsheet_core::bundle::MANIFEST_FILE;
use broadsheet_core::index::{analyze, analyze_with, build, order, BuildOptions, Bundle, Words};
use broadsheet_core::ingest::parse;
use broadsheet_core::search::{Engine, Query};
use broadsheet_core::{Article, Block, Date};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// Corpus size; `BROADSHEET_BENCH_ARTICLES=100000` for the 100k figures.
fn articles() -> usize {
    std::env::var("BROADSHEET_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn corpus() -> Vec<Article> {
    corpus_of(articles())
}

fn corpus_of(n: usize) -> Vec<Article> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let seeds: Vec<Article> = names
        .iter()
        .map(|p| parse(&std::fs::read(p).unwrap(), "seed").unwrap())
        .collect();
    let words: Vec<Vec<&str>> = seeds
        .iter()
        .map(|a| {
            a.blocks
                .iter()
                .flat_map(|b| b.text().split_whitespace())
                .collect()
        })
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|i| {
            let s = rng.below(seeds.len());
            let w = &words[s];
            let run = |n: usize, rng: &mut Rng| {
                let start = rng.below(w.len() - n);
                w[start..start + n].join(" ")
            };
            let title = run(6 + rng.below(6), &mut rng);
            let blocks = (0..4 + rng.below(6))
                .map(|_| {
                    Block::Paragraph(
                        (0..3)
                            .map(|_| run(8 + rng.below(16), &mut rng))
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
                .collect();
            Article {
                slug: String::new(),
                title,
                title_derived: false,
                lang: seeds[s].lang.clone(),
                publisher: Some(["VietnamPlus", "Nhan Dan", "VnExpress"][i % 3].into()),
                author: None,
                date: Date::new(
                    2020 + (i % 6) as u16,
                    1 + (i % 12) as u8,
                    1 + (i % 28) as u8,
                ),
                url: None,
                summary: None,
                credit: None,
                blocks,
                source: format!("{i:05}.txt"),
            }
        })
        .collect()
}

fn loaded(bundle: &Bundle) -> Engine {
    let mut engine = Engine::open(bundle.file(MANIFEST_FILE).unwrap()).unwrap();
    // Every shard and chunk; searching needs no article.
    for need in engine.pieces() {
        let bytes = need.inflate(&bundle.load(&need).unwrap()).unwrap();
        engine.add(&need, &bytes).unwrap();
    }
    engine
}

fn bench(c: &mut Criterion) {
    let docs = order(corpus());
    let bundle = build(&docs, &BuildOptions::default());
    let mut engine = loaded(&bundle);
    let tantivy = peer::Tantivy::index(&docs, true);
    drop(docs);
    let mut group = c.benchmark_group(format!("search {} articles", articles()));
    // `true`: tantivy runs it too, as it answers the same question: every
    // word required (as Broadsheet's answer requires them where some
    // article has them all), a phrase in quotes. Not the others: without
    // stemming and folding tantivy finds no article for the Dutch
    // inflection or the Vietnamese without diacritics, none for sixteen
    // words required at once (Broadsheet ranks the articles with most of
    // them), and its query parser reads prefixes, typos, identifiers and
    // filters otherwise or not at all.
    for (name, q, peer) in [
        ("one word", "Transformation ", true),
        ("two words", "Cao Bang ", true),
        ("folded vietnamese", "chuyen doi so ", false),
        ("prefix while typing", "Lenkungsaus", false),
        ("one-letter prefix", "d", false),
        ("typo", "Lenkungsauschuss ", false),
        ("typo in first letter", "Xamsung ", false),
        ("phrase", "\"digitale Transformation\" ", true),
        ("identifier", "57-NQ/TW ", false),
        ("stem", "onderneming ", false),
        ("no full match", "Cao Bang xyzzy ", false),
        ("filtered", "Cao Bang lang:pl ", false),
        ("sixteen typos", "Generalsekreter Lenkungsauschuss Transformatoin Wissenshaft Technolgie Innovaton Konferrenz Ministerim Resolutoin Provinzz Unternehmn digitle Entwiklung Regirung Infrastrukur Komission ", false),
        ("sixteen common words", "der die und das in von zu mit den des Provinz Cao Bang van het của ", false),
    ] {
        let query = Query::parse(q);
        // Each query timed as if asked for the first time: its files
        // loaded, nothing decoded (`first`), and with its words' entries
        // decoded by an earlier query (`warm`). The engine's answers kept
        // across queries are forgotten before each run, so no run is a
        // cache lookup.
        for (kind, entries) in [("first", true), ("warm", false)] {
            group.bench_function(format!("{name} ({kind})"), |b| {
                b.iter_custom(|iters| {
                    let mut spent = std::time::Duration::ZERO;
                    for _ in 0..iters {
                        engine.forget(entries);
                        let started = std::time::Instant::now();
                        black_box(engine.search(black_box(&query)).unwrap());
                        spent += started.elapsed();
                    }
                    spent
                })
            });
        }
        if peer {
            let theirs = tantivy.parse(q);
            // What each finds, to show the two answer the same question.
            let found = engine.search(&query).unwrap().hits.len();
            let found_by_peer = tantivy.search(&*theirs).1;
            eprintln!("{name}: Broadsheet finds {found} articles, tantivy {found_by_peer}");
            group.bench_function(format!("{name} (tantivy)"), |b| {
                b.iter(|| black_box(tantivy.search(black_box(&*theirs))))
            });
        }
    }
    group.finish();
}

/// The peer: tantivy (the Rust search library behind Quickwit), with the
/// same articles in an index in memory: title and body as text fields
/// (tantivy's default tokenizer: split on non-alphanumerics, lowercased;
/// no stemming or folding, where Broadsheet stems and folds), BM25, the
/// ten best and the count of matches, as Broadsheet's answer has both.
/// One segment, merged, as a finished index would be.
mod peer {
    use broadsheet_core::index::body_texts;
    use broadsheet_core::Article;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{Query, QueryParser};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, IndexWriter, Score, Searcher};

    pub struct Tantivy {
        searcher: Searcher,
        parser: QueryParser,
    }

    impl Tantivy {
        /// Indexes `articles` on one thread (as the core's build does);
        /// with `merge`, into one segment.
        pub fn index(articles: &[Article], merge: bool) -> Tantivy {
            let mut schema = Schema::builder();
            let title = schema.add_text_field("title", TEXT);
            let body = schema.add_text_field("body", TEXT);
            let index = Index::create_in_ram(schema.build());
            let mut writer: IndexWriter = index.writer_with_num_threads(1, 200_000_000).unwrap();
            for a in articles {
                let text = body_texts(a).collect::<Vec<_>>().join("\n");
                writer
                    .add_document(doc!(title => a.title.as_str(), body => text))
                    .unwrap();
            }
            writer.commit().unwrap();
            if merge {
                let segments = index.searchable_segment_ids().unwrap();
                if segments.len() > 1 {
                    let _ = writer.merge(&segments).wait().unwrap();
                }
            }
            writer.wait_merging_threads().unwrap();
            let searcher = index.reader().unwrap().searcher();
            let mut parser = QueryParser::for_index(&index, vec![title, body]);
            parser.set_conjunction_by_default();
            Tantivy { searcher, parser }
        }

        pub fn parse(&self, q: &str) -> Box<dyn Query> {
            self.parser.parse_query(q.trim()).unwrap()
        }

        pub fn search(&self, query: &dyn Query) -> (Vec<(Score, DocAddress)>, usize) {
            let top = TopDocs::with_limit(10).order_by_score();
            self.searcher.search(query, &(top, Count)).unwrap()
        }
    }
}

/// Indexing in memory (the core's share of `broadsheet build`; parsing,
/// compression and writing are the CLI's).
fn bench_build(c: &mut Criterion) {
    let articles = order(corpus_of(1000));
    let mut group = c.benchmark_group("build 1000 articles");
    group.sample_size(10);
    group.bench_function("analyse", |b| {
        b.iter(|| black_box(articles.iter().map(analyze).count()))
    });
    // As the CLI's workers do: words seen in earlier articles are looked up
    // (a fresh memo each run, so the first articles fill it).
    group.bench_function("analyse with a memo of words", |b| {
        b.iter(|| {
            let mut words = Words::default();
            black_box(articles.iter().map(|a| analyze_with(a, &mut words)).count())
        })
    });
    group.bench_function("analyse and build the bundle", |b| {
        b.iter(|| black_box(build(black_box(&articles), &BuildOptions::default())))
    });
    group.bench_function("tantivy: index in memory", |b| {
        b.iter(|| black_box(peer::Tantivy::index(black_box(&articles), false)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench, bench_build
}
criterion_main!(benches);
