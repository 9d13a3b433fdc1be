//! Body packs: whole articles, each compressed on its own and read by byte
//! range, so that a reader fetches one article with one small HTTP range
//! request instead of a whole pack.
//!
//! ```text
//! pack:         header (7) | record | record | …
//! record table: header (7) | lengths (postcard: a varint per record)
//! ```
//!
//! A record is an article, postcard-encoded, then raw-deflated (RFC 1951).
//! Where record `i` is follows from the lengths of those before it, which
//! the pack's *record table* lists: a piece of an index file (see
//! [`super::index_file`]), compressed like the shards and listed in the
//! manifest one per pack ([`super::Manifest::record_tables`]). So a reader
//! that knows a document's place in its pack needs that pack's table once,
//! then every record of the pack is one range away.
//!
//! Why the tables are index pieces and not the head of each pack (format
//! 6 and before kept a table of absolute `u32` offsets there): a range of a
//! pack gets no HTTP compression, so a table cost 4 bytes a document and a
//! request of its own per pack, and a new query's articles waited for
//! their packs' tables in a round trip of their own past a few thousand
//! articles. As pieces the tables of a whole bundle lie end to end in its
//! last index file, deflated to about 1.65 bytes a document: up to some
//! 20,000 articles a reader fetches all of them with its first query's
//! pieces, in the same round trip (`Engine::prefetch`), and past that a
//! pack's table is one piece of a few hundred bytes.
//!
//! Shells inflate records themselves: the browser with its own
//! `DecompressionStream("deflate-raw")`, so the wasm every reader downloads
//! carries no inflater (miniz_oxide's would add 13 KB gzip); native shells
//! with [`inflate`]. Deflate decoding is fully specified, so both hand the
//! engine the same bytes.
//!
//! Why not a pack compressed as a whole (as before format 3): ten results
//! are ten articles from ten packs, so a whole-pack layout either fetches
//! ten packs of many articles (at 100,000 articles, packs of 42 articles:
//! 180 KB for a page of results) or keeps packs tiny and the site made of
//! hundreds of thousands of files. Ranges make a pack's size irrelevant to
//! what a reader fetches: packs can be large and few. The price is
//! compression per article instead of across a pack. Hosts must serve
//! packs as they are, with range support: every static host and CDN does
//! for files without a compressed sibling, which is why packs get none
//! (their records are compressed already).

use super::file::{header, payload_of, HEADER_LEN};
use super::{BundleError, FileKind};
use crate::model::Article;
use std::ops::Range;

/// The most bytes one record may take, compressed or not: an article is at
/// most a 16 MB input file, and a damaged record table must not make a
/// reader fetch or inflate gigabytes.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Deflate level for records: the highest. Records are small and written
/// once; every reader fetches them.
const LEVEL: u8 = 9;

/// Encodes one article as a record: postcard, then raw deflate. Separate
/// from [`encode_pack`] so that builders compress records on many threads
/// (deflate at level 9 is most of the cost of writing packs).
pub fn encode_record(article: &Article) -> Vec<u8> {
    let plain = postcard::to_allocvec(article).expect("serialising to a Vec cannot fail");
    super::deflate::deflate(&plain, LEVEL)
}

/// Encodes one pack from its [`encode_record`]s, in document order, and
/// its record table (uncompressed: the builder puts it in an index file).
pub fn encode_pack(records: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
    let mut out = header(FileKind::Pack);
    let mut lens = Vec::with_capacity(records.len());
    for r in records {
        out.extend_from_slice(r);
        lens.push(u32::try_from(r.len()).expect("a record is at most a few MB"));
    }
    (out, super::encode(FileKind::Records, &lens))
}

/// The byte range of each record of a pack of `docs` records, from its
/// record table (inflated): an error unless the table lists exactly
/// `docs` records, each no larger than [`MAX_RECORD_BYTES`].
pub fn record_ranges(table: &[u8], docs: u32) -> Result<Vec<Range<u64>>, BundleError> {
    let lens: Vec<u32> = super::decode(FileKind::Records, table)?;
    if lens.len() as u64 != u64::from(docs) {
        return Err(BundleError::Corrupt(format!(
            "record table of {} records for a pack of {docs}",
            lens.len()
        )));
    }
    ranges(&lens)
}

/// Records laid end to end after a pack's header.
fn ranges(lens: &[u32]) -> Result<Vec<Range<u64>>, BundleError> {
    let mut at = HEADER_LEN as u64;
    lens.iter()
        .map(|&len| {
            if u64::from(len) > MAX_RECORD_BYTES {
                return Err(BundleError::Corrupt(format!(
                    "record table: a record of {len} bytes"
                )));
            }
            let r = at..at + u64::from(len);
            at = r.end;
            Ok(r)
        })
        .collect()
}

/// Inflates one record, for native shells (see the module docs).
pub fn inflate(record: &[u8]) -> Result<Vec<u8>, BundleError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(record, MAX_RECORD_BYTES as usize)
        .map_err(|e| BundleError::Corrupt(format!("pack record: {e}")))
}

/// Decodes one record, inflated.
pub fn decode_article(plain: &[u8]) -> Result<Article, BundleError> {
    let corrupt = |what: String| BundleError::Corrupt(format!("pack record: {what}"));
    let (article, rest) =
        postcard::take_from_bytes::<Article>(plain).map_err(|e| corrupt(e.to_string()))?;
    if !rest.is_empty() {
        return Err(corrupt(format!("{} unexpected trailing bytes", rest.len())));
    }
    Ok(article)
}

/// Inflates and decodes one record.
pub fn decode_record(record: &[u8]) -> Result<Article, BundleError> {
    decode_article(&inflate(record)?)
}

/// The bytes `range` of `bytes`, if it has them.
pub fn slice(bytes: &[u8], range: Range<u64>) -> Option<&[u8]> {
    let start = usize::try_from(range.start).ok()?;
    let end = usize::try_from(range.end).ok()?;
    bytes.get(start..end)
}

/// Every article of a whole pack file and its record table (inflated),
/// for readers that have all of it.
pub fn decode_pack(bytes: &[u8], table: &[u8]) -> Result<Vec<Article>, BundleError> {
    payload_of(FileKind::Pack, bytes)?;
    let lens: Vec<u32> = super::decode(FileKind::Records, table)?;
    let records = ranges(&lens)?;
    let end = records.last().map_or(HEADER_LEN as u64, |r| r.end);
    if end != bytes.len() as u64 {
        return Err(BundleError::Corrupt(format!(
            "pack of {} bytes where its record table ends at byte {end}",
            bytes.len()
        )));
    }
    records
        .into_iter()
        .map(|r| decode_record(slice(bytes, r).expect("within the pack: checked above")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse_text;

    fn articles() -> Vec<Article> {
        [
            "Eins\n\nDer erste Text, lang genug.",
            "Hai\n\nVăn bản thứ hai.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| parse_text(t, &format!("{i}.txt")).unwrap())
        .collect()
    }

    fn pack_of(articles: &[Article]) -> (Vec<u8>, Vec<u8>) {
        encode_pack(&articles.iter().map(encode_record).collect::<Vec<_>>())
    }

    #[test]
    fn records_are_read_by_range() {
        let articles = articles();
        let (pack, table) = pack_of(&articles);
        let ranges = record_ranges(&table, 2).unwrap();
        for (r, a) in ranges.iter().zip(&articles) {
            let got = decode_record(slice(&pack, r.clone()).unwrap()).unwrap();
            assert_eq!(&got, a);
        }
        assert_eq!(ranges[0].start, HEADER_LEN as u64);
        assert_eq!(ranges[0].end, ranges[1].start);
        assert_eq!(ranges[1].end, pack.len() as u64);
        assert_eq!(decode_pack(&pack, &table).unwrap(), articles);
        // An empty pack is its header.
        let (empty, none) = encode_pack(&[]);
        assert_eq!(decode_pack(&empty, &none).unwrap(), []);
    }

    #[test]
    fn damage_is_an_error() {
        let (pack, table) = pack_of(&articles());
        for cut in [0, 7, 12, pack.len() / 2, pack.len() - 1] {
            assert!(decode_pack(&pack[..cut], &table).is_err(), "cut at {cut}");
        }
        let mut extra = pack.clone();
        extra.push(0);
        assert!(decode_pack(&extra, &table).is_err());
        // A table for another number of records, a cut or foreign one, or
        // one that asks for gigabytes.
        assert!(record_ranges(&table, 1).is_err());
        assert!(record_ranges(&table, 3).is_err());
        assert!(record_ranges(&table[..table.len() - 1], 2).is_err());
        assert!(record_ranges(&pack, 2).is_err());
        let huge = crate::bundle::encode(FileKind::Records, &vec![u32::MAX]);
        assert!(record_ranges(&huge, 1).is_err());
        // A record that is not deflate, or deflates to something else.
        assert!(decode_record(b"not deflate at all").is_err());
        let other = miniz_oxide::deflate::compress_to_vec(b"\xff\xff\xff\xff", 9);
        assert!(decode_record(&other).is_err());
    }
}
