//! `broadsheet build`: read article files, build the bundle, write the site.

use crate::assets::{APP_FILES, APP_WASM};
use crate::cli::BuildArgs;
use crate::shell::{self, BaseUrl, DATA_DIR};
use anyhow::{anyhow, bail, Context, Result};
use broadsheet_core::index::{self, BuildOptions};
use broadsheet_core::{ingest, Article};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::hash_map::{Entry, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Name of the marker file that identifies a folder written by Broadsheet,
/// so a rebuild may replace it and nothing else.
pub const MARKER: &str = ".broadsheet-site";

/// Inputs above this many files get a progress bar.
const PROGRESS_THRESHOLD: usize = 200;

/// One input file: where it is and its path relative to its input folder.
struct InputFile {
    path: PathBuf,
    source: String,
}

fn collect_inputs(inputs: &[PathBuf]) -> Result<Vec<InputFile>> {
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
        let before = files.len();
        let walker = walkdir::WalkDir::new(input)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
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

/// What reading the inputs gave.
struct Read {
    articles: Vec<Article>,
    skipped: usize,
    duplicates: usize,
}

/// Reads and parses every input. Bad files are named with the reason and
/// skipped (with `strict`, the first one is an error); an article whose text
/// repeats an earlier one's is noted and packed once.
fn read_articles(files: &[InputFile], quiet: bool, strict: bool) -> Result<Read> {
    let bar = if files.len() >= PROGRESS_THRESHOLD && !quiet {
        ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading {pos}/{len} articles {wide_bar} {eta}")
            .expect("valid template"),
    );
    let mut read = Read {
        articles: Vec::with_capacity(files.len()),
        skipped: 0,
        duplicates: 0,
    };
    let mut seen: HashMap<[u8; 16], String> = HashMap::new();
    for f in files {
        match read_one(f) {
            Ok(a) => match seen.entry(ingest::fingerprint(&a)) {
                Entry::Occupied(first) => {
                    read.duplicates += 1;
                    if !quiet {
                        bar.suspend(|| {
                            eprintln!(
                                "note: {}: same text as {}; packed once",
                                f.path.display(),
                                first.get()
                            )
                        });
                    }
                }
                Entry::Vacant(v) => {
                    v.insert(f.path.display().to_string());
                    read.articles.push(a);
                }
            },
            Err(reason) if strict => {
                bar.finish_and_clear();
                bail!("{}: {reason} (--strict: nothing written)", f.path.display());
            }
            Err(reason) => {
                read.skipped += 1;
                bar.suspend(|| eprintln!("warning: {}: {reason}; skipped", f.path.display()));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(read)
}

/// Reads one file as an article; the error is the reason to show.
fn read_one(f: &InputFile) -> Result<Article, String> {
    // Check the size before reading: a huge file is refused unread.
    let len = std::fs::metadata(&f.path).map_err(|e| e.to_string())?.len();
    if len > ingest::MAX_FILE_BYTES {
        return Err(ingest::IngestError::TooLarge { bytes: len }.to_string());
    }
    let bytes = std::fs::read(&f.path).map_err(|e| e.to_string())?;
    ingest::parse(&bytes, &f.source).map_err(|e| e.to_string())
}

/// What a build produced, for the summary and for `serve`.
pub struct Built {
    pub out: PathBuf,
    pub base: BaseUrl,
    pub articles: usize,
}

pub fn build(args: &BuildArgs) -> Result<Built> {
    let started = Instant::now();
    let base = match &args.base_url {
        Some(b) => BaseUrl::parse(b)?,
        None => BaseUrl::default(),
    };
    if let Some(file) = &args.single_file {
        check_single_file_target(file)?;
    }
    let files = collect_inputs(&args.inputs)?;
    let Read {
        articles,
        skipped,
        duplicates,
    } = read_articles(&files, args.quiet, args.strict)?;
    if articles.is_empty() {
        let names: Vec<String> = args
            .inputs
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect();
        bail!(
            "no articles in {}: all {} files were skipped; nothing written",
            names.join(", "),
            files.len()
        );
    }
    let ordered = index::order(articles);
    let bundle = index::build(&ordered, &BuildOptions::default());

    let (out, written) = match &args.single_file {
        Some(file) => (file.clone(), write_single_file(file, &bundle)?),
        None => {
            remove_stale_siblings(&args.out);
            let tmp = sibling(&args.out, "tmp")?;
            let written = write_site(&tmp, &base, &bundle).inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&tmp);
            })?;
            replace_dir(&tmp, &args.out).inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&tmp);
            })?;
            (args.out.clone(), written)
        }
    };

    if !args.quiet {
        let m = &bundle.manifest;
        let langs: Vec<String> = m
            .langs
            .iter()
            .map(|l| format!("{} {}", l.value, l.count))
            .collect();
        let wasm = APP_FILES
            .iter()
            .find(|(n, _)| *n == APP_WASM)
            .map(|(_, b)| *b)
            .unwrap_or(&[]);
        eprintln!(
            "built {} articles ({}){} into {}: {} files, {} in {:.2} s; app wasm {} ({} gzip)",
            m.doc_count,
            langs.join(", "),
            [
                (skipped, "files skipped"),
                (duplicates, "duplicates packed once")
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!(", {n} {what}"))
            .collect::<String>(),
            out.display(),
            written.0,
            human(written.1),
            started.elapsed().as_secs_f64(),
            human(wasm.len() as u64),
            human(gzip_len(wasm)),
        );
    }
    Ok(Built {
        out,
        base,
        articles: ordered.len(),
    })
}

/// Writes the whole site into `dir` (created); returns files and bytes.
fn write_site(dir: &Path, base: &BaseUrl, bundle: &index::Bundle) -> Result<(usize, u64)> {
    let data = dir.join(DATA_DIR);
    std::fs::create_dir_all(&data).with_context(|| format!("creating `{}`", data.display()))?;
    let mut count = 0;
    let mut bytes = 0u64;
    let mut put = |path: PathBuf, content: &[u8]| -> Result<()> {
        std::fs::write(&path, content).with_context(|| format!("writing `{}`", path.display()))?;
        count += 1;
        bytes += content.len() as u64;
        Ok(())
    };
    // The app's files come with their .br/.gz siblings from build.rs; the
    // rest are compressed here (except PNGs, compressed already).
    for f in shell::site_files(base, bundle) {
        put(dir.join(&f.path), &f.bytes)?;
        let from_build = APP_FILES.iter().any(|(n, _)| *n == f.path);
        if !from_build && !f.path.ends_with(".png") {
            let (br, gz) = crate::compress::siblings(&f.bytes);
            put(dir.join(format!("{}.br", f.path)), &br)?;
            put(dir.join(format!("{}.gz", f.path)), &gz)?;
        }
    }
    for f in &bundle.files {
        put(data.join(&f.name), &f.bytes)?;
        let (br, gz) = crate::compress::siblings(&f.bytes);
        put(data.join(format!("{}.br", f.name)), &br)?;
        put(data.join(format!("{}.gz", f.name)), &gz)?;
    }
    let mut marker = std::fs::File::create(dir.join(MARKER))?;
    writeln!(
        marker,
        "Written by {}. `broadsheet build` may replace this folder.",
        bundle.manifest.generator
    )?;
    Ok((count, bytes))
}

/// Refuses to overwrite a file that is not a page Broadsheet wrote.
fn check_single_file_target(file: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(file) else {
        return Ok(());
    };
    let mut head = vec![0; 4096];
    let ours = meta.is_file()
        && std::fs::File::open(file)
            .and_then(|mut f| {
                use std::io::Read;
                let n = f.read(&mut head)?;
                head.truncate(n);
                Ok(())
            })
            .is_ok()
        && shell::is_single_file(&head);
    if !ours {
        bail!(
            "`{}` exists and is not a page written by `broadsheet build --single-file`; \
             refusing to overwrite it (choose another file)",
            file.display()
        );
    }
    Ok(())
}

/// Writes the one-file page: into a sibling first, then renamed over
/// `file`, so that a failed build leaves the old page whole.
fn write_single_file(file: &Path, bundle: &index::Bundle) -> Result<(usize, u64)> {
    let page = shell::single_file(bundle)?;
    let tmp = sibling(file, "tmp")?;
    std::fs::write(&tmp, &page)
        .and_then(|()| std::fs::rename(&tmp, file))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("writing `{}`", file.display()))?;
    Ok((1, page.len() as u64))
}

/// A fresh path beside `out` (`.NAME.broadsheet-KIND-PID`), on the same file
/// system so that renames are atomic.
fn sibling(out: &Path, kind: &str) -> Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| anyhow!("output `{}` has no folder name", out.display()))?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = parent.join(format!(
        ".{}.broadsheet-{kind}-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    // Only this process makes this name: what is there is ours to remove.
    if path.is_dir() {
        std::fs::remove_dir_all(&path)?;
    } else if path.exists() {
        std::fs::remove_file(&path)?;
    }
    Ok(path)
}

/// Puts the finished site `tmp` at `out`. An existing `out` is replaced only
/// when it is empty or was written by Broadsheet; anything else is refused,
/// so a mistyped `--out` never destroys someone's files.
///
/// On Linux the two folders are exchanged in one atomic `renameat2`: a build
/// killed at any moment leaves either the old site or the new one at `out`,
/// whole. Elsewhere the old site is first moved aside, so a kill in between
/// leaves it beside `out` as `.NAME.broadsheet-old-PID`.
fn replace_dir(tmp: &Path, out: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(out) else {
        return std::fs::rename(tmp, out)
            .with_context(|| format!("moving the site to `{}`", out.display()));
    };
    if !meta.is_dir() {
        bail!(
            "output `{}` exists and is not a folder; nothing written",
            out.display()
        );
    }
    let empty = std::fs::read_dir(out)?.next().is_none();
    if !empty && !out.join(MARKER).is_file() {
        bail!(
            "output folder `{}` is not empty and was not created by broadsheet; \
             refusing to replace it (choose another --out)",
            out.display()
        );
    }
    if exchange(tmp, out).is_ok() {
        // `tmp` now holds the old site, which Broadsheet wrote (or was empty).
        return std::fs::remove_dir_all(tmp)
            .with_context(|| format!("removing the old site (now at `{}`)", tmp.display()));
    }
    let old = sibling(out, "old")?;
    std::fs::rename(out, &old)
        .with_context(|| format!("moving the old site `{}` aside", out.display()))?;
    if let Err(e) = std::fs::rename(tmp, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e).with_context(|| format!("moving the site to `{}`", out.display()));
    }
    std::fs::remove_dir_all(&old)
        .with_context(|| format!("removing the old site `{}`", old.display()))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Removes what killed builds left beside `out`: `.NAME.broadsheet-tmp-PID`
/// and `.NAME.broadsheet-old-PID` folders (names only Broadsheet makes)
/// whose process is gone.
fn remove_stale_siblings(out: &Path) {
    let (Some(name), Some(parent)) = (out.file_name(), out.parent()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{}.broadsheet-", name.to_string_lossy());
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest
            .strip_prefix("tmp-")
            .or_else(|| rest.strip_prefix("old-"))
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if pid.is_some() && !alive && cfg!(target_os = "linux") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn gzip_len(bytes: &[u8]) -> u64 {
    crate::compress::gzip(bytes).len() as u64
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / (1 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}
