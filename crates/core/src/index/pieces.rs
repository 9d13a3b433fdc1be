//! Gathering shards and meta chunks into index files as they are written
//! (the format is in [`crate::bundle::index_file`]).
//!
//! Pieces are compressed in batches, by a [`Compress`] the caller chooses:
//! at the end of a build the merge of the postings makes every term shard
//! on one thread, and deflating them there was most of that phase (two
//! thirds of its samples at 100,000 articles). A batch lets the CLI spread
//! the deflating over its cores, and compress one batch while the merge
//! makes the next, while the core stays free of threads. A piece's place
//! in its file is known once its batch is compressed, so
//! [`IndexFiles::put`] answers with the piece's number, and
//! [`IndexFiles::finish`] with every piece's span, by number.

use super::{named, BundleFile};
use crate::bundle::file::HEADER_LEN;
use crate::bundle::{index_file, FileKind, Span};

/// Compresses batches of pieces, each piece on its own with
/// [`index_file::encode_piece`]. A compressor may keep a batch and work on
/// it in the background (the CLI's does, so that the merge goes on making
/// pieces meanwhile), but hands batches back whole and in the order it was
/// given them, each piece in its place.
pub trait Compress: Send {
    /// Takes a batch; returns the batches finished since the last call,
    /// oldest first.
    fn submit(&mut self, batch: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>>;

    /// Returns every batch not handed back yet, oldest first.
    fn finish(&mut self) -> Vec<Vec<Vec<u8>>>;
}

/// The [`Compress`] of a single thread: one piece after another, each
/// batch handed back at once.
pub struct InTurn;

impl Compress for InTurn {
    fn submit(&mut self, batch: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>> {
        vec![batch.iter().map(|p| index_file::encode_piece(p)).collect()]
    }

    fn finish(&mut self) -> Vec<Vec<Vec<u8>>> {
        Vec::new()
    }
}

/// Raw bytes of pieces gathered before they are compressed as a batch:
/// hundreds of term shards, enough for every core to have several; little
/// next to a build's memory. Small enough that batches are compressed
/// while the merge goes on, on the cores it leaves idle: what is pending
/// when the merge ends is compressed after it, with nothing to overlap
/// (16 MB held a 10,000-article build's whole index but a quarter, and
/// compressing it took 70 of the build's last 260 ms; 4 MB: 15 ms).
const BATCH_BYTES: usize = 4 << 20;

/// The index file being filled, the names of those finished, and the
/// pieces waiting to be compressed.
pub(super) struct IndexFiles {
    /// Compressed bytes after which a file is closed.
    target: usize,
    compress: Box<dyn Compress>,
    /// Raw bytes pending after which they are compressed.
    batch_bytes: usize,
    /// Pieces put but not compressed yet, in order, and their raw bytes.
    pending: Vec<Vec<u8>>,
    pending_bytes: usize,
    /// Pieces the compressor holds.
    submitted: usize,
    /// Where each compressed piece is, by number.
    spans: Vec<Span>,
    current: Vec<u8>,
    names: Vec<String>,
}

/// What [`IndexFiles::finish`] leaves.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Finished {
    /// Every index file's name, in the order spans number them.
    pub names: Vec<String>,
    /// Where each piece is, by the number [`IndexFiles::put`] gave it.
    pub spans: Vec<Span>,
    /// The files not handed out yet.
    pub files: Vec<BundleFile>,
}

impl IndexFiles {
    pub(super) fn new(target: usize, compress: Box<dyn Compress>) -> IndexFiles {
        IndexFiles {
            target,
            compress,
            batch_bytes: BATCH_BYTES,
            pending: Vec::new(),
            pending_bytes: 0,
            submitted: 0,
            spans: Vec::new(),
            current: index_file::start(),
            names: Vec::new(),
        }
    }

    /// Compresses pieces with `compress` from now on (the pending ones
    /// too: they are not compressed yet). The compressor before must hold
    /// no piece (the default, [`InTurn`], never does).
    pub(super) fn compress_with(&mut self, compress: Box<dyn Compress>) {
        assert_eq!(self.submitted, 0, "the compressor replaced holds no piece");
        self.compress = compress;
    }

    /// Takes a piece (a whole shard or chunk file) to compress into the
    /// file being filled. Returns the piece's number and the files that
    /// filled up meanwhile: to be written now, so that memory holds a batch
    /// and about one index file.
    pub(super) fn put(&mut self, piece: Vec<u8>) -> (u32, Vec<BundleFile>) {
        let number = u32::try_from(self.spans.len() + self.submitted + self.pending.len())
            .expect("fewer than 4 billion pieces");
        self.pending_bytes += piece.len();
        self.pending.push(piece);
        let done = match self.pending_bytes >= self.batch_bytes {
            true => self.compress_pending(),
            false => Vec::new(),
        };
        (number, done)
    }

    /// Hands the pending pieces to the compressor and lays out the batches
    /// it hands back; returns the files that filled up.
    fn compress_pending(&mut self) -> Vec<BundleFile> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let batch = std::mem::take(&mut self.pending);
        self.submitted += batch.len();
        self.pending_bytes = 0;
        let done = self.compress.submit(batch);
        self.append_batches(done)
    }

    /// Lays compressed batches end to end; returns the files that filled up.
    fn append_batches(&mut self, batches: Vec<Vec<Vec<u8>>>) -> Vec<BundleFile> {
        let mut files = Vec::new();
        for batch in batches {
            assert!(
                batch.len() <= self.submitted,
                "a Compress hands back only the pieces it was given"
            );
            self.submitted -= batch.len();
            files.extend(batch.iter().filter_map(|deflated| self.append(deflated)));
        }
        files
    }

    /// Appends a compressed piece to the file being filled (closing it
    /// first if the piece does not fit) and records its span.
    fn append(&mut self, deflated: &[u8]) -> Option<BundleFile> {
        let empty = self.current.len() == HEADER_LEN;
        let done = match !empty && self.current.len() + deflated.len() > self.target {
            true => Some(self.close()),
            false => None,
        };
        self.spans.push(Span {
            file: self.names.len() as u32,
            start: self.current.len() as u64,
            len: u32::try_from(deflated.len()).expect("a piece stays under 4 GB"),
        });
        self.current.extend_from_slice(deflated);
        done
    }

    fn close(&mut self) -> BundleFile {
        let bytes = std::mem::replace(&mut self.current, index_file::start());
        let file = named(FileKind::Index, bytes);
        self.names.push(file.name.clone());
        file
    }

    /// Compresses what is pending and closes the last file, if it holds
    /// anything.
    pub(super) fn finish(mut self) -> Finished {
        let mut files = self.compress_pending();
        let held = self.compress.finish();
        files.extend(self.append_batches(held));
        assert_eq!(self.submitted, 0, "a Compress hands back every piece");
        if self.current.len() > HEADER_LEN {
            files.push(self.close());
        }
        Finished {
            names: self.names,
            spans: self.spans,
            files,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that do not compress (a linear congruential sequence).
    fn noise(seed: u32, n: usize) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect()
    }

    /// Puts `pieces` into files of 64 bytes, compressing every `batch`
    /// bytes with `compress`; returns the files in the order handed out and
    /// what `finish` said.
    fn fill(
        pieces: &[Vec<u8>],
        batch: usize,
        compress: Box<dyn Compress>,
    ) -> (Vec<BundleFile>, Finished) {
        let mut files = IndexFiles::new(64, compress);
        files.batch_bytes = batch;
        let mut done = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            let (number, filled) = files.put(p.clone());
            assert_eq!(number as usize, i, "pieces are numbered in order");
            done.extend(filled);
        }
        let mut finished = files.finish();
        done.append(&mut finished.files);
        (done, finished)
    }

    /// Compresses the two halves of a batch on two threads, as the CLI
    /// spreads a batch over its cores, and hands each batch back only with
    /// the next one (or at the end), as the CLI's compresses one batch
    /// while the builder makes the next.
    #[derive(Default)]
    struct Late {
        held: Option<std::thread::JoinHandle<Vec<Vec<u8>>>>,
    }

    impl Late {
        fn take(&mut self) -> Vec<Vec<Vec<u8>>> {
            self.held
                .take()
                .map(|h| h.join().expect("no panic"))
                .into_iter()
                .collect()
        }
    }

    impl Compress for Late {
        fn submit(&mut self, mut batch: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>> {
            let done = self.take();
            self.held = Some(std::thread::spawn(move || {
                let back = batch.split_off(batch.len() / 2);
                let back = std::thread::spawn(move || InTurn.submit(back));
                let mut out = InTurn.submit(batch).remove(0);
                out.extend(back.join().expect("no panic").remove(0));
                out
            }));
            done
        }

        fn finish(&mut self) -> Vec<Vec<Vec<u8>>> {
            self.take()
        }
    }

    #[test]
    fn pieces_fill_files_in_turn_and_spans_find_them() {
        let pieces: Vec<Vec<u8>> = (0..6).map(|i| noise(7 + i, 30 + i as usize)).collect();
        let (done, finished) = fill(&pieces, 1, Box::new(InTurn));
        assert!(done.len() > 1, "small files: more than one");
        assert_eq!(
            finished.names,
            done.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
        );
        assert_eq!(finished.spans.len(), pieces.len());
        for (span, piece) in finished.spans.iter().zip(&pieces) {
            let file = &done[span.file as usize];
            let bytes = index_file::slice(&file.bytes, *span).unwrap();
            assert_eq!(&index_file::inflate(bytes).unwrap(), piece);
        }
        // Nothing written: no file at all.
        let empty = IndexFiles::new(64, Box::new(InTurn)).finish();
        assert_eq!(
            (empty.names, empty.spans, empty.files),
            (vec![], vec![], vec![])
        );
    }

    #[test]
    fn batches_and_threads_change_nothing_in_the_files() {
        let pieces: Vec<Vec<u8>> = (0..40).map(|i| noise(i, 10 + 3 * i as usize)).collect();
        let one_by_one = fill(&pieces, 1, Box::new(InTurn));
        for batch in [1, 100, 700, usize::MAX] {
            assert_eq!(
                fill(&pieces, batch, Box::new(InTurn)),
                one_by_one,
                "batch {batch}"
            );
            let late = fill(&pieces, batch, Box::<Late>::default());
            assert_eq!(late, one_by_one, "batch {batch}, handed back late");
        }
    }

    #[test]
    fn pieces_wait_for_their_batch() {
        let mut files = IndexFiles::new(64, Box::new(InTurn));
        files.batch_bytes = 100;
        // 3 × 40 bytes: the third fills the batch, and two files fill up.
        assert!(files.put(noise(1, 40)).1.is_empty());
        assert!(files.put(noise(2, 40)).1.is_empty());
        assert_eq!(files.put(noise(3, 40)).1.len(), 2);
        assert!(files.put(noise(4, 40)).1.is_empty());
        let finished = files.finish();
        assert_eq!((finished.spans.len(), finished.files.len()), (4, 2));
        assert_eq!(finished.names.len(), 4);
    }
}
