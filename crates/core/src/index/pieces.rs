//! Gathering shards and meta chunks into index files as they are written
//! (the format is in [`crate::bundle::index_file`]).

use super::{named, BundleFile};
use crate::bundle::file::HEADER_LEN;
use crate::bundle::{index_file, FileKind, Span};

/// The index file being filled, and the names of those finished.
pub(super) struct IndexFiles {
    /// Compressed bytes after which a file is closed.
    target: usize,
    current: Vec<u8>,
    names: Vec<String>,
}

impl IndexFiles {
    pub(super) fn new(target: usize) -> IndexFiles {
        IndexFiles {
            target,
            current: index_file::start(),
            names: Vec::new(),
        }
    }

    /// Compresses a piece (a whole shard or chunk file) into the file being
    /// filled. Returns where it is and, if that file had no room left for
    /// it, the file, finished: to be written now, so that memory holds one
    /// index file at most.
    pub(super) fn put(&mut self, piece: &[u8]) -> (Span, Option<BundleFile>) {
        let deflated = index_file::encode_piece(piece);
        let empty = self.current.len() == HEADER_LEN;
        let done = match !empty && self.current.len() + deflated.len() > self.target {
            true => Some(self.close()),
            false => None,
        };
        let span = Span {
            file: self.names.len() as u32,
            start: self.current.len() as u64,
            len: u32::try_from(deflated.len()).expect("a piece stays under 4 GB"),
        };
        self.current.extend_from_slice(&deflated);
        (span, done)
    }

    fn close(&mut self) -> BundleFile {
        let bytes = std::mem::replace(&mut self.current, index_file::start());
        let file = named(FileKind::Index, bytes);
        self.names.push(file.name.clone());
        file
    }

    /// The names of every index file, in the order spans number them, and
    /// the last one, if it holds anything.
    pub(super) fn finish(mut self) -> (Vec<String>, Option<BundleFile>) {
        let last = (self.current.len() > HEADER_LEN).then(|| self.close());
        (self.names, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_fill_files_in_turn_and_spans_find_them() {
        let mut files = IndexFiles::new(64);
        // Bytes that do not compress (a linear congruential sequence).
        let mut x = 7u32;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (x >> 16) as u8
                })
                .collect()
        };
        let pieces: Vec<Vec<u8>> = (0..6).map(|i| noise(30 + i)).collect();
        let mut done = Vec::new();
        let mut spans = Vec::new();
        for p in &pieces {
            let (span, file) = files.put(p);
            spans.push(span);
            done.extend(file);
        }
        let (names, last) = files.finish();
        done.extend(last);
        assert!(done.len() > 1, "small files: more than one");
        assert_eq!(
            names,
            done.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
        );
        for (span, piece) in spans.iter().zip(&pieces) {
            let file = &done[span.file as usize];
            let bytes = index_file::slice(&file.bytes, *span).unwrap();
            assert_eq!(&index_file::inflate(bytes).unwrap(), piece);
        }
        // Nothing written: no file at all.
        assert_eq!(IndexFiles::new(64).finish(), (Vec::new(), None));
    }
}
