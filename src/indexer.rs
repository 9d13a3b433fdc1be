//! The second pass of a build: articles in document order, parsed again,
//! analysed and compressed in parallel batches, fed to the core's streaming
//! [`Builder`] (which takes one batch while the next is prepared). Postings beyond a memory budget are spilled as sorted runs
//! into temporary files and merged at the end, so a build's memory is
//! bounded by the budget and a batch of articles, not by the corpus.

use crate::inputs::{self, InputFile};
use anyhow::{bail, Context, Result};
use broadsheet_core::bundle::{index_file, Manifest};
use broadsheet_core::index::{
    prepare_with, BuildOptions, Builder, BundleFile, Compress, Encode, Encoded, Frames, Layout,
    Merged, Prepared, RunSource, Words,
};
use broadsheet_core::ingest::{Encoding, Language};
use broadsheet_core::Article;
use rayon::prelude::*;
use std::cell::RefCell;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

/// Articles parsed and analysed at a time: some dozens per thread, enough
/// to keep every core busy, few enough that their text is a small part of
/// memory. No more: the builder adds each batch on one thread while the
/// next is prepared, so the last one is added with the other cores idle
/// (512 articles at a time left one core idle for 30 ms of a 1,000-article
/// build's 230).
fn batch_len() -> usize {
    (rayon::current_num_threads() * 32).clamp(64, 512)
}

/// Bytes of finished files waiting to be compressed and written before the
/// indexer waits for them (and helps): keeps memory bounded when writing is
/// slower than indexing.
const MAX_IN_FLIGHT: usize = 64 << 20;

thread_local! {
    /// Each worker's memo of words' index forms: analysing a word again is
    /// a lookup (see [`Words`]).
    static WORDS: RefCell<Words> = RefCell::default();
}

/// One article in document order.
pub struct Planned {
    /// Index into the input files.
    pub file: usize,
    pub slug: String,
    pub fingerprint: [u8; 16],
    /// Its language, as the first pass found it: not detected again.
    pub lang: Box<str>,
    /// The article, if the first pass kept it.
    pub article: Option<Article>,
}

/// Where runs go: memory, or files in a folder (removed by the caller).
pub enum Spill<'a> {
    Memory,
    Files(&'a Path),
}

/// What the second pass indexes, and how.
pub struct Job<'a> {
    pub files: &'a [InputFile],
    /// The articles, in document order.
    pub plan: Vec<Planned>,
    /// What files that are not UTF-8 are in (`--encoding`).
    pub legacy: Option<&'static Encoding>,
    pub layout: Layout,
    pub opts: BuildOptions,
    /// Bytes of postings held in memory before they are spilled as a run.
    pub run_bytes: usize,
    /// No progress bar.
    pub quiet: bool,
}

/// Builds the bundle of `job`, handing every finished file to `write`,
/// which is called from several threads at once: files are compressed and
/// written while indexing goes on.
pub fn index(
    job: Job<'_>,
    spill: Spill<'_>,
    write: &(dyn Fn(BundleFile) -> Result<()> + Sync),
) -> Result<Manifest> {
    let Job {
        files,
        mut plan,
        legacy,
        layout,
        opts,
        run_bytes,
        quiet,
    } = job;
    let sink = Sink {
        write,
        in_flight: AtomicUsize::new(0),
        error: Mutex::new(None),
    };
    let result = rayon::scope(|scope| -> Result<Manifest> {
        let bar = inputs::bar(plan.len(), quiet, "indexing");
        let mut builder = Builder::new(opts, layout)
            .compress_with(Box::<Background>::default())
            .encode_with(Box::<OnAllCores>::default());
        let mut spilled = Spilled {
            to: spill,
            in_memory: Vec::new(),
            files: Vec::new(),
        };
        let prepare_batch = |batch: &mut [Planned]| -> Result<Vec<Prepared>> {
            batch
                .par_iter_mut()
                .map(|p| {
                    let article = take_article(files, p, legacy)?;
                    let doc = WORDS.with_borrow_mut(|words| prepare_with(article, words));
                    bar.inc(1);
                    Ok(doc)
                })
                .collect()
        };
        // The builder numbers documents in order, on one thread; meanwhile
        // the next batch is parsed, analysed and compressed on the others.
        let mut batches = plan.chunks_mut(batch_len());
        let mut ready = batches.next().map(prepare_batch).transpose()?;
        while let Some(docs) = ready.take() {
            let next = batches.next();
            let (added, prepared) = rayon::join(
                || -> Result<()> {
                    for doc in docs {
                        for file in builder.add(doc) {
                            sink.send(scope, file);
                        }
                        if builder.pending_bytes() > run_bytes {
                            spilled.push(builder.spill())?;
                        }
                    }
                    Ok(())
                },
                || next.map(prepare_batch).transpose(),
            );
            added?;
            sink.check()?;
            ready = prepared?;
        }
        bar.finish_and_clear();

        let sources = spilled.sources()?;
        let spinner = inputs::bar(plan.len(), quiet, "writing the index");
        let manifest = builder.finish(sources, &mut |f| {
            sink.send(scope, f);
            spinner.tick();
        });
        spinner.finish_and_clear();
        manifest.context("merging the index runs")
    });
    // Every spawned write has finished here (the scope waits for them).
    sink.check()?;
    result
}

/// The sorted runs spilled so far, where `to` says.
struct Spilled<'a> {
    to: Spill<'a>,
    in_memory: Vec<Vec<u8>>,
    files: Vec<PathBuf>,
}

impl Spilled<'_> {
    fn push(&mut self, run: Vec<u8>) -> Result<()> {
        match self.to {
            Spill::Memory => self.in_memory.push(run),
            Spill::Files(dir) => {
                let path = dir.join(format!("run-{:05}.bin", self.files.len()));
                std::fs::write(&path, &run)
                    .with_context(|| format!("writing index run `{}`", path.display()))?;
                self.files.push(path);
            }
        }
        Ok(())
    }

    /// Every run, in the order spilled, for the builder to merge.
    fn sources(&self) -> Result<Vec<RunSource<'_>>> {
        let mut sources: Vec<RunSource> = Vec::new();
        for run in &self.in_memory {
            sources.push(Box::new(Frames::new(&run[..])));
        }
        for path in &self.files {
            let file = std::fs::File::open(path)
                .with_context(|| format!("reading index run `{}`", path.display()))?;
            sources.push(Box::new(Frames::new(BufReader::with_capacity(
                1 << 16,
                file,
            ))));
        }
        Ok(sources)
    }
}

/// One batch of work at a time on the thread pool, kept until the next is
/// handed in: the caller goes on meanwhile.
struct Held<T>(Option<mpsc::Receiver<T>>);

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held(None)
    }
}

impl<T: Send + 'static> Held<T> {
    /// Starts `work` in the pool; returns the batch held before it, done.
    fn start(&mut self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let done = self.wait();
        let (tx, rx) = mpsc::channel();
        rayon::spawn(move || {
            // Received unless the build failed meanwhile, and then
            // nothing is waiting for it.
            let _ = tx.send(work());
        });
        self.0 = Some(rx);
        done
    }

    /// Waits for the batch held, helping with it (or with other work of the
    /// thread pool, such as writing files) rather than blocking: the merge
    /// runs on a worker of the pool, which may be the only one.
    fn wait(&mut self) -> Option<T> {
        let held = self.0.take()?;
        loop {
            match held.try_recv() {
                Ok(batch) => return Some(batch),
                Err(mpsc::TryRecvError::Disconnected) => {
                    unreachable!("a panic in the thread pool aborts the build")
                }
                Err(mpsc::TryRecvError::Empty) => {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        std::thread::yield_now();
                    }
                }
            }
        }
    }
}

/// Deflates batches of index pieces on every core, in the background: at
/// the end of a build the merge makes term shards on one thread, and
/// deflating them there was most of that phase. One batch is compressed
/// while the merge makes the next (holding more would only hold memory:
/// the merge is the slower).
#[derive(Default)]
struct Background(Held<Vec<Vec<u8>>>);

impl Compress for Background {
    fn submit(&mut self, batch: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>> {
        let work = move || {
            batch
                .par_iter()
                .map(|p| index_file::encode_piece(p))
                .collect()
        };
        self.0.start(work).into_iter().collect()
    }

    fn finish(&mut self) -> Vec<Vec<Vec<u8>>> {
        self.0.wait().into_iter().collect()
    }
}

/// Encodes each batch of merged term entries on every core, while the merge
/// makes the next and the shards take up the one before: encoding was most
/// of the merge at the end of a build, on one core while the others had
/// only the compression of earlier pieces to do, and then every core waited
/// for the shards of each batch.
#[derive(Default)]
struct OnAllCores(Held<Vec<Encoded>>);

impl Encode for OnAllCores {
    fn submit(&mut self, batch: Vec<Merged>) -> Vec<Vec<Encoded>> {
        let work = move || batch.into_par_iter().map(Merged::encode).collect();
        self.0.start(work).into_iter().collect()
    }

    fn finish(&mut self) -> Vec<Vec<Encoded>> {
        self.0.wait().into_iter().collect()
    }
}

/// Parses a planned article again (unless the first pass kept it) and
/// checks that its file did not change in between.
fn take_article(
    files: &[InputFile],
    p: &mut Planned,
    legacy: Option<&'static Encoding>,
) -> Result<Article> {
    let f = &files[p.file];
    let mut a = match p.article.take() {
        Some(a) => a,
        None => {
            let a = inputs::read_one(f, Language::Known(&p.lang), legacy).map_err(|reason| {
                anyhow::anyhow!(
                    "{}: {reason} (it changed during the build); nothing written",
                    f.path.display()
                )
            })?;
            if inputs::fingerprint(&a) != p.fingerprint {
                bail!(
                    "{}: changed while the site was being built; nothing written",
                    f.path.display()
                );
            }
            a
        }
    };
    a.slug = std::mem::take(&mut p.slug);
    Ok(a)
}

/// Finished files on their way to `write`, on other threads.
struct Sink<'a> {
    write: &'a (dyn Fn(BundleFile) -> Result<()> + Sync),
    in_flight: AtomicUsize,
    error: Mutex<Option<anyhow::Error>>,
}

impl<'a> Sink<'a> {
    fn send<'s>(&'s self, scope: &rayon::Scope<'s>, file: BundleFile)
    where
        'a: 's,
    {
        // Back-pressure: help with pending writes until there is room.
        while self.in_flight.load(Ordering::Acquire) > MAX_IN_FLIGHT {
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let len = file.bytes.len();
        self.in_flight.fetch_add(len, Ordering::AcqRel);
        scope.spawn(move |_| {
            if let Err(e) = (self.write)(file) {
                self.error
                    .lock()
                    .expect("no panics hold it")
                    .get_or_insert(e);
            }
            self.in_flight.fetch_sub(len, Ordering::AcqRel);
        });
    }

    /// The first write error, if any.
    fn check(&self) -> Result<()> {
        match self.error.lock().expect("no panics hold it").take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
