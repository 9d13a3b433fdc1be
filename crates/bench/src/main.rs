//! Benchmark harness.
//!
//! ```text
//! cargo run --release -p broadsheet-bench -- corpus N OUT_DIR [SEED_DIR]
//! cargo run --release -p broadsheet-bench -- html CORPUS_DIR OUT_DIR
//! cargo run --release -p broadsheet-bench -- browser SITE PAGEFIND_SITE|- QUERY NEXT_QUERY
//! cargo run --release -p broadsheet-bench -- scale WORK_DIR PLOT.svg N...
//! ```
//!
//! `browser` measures both tools in headless Chromium (see [`browser`]);
//! PAGEFIND_SITE `-` measures Broadsheet's site alone (to compare two
//! builds of it, one after the other). Its environment: `BENCH_RUNS=N`
//! cold runs per tool (3), `BENCH_RTT=MS` a round trip added to every
//! request (0), `BENCH_LOG=1` every response and each cold run's timeline,
//! `BENCH_HTTP2=1` both sites over TLS and HTTP/2, as CDNs serve them,
//! instead of plain HTTP/1.1 (a certificate made for the run).
//! `scale` does everything for each corpus size N: corpus, both builds,
//! both sites in Chromium, tables and a plot (see [`scale`]).
//!
//! `corpus` writes N raw article files (the format of `seeds/`) into
//! OUT_DIR, a thousand per subfolder. `html` turns such a corpus into one
//! HTML page per article (`<html lang>`, title, paragraphs), the input
//! Pagefind indexes, so both tools index the same text.
//!
//! About `corpus`: Each article is stitched from runs of consecutive
//! words of one seed article (German, Polish, Vietnamese, Dutch), so word
//! frequencies, inflections and diacritics are those of real news text, and
//! each gets a dateline so the corpus spans years. Deterministic: the same
//! N gives the same files.

mod browser;
mod scale;

use anyhow::{bail, Context, Result};
use broadsheet_core::ingest::parse;
use std::path::{Path, PathBuf};

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
        (self.next() % n.max(1) as u64) as usize
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("corpus") if args.len() >= 3 => {
            let n: usize = args[1].parse().context("N must be a number")?;
            let seeds = args.get(3).map(PathBuf::from).unwrap_or_else(seed_dir);
            corpus(n, Path::new(&args[2]), &seeds)
        }
        Some("html") if args.len() == 3 => html(Path::new(&args[1]), Path::new(&args[2])),
        Some("browser") if args.len() == 5 => {
            let pagefind = Some(Path::new(&args[2])).filter(|p| *p != Path::new("-"));
            let (b, p) = browser::measure(
                Path::new(&args[1]),
                pagefind,
                &args[3],
                &args[4],
                browser::round_trip(),
            )?;
            print!("{}", browser::table(&b, p.as_ref()));
            if browser::http2() {
                println!("\n{}", browser::HTTP2_NOTE);
            }
            Ok(())
        }
        Some("scale") if args.len() >= 4 => {
            let sizes = args[3..]
                .iter()
                .map(|n| n.parse().with_context(|| format!("`{n}` is not a number")))
                .collect::<Result<Vec<usize>>>()?;
            scale::run(&sizes, Path::new(&args[1]), Path::new(&args[2]))
        }
        _ => bail!(
            "usage: bench corpus N OUT_DIR [SEED_DIR] | bench html CORPUS_DIR OUT_DIR | \
             bench browser SITE PAGEFIND_SITE|- QUERY NEXT_QUERY | bench scale WORK_DIR PLOT.svg N..."
        ),
    }
}

/// The repository's seed articles.
fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

/// The languages of the seed articles a corpus is stitched from (each
/// generated article is in its seed's), as `broadsheet build --languages`
/// takes them: `de,nl,pl,vi`.
pub(crate) fn seed_languages(seed_dir: &Path) -> Result<String> {
    let mut langs = Vec::new();
    for e in
        std::fs::read_dir(seed_dir).with_context(|| format!("reading `{}`", seed_dir.display()))?
    {
        let p = e?.path();
        let a = parse(&std::fs::read(&p)?, "seed")
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        if a.lang != "und" {
            langs.push(a.lang);
        }
    }
    langs.sort();
    langs.dedup();
    Ok(langs.join(","))
}

pub(crate) fn corpus(n: usize, out: &Path, seed_dir: &Path) -> Result<()> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!("`{}` is not empty; choose a new folder", out.display());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(seed_dir)
        .with_context(|| format!("reading `{}`", seed_dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    // Each seed's words, in order.
    let mut seeds: Vec<Vec<String>> = Vec::new();
    for p in &paths {
        let a = parse(&std::fs::read(p)?, "seed").map_err(|e| anyhow::anyhow!("{e}"))?;
        let words: Vec<String> = a
            .blocks
            .iter()
            .flat_map(|b| b.text().split_whitespace().map(str::to_string))
            .collect();
        if words.len() > 100 {
            seeds.push(words);
        }
    }
    if seeds.is_empty() {
        bail!("no usable seed articles in `{}`", seed_dir.display());
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let run = |rng: &mut Rng, words: &[String], len: usize| -> String {
        let start = rng.below(words.len() - len);
        words[start..start + len].join(" ")
    };
    for i in 0..n {
        let words = &seeds[rng.below(seeds.len())];
        let len = 5 + rng.below(8);
        let title = run(&mut rng, words, len);
        let mut text = format!("{}\n\n", title.trim_end_matches(['.', ',', ':']));
        let day = 1 + rng.below(28);
        let month = 1 + rng.below(12);
        let year = 2016 + rng.below(10);
        text.push_str(&format!("{day:02}/{month:02}/{year}\n\n"));
        for _ in 0..3 + rng.below(6) {
            let len = 20 + rng.below(50);
            text.push_str(&run(&mut rng, words, len));
            text.push_str(".\n\n");
        }
        let dir = out.join(format!("{:04}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        std::fs::write(dir.join(format!("{i:07}.txt")), text)?;
    }
    eprintln!("wrote {n} articles into {}", out.display());
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) fn html(corpus: &Path, out: &Path) -> Result<()> {
    let mut stack = vec![corpus.to_path_buf()];
    let mut n = 0usize;
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(corpus)?.with_extension("html");
            let a = match parse(&std::fs::read(&path)?, &rel.to_string_lossy()) {
                Ok(a) => a,
                Err(_) => continue,
            };
            let mut page = format!(
                "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><main><h1>{}</h1>",
                a.lang,
                escape(&a.title),
                escape(&a.title)
            );
            for b in &a.blocks {
                page.push_str(&format!("<p>{}</p>", escape(b.text())));
            }
            page.push_str("</main></body></html>\n");
            let target = out.join(&rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, page)?;
            n += 1;
        }
    }
    eprintln!("wrote {n} pages into {}", out.display());
    Ok(())
}
