//! Term and slug shards: `fst` maps split by key range.

use crate::bundle::{file, BundleError, FileKind, ShardRef, Span, TermEntry};
use fst::{Map, MapBuilder};

/// A decoded term shard: the `fst` dictionary (term → offset) and the
/// postings it points into. Entries are decoded lazily, per looked-up term.
pub struct TermShard {
    pub map: Map<Vec<u8>>,
    pub postings: Vec<u8>,
}

impl TermShard {
    /// Decodes the entry stored at `offset`.
    pub fn entry(&self, offset: u64, doc_count: u32) -> Result<TermEntry, BundleError> {
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|o| self.postings.get(o..))
            .ok_or_else(|| {
                BundleError::Corrupt(format!("postings offset {offset} out of range"))
            })?;
        TermEntry::decode(bytes, doc_count).map_err(BundleError::Corrupt)
    }
}

fn fst_error(e: fst::Error) -> BundleError {
    BundleError::Corrupt(format!("fst: {e}"))
}

/// Layout: header, fst length (u32 LE), postings length (u32 LE), fst
/// bytes, postings bytes. The fst carries its own checksum; the postings
/// length catches a shard cut short (or grown) even where the entries a
/// query reads are intact, so a damaged upload is reported at once.
pub fn decode_term_shard(bytes: &[u8]) -> Result<TermShard, BundleError> {
    let payload = file::payload_of(FileKind::Terms, bytes)?;
    let fst_len = file::leading_u32(FileKind::Terms, payload)? as usize;
    let postings_len = file::leading_u32(FileKind::Terms, payload.get(4..).unwrap_or(&[]))?;
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

/// Writes term shards from `(key, encoded entry)` pairs in key order,
/// closing a shard once its postings pass `target_bytes`; each finished
/// shard goes to `put` at once (which numbers it), so shards never pile up
/// in memory.
pub(super) fn write_term_shards<E>(
    entries: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), E>>,
    target_bytes: usize,
    put: &mut dyn FnMut(Vec<u8>) -> u32,
) -> Result<Vec<Placed>, E> {
    let mut shards = Vec::new();
    let mut builder = MapBuilder::memory();
    let mut postings = Vec::new();
    let mut first: Option<Vec<u8>> = None;
    let mut flush = |builder: MapBuilder<Vec<u8>>, postings: &mut Vec<u8>, first: Vec<u8>| {
        let fst = builder.into_inner().expect("in-memory fst cannot fail");
        let mut bytes = file::header(FileKind::Terms);
        bytes.extend_from_slice(&(fst.len() as u32).to_le_bytes());
        let postings_len = u32::try_from(postings.len()).expect("a shard stays under 4 GB");
        bytes.extend_from_slice(&postings_len.to_le_bytes());
        bytes.extend_from_slice(&fst);
        bytes.append(postings);
        shards.push(Placed {
            // The first shard covers every key below the second's first key.
            first_key: if shards.is_empty() { Vec::new() } else { first },
            piece: put(bytes),
        });
    };
    for entry in entries {
        let (key, encoded) = entry?;
        if postings.len() >= target_bytes {
            let done = std::mem::replace(&mut builder, MapBuilder::memory());
            flush(done, &mut postings, first.take().unwrap_or_default());
        }
        if first.is_none() {
            first = Some(key.clone());
        }
        builder
            .insert(&key, postings.len() as u64)
            .expect("keys arrive sorted and unique");
        postings.extend_from_slice(&encoded);
    }
    flush(builder, &mut postings, first.unwrap_or_default());
    Ok(shards)
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
