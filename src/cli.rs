//! Command-line interface.

use broadsheet_core::index::DEFAULT_NAME;
use broadsheet_core::ingest::{legacy_encoding, Encoding, Languages};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Turn a folder of news articles into a fast, searchable, offline-capable
/// static site. With no command, builds `seeds/` and serves it.
#[derive(Parser, Debug)]
#[command(name = "broadsheet", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the static site from article files.
    Build(BuildArgs),
    /// Build the site, then serve it on 127.0.0.1.
    Serve(ServeArgs),
    /// Search a built site from the command line, with the browser's engine.
    Search(SearchArgs),
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs {
            build: BuildArgs::default(),
            port: 8080,
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    /// Article files or folders (read recursively).
    #[arg(value_name = "INPUT", default_value = "seeds")]
    pub inputs: Vec<PathBuf>,
    /// Output folder for the site. Replaced atomically; Broadsheet refuses to
    /// write into a non-empty folder it did not create.
    #[arg(long, short, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Fail on the first file that is not a readable article, instead of
    /// skipping it.
    #[arg(long)]
    pub strict: bool,
    /// The URL path the site will be served under, e.g. `/news/`. Without
    /// it every URL is relative, which works under any path that ends in
    /// `/`; with it the site also works at `/news` and from other pages.
    #[arg(long, value_name = "PATH")]
    pub base_url: Option<String>,
    /// The site's name: the page's title, the viewer's masthead (embedded
    /// in another page too) and the installed app's name.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_NAME, value_parser = site_name)]
    pub title: String,
    /// Write one self-contained HTML page (app and data inline) that works
    /// when opened from disk, instead of a site folder.
    #[arg(long, value_name = "FILE.html", conflicts_with_all = ["out", "base_url"])]
    pub single_file: Option<PathBuf>,
    /// The languages the articles are written in, as ISO 639-1 codes
    /// (`de,nl,pl,vi`): each article's language is detected among these
    /// alone, which is faster and keeps short texts from passing for a
    /// neighbouring language (Dutch for Afrikaans). An article in a script
    /// none of them is written in is marked `und`. Without it, any of the
    /// 70 languages detection knows.
    #[arg(long, value_name = "CODES")]
    pub languages: Option<Languages>,
    /// The encoding of input files that are not UTF-8 and have no
    /// byte-order mark, as a WHATWG label (`windows-1250`, `latin2`,
    /// `windows-1258`, `shift_jis`, `utf-16le`). Files in UTF-8, and files
    /// with a byte-order mark (UTF-8 or UTF-16), are read as such whatever
    /// it says. Without it such a file is skipped, with a guess at its
    /// encoding.
    #[arg(long, value_name = "LABEL", value_parser = encoding)]
    pub encoding: Option<&'static Encoding>,
    /// The service worker caches the whole search index when a reader first
    /// opens the site if the index is at most this many MB; a larger one is
    /// cached piece by piece as it is read (and whole by "save for
    /// offline"), the first listing screen (and a small bundle's record
    /// tables) up front. 0: never whole.
    #[arg(long, value_name = "MB", default_value_t = PRECACHE_INDEX_MB)]
    pub precache_index: u64,
    /// A word (or stem) in more than four times this many articles (and
    /// than a quarter of them) keeps the N it weighs most in with its dictionary
    /// entry, and the rest apart: a query fetches the rest only when those cannot decide its
    /// first page of results, or for its facet counts. 0: none is split.
    #[arg(long, value_name = "N", default_value_t = broadsheet_core::index::HEAD_DOCS)]
    pub head_docs: usize,
    /// Bytes of postings held in memory before they are spilled to a
    /// temporary run file (bounds the build's memory; for tests).
    #[arg(long, hide = true, default_value_t = 256 << 20)]
    pub run_bytes: usize,
    /// Bytes of article text kept in memory between the build's two passes;
    /// the rest is read again (bounds the build's memory; for tests).
    #[arg(long, hide = true, default_value_t = crate::inputs::KEEP_BYTES)]
    pub keep_bytes: u64,
}

/// `--encoding`'s label, or an error that says what a label is.
fn encoding(label: &str) -> Result<&'static Encoding, String> {
    legacy_encoding(label).ok_or_else(|| {
        format!(
            "`{label}` names no encoding: give a WHATWG Encoding Standard label \
             such as windows-1250, latin2, windows-1258 or utf-16le"
        )
    })
}

/// `--title`'s name, trimmed; an error if it is empty, over 100
/// characters or holds control characters.
fn site_name(name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("the site's name is empty".into());
    }
    if trimmed.chars().count() > 100 {
        return Err("the site's name is longer than 100 characters".into());
    }
    if trimmed.chars().any(char::is_control) {
        return Err("the site's name holds a control character (a line break, a tab)".into());
    }
    Ok(trimmed.to_string())
}

/// What `--precache-index` is unless given: an index this small is cached
/// at once, in the background, on a reader's first visit.
const PRECACHE_INDEX_MB: u64 = 8;

impl Default for BuildArgs {
    fn default() -> Self {
        BuildArgs {
            inputs: vec![PathBuf::from("seeds")],
            out: PathBuf::from("dist"),
            quiet: false,
            strict: false,
            base_url: None,
            title: DEFAULT_NAME.into(),
            single_file: None,
            languages: None,
            encoding: None,
            precache_index: PRECACHE_INDEX_MB,
            head_docs: broadsheet_core::index::HEAD_DOCS,
            run_bytes: 256 << 20,
            keep_bytes: crate::inputs::KEEP_BYTES,
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// A site built by `broadsheet build`: its folder, or the page
    /// `--single-file` wrote.
    #[arg(value_name = "SITE")]
    pub site: PathBuf,
    /// The query. Without it, reads one query per line from stdin and prints
    /// one JSON line per query.
    #[arg(value_name = "QUERY", conflicts_with = "related")]
    pub query: Option<String>,
    /// Instead of a query: the articles like the one at this slug (its
    /// address is `#/a/SLUG`), best first; the viewer lists the first five
    /// under it.
    #[arg(long, value_name = "SLUG")]
    pub related: Option<String>,
    /// Print JSON: {"total": N, "partial": bool, "hits": [{slug, title, lang, source, score, snippet}]}.
    #[arg(long)]
    pub json: bool,
    /// Most hits to print.
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
}
