//! Term and slug shards: `fst` maps split by key range.

use super::runs::EncodedEntry;
use crate::bundle::postings::HEAD_FLAG;
use crate::bundle::{file, BundleError, FileKind, ShardRef, Span, TermEntry};
use fst::{Map, MapBuilder};

/// A decoded term shard: the `fst` dictionary (term → offset) and the
/// postings it points into. Entries are decoded lazily, per looked-up term.
pub struct TermShard {
    pub map: Map<Vec<u8>>,
    pub postings: Vec<u8>,
}

impl TermShard {
    /// Decodes the entry stored at `offset` (a head's if the offset
    /// carries [`HEAD_FLAG`]).
    pub fn entry(&self, offset: u64, doc_count: u32) -> Result<TermEntry, BundleError> {
        let head = offset & HEAD_FLAG != 0;
        let offset = offset & !HEAD_FLAG;
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|o| self.postings.get(o..))
            .ok_or_else(|| {
                BundleError::Corrupt(format!("postings offset {offset} out of range"))
            })?;
        match head {
            true => TermEntry::decode_head(bytes, doc_count),
            false => TermEntry::decode(bytes, doc_count),
        }
        .map_err(BundleError::Corrupt)
    }
}

fn fst_error(e: fst::Error) -> BundleError {
    BundleError::Corrupt(format!("fst: {e}"))
}

/// Layout: header, fst length (u32 LE), postings length (u32 LE), fst
/// bytes, postings bytes. The fst carries its own checksum; the postings
/// length catches a shard cut short (or grown) even where the entries a
/// query reads are intact, so a damaged upload is reported at once. A tail
/// shard (`kind` [`FileKind::Tails`]) is laid out the same.
pub fn decode_term_shard(kind: FileKind, bytes: &[u8]) -> Result<TermShard, BundleError> {
    let payload = file::payload_of(kind, bytes)?;
    let fst_len = file::leading_u32(kind, payload)? as usize;
    let postings_len = file::leading_u32(kind, payload.get(4..).unwrap_or(&[]))?;
    let body = &payload[8..];
    if body.len() as u64 != fst_len as u64 + u64::from(postings_len) {
        return Err(BundleError::Corrupt(format!(
            "term shard holds {} bytes after its lengths, not {fst_len} + {postings_len}",
            body.len()
        )));
    }
    let map = checked(body[..fst_len].to_vec())?;
    Ok(TermShard {
        map,
        postings: body[fst_len..].to_vec(),
    })
}

/// Layout: header, fst bytes (slug → document number).
pub fn decode_slug_shard(bytes: &[u8]) -> Result<Map<Vec<u8>>, BundleError> {
    checked(file::payload_of(FileKind::Slugs, bytes)?.to_vec())
}

/// Opens an fst and verifies its checksum. `Map::new` checks only the
/// header and footer, and walking a damaged automaton can panic, so every
/// byte is checked before the map is used.
fn checked(bytes: Vec<u8>) -> Result<Map<Vec<u8>>, BundleError> {
    verify(&bytes)?;
    Map::new(bytes).map_err(fst_error)
}

/// Checks an fst's own checksum: its last four bytes (little-endian) are
/// the CRC-32C of all the bytes before them, "masked" as in the Snappy
/// frame format. `Fst::verify` checks the same with sixteen 1 KB tables,
/// which every reader would download in the wasm; one table (the `crc`
/// crate's `Table<1>`) is 16 KB smaller and fast enough for the shards a
/// query fetches.
fn verify(bytes: &[u8]) -> Result<(), BundleError> {
    const CRC32C: crc::Crc<u32, crc::Table<1>> =
        crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISCSI);
    let Some((data, stored)) = bytes.split_last_chunk::<4>() else {
        return Err(BundleError::Corrupt("fst: truncated".into()));
    };
    let sum = CRC32C.checksum(data);
    let masked = sum.rotate_right(15).wrapping_add(0xA282_EAD8);
    if masked != u32::from_le_bytes(*stored) {
        return Err(BundleError::Corrupt("fst: checksum mismatch".into()));
    }
    Ok(())
}

/// A shard as written: its first key, and the number of its piece (see
/// [`super::pieces::IndexFiles::put`]), which says where it is once its
/// batch is compressed.
#[derive(Debug)]
pub(super) struct Placed {
    first_key: Vec<u8>,
    piece: u32,
}

impl Placed {
    /// The shard's reference, given every piece's span by number.
    pub(super) fn at(self, spans: &[Span]) -> ShardRef {
        ShardRef {
            first_key: self.first_key,
            at: spans[self.piece as usize],
        }
    }
}

/// One sequence of term shards (or tail shards) being written: keys in
/// order, a shard closed once its entries pass the target (a head counted
/// with its tail), each finished
/// shard handed to `put` at once (which numbers it), so that shards never
/// pile up in memory.
struct ShardWriter {
    kind: FileKind,
    target_bytes: usize,
    builder: MapBuilder<Vec<u8>>,
    postings: Vec<u8>,
    /// The postings' bytes with their tails': what closes a shard.
    weight: usize,
    first: Option<Vec<u8>>,
    shards: Vec<Placed>,
}

impl ShardWriter {
    fn new(kind: FileKind, target_bytes: usize) -> ShardWriter {
        ShardWriter {
            kind,
            target_bytes,
            builder: MapBuilder::memory(),
            postings: Vec::new(),
            weight: 0,
            first: None,
            shards: Vec::new(),
        }
    }

    /// Adds `key`'s entry (`flags` or'ed into its offset in the map),
    /// counted as `weight` bytes toward the target.
    fn push(
        &mut self,
        key: &[u8],
        entry: &[u8],
        (flags, weight): (u64, usize),
        put: &mut dyn FnMut(Vec<u8>) -> u32,
    ) {
        if self.first.is_some() && self.weight >= self.target_bytes {
            self.flush(put);
        }
        self.weight += weight;
        if self.first.is_none() {
            self.first = Some(key.to_vec());
        }
        self.builder
            .insert(key, self.postings.len() as u64 | flags)
            .expect("keys arrive sorted and unique");
        self.postings.extend_from_slice(entry);
    }

    fn flush(&mut self, put: &mut dyn FnMut(Vec<u8>) -> u32) {
        let builder = std::mem::replace(&mut self.builder, MapBuilder::memory());
        let fst = builder.into_inner().expect("in-memory fst cannot fail");
        let mut bytes = file::header(self.kind);
        bytes.extend_from_slice(&(fst.len() as u32).to_le_bytes());
        let postings_len = u32::try_from(self.postings.len()).expect("a shard stays under 4 GB");
        bytes.extend_from_slice(&postings_len.to_le_bytes());
        bytes.extend_from_slice(&fst);
        bytes.append(&mut self.postings);
        self.weight = 0;
        let first = self.first.take().unwrap_or_default();
        self.shards.push(Placed {
            // The first shard covers every key below the second's first key.
            // (A tail shard keeps its first key: a reader knows a word's
            // tail is there when it is that key.)
            first_key: if self.shards.is_empty() && self.kind == FileKind::Terms {
                Vec::new()
            } else {
                first
            },
            piece: put(bytes),
        });
    }

    /// Closes the last shard (of a term writer, even with no key: a
    /// bundle has at least one term shard); returns every shard.
    fn finish(mut self, put: &mut dyn FnMut(Vec<u8>) -> u32) -> Vec<Placed> {
        if self.kind == FileKind::Terms || self.first.is_some() {
            self.flush(put);
        }
        self.shards
    }
}

/// Writes term shards from encoded entries in key order, closing a shard
/// once its postings pass `target_bytes`, and a tail shard for each tail
/// of a split entry (see [`crate::bundle::postings`]): a tail is large, a
/// query needing it fetches no other, and a reader knows a word's tail
/// shard from the manifest (its first key is the word), so a query can
/// ask for it with the word's term shard. A head's offset in its shard's
/// map carries [`HEAD_FLAG`]. Tail shards are laid out among the term
/// shards, as they are written: returns (term shards, tail shards).
pub(super) fn write_term_shards<E>(
    entries: impl Iterator<Item = Result<EncodedEntry, E>>,
    target_bytes: usize,
    put: &mut dyn FnMut(Vec<u8>) -> u32,
) -> Result<(Vec<Placed>, Vec<Placed>), E> {
    let mut terms = ShardWriter::new(FileKind::Terms, target_bytes);
    let mut tails = ShardWriter::new(FileKind::Tails, 0);
    for entry in entries {
        let e = entry?;
        // A head counts toward its shard with its tail, so that a shard
        // holds the neighbours it held whole: a word's shard is its head's
        // and theirs, not a fuller shard of more words.
        let tail_len = e.tail.as_ref().map_or(0, Vec::len);
        let flags = if e.tail.is_some() { HEAD_FLAG } else { 0 };
        terms.push(&e.key, &e.entry, (flags, e.entry.len() + tail_len), put);
        if let Some(tail) = &e.tail {
            // At once: the tails of a term shard's heads are laid out just
            // before it, so that a query needing them and the shard asks
            // for one range.
            tails.push(&e.key, tail, (0, tail.len()), put);
            tails.flush(put);
        }
    }
    Ok((terms.finish(put), tails.finish(put)))
}

/// Writes slug shards of at most `per_shard` slugs from (slug, document)
/// pairs (unique slugs).
pub(super) fn write_slug_shards(
    mut slugs: Vec<(String, u32)>,
    per_shard: usize,
    put: &mut dyn FnMut(Vec<u8>) -> u32,
) -> Vec<Placed> {
    slugs.sort();
    slugs.dedup_by(|a, b| a.0 == b.0);
    let mut shards = Vec::new();
    let chunks: Vec<&[(String, u32)]> = if slugs.is_empty() {
        vec![&[]]
    } else {
        slugs.chunks(per_shard.max(1)).collect()
    };
    for chunk in chunks {
        let map = Map::from_iter(chunk.iter().map(|(s, d)| (s.as_str(), u64::from(*d))))
            .expect("slugs arrive sorted and unique");
        let mut bytes = file::header(FileKind::Slugs);
        bytes.extend_from_slice(map.as_fst().as_bytes());
        shards.push(Placed {
            first_key: if shards.is_empty() {
                Vec::new()
            } else {
                chunk[0].0.as_bytes().to_vec()
            },
            piece: put(bytes),
        });
    }
    shards
}

#[cfg(test)]
mod tests {
    use super::verify;
    use fst::Map;
    use proptest::prelude::*;

    fn map_bytes(keys: &[String]) -> Vec<u8> {
        let mut keys: Vec<&String> = keys.iter().collect();
        keys.sort();
        keys.dedup();
        Map::from_iter(keys.into_iter().enumerate().map(|(i, k)| (k, i as u64)))
            .unwrap()
            .into_fst()
            .into_inner()
    }

    proptest! {
        /// The one-table checksum accepts exactly what fst's own
        /// `verify` accepts, intact or with a byte changed anywhere.
        #[test]
        fn agrees_with_fst_verify(
            keys in proptest::collection::vec("[a-zà-ỹ]{1,12}", 1..60),
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let mut bytes = map_bytes(&keys);
            prop_assert!(verify(&bytes).is_ok());
            let i = at.index(bytes.len());
            bytes[i] ^= flip;
            let ours = verify(&bytes).is_ok();
            let theirs = fst::raw::Fst::new(bytes).is_ok_and(|f| f.verify().is_ok());
            prop_assert!(!ours);
            prop_assert_eq!(ours, theirs);
        }
    }
}
