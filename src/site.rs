//! `broadsheet build`: read article files, build the bundle, write the site.

use crate::assets::{APP_FILES, APP_WASM};
use crate::cli::BuildArgs;
use crate::indexer::{self, Job, Planned, Spill};
use crate::inputs::{self, Scan};
use crate::shell::{self, BaseUrl, DATA_DIR};
use anyhow::{anyhow, bail, Context, Result};
use broadsheet_core::bundle::{FileKind, Manifest};
use broadsheet_core::index::{self, BuildOptions, Layout};
use broadsheet_core::ingest::Languages;
use broadsheet_core::slug;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Name of the marker file that identifies a folder written by Broadsheet,
/// so a rebuild may replace it and nothing else.
pub const MARKER: &str = ".broadsheet-site";

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
    // On a core of the pool while this thread lists the inputs, instead of
    // in the first articles' parse, which the other cores would wait for.
    rayon::spawn(broadsheet_core::ingest::warm_up);
    let files = inputs::collect_inputs(&args.inputs, args.quiet)?;
    let Scan {
        articles: mut scanned,
        skipped,
        drafts,
        duplicates,
    } = inputs::scan(
        &files,
        args.languages.as_ref().unwrap_or(&Languages::any()),
        args.encoding,
        args.quiet,
        args.strict,
        args.keep_bytes,
    )?;
    if scanned.is_empty() {
        let names: Vec<String> = args
            .inputs
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect();
        let all = match (files.len(), drafts) {
            (1, 1) => "the only file is a draft".to_string(),
            (1, _) => "the only file was skipped".to_string(),
            (n, 0) => format!("all {n} files were skipped"),
            (n, d) if d == n => format!("all {n} files are drafts"),
            (n, d) => format!("all {n} files were skipped or drafts ({d} drafts)"),
        };
        bail!(
            "no articles in {}: {all}; nothing written",
            names.join(", ")
        );
    }
    // Document order and slugs, from the keys the first pass kept (the same
    // as `index::order` gives for whole articles).
    scanned.sort_by(|a, b| {
        index::newest_first(
            (a.date, &files[a.file].source),
            (b.date, &files[b.file].source),
        )
    });
    let slugs = slug::unique(scanned.iter_mut().map(|s| std::mem::take(&mut s.slug)));
    let text: u64 = scanned.iter().map(|s| s.text_bytes).sum();
    let opts = BuildOptions {
        name: args.title.clone(),
        ..BuildOptions::default()
    }
    .with_head_docs(args.head_docs);
    let layout = Layout::new(&opts, scanned.len(), text);
    let plan: Vec<Planned> = scanned
        .into_iter()
        .zip(slugs)
        .map(|(s, slug)| Planned {
            file: s.file,
            slug,
            fingerprint: s.fingerprint,
            lang: s.lang,
            article: s.article,
        })
        .collect();
    let job = Job {
        files: &files,
        plan,
        legacy: args.encoding,
        layout,
        opts,
        run_bytes: args.run_bytes,
        quiet: args.quiet,
    };

    let (out, written, manifest) = match &args.single_file {
        Some(file) => {
            let all = Mutex::new(Vec::new());
            let manifest = indexer::index(job, Spill::Memory, &|f| {
                all.lock().expect("no panics hold it").push(f);
                Ok(())
            })?;
            // Files arrive from several threads: put them in a stable order.
            let mut files = all.into_inner().expect("no panics hold it");
            files.sort_by(|a, b| a.name.cmp(&b.name));
            let bundle = index::Bundle {
                manifest: manifest.clone(),
                files,
            };
            (file.clone(), write_single_file(file, &bundle)?, manifest)
        }
        None => {
            remove_stale_siblings(&args.out);
            let tmp = sibling(&args.out, "tmp")?;
            let precache = args.precache_index.saturating_mul(1 << 20);
            let (written, manifest) = write_site(&tmp, &base, precache, job).inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&tmp);
            })?;
            replace_dir(&tmp, &args.out).inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&tmp);
            })?;
            (args.out.clone(), written, manifest)
        }
    };

    if !args.quiet {
        let m = &manifest;
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
        let among = match &args.languages {
            Some(l) => format!("; detected among {}", l.codes().join(", ")),
            None => String::new(),
        };
        eprintln!(
            "built {} ({}{among}){} into {}: {}, {} in {:.2} s; app wasm {} ({} gzip)",
            counted(m.doc_count as usize, "article", "articles"),
            langs.join(", "),
            [
                (skipped, "file skipped", "files skipped"),
                (drafts, "draft left out", "drafts left out"),
                (
                    duplicates,
                    "duplicate packed once",
                    "duplicates packed once"
                ),
            ]
            .iter()
            .filter(|(n, ..)| *n > 0)
            .map(|&(n, one, many)| format!(", {}", counted(n, one, many)))
            .collect::<String>(),
            out.display(),
            counted(written.0, "file", "files"),
            human(written.1),
            started.elapsed().as_secs_f64(),
            human(wasm.len() as u64),
            human(gzip_len(wasm)),
        );
    }
    Ok(Built {
        out,
        base,
        articles: manifest.doc_count as usize,
    })
}

/// `n` and the noun for that many: "1 article", "2 articles".
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes files into a folder with their .br/.gz siblings, from any
/// thread, and keeps count.
#[derive(Default)]
struct DirWriter {
    stats: Mutex<WriteStats>,
}

#[derive(Default)]
struct WriteStats {
    files: usize,
    bytes: u64,
    sizes: HashMap<String, u64>,
}

impl DirWriter {
    fn write(&self, dir: &Path, name: &str, bytes: &[u8], compress: bool) -> Result<()> {
        let put = |path: &Path, content: &[u8]| {
            std::fs::write(path, content).with_context(|| format!("writing `{}`", path.display()))
        };
        put(&dir.join(name), bytes)?;
        let (mut files, mut total) = (1, bytes.len() as u64);
        if compress {
            let (br, gz) = crate::compress::siblings(bytes);
            put(&dir.join(format!("{name}.br")), &br)?;
            put(&dir.join(format!("{name}.gz")), &gz)?;
            files += 2;
            total += (br.len() + gz.len()) as u64;
        }
        let mut stats = self.stats.lock().expect("no panics hold it");
        stats.files += files;
        stats.bytes += total;
        stats.sizes.insert(name.to_string(), bytes.len() as u64);
        Ok(())
    }
}

/// Writes the whole site into `dir` (created), its service worker caching
/// an index of up to `precache` bytes whole at install; returns files and
/// bytes, and the manifest.
fn write_site(
    dir: &Path,
    base: &BaseUrl,
    precache: u64,
    job: Job,
) -> Result<((usize, u64), Manifest)> {
    let data = dir.join(DATA_DIR);
    std::fs::create_dir_all(&data).with_context(|| format!("creating `{}`", data.display()))?;
    // Index runs live inside the temporary site, so a killed build's runs go
    // with it.
    let runs = dir.join(".runs");
    std::fs::create_dir_all(&runs)?;
    let writer = DirWriter::default();
    let manifest_bytes = Mutex::new(Vec::new());
    let manifest = indexer::index(job, Spill::Files(&runs), &|f| {
        if f.kind == FileKind::Manifest {
            *manifest_bytes.lock().expect("no panics hold it") = f.bytes.clone();
        }
        writer.write(&data, &f.name, &f.bytes, !f.read_by_range())
    })?;
    std::fs::remove_dir_all(&runs).context("removing the index runs")?;
    let manifest_bytes = manifest_bytes.into_inner().expect("no panics hold it");

    // The app's files come with their .br/.gz siblings from build.rs; the
    // rest are compressed here (except PNGs, compressed already).
    let sizes = std::mem::take(&mut writer.stats.lock().expect("no panics hold it").sizes);
    // The feed's articles, from the bundle just written, as a reader's
    // `search` would list them.
    let newest = crate::search::newest(&data, &manifest_bytes, crate::feed::ENTRIES)?;
    let shell_files = shell::site_files(
        base,
        &shell::DataFiles {
            manifest: &manifest,
            manifest_bytes: &manifest_bytes,
            sizes: &sizes,
            newest: &newest,
        },
        precache,
    );
    shell_files.par_iter().try_for_each(|f| {
        let from_build = APP_FILES.iter().any(|(n, _)| *n == f.path);
        let compress = !from_build && !f.path.ends_with(".png");
        writer.write(dir, &f.path, &f.bytes, compress)
    })?;
    let mut marker = std::fs::File::create(dir.join(MARKER))?;
    writeln!(
        marker,
        "Written by {}. `broadsheet build` may replace this folder.",
        manifest.generator
    )?;
    let stats = writer.stats.into_inner().expect("no panics hold it");
    Ok(((stats.files, stats.bytes), manifest))
}

/// Refuses to overwrite a file that is not a page Broadsheet wrote.
fn check_single_file_target(file: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(file) else {
        return Ok(());
    };
    let mut head = vec![0; shell::SINGLE_FILE_HEAD];
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
