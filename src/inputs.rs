//! Finding and reading the input articles: the first pass of a build.
//!
//! Every file is parsed once here, in parallel, to learn what the index
//! needs before it is built: each article's date and source (its place in
//! document order), title (its slug), text size (the pack layout) and
//! fingerprint (duplicates). Whole articles are kept only up to a memory
//! budget, so this pass needs little memory whatever the corpus size; the
//! indexer parses the others again when their turn comes.

use anyhow::{bail, Context, Result};
use broadsheet_core::analysis::Folds;
use broadsheet_core::ingest::{self, Encoding, Language, Languages};
use broadsheet_core::{slug, Article, Date};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::hash_map::{Entry, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Articles whose files add up to this many bytes are kept from the first
/// pass to the second instead of being parsed twice.
pub const KEEP_BYTES: u64 = 256 << 20;

/// Inputs of this many files or more get progress bars.
pub const PROGRESS_THRESHOLD: usize = 200;

thread_local! {
    /// Each worker's memo of folded words, for fingerprints.
    static FOLDS: RefCell<Folds> = RefCell::default();
}

/// The fingerprint of `a` ([`ingest::fingerprint`]), with this thread's
/// memo of folded words.
pub fn fingerprint(a: &Article) -> [u8; 16] {
    FOLDS.with_borrow_mut(|folds| ingest::fingerprint_with(a, folds))
}

/// One input file: where it is and its path relative to its input folder.
pub struct InputFile {
    pub path: PathBuf,
    pub source: String,
}

/// Whether `dir` is a site Broadsheet built (it holds the marker file):
/// its pages, scripts and file lists are never articles.
fn is_site(dir: &Path) -> bool {
    dir.join(crate::site::MARKER).is_file()
}

/// The files of every input, in a stable order (folders sorted by name).
/// Hidden files and folders are left out, and so are sites Broadsheet
/// built (named unless `quiet`): an `--out` inside the input folder would
/// otherwise be read as articles by the next build.
pub fn collect_inputs(inputs: &[PathBuf], quiet: bool) -> Result<Vec<InputFile>> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).with_context(|| {
            format!(
                "input `{}` does not exist or cannot be read",
                input.display()
            )
        })?;
        if meta.is_file() {
            let source = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(InputFile {
                path: input.clone(),
                source,
            });
            continue;
        }
        if is_site(input) {
            bail!(
                "input folder `{}` is a site broadsheet built, not articles \
                 (give the folder of articles it was built from)",
                input.display()
            );
        }
        let before = files.len();
        let walker = walkdir::WalkDir::new(input)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if e.file_name().to_string_lossy().starts_with('.') {
                    return false;
                }
                let site = e.file_type().is_dir() && is_site(e.path());
                if site && !quiet {
                    eprintln!(
                        "note: `{}` is a site broadsheet built, not articles; skipped",
                        e.path().display()
                    );
                }
                !site
            });
        for entry in walker {
            let entry =
                entry.with_context(|| format!("reading input folder `{}`", input.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(input).unwrap_or(entry.path());
            let source = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push(InputFile {
                path: entry.path().to_path_buf(),
                source,
            });
        }
        if files.len() == before {
            bail!(
                "input folder `{}` contains no article files",
                input.display()
            );
        }
    }
    Ok(files)
}

/// What the index needs to know of one article before indexing it.
pub struct Scanned {
    /// Index into the input files.
    pub file: usize,
    pub date: Option<Date>,
    /// The slug its title gives, before duplicates are told apart.
    pub slug: String,
    /// Bytes of body text (summary and blocks), for the pack layout.
    pub text_bytes: u64,
    pub fingerprint: [u8; 16],
    /// Its language, detected (so that a second parse need not).
    pub lang: Box<str>,
    /// The article itself, while the keep budget lasts.
    pub article: Option<Article>,
}

/// What the first pass gave.
pub struct Scan {
    /// Distinct readable articles, in input order.
    pub articles: Vec<Scanned>,
    pub skipped: usize,
    /// Files whose front matter marks them drafts: left out, as site
    /// generators leave them out, and no error even with `--strict`.
    pub drafts: usize,
    pub duplicates: usize,
}

/// A progress bar on stderr for `len` steps, or a hidden one.
pub fn bar(len: usize, quiet: bool, what: &str) -> ProgressBar {
    let bar = if len >= PROGRESS_THRESHOLD && !quiet {
        ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what} {{pos}}/{{len}} {{wide_bar}} {{eta}}"
        ))
        .expect("valid template"),
    );
    bar
}

/// Reads and parses every input, in parallel. Bad files are named with the
/// reason and skipped (with `strict`, the first one is an error); an
/// article whose text repeats an earlier one's is noted and packed once.
/// Messages come in input order, whatever order the threads finish in.
pub fn scan(
    files: &[InputFile],
    languages: &Languages,
    legacy: Option<&'static Encoding>,
    quiet: bool,
    strict: bool,
    keep_bytes: u64,
) -> Result<Scan> {
    let bar = bar(files.len(), quiet, "reading");
    let kept = AtomicU64::new(0);
    let parsed: Vec<Result<Scanned, Unread>> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let a = read_one(f, Language::Detect(languages), legacy);
            bar.inc(1);
            a.map(|a| {
                let text = text_bytes(&a);
                let keep = kept.fetch_add(text, Ordering::Relaxed) + text <= keep_bytes;
                Scanned {
                    file: i,
                    date: a.date,
                    text_bytes: text,
                    fingerprint: fingerprint(&a),
                    slug: slug::slugify(&a.title),
                    lang: a.lang.as_str().into(),
                    article: keep.then_some(a),
                }
            })
        })
        .collect();
    bar.finish_and_clear();
    let mut scan = Scan {
        articles: Vec::with_capacity(parsed.len()),
        skipped: 0,
        drafts: 0,
        duplicates: 0,
    };
    let mut seen: HashMap<[u8; 16], usize> = HashMap::new();
    for (f, result) in files.iter().zip(parsed) {
        match result {
            Ok(a) => match seen.entry(a.fingerprint) {
                Entry::Occupied(first) => {
                    scan.duplicates += 1;
                    if !quiet {
                        eprintln!(
                            "note: {}: same text as {}; packed once",
                            f.path.display(),
                            files[*first.get()].path.display()
                        );
                    }
                }
                Entry::Vacant(v) => {
                    v.insert(a.file);
                    scan.articles.push(a);
                }
            },
            Err(Unread::Draft) => {
                scan.drafts += 1;
                if !quiet {
                    eprintln!("note: {}: {}; left out", f.path.display(), Unread::Draft);
                }
            }
            Err(reason) if strict => {
                bail!("{}: {reason} (--strict: nothing written)", f.path.display());
            }
            Err(reason) => {
                scan.skipped += 1;
                eprintln!("warning: {}: {reason}; skipped", f.path.display());
            }
        }
    }
    Ok(scan)
}

/// Bytes of an article's body text (summary and blocks).
pub fn text_bytes(a: &Article) -> u64 {
    broadsheet_core::index::body_texts(a)
        .map(str::len)
        .sum::<usize>() as u64
}

/// Why a file gives no article.
#[derive(Debug)]
pub enum Unread {
    /// Its front matter says `draft: true` (or `published: false`).
    Draft,
    /// Not an article: the reason, to show.
    Bad(String),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unread::Draft => ingest::IngestError::Draft.fmt(f),
            Unread::Bad(reason) => f.write_str(reason),
        }
    }
}

/// Reads one file as an article, its language found as `lang` says (known
/// if it was read before: see [`ingest::reparse`]), a file that is not
/// UTF-8 in `legacy` (`--encoding`).
pub fn read_one(
    f: &InputFile,
    lang: Language<'_>,
    legacy: Option<&'static Encoding>,
) -> Result<Article, Unread> {
    // Check the size before reading: a huge file is refused unread.
    let len = std::fs::metadata(&f.path)
        .map_err(|e| Unread::Bad(e.to_string()))?
        .len();
    if len > ingest::MAX_FILE_BYTES {
        return Err(Unread::Bad(
            ingest::IngestError::TooLarge { bytes: len }.to_string(),
        ));
    }
    let bytes = std::fs::read(&f.path).map_err(|e| Unread::Bad(e.to_string()))?;
    if crate::shell::is_single_file(&bytes) {
        return Err(Unread::Bad(
            "a page `broadsheet build --single-file` wrote, not an article".into(),
        ));
    }
    ingest::parse_as(&bytes, &f.source, lang, legacy).map_err(|e| match e {
        ingest::IngestError::Draft => Unread::Draft,
        ingest::IngestError::InvalidUtf8 { guess: Some(g), .. } => {
            Unread::Bad(format!("{e} (`--encoding {g}` reads it as that)"))
        }
        e => Unread::Bad(e.to_string()),
    })
}
