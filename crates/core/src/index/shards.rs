//! Term and slug shards: `fst` maps split by key range.

use super::{named, BundleFile};
use crate::bundle::{file, BundleError, FileKind, ShardRef, TermEntry};
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

/// Layout: header, fst length (u32 LE), fst bytes, postings bytes.
pub fn decode_term_shard(bytes: &[u8]) -> Result<TermShard, BundleError> {
    let (kind, payload) = file::split_header(bytes)?;
    if kind != FileKind::Terms {
        return Err(BundleError::WrongKind {
            found: kind as u8,
            expected: FileKind::Terms as u8,
        });
    }
    let len = payload
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| BundleError::Corrupt("term shard truncated".into()))?;
    let fst_bytes = payload
        .get(4..4 + len)
        .ok_or_else(|| BundleError::Corrupt("term shard dictionary truncated".into()))?;
    let map = checked(fst_bytes.to_vec())?;
    Ok(TermShard {
        map,
        postings: payload[4 + len..].to_vec(),
    })
}

/// Layout: header, fst bytes (slug → document number).
pub fn decode_slug_shard(bytes: &[u8]) -> Result<Map<Vec<u8>>, BundleError> {
    let (kind, payload) = file::split_header(bytes)?;
    if kind != FileKind::Slugs {
        return Err(BundleError::WrongKind {
            found: kind as u8,
            expected: FileKind::Slugs as u8,
        });
    }
    checked(payload.to_vec())
}

/// Opens an fst and verifies its checksum. `Map::new` checks only the
/// header and footer, and walking a damaged automaton can panic, so every
/// byte is checked (CRC32C, fast) before the map is used.
fn checked(bytes: Vec<u8>) -> Result<Map<Vec<u8>>, BundleError> {
    let map = Map::new(bytes).map_err(fst_error)?;
    map.as_fst().verify().map_err(fst_error)?;
    Ok(map)
}

/// Writes term shards from `(key, encoded entry)` pairs in key order,
/// closing a shard once its postings pass `target_bytes`; each finished
/// shard goes to `emit` at once, so shards never pile up in memory.
pub(super) fn write_term_shards<E>(
    entries: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), E>>,
    target_bytes: usize,
    emit: &mut dyn FnMut(BundleFile),
) -> Result<Vec<ShardRef>, E> {
    let mut shards = Vec::new();
    let mut builder = MapBuilder::memory();
    let mut postings = Vec::new();
    let mut first: Option<Vec<u8>> = None;
    let mut flush = |builder: MapBuilder<Vec<u8>>, postings: &mut Vec<u8>, first: Vec<u8>| {
        let fst = builder.into_inner().expect("in-memory fst cannot fail");
        let mut bytes = file::header(FileKind::Terms);
        bytes.extend_from_slice(&(fst.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&fst);
        bytes.append(postings);
        let file = named(FileKind::Terms, bytes);
        shards.push(ShardRef {
            // The first shard covers every key below the second's first key.
            first_key: if shards.is_empty() { Vec::new() } else { first },
            file: file.name.clone(),
        });
        emit(file);
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
    emit: &mut dyn FnMut(BundleFile),
) -> Vec<ShardRef> {
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
        let file = named(FileKind::Slugs, bytes);
        shards.push(ShardRef {
            first_key: if shards.is_empty() {
                Vec::new()
            } else {
                chunk[0].0.as_bytes().to_vec()
            },
            file: file.name.clone(),
        });
        emit(file);
    }
    shards
}
