//! Index files: the shards, meta chunks and record tables of a bundle, each
//! compressed on its own and laid end to end, so that a reader fetches one
//! with a single HTTP range request that the manifest's [`Span`] describes.
//!
//! ```text
//! header (7) | piece | piece | …
//! ```
//!
//! A piece is a whole term shard, slug shard, meta chunk or record table,
//! laid out as a file of its own (header and all, as format 4 wrote the
//! first three), raw-deflated (RFC 1951).
//! Its kind is in its own header, so a span that points at the wrong piece
//! is caught ([`check_piece`]).
//!
//! Why not a file per piece (format 4): a query needs a few pieces out of
//! thousands, and each had its own file plus `.br` and `.gz` siblings: 2,164
//! files at 10,000 articles, 6,045 at 100,000 with shards made larger to
//! stay under the file budget. Building spent a fifth of its time creating
//! files, and static hosts limit files per site. Pieces behind spans make a
//! bundle of a few index files whatever the number of shards, and the
//! manifest lists spans (a few bytes each) instead of 22-byte hashed names.
//! The price: deflate instead of the host's brotli (about 7% more bytes
//! per piece), and hosts must serve index files as they are, with range
//! support, like body packs.

use super::file::{header, split_header};
use super::{pack, BundleError, FileKind, Span};

/// Deflate level for pieces. The builder compresses them on one thread as
/// it writes them; measured on the term shards of 10,000 articles, level 6
/// is three times as fast as level 9 for 0.65% more bytes.
const LEVEL: u8 = 6;

/// Compresses one piece (a whole shard or chunk file) for an index file.
pub fn encode_piece(piece: &[u8]) -> Vec<u8> {
    super::deflate::deflate(piece, LEVEL)
}

/// The first bytes of an index file, before its pieces.
pub fn start() -> Vec<u8> {
    header(FileKind::Index)
}

/// Checks an inflated piece: a bundle file of the kind its span was listed
/// as (a term shard where the manifest lists term shards).
pub fn check_piece(expected: FileKind, piece: &[u8]) -> Result<(), BundleError> {
    let (found, _) = split_header(piece)?;
    if found != expected {
        return Err(BundleError::WrongKind {
            found: found as u8,
            expected: expected as u8,
        });
    }
    Ok(())
}

/// Inflates the bytes of a span, for native shells (the browser inflates
/// with its own `DecompressionStream`, as for pack records).
pub fn inflate(deflated: &[u8]) -> Result<Vec<u8>, BundleError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, pack::MAX_RECORD_BYTES as usize)
        .map_err(|e| BundleError::Corrupt(format!("index piece: {e}")))
}

/// The bytes of `span` out of a whole index file.
pub fn slice(file: &[u8], span: Span) -> Result<&[u8], BundleError> {
    pack::slice(file, span.range()).ok_or_else(|| {
        BundleError::Corrupt(format!(
            "index file of {} bytes has no bytes {}..{}",
            file.len(),
            span.range().start,
            span.range().end
        ))
    })
}
