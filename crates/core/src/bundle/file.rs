//! The common header of every bundle file and postcard (de)serialisation.

use super::BundleError;
use serde::{de::DeserializeOwned, Serialize};

/// First four bytes of every bundle file.
pub const MAGIC: [u8; 4] = *b"BSHT";
/// Bumped on every incompatible change of any file's layout.
pub const FORMAT_VERSION: u16 = 11;

/// What a bundle file holds; stored in its header so a file fetched under the
/// wrong name is caught instead of misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum FileKind {
    Manifest = 1,
    Terms = 2,
    Slugs = 3,
    Meta = 4,
    Pack = 5,
    /// Shards, meta chunks and record tables, each compressed, read by
    /// range (see [`super::index_file`]).
    Index = 6,
    /// A pack's record table: the length of each of its records (see
    /// [`super::pack`]), a piece of an index file.
    Records = 7,
    /// A term shard of *tails*: the rest of frequent words' documents,
    /// after the best ones their entries in the term shards hold (see
    /// [`super::postings`]), laid out like a term shard.
    Tails = 8,
}

impl FileKind {
    pub fn from_byte(b: u8) -> Option<FileKind> {
        Some(match b {
            1 => FileKind::Manifest,
            2 => FileKind::Terms,
            3 => FileKind::Slugs,
            4 => FileKind::Meta,
            5 => FileKind::Pack,
            6 => FileKind::Index,
            7 => FileKind::Records,
            8 => FileKind::Tails,
            _ => return None,
        })
    }

    /// The file name prefix of this kind (`terms-…`).
    pub fn prefix(self) -> &'static str {
        match self {
            FileKind::Manifest => "manifest",
            FileKind::Terms => "terms",
            FileKind::Slugs => "slugs",
            FileKind::Meta => "meta",
            FileKind::Pack => "pack",
            FileKind::Index => "index",
            FileKind::Records => "records",
            FileKind::Tails => "tails",
        }
    }
}

pub(crate) const HEADER_LEN: usize = 7;

pub(crate) fn header(kind: FileKind) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(kind as u8);
    out
}

/// Checks the header and returns the file's kind and payload.
pub(crate) fn split_header(bytes: &[u8]) -> Result<(FileKind, &[u8]), BundleError> {
    if bytes.len() < HEADER_LEN || bytes[..4] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(BundleError::Version {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let kind = FileKind::from_byte(bytes[6])
        .ok_or_else(|| BundleError::Corrupt(format!("unknown file kind {}", bytes[6])))?;
    Ok((kind, &bytes[HEADER_LEN..]))
}

/// Checks the header and that the file is of `kind`; returns the payload.
pub(crate) fn payload_of(kind: FileKind, bytes: &[u8]) -> Result<&[u8], BundleError> {
    let (found, payload) = split_header(bytes)?;
    if found != kind {
        return Err(BundleError::WrongKind {
            found: found as u8,
            expected: kind as u8,
        });
    }
    Ok(payload)
}

/// The little-endian `u32` a payload starts with (a count or a length).
pub(crate) fn leading_u32(kind: FileKind, payload: &[u8]) -> Result<u32, BundleError> {
    payload
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| BundleError::Corrupt(format!("{} file truncated", kind.prefix())))
}

/// Header plus the postcard encoding of `value`.
pub fn encode<T: Serialize>(kind: FileKind, value: &T) -> Vec<u8> {
    let out = header(kind);
    postcard::to_extend(value, out).expect("serialising to a Vec cannot fail")
}

/// Checks header and kind, then decodes the whole payload; trailing bytes are
/// an error, as a sign of a damaged or spliced file.
pub fn decode<T: DeserializeOwned>(kind: FileKind, bytes: &[u8]) -> Result<T, BundleError> {
    let payload = payload_of(kind, bytes)?;
    let (value, rest) = postcard::take_from_bytes(payload)
        .map_err(|e| BundleError::Corrupt(format!("{} file: {e}", kind.prefix())))?;
    if !rest.is_empty() {
        return Err(BundleError::Corrupt(format!(
            "{} file has {} unexpected trailing bytes",
            kind.prefix(),
            rest.len()
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let bytes = encode(FileKind::Meta, &vec![1u32, 2, 3]);
        assert_eq!(
            decode::<Vec<u32>>(FileKind::Meta, &bytes),
            Ok(vec![1, 2, 3])
        );
        assert!(matches!(
            decode::<Vec<u32>>(FileKind::Pack, &bytes),
            Err(BundleError::WrongKind { .. })
        ));
        assert!(matches!(
            decode::<Vec<u32>>(FileKind::Meta, &bytes[..bytes.len() - 1]),
            Err(BundleError::Corrupt(_))
        ));
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(matches!(
            decode::<Vec<u32>>(FileKind::Meta, &extra),
            Err(BundleError::Corrupt(_))
        ));
        let mut old = bytes.clone();
        old[4] = 99;
        assert!(matches!(
            decode::<Vec<u32>>(FileKind::Meta, &old),
            Err(BundleError::Version { .. })
        ));
        assert_eq!(
            decode::<Vec<u32>>(FileKind::Meta, b"<html>"),
            Err(BundleError::NotABundle)
        );
    }
}
