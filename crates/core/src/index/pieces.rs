//! Gathering shards and meta chunks into index files as they are written
//! (the format is in [`crate::bundle::index_file`]).
//!
//! Pieces are compressed in batches, by a [`Compress`] the caller chooses:
//! at the end of a build the merge of the postings makes every term shard
//! on one thread, and deflating them there was most of that phase (two
//! thirds of its samples at 100,000 articles). A batch lets the CLI spread
//! the deflating over its cores while the core stays free of threads. A
//! piece's place in its file is known once its batch is compressed, so
//! [`IndexFiles::put`] answers with the piece's number, and
//! [`IndexFiles::finish`] with every piece's span, by number.

use super::{named, BundleFile};
use crate::bundle::file::HEADER_LEN;
use crate::bundle::{index_file, FileKind, Span};

/// Compresses a batch of pieces, each on its own with
/// [`index_file::encode_piece`], and returns them in the same order.
pub type Compress = fn(Vec<Vec<u8>>) -> Vec<Vec<u8>>;

/// The [`Compress`] of a single thread: one piece after another.
pub fn compress_in_turn(pieces: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    pieces.iter().map(|p| index_file::encode_piece(p)).collect()
}

/// Raw bytes of pieces gathered before they are compressed as a batch:
/// dozens of term shards, enough for every core to have several; little
/// next to a build's memory.
const BATCH_BYTES: usize = 16 << 20;

/// The index file being filled, the names of those finished, and the
/// pieces waiting to be compressed.
pub(super) struct IndexFiles {
    /// Compressed bytes after which a file is closed.
    target: usize,
    compress: Compress,
    /// Raw bytes pending after which they are compressed.
    batch_bytes: usize,
    /// Pieces put but not compressed yet, in order, and their raw bytes.
    pending: Vec<Vec<u8>>,
    pending_bytes: usize,
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
    pub(super) fn new(target: usize, compress: Compress) -> IndexFiles {
        IndexFiles {
            target,
            compress,
            batch_bytes: BATCH_BYTES,
            pending: Vec::new(),
            pending_bytes: 0,
            spans: Vec::new(),
            current: index_file::start(),
            names: Vec::new(),
        }
    }

    /// Compresses pieces with `compress` from now on (the pending ones
    /// too: they are not compressed yet).
    pub(super) fn compress_with(&mut self, compress: Compress) {
        self.compress = compress;
    }

    /// Takes a piece (a whole shard or chunk file) to compress into the
    /// file being filled. Returns the piece's number and the files that
    /// filled up meanwhile: to be written now, so that memory holds a batch
    /// and about one index file.
    pub(super) fn put(&mut self, piece: Vec<u8>) -> (u32, Vec<BundleFile>) {
        let number = u32::try_from(self.spans.len() + self.pending.len())
            .expect("fewer than 4 billion pieces");
        self.pending_bytes += piece.len();
        self.pending.push(piece);
        let done = match self.pending_bytes >= self.batch_bytes {
            true => self.compress_pending(),
            false => Vec::new(),
        };
        (number, done)
    }

    /// Compresses the pending pieces and lays them end to end; returns the
    /// files that filled up.
    fn compress_pending(&mut self) -> Vec<BundleFile> {
        let batch = std::mem::take(&mut self.pending);
        let count = batch.len();
        self.pending_bytes = 0;
        let compressed = (self.compress)(batch);
        assert_eq!(compressed.len(), count, "a Compress returns every piece");
        compressed
            .into_iter()
            .filter_map(|deflated| self.append(&deflated))
            .collect()
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
    fn fill(pieces: &[Vec<u8>], batch: usize, compress: Compress) -> (Vec<BundleFile>, Finished) {
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
    /// spreads a batch over its cores.
    fn compress_on_two_threads(mut pieces: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let back = pieces.split_off(pieces.len() / 2);
        std::thread::scope(|s| {
            let back = s.spawn(move || compress_in_turn(back));
            let mut out = compress_in_turn(pieces);
            out.extend(back.join().expect("no panic"));
            out
        })
    }

    #[test]
    fn pieces_fill_files_in_turn_and_spans_find_them() {
        let pieces: Vec<Vec<u8>> = (0..6).map(|i| noise(7 + i, 30 + i as usize)).collect();
        let (done, finished) = fill(&pieces, 1, compress_in_turn);
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
        let empty = IndexFiles::new(64, compress_in_turn).finish();
        assert_eq!(
            (empty.names, empty.spans, empty.files),
            (vec![], vec![], vec![])
        );
    }

    #[test]
    fn batches_and_threads_change_nothing_in_the_files() {
        let pieces: Vec<Vec<u8>> = (0..40).map(|i| noise(i, 10 + 3 * i as usize)).collect();
        let one_by_one = fill(&pieces, 1, compress_in_turn);
        for batch in [100, 700, usize::MAX] {
            for compress in [compress_in_turn as Compress, compress_on_two_threads] {
                assert_eq!(fill(&pieces, batch, compress), one_by_one, "batch {batch}");
            }
        }
    }

    #[test]
    fn pieces_wait_for_their_batch() {
        let mut files = IndexFiles::new(64, compress_in_turn);
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
