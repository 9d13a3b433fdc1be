//! The second pass of a build: articles in document order, parsed again and
//! analysed in parallel batches, fed to the core's streaming
//! [`Builder`]. Postings beyond a memory budget are spilled as sorted runs
//! into temporary files and merged at the end, so a build's memory is
//! bounded by the budget and a batch of articles, not by the corpus.

use crate::inputs::{self, InputFile};
use anyhow::{bail, Context, Result};
use broadsheet_core::bundle::{BundleError, Manifest};
use broadsheet_core::index::{
    analyze, BuildOptions, Builder, BundleFile, DocTerms, Layout, RunEntry, RunSource,
};
use broadsheet_core::{ingest, Article};
use rayon::prelude::*;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Articles parsed and analysed at a time: enough to keep every core busy,
/// few enough that their text is a small part of memory.
const BATCH: usize = 512;

/// Index files handed to the writer at a time while the term shards are
/// written (so that they are compressed in parallel).
const WRITE_BATCH: usize = 16;

/// One article in document order.
pub struct Planned {
    /// Index into the input files.
    pub file: usize,
    pub slug: String,
    pub fingerprint: [u8; 16],
    /// The article, if the first pass kept it.
    pub article: Option<Article>,
}

/// Where runs go: memory, or files in a folder (removed by the caller).
pub enum Spill<'a> {
    Memory,
    Files(&'a Path),
}

/// Builds the bundle of `plan`, handing every finished file to `write`.
#[allow(clippy::too_many_arguments)]
pub fn index(
    files: &[InputFile],
    mut plan: Vec<Planned>,
    layout: Layout,
    opts: BuildOptions,
    run_bytes: usize,
    spill: Spill<'_>,
    quiet: bool,
    write: &mut dyn FnMut(Vec<BundleFile>) -> Result<()>,
) -> Result<Manifest> {
    let bar = inputs::bar(plan.len(), quiet, "indexing");
    let mut builder = Builder::new(opts, layout);
    let mut memory_runs: Vec<Vec<u8>> = Vec::new();
    let mut run_files: Vec<PathBuf> = Vec::new();
    for batch in plan.chunks_mut(BATCH) {
        let analysed: Vec<Result<(Article, DocTerms)>> = batch
            .par_iter_mut()
            .map(|p| {
                let f = &files[p.file];
                let mut a = match p.article.take() {
                    Some(a) => a,
                    None => {
                        let a = inputs::read_one(f).map_err(|reason| {
                            anyhow::anyhow!(
                                "{}: {reason} (it changed during the build); nothing written",
                                f.path.display()
                            )
                        })?;
                        if ingest::fingerprint(&a) != p.fingerprint {
                            bail!(
                                "{}: changed while the site was being built; nothing written",
                                f.path.display()
                            );
                        }
                        a
                    }
                };
                a.slug = p.slug.clone();
                let terms = analyze(&a);
                bar.inc(1);
                Ok((a, terms))
            })
            .collect();
        let mut done = Vec::new();
        for item in analysed {
            let (article, terms) = item?;
            done.extend(builder.add(&article, &terms));
            if builder.pending_bytes() > run_bytes {
                let run = builder.spill();
                match spill {
                    Spill::Memory => memory_runs.push(run),
                    Spill::Files(dir) => {
                        let path = dir.join(format!("run-{:05}.bin", run_files.len()));
                        std::fs::write(&path, &run)
                            .with_context(|| format!("writing index run `{}`", path.display()))?;
                        run_files.push(path);
                    }
                }
            }
        }
        write(done)?;
    }
    bar.finish_and_clear();

    let mut sources: Vec<RunSource> = Vec::new();
    for run in &memory_runs {
        sources.push(Box::new(broadsheet_core::index::frames(run)));
    }
    for path in &run_files {
        let file = std::fs::File::open(path)
            .with_context(|| format!("reading index run `{}`", path.display()))?;
        sources.push(Box::new(FileFrames(BufReader::with_capacity(
            1 << 16,
            file,
        ))));
    }
    let spinner = inputs::bar(plan.len(), quiet, "writing the index");
    let mut pending = Vec::new();
    let mut failed: Option<anyhow::Error> = None;
    let manifest = builder.finish(sources, &mut |f| {
        pending.push(f);
        if pending.len() >= WRITE_BATCH && failed.is_none() {
            if let Err(e) = write(std::mem::take(&mut pending)) {
                failed = Some(e);
            }
            spinner.tick();
        }
    });
    spinner.finish_and_clear();
    if let Some(e) = failed {
        return Err(e);
    }
    let manifest = manifest.context("merging the index runs")?;
    write(pending)?;
    Ok(manifest)
}

/// The frames of a run file, read as they are needed.
struct FileFrames(BufReader<std::fs::File>);

impl Iterator for FileFrames {
    type Item = Result<RunEntry, BundleError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut len = [0u8; 4];
        match self.0.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
            Err(e) => return Some(Err(BundleError::Corrupt(format!("index run: {e}")))),
        }
        let mut frame = vec![0; u32::from_le_bytes(len) as usize];
        if let Err(e) = self.0.read_exact(&mut frame) {
            return Some(Err(BundleError::Corrupt(format!("index run: {e}"))));
        }
        Some(RunEntry::decode(&frame))
    }
}
