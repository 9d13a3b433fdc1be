//! Body packs: whole articles, each compressed on its own, behind a table of
//! their byte offsets, so that a reader fetches one article with two small
//! HTTP range requests instead of a whole pack.
//!
//! ```text
//! header (7) | count u32 LE | offsets (count + 1) × u32 LE | records
//! ```
//!
//! Record `i` is the bytes `offsets[i]..offsets[i + 1]` of the file (offsets
//! are absolute): an article, postcard-encoded, then raw-deflated
//! (RFC 1951). A reader that knows a document's place `i` in its pack first
//! reads the eight bytes of `offsets[i]` and `offsets[i + 1]`
//! ([`offsets_range`]; for several documents of one pack, the one span of
//! offsets from the first to the last), then the record itself.
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
//! what a reader fetches: packs can be large and few. The price is a
//! second round trip (the offsets) and compression per article instead of
//! across a pack. Hosts must serve packs as they are, with range support:
//! every static host and CDN does for files without a compressed sibling,
//! which is why packs get none (their records are compressed already).

use super::file::{header, leading_u32, payload_of, HEADER_LEN};
use super::{BundleError, FileKind};
use crate::model::Article;
use std::ops::Range;

/// Where the offset table starts: after the header and the count.
const OFFSETS_AT: u64 = HEADER_LEN as u64 + 4;

/// The most bytes one record may take, compressed or not: an article is at
/// most a 16 MB input file, and a damaged offset table must not make a
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

/// Encodes one pack from its [`encode_record`]s, in document order.
pub fn encode_pack(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = header(FileKind::Pack);
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    let mut at = OFFSETS_AT + 4 * (records.len() as u64 + 1);
    for r in std::iter::once(&Vec::new()).chain(records) {
        at += r.len() as u64;
        let offset = u32::try_from(at).expect("a pack stays under 4 GB");
        out.extend_from_slice(&offset.to_le_bytes());
    }
    for r in records {
        out.extend_from_slice(r);
    }
    out
}

/// The bytes of a pack holding the offsets of its records `first..=last`
/// (and of the record after the last, where the last one ends).
pub fn offsets_range(first: u32, last: u32) -> Range<u64> {
    let start = OFFSETS_AT + 4 * u64::from(first);
    start..OFFSETS_AT + 4 * (u64::from(last.max(first)) + 2)
}

/// The byte range of a record from the eight bytes at
/// `offsets_range(i, i)`.
pub fn record_range(offsets: &[u8]) -> Result<Range<u64>, BundleError> {
    let mut ranges = record_ranges(offsets)?;
    match (ranges.pop(), ranges.is_empty()) {
        (Some(r), true) => Ok(r),
        _ => Err(BundleError::Corrupt("pack offsets: not eight bytes".into())),
    }
}

/// The byte ranges of consecutive records from the bytes at
/// [`offsets_range`]: one fewer than the offsets given.
pub fn record_ranges(offsets: &[u8]) -> Result<Vec<Range<u64>>, BundleError> {
    let corrupt = |what: &str| BundleError::Corrupt(format!("pack offsets: {what}"));
    if offsets.len() < 8 || !offsets.len().is_multiple_of(4) {
        return Err(corrupt(&format!("{} bytes", offsets.len())));
    }
    let at: Vec<u64> = offsets
        .chunks_exact(4)
        .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    at.windows(2)
        .map(|w| {
            let (start, end) = (w[0], w[1]);
            if start < OFFSETS_AT + 8 || end < start {
                return Err(corrupt(&format!("record at {start}..{end}")));
            }
            if end - start > MAX_RECORD_BYTES {
                return Err(corrupt(&format!("record of {} bytes", end - start)));
            }
            Ok(start..end)
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

/// Every article of a whole pack file, for readers that have all of it.
pub fn decode_pack(bytes: &[u8]) -> Result<Vec<Article>, BundleError> {
    let count = leading_u32(FileKind::Pack, payload_of(FileKind::Pack, bytes)?)?;
    let get = |r: Range<u64>| {
        let end = r.end;
        slice(bytes, r)
            .ok_or_else(|| BundleError::Corrupt(format!("pack truncated before byte {end}")))
    };
    let mut end = OFFSETS_AT + 4 * (u64::from(count) + 1);
    let records = match count {
        0 => Vec::new(),
        n => record_ranges(get(offsets_range(0, n - 1))?)?,
    };
    let mut articles = Vec::with_capacity(records.len());
    for (i, record) in records.into_iter().enumerate() {
        if record.start != end {
            return Err(BundleError::Corrupt(format!(
                "pack record {i} starts at {}, not {end}",
                record.start
            )));
        }
        end = record.end;
        articles.push(decode_record(get(record)?)?);
    }
    if end != bytes.len() as u64 {
        return Err(BundleError::Corrupt(format!(
            "pack has {} unexpected trailing bytes",
            bytes.len() as u64 - end.min(bytes.len() as u64)
        )));
    }
    Ok(articles)
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

    fn pack_of(articles: &[Article]) -> Vec<u8> {
        encode_pack(&articles.iter().map(encode_record).collect::<Vec<_>>())
    }

    #[test]
    fn records_are_read_by_range() {
        let articles = articles();
        let pack = pack_of(&articles);
        for (i, a) in articles.iter().enumerate() {
            let o = offsets_range(i as u32, i as u32);
            let r = record_range(&pack[o.start as usize..o.end as usize]).unwrap();
            let got = decode_record(&pack[r.start as usize..r.end as usize]).unwrap();
            assert_eq!(&got, a);
        }
        // Both records' ranges from one span of offsets.
        let o = offsets_range(0, 1);
        let ranges = record_ranges(&pack[o.start as usize..o.end as usize]).unwrap();
        assert_eq!(ranges.len(), 2);
        assert_eq!(ranges[0].end, ranges[1].start);
        assert_eq!(ranges[1].end, pack.len() as u64);
        assert_eq!(decode_pack(&pack).unwrap(), articles);
    }

    #[test]
    fn damage_is_an_error() {
        let pack = pack_of(&articles());
        for cut in [0, 7, 12, pack.len() / 2, pack.len() - 1] {
            assert!(decode_pack(&pack[..cut]).is_err(), "cut at {cut}");
        }
        let mut extra = pack.clone();
        extra.push(0);
        assert!(decode_pack(&extra).is_err());
        // Offsets that run backwards, or ask for gigabytes.
        assert!(record_range(&[40, 0, 0, 0, 30, 0, 0, 0]).is_err());
        assert!(record_range(&[40, 0, 0, 0, 0, 0, 0, 0x40]).is_err());
        assert!(record_range(&[1, 2, 3]).is_err());
        assert!(record_ranges(&[40, 0, 0, 0, 50, 0, 0, 0, 45, 0, 0, 0]).is_err());
        // A record that is not deflate, or deflates to something else.
        assert!(decode_record(b"not deflate at all").is_err());
        let other = miniz_oxide::deflate::compress_to_vec(b"\xff\xff\xff\xff", 9);
        assert!(decode_record(&other).is_err());
    }
}
