//! The manifest as stored: spans written as lengths alone.
//!
//! Pieces are laid out in one order, meta chunks, then term shards (with
//! tail shards among them, each just before its head's shard), then slug shards, then record tables (one per pack), each starting where the
//! one before ended, or right after the header of the next index file (see
//! [`super::index_file`]). So a
//! piece's file and offset follow from the lengths of those before it and
//! how many pieces each file holds, and the stored manifest keeps only
//! those: two or three bytes a piece instead of seven or eight, which
//! matters because every reader fetches the manifest first and a large
//! bundle lists thousands of pieces (at 100,000 articles, about 3,600
//! term shards and 1,000 meta chunks: 20.8 KB brotli, 36.3 KB with whole
//! spans).

use super::file::HEADER_LEN;
use super::{FacetCount, Manifest, ShardRef, Span};
use serde::{Deserialize, Serialize};

/// [`Manifest`] as postcard stores it (`bundle::encode`, `bundle::decode`
/// convert through this).
#[derive(Serialize, Deserialize)]
pub(super) struct Stored {
    generator: String,
    name: String,
    doc_count: u32,
    avg_title_len: f32,
    avg_body_len: f32,
    langs: Vec<FacetCount>,
    lang_names: Vec<(String, String)>,
    years: Vec<FacetCount>,
    publishers: Vec<FacetCount>,
    stem_langs: Vec<String>,
    /// Each index file's name and how many pieces it holds, in order.
    index_files: Vec<(String, u32)>,
    /// The compressed length of every piece, in the order they are laid
    /// out: meta chunks, term and tail shards, slug shards, record tables.
    piece_lens: Vec<u32>,
    /// The first key of each term shard, of each tail shard, then of each
    /// slug shard.
    term_keys: Vec<Vec<u8>>,
    tail_keys: Vec<Vec<u8>>,
    /// For each tail shard, how many term shards are laid out before it.
    tail_places: Vec<u32>,
    slug_keys: Vec<Vec<u8>>,
    meta_chunk_size: u32,
    meta_chunks: u32,
    pack_size: u32,
    first_pack: u32,
    packs: Vec<String>,
}

impl From<Manifest> for Stored {
    /// Assumes the pieces are laid out as the module docs say, which the
    /// builder does; decoding checks it did.
    fn from(m: Manifest) -> Stored {
        let mut held = vec![0u32; m.index_files.len()];
        let mut piece_lens = Vec::new();
        for (_, span) in m.pieces() {
            if let Some(n) = held.get_mut(span.file as usize) {
                *n += 1;
            }
            piece_lens.push(span.len);
        }
        let index_files = m.index_files.iter().cloned().zip(held).collect();
        let keys = |shards: &[ShardRef]| shards.iter().map(|s| s.first_key.clone()).collect();
        let tail_places = (m.tail_shards.iter())
            .map(|t| m.term_shards.partition_point(|s| s.at < t.at) as u32)
            .collect();
        Stored {
            index_files,
            piece_lens,
            term_keys: keys(&m.term_shards),
            tail_keys: keys(&m.tail_shards),
            tail_places,
            slug_keys: keys(&m.slug_shards),
            meta_chunks: m.meta_chunks.len() as u32,
            generator: m.generator,
            name: m.name,
            doc_count: m.doc_count,
            avg_title_len: m.avg_title_len,
            avg_body_len: m.avg_body_len,
            langs: m.langs,
            lang_names: m.lang_names,
            years: m.years,
            publishers: m.publishers,
            stem_langs: m.stem_langs,
            meta_chunk_size: m.meta_chunk_size,
            pack_size: m.pack_size,
            first_pack: m.first_pack,
            packs: m.packs,
        }
    }
}

impl TryFrom<Stored> for Manifest {
    type Error = String;

    fn try_from(s: Stored) -> Result<Manifest, String> {
        let count = s.meta_chunks as usize
            + s.term_keys.len()
            + s.tail_keys.len()
            + s.slug_keys.len()
            + s.packs.len();
        let places_ascend = s.tail_places.is_sorted()
            && s.tail_places
                .last()
                .is_none_or(|&p| p as usize <= s.term_keys.len());
        if s.tail_places.len() != s.tail_keys.len() || !places_ascend {
            return Err("manifest: tail shards out of place".into());
        }
        let held: u64 = s.index_files.iter().map(|(_, n)| u64::from(*n)).sum();
        if s.piece_lens.len() != count || held != count as u64 {
            return Err(format!(
                "manifest: {} piece lengths and {held} pieces in index files for {count} pieces",
                s.piece_lens.len()
            ));
        }
        // Walk the files: each piece starts where the last one ended.
        let mut spans = Vec::with_capacity(count);
        let mut files = s.index_files.iter().map(|(_, n)| *n).enumerate();
        let (mut file, mut left, mut at) = (0, 0, 0u64);
        for &len in &s.piece_lens {
            while left == 0 {
                // Cannot run out: the counts add up to the pieces.
                let Some((i, n)) = files.next() else {
                    return Err("manifest: pieces beyond the index files".into());
                };
                (file, left, at) = (i as u32, n, HEADER_LEN as u64);
            }
            spans.push(Span {
                file,
                start: at,
                len,
            });
            at += u64::from(len);
            left -= 1;
        }
        let mut spans = spans.into_iter();
        let meta_chunks = spans.by_ref().take(s.meta_chunks as usize).collect();
        // Term shards, with the tail shards among them at their places.
        let (mut term_shards, mut tail_shards) = (Vec::new(), Vec::new());
        let mut tail_keys = s.tail_keys.into_iter().zip(s.tail_places).peekable();
        let mut term_keys = s.term_keys.into_iter();
        loop {
            let placed = term_shards.len() as u32;
            let (first_key, list) = match tail_keys.next_if(|(_, p)| *p == placed) {
                Some((key, _)) => (key, &mut tail_shards),
                None => match term_keys.next() {
                    Some(key) => (key, &mut term_shards),
                    None => break,
                },
            };
            // Cannot run out: the lengths were counted above.
            let at = spans.next().ok_or("manifest: too few pieces")?;
            list.push(ShardRef { first_key, at });
        }
        let mut shards = |keys: Vec<Vec<u8>>| -> Vec<ShardRef> {
            keys.into_iter()
                .zip(spans.by_ref())
                .map(|(first_key, at)| ShardRef { first_key, at })
                .collect()
        };
        let slug_shards = shards(s.slug_keys);
        let record_tables = spans.collect();
        Ok(Manifest {
            generator: s.generator,
            name: s.name,
            doc_count: s.doc_count,
            avg_title_len: s.avg_title_len,
            avg_body_len: s.avg_body_len,
            langs: s.langs,
            lang_names: s.lang_names,
            years: s.years,
            publishers: s.publishers,
            stem_langs: s.stem_langs,
            index_files: s.index_files.into_iter().map(|(name, _)| name).collect(),
            term_shards,
            tail_shards,
            slug_shards,
            meta_chunk_size: s.meta_chunk_size,
            meta_chunks,
            pack_size: s.pack_size,
            first_pack: s.first_pack,
            packs: s.packs,
            record_tables,
        })
    }
}

/// A stored manifest of one meta chunk, one term shard, one slug shard and
/// one pack's record table (those pieces' lengths, and how many pieces the
/// one index file holds), for tests.
#[cfg(test)]
pub(super) fn test_stored(piece_lens: Vec<u32>, held: u32) -> Stored {
    Stored {
        generator: String::new(),
        name: String::new(),
        doc_count: 1,
        avg_title_len: 0.0,
        avg_body_len: 0.0,
        langs: Vec::new(),
        lang_names: Vec::new(),
        years: Vec::new(),
        publishers: Vec::new(),
        stem_langs: Vec::new(),
        index_files: vec![("index-0.bin".into(), held)],
        piece_lens,
        term_keys: vec![Vec::new()],
        tail_keys: Vec::new(),
        tail_places: Vec::new(),
        slug_keys: vec![Vec::new()],
        meta_chunk_size: 1,
        meta_chunks: 1,
        pack_size: 1,
        first_pack: 1,
        packs: vec!["pack-0.bin".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{decode, encode, FileKind};
    use crate::index::{build, BuildOptions};
    use crate::ingest::parse_text;

    /// A bundle of several index files, its manifest stored and read back.
    #[test]
    fn spans_are_worked_out_again_from_lengths() {
        let articles: Vec<_> = (0..40)
            .map(|i| {
                let text = format!("Titel {i}\n\nDer Text Nummer {i} über Wörter und Sätze {i}.");
                parse_text(&text, &format!("{i:03}.txt")).unwrap()
            })
            .collect();
        let opts = BuildOptions {
            term_shard_bytes: 64,
            slug_shard_len: 8,
            meta_chunk_size: 4,
            index_file_bytes: 512,
            // Words in every article split, their tails among the shards.
            split_docs: 8,
            head_docs: 4,
            ..BuildOptions::default()
        };
        let bundle = build(&crate::index::order(articles), &opts);
        let m = &bundle.manifest;
        assert!(
            m.tail_shards.len() > 2,
            "{} tail shards",
            m.tail_shards.len()
        );
        let places = Stored::from(m.clone()).tail_places;
        assert!(
            places.windows(2).any(|w| w[0] < w[1]) && places[0] > 0,
            "tails among the term shards: {places:?}"
        );
        let mut misplaced = Stored::from(m.clone());
        misplaced.tail_places.reverse();
        assert!(Manifest::try_from(misplaced).is_err());
        assert!(
            m.index_files.len() > 2,
            "{} index files",
            m.index_files.len()
        );
        assert!(m.term_shards.len() > 2 && m.slug_shards.len() > 2);
        let stored = encode(FileKind::Manifest, m);
        assert_eq!(&decode::<Manifest>(FileKind::Manifest, &stored).unwrap(), m);
    }

    #[test]
    fn lengths_that_do_not_add_up_are_refused() {
        let m = Manifest::try_from(test_stored(vec![10, 20, 30, 40], 4)).unwrap();
        let starts: Vec<u64> = m.spans().map(|s| s.start).collect();
        // Term shard, slug shard, meta chunk, record table, as `spans`
        // lists them.
        assert_eq!(starts, [17, 37, 7, 67]);
        assert_eq!(m.record_tables.len(), 1);
        assert!(Manifest::try_from(test_stored(vec![10, 20, 30], 4)).is_err());
        assert!(Manifest::try_from(test_stored(vec![10, 20, 30, 40], 3)).is_err());
        assert!(Manifest::try_from(test_stored(vec![10, 20, 30, 40, 50], 5)).is_err());
    }
}
