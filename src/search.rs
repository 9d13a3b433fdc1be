//! `broadsheet search`: the core engine over a built site on disk.

use crate::cli::SearchArgs;
use crate::shell::DATA_DIR;
use anyhow::{anyhow, Context, Result};
use broadsheet_core::bundle::MANIFEST_FILE;
use broadsheet_core::search::{Engine, Need, Query};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct JsonHit {
    slug: String,
    title: String,
    lang: String,
    source: String,
    score: f64,
    snippet: String,
}

#[derive(Serialize)]
struct JsonResults {
    total: usize,
    /// True when no article has every word and these have some of them.
    partial: bool,
    hits: Vec<JsonHit>,
}

struct Site {
    data: PathBuf,
    engine: Engine,
}

impl Site {
    fn open(dir: &Path) -> Result<Site> {
        let data = dir.join(DATA_DIR);
        let manifest = data.join(MANIFEST_FILE);
        let bytes = std::fs::read(&manifest).with_context(|| {
            format!(
                "`{}` is not a built site (no {})",
                dir.display(),
                manifest.display()
            )
        })?;
        let engine = Engine::open(&bytes).map_err(|e| anyhow!("{}: {e}", manifest.display()))?;
        Ok(Site { data, engine })
    }

    fn run(&mut self, query: &str, limit: usize) -> Result<JsonResults> {
        let q = Query::parse(query);
        let data = self.data.clone();
        let load = |need: &Need| {
            read(&data.join(&need.file), need.range).map_err(|e| (need.file.clone(), e))
        };
        let err = |e| match e {
            broadsheet_core::search::ResolveError::Load((name, io)) => {
                anyhow!("reading {}: {io}", data.join(name).display())
            }
            broadsheet_core::search::ResolveError::Engine(e) => anyhow!("{}: {e}", data.display()),
        };
        let results = self.engine.resolve(load, |e| e.search(&q)).map_err(err)?;
        let docs: Vec<u32> = results.hits.iter().take(limit).map(|h| h.doc).collect();
        self.engine
            .resolve(load, |e| e.need_docs(&docs, true))
            .map_err(err)?;
        // All at once, as the viewer does: a page's words are worked out once.
        let snippets = self
            .engine
            .resolve(load, |e| e.snippets(&docs, &results.matched))
            .map_err(err)?;
        let e = &self.engine;
        let hits = results
            .hits
            .iter()
            .zip(snippets)
            .map(|(h, snippet)| {
                let meta = e.meta(h.doc)?;
                Ok(JsonHit {
                    slug: meta.slug.clone(),
                    title: meta.title.clone(),
                    lang: meta.lang.clone(),
                    source: meta.source.clone(),
                    score: (h.score as f64 * 10_000.0).round() / 10_000.0,
                    snippet: snippet.text,
                })
            })
            .collect::<Result<Vec<_>, broadsheet_core::search::EngineError>>()
            .map_err(|e| anyhow!("{}: {e}", self.data.display()))?;
        Ok(JsonResults {
            total: results.hits.len(),
            partial: results.partial,
            hits,
        })
    }
}

pub fn search(args: &SearchArgs) -> Result<()> {
    let mut site = Site::open(&args.site)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.query {
        Some(q) => {
            let r = site.run(q, args.limit)?;
            if args.json {
                serde_json::to_writer(&mut out, &r)?;
                writeln!(out)?;
            } else {
                print_human(&mut out, q, &r)?;
            }
        }
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("reading queries from stdin")?;
                serde_json::to_writer(&mut out, &site.run(&line, args.limit)?)?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

fn print_human(out: &mut impl Write, q: &str, r: &JsonResults) -> Result<()> {
    let noun = if r.total == 1 { "result" } else { "results" };
    writeln!(out, "{} {noun} for {q:?}", r.total)?;
    if r.partial {
        writeln!(
            out,
            "(no article has all of these words; these have some of them)"
        )?;
    }
    for (i, h) in r.hits.iter().enumerate() {
        writeln!(
            out,
            "\n{:>2}. {} [{}] ({:.3})",
            i + 1,
            h.title,
            h.lang,
            h.score
        )?;
        writeln!(out, "    #/a/{}  ({})", h.slug, h.source)?;
        writeln!(out, "    {}", h.snippet)?;
    }
    Ok(())
}

/// Reads a file, or the bytes `start..end` of it (an article's record in
/// a body pack) without reading the rest.
fn read(path: &Path, range: Option<(u64, u64)>) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let Some((start, end)) = range else {
        return std::fs::read(path);
    };
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(end.saturating_sub(start))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 != end.saturating_sub(start) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the file ends before byte {end}"),
        ));
    }
    Ok(bytes)
}
