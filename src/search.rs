//! `broadsheet search`: the core engine over a built site on disk.

use crate::cli::SearchArgs;
use crate::shell::{is_single_file, single_file_data, DATA_DIR};
use anyhow::{anyhow, bail, Context, Result};
use broadsheet_core::bundle::{DocMeta, MANIFEST_FILE};
use broadsheet_core::numbers::thousands;
use broadsheet_core::search::{Engine, EngineError, Hit, Need, Query, ResolveError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct JsonHit {
    slug: String,
    title: String,
    lang: String,
    /// The byline's facts, each where the article has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    /// ISO 8601 (`2025-07-02`).
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
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
    files: Files,
    engine: Engine,
}

/// Where a site's bundle files are: in a folder's `data/`, or inline in a
/// page `broadsheet build --single-file` wrote.
enum Files {
    Folder(PathBuf),
    Page {
        path: PathBuf,
        files: HashMap<String, Vec<u8>>,
    },
}

impl Files {
    /// Bytes `start..end` of a bundle file, or all of it.
    fn read(&self, name: &str, range: Option<(u64, u64)>) -> Result<Vec<u8>, String> {
        match self {
            Files::Folder(data) => read(&data.join(name), range).map_err(|e| e.to_string()),
            Files::Page { files, .. } => {
                let bytes = files.get(name).ok_or("not in the page")?;
                let (start, end) = range.unwrap_or((0, bytes.len() as u64));
                (bytes.get(start as usize..end as usize).map(<[u8]>::to_vec))
                    .ok_or_else(|| format!("the file ends before byte {end}"))
            }
        }
    }

    /// Where a bundle file is, for messages.
    fn place(&self, name: &str) -> String {
        match self {
            Files::Folder(data) => data.join(name).display().to_string(),
            Files::Page { path, .. } => format!("{} (inline {DATA_DIR}/{name})", path.display()),
        }
    }
}

impl Site {
    /// The site in `path`: a folder `build` wrote, or a `--single-file` page.
    fn open(path: &Path) -> Result<Site> {
        let files = if path.is_file() {
            let page =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            if !is_single_file(&page) {
                bail!(
                    "`{}` is not a built site: neither a folder `broadsheet build` wrote \
                     nor a page `broadsheet build --single-file` wrote",
                    path.display()
                );
            }
            let page = String::from_utf8(page)
                .map_err(|_| anyhow!("{}: the page is not UTF-8", path.display()))?;
            let files = single_file_data(&page).with_context(|| path.display().to_string())?;
            Files::Page {
                path: path.to_path_buf(),
                files: files.into_iter().collect(),
            }
        } else {
            Files::Folder(path.join(DATA_DIR))
        };
        let bytes = files.read(MANIFEST_FILE, None).map_err(|e| {
            anyhow!(
                "`{}` is not a built site (no {}: {e})",
                path.display(),
                files.place(MANIFEST_FILE)
            )
        })?;
        let engine =
            Engine::open(&bytes).map_err(|e| anyhow!("{}: {e}", files.place(MANIFEST_FILE)))?;
        Ok(Site { files, engine })
    }

    /// Runs `f` on the engine, loading from the site what it asks for.
    fn resolve<T>(&mut self, f: impl Fn(&Engine) -> Result<T, EngineError>) -> Result<T> {
        let files = &self.files;
        let load = |need: &Need| {
            files
                .read(&need.file, need.range)
                .map_err(|e| (need.file.clone(), e))
        };
        self.engine.resolve(load, f).map_err(|e| match e {
            ResolveError::Load((name, e)) => {
                anyhow!("reading {}: {e}", files.place(&name))
            }
            ResolveError::Engine(e) => anyhow!("{}: {e}", files.place("")),
        })
    }

    fn run(&mut self, query: &str, limit: usize) -> Result<JsonResults> {
        let q = Query::parse(query);
        let results = self.resolve(|e| e.search(&q))?;
        let docs: Vec<u32> = results.hits.iter().take(limit).map(|h| h.doc).collect();
        self.resolve(|e| e.need_docs(&docs, true))?;
        // All at once, as the viewer does: a page's words are worked out once.
        let snippets = self.resolve(|e| e.snippets(&docs, &results.matched))?;
        let snippets = snippets.into_iter().map(|s| s.text);
        Ok(JsonResults {
            total: results.hits.len(),
            partial: results.partial,
            hits: self.hits(&results.hits, snippets)?,
        })
    }

    /// The articles like the one at `slug` (see `Engine::related`), each
    /// with its listing excerpt: what the viewer lists under an article.
    fn related(&mut self, slug: &str, limit: usize) -> Result<JsonResults> {
        let doc = self
            .resolve(|e| e.find_slug(slug))?
            .ok_or_else(|| anyhow!("no article at `{slug}` in {}", self.files.place("")))?;
        let related = self.resolve(|e| e.related(doc, limit))?;
        let docs: Vec<u32> = related.iter().map(|h| h.doc).collect();
        let excerpts: Vec<String> = self.resolve(|e| {
            e.need_docs(&docs, false)?;
            docs.iter()
                .map(|&d| Ok(e.meta(d)?.excerpt.clone()))
                .collect()
        })?;
        Ok(JsonResults {
            total: related.len(),
            partial: false,
            hits: self.hits(&related, excerpts.into_iter())?,
        })
    }

    /// The hits' listing data with their snippets (as many as there are;
    /// the hits past them are left out). Needs their meta chunks.
    fn hits(&self, hits: &[Hit], snippets: impl Iterator<Item = String>) -> Result<Vec<JsonHit>> {
        let e = &self.engine;
        hits.iter()
            .zip(snippets)
            .map(|(h, snippet)| {
                let meta = e.meta(h.doc)?;
                Ok(JsonHit {
                    slug: meta.slug.clone(),
                    title: meta.title.clone(),
                    lang: meta.lang.clone(),
                    author: meta.author.clone(),
                    publisher: meta.publisher.clone(),
                    date: meta.date.map(|d| d.iso()),
                    source: meta.source.clone(),
                    score: (h.score as f64 * 10_000.0).round() / 10_000.0,
                    snippet,
                })
            })
            .collect::<Result<Vec<_>, EngineError>>()
            .map_err(|e| anyhow!("{}: {e}", self.files.place("")))
    }
}

/// The listing data of the `n` newest articles of the bundle in the folder
/// `data`, whose manifest is `manifest` (in hand: the build just wrote it),
/// read as `search` reads a site (documents are numbered newest first):
/// for the feed.
pub fn newest(data: &Path, manifest: &[u8], n: usize) -> Result<Vec<DocMeta>> {
    let files = Files::Folder(data.to_path_buf());
    let engine =
        Engine::open(manifest).map_err(|e| anyhow!("{}: {e}", files.place(MANIFEST_FILE)))?;
    let mut site = Site { files, engine };
    let docs: Vec<u32> = (0..site.engine.manifest().doc_count.min(n as u32)).collect();
    site.resolve(|e| {
        e.need_docs(&docs, false)?;
        docs.iter().map(|&d| Ok(e.meta(d)?.into_owned())).collect()
    })
}

pub fn search(args: &SearchArgs) -> Result<()> {
    let mut site = Site::open(&args.site)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // One list, a query's or the articles like one; or a batch of queries.
    let r = match (&args.related, &args.query) {
        (Some(slug), _) => site.related(slug, args.limit)?,
        (None, Some(q)) => site.run(q, args.limit)?,
        (None, None) => {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("reading queries from stdin")?;
                serde_json::to_writer(&mut out, &site.run(&line, args.limit)?)?;
                writeln!(out)?;
            }
            return Ok(());
        }
    };
    if args.json {
        serde_json::to_writer(&mut out, &r)?;
        writeln!(out)?;
    } else if let Some(slug) = &args.related {
        print_related(&mut out, slug, &r)?;
    } else {
        print_human(&mut out, args.query.as_deref().unwrap_or_default(), &r)?;
    }
    Ok(())
}

fn print_human(out: &mut impl Write, q: &str, r: &JsonResults) -> Result<()> {
    // Without words the list is every article (that the filters leave),
    // newest first: no scores to show.
    let listing = Query::parse(q).terms.is_empty();
    let count = thousands(r.total);
    let noun = match (listing, r.total) {
        (true, 1) => "article",
        (true, _) => "articles",
        (false, 1) => "result",
        (false, _) => "results",
    };
    match (listing, q.trim()) {
        (true, "") => writeln!(out, "{count} {noun}, newest first")?,
        (true, _) => writeln!(out, "{count} {noun} for {q:?}, newest first")?,
        (false, _) => writeln!(out, "{count} {noun} for {q:?}")?,
    }
    if r.partial {
        writeln!(
            out,
            "(no article has all of these words; these have some of them)"
        )?;
    }
    for (i, h) in r.hits.iter().enumerate() {
        print_hit(out, i, h, !listing)?;
    }
    Ok(())
}

fn print_related(out: &mut impl Write, slug: &str, r: &JsonResults) -> Result<()> {
    match r.total {
        0 => writeln!(out, "no article like #/a/{slug}")?,
        1 => writeln!(out, "1 article like #/a/{slug}")?,
        n => writeln!(out, "{n} articles like #/a/{slug}")?,
    }
    for (i, h) in r.hits.iter().enumerate() {
        print_hit(out, i, h, true)?;
    }
    Ok(())
}

/// One hit: the `i`th, its score where `scored`, byline, link and snippet.
fn print_hit(out: &mut impl Write, i: usize, h: &JsonHit, scored: bool) -> Result<()> {
    write!(out, "\n{:>2}. {} [{}]", i + 1, h.title, h.lang)?;
    if scored {
        write!(out, " ({:.3})", h.score)?;
    }
    writeln!(out)?;
    // The byline, as the viewer shows it: author, date, publisher.
    let byline: Vec<&str> = [&h.author, &h.date, &h.publisher]
        .into_iter()
        .filter_map(|f| f.as_deref())
        .collect();
    if !byline.is_empty() {
        writeln!(out, "    {}", byline.join(" · "))?;
    }
    writeln!(out, "    #/a/{}  ({})", h.slug, h.source)?;
    writeln!(out, "    {}", h.snippet)?;
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
