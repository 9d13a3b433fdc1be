//! The bundle: the static files a built site serves, and their encoding.
//!
//! A bundle is one small entry file, `manifest.bin`, plus content-addressed
//! data files that the manifest names. Nothing needs to be fetched up front
//! except the manifest; everything else is fetched when a screen or a query
//! needs it, so the cost of opening a site does not grow with its size:
//!
//! * **term shards**: the term dictionary, an `fst` map from term to
//!   postings offset, split by key range. The manifest keeps each shard's
//!   first key, so a query fetches only the shards its words fall in.
//! * **tail shards**: the rest of frequent words' documents, after the
//!   best ones their term entries hold (see [`postings`]), fetched only when
//!   those cannot decide a query's results.
//! * **slug shards**: `fst` maps from slug to document number, split the
//!   same way, for opening `#/a/SLUG` directly.
//! * **meta chunks**: what a result list shows (title, date, language,
//!   publisher, first line) for a fixed run of documents.
//! * **body packs** (`pack-<hash>.bin`): whole articles for a fixed run of
//!   documents, for the article view and for snippets, each compressed on
//!   its own and read by byte range (see [`pack`]).
//! * **record tables**: where each article is in its pack, one table per
//!   pack.
//!
//! Shards, chunks and record tables are *pieces* of **index files**
//! (`index-<hash>.bin`), each piece compressed on its own and read by byte
//! range, like an
//! article of a pack: the manifest gives each piece's [`Span`], so one
//! range request fetches it. Thousands of pieces make a few files: a site
//! stays far below a static host's file limit and its build writes a
//! handful of files instead of thousands (see [`index_file`]).
//!
//! Documents are numbered newest first, so "ties newest first" and the
//! default listing order are both just document order, and a listing page
//! is one meta chunk.
//!
//! Every file starts with a header: the magic `BSHT`, a format version and a
//! file kind. Decoders check all three and every length, so a damaged,
//! truncated or mismatched file is an error, never a panic.

mod deflate;
pub(crate) mod file;
pub mod index_file;
mod manifest;
pub mod pack;
pub mod postings;

pub use file::{decode, encode, FileKind, FORMAT_VERSION, MAGIC};
pub use postings::{Posting, TermEntry};

use crate::model::{Article, Date};
use serde::{Deserialize, Serialize};

/// The most bytes of record tables a reader loads up front (see
/// [`Manifest::prefetched_tables`]; about 1.65 bytes a document deflated:
/// some 20,000 documents). A new query's articles otherwise cost two round
/// trips, their packs' tables and then their records; with every table in
/// hand they cost one. Larger tables would cost a cold load more bytes
/// than the round trip is worth (its query's index pieces are about 30 KB
/// at 1,000 articles, 60 KB at 10,000).
pub const PREFETCH_TABLES_BYTES: u64 = 32 << 10;

/// The most bytes of record tables a reader loads in the background, once
/// its first results are on screen (see [`Manifest::background_tables`]):
/// some 150,000 documents. Past the first query every new query's articles
/// then cost one round trip instead of two (their packs' tables, then
/// their records), for bytes that a reader's next few queries would mostly
/// fetch table by table anyway (nine tables of some 900 bytes a query at
/// 100,000 articles, 165 KB all of them). A million articles' tables, 1.6
/// MB, are fetched as needed.
pub const BACKGROUND_TABLES_BYTES: u64 = 256 << 10;

/// File name of the manifest inside a bundle directory. It is the one file
/// whose name never changes, so hosts must not cache it forever.
pub const MANIFEST_FILE: &str = "manifest.bin";

/// Where a piece (a shard or a meta chunk) is: bytes `start..start + len`
/// of the index file `file` (an index into [`Manifest::index_files`]),
/// raw-deflated. Small and `Copy`: the engine keys what it loaded by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub file: u32,
    pub start: u64,
    pub len: u32,
}

impl Span {
    /// The piece's bytes in its index file.
    pub fn range(&self) -> std::ops::Range<u64> {
        self.start..self.start + u64::from(self.len)
    }
}

/// Reference to one key-range shard of an `fst` dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRef {
    /// The smallest key stored in the shard. Shard `i` holds keys in
    /// `[first_key[i], first_key[i + 1])`.
    pub first_key: Vec<u8>,
    pub at: Span,
}

/// Locates the shard whose key range holds `key`.
pub fn shard_for<'a>(shards: &'a [ShardRef], key: &[u8]) -> Option<&'a ShardRef> {
    let i = shards.partition_point(|s| s.first_key.as_slice() <= key);
    i.checked_sub(1).map(|i| &shards[i])
}

/// The shards whose key ranges intersect `[lo, hi)` (`hi = None`: no bound).
pub fn shards_in_range<'a>(shards: &'a [ShardRef], lo: &[u8], hi: Option<&[u8]>) -> &'a [ShardRef] {
    let start = shards
        .partition_point(|s| s.first_key.as_slice() <= lo)
        .saturating_sub(1);
    let end = match hi {
        Some(hi) => shards.partition_point(|s| s.first_key.as_slice() < hi),
        None => shards.len(),
    };
    &shards[start..end.max(start)]
}

/// Number of documents with a given facet value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u32,
}

/// The bundle's entry point. Stored with each span as its length alone
/// (see [`manifest`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "manifest::Stored", into = "manifest::Stored")]
pub struct Manifest {
    /// The tool and version that wrote the bundle, for diagnostics.
    pub generator: String,
    /// The site's name, for the viewer's masthead.
    pub name: String,
    pub doc_count: u32,
    /// Average title and body length in words, for BM25 length norms.
    pub avg_title_len: f32,
    pub avg_body_len: f32,
    /// Documents per language, most frequent first.
    pub langs: Vec<FacetCount>,
    /// The name of each of `langs` in itself (`("pl", "Polski")`), for the
    /// viewer's labels; a language without one is shown as its code.
    pub lang_names: Vec<(String, String)>,
    /// Documents per publication year, newest first.
    pub years: Vec<FacetCount>,
    /// Documents per publisher, most frequent first (the top 100).
    pub publishers: Vec<FacetCount>,
    /// Languages of the bundle that have a stemmer: a query word is stemmed
    /// in each of them.
    pub stem_langs: Vec<String>,
    /// The files that hold the shards, meta chunks and record tables,
    /// which [`Span`]s number.
    pub index_files: Vec<String>,
    pub term_shards: Vec<ShardRef>,
    /// Shards of frequent words' tails, by key like the term shards (see
    /// [`postings`]); laid out among them.
    pub tail_shards: Vec<ShardRef>,
    pub slug_shards: Vec<ShardRef>,
    /// Documents per meta chunk: document `d` is in chunk `d / meta_chunk_size`.
    pub meta_chunk_size: u32,
    pub meta_chunks: Vec<Span>,
    /// Documents per body pack, but for the first (see [`Manifest::pack_of`]).
    pub pack_size: u32,
    /// Documents in the first pack, the newest: 1..=`pack_size` (packs are
    /// counted from the oldest document, so that adding newer ones leaves
    /// older packs as they were; see `index::Layout`).
    pub first_pack: u32,
    pub packs: Vec<String>,
    /// Each pack's record table (see [`pack`]), in pack order, laid end to
    /// end.
    pub record_tables: Vec<Span>,
}

impl Manifest {
    /// Where the meta chunk of document `doc` is.
    pub fn meta_chunk(&self, doc: u32) -> Option<Span> {
        let i = doc / self.meta_chunk_size.max(1);
        self.meta_chunks.get(i as usize).copied()
    }

    /// Every pack's record table, when all of them together are at most
    /// [`PREFETCH_TABLES_BYTES`] (a small bundle), else none. Readers load
    /// these with their first query's pieces (`Engine::prefetch`; they lie
    /// end to end, so that is one more range) and the service worker keeps
    /// them from its install, so that every article is one range away.
    pub fn prefetched_tables(&self) -> &[Span] {
        if self.tables_bytes() > PREFETCH_TABLES_BYTES {
            return &[];
        }
        &self.record_tables
    }

    /// Every pack's record table, when all of them together are more than
    /// [`PREFETCH_TABLES_BYTES`] (else they come with the first query) and
    /// at most [`BACKGROUND_TABLES_BYTES`], else none. Readers load these
    /// once their first results are on screen (`Engine::background`).
    pub fn background_tables(&self) -> &[Span] {
        let bytes = self.tables_bytes();
        if bytes <= PREFETCH_TABLES_BYTES || bytes > BACKGROUND_TABLES_BYTES {
            return &[];
        }
        &self.record_tables
    }

    /// The bytes of every record table, as stored (deflated).
    fn tables_bytes(&self) -> u64 {
        self.record_tables.iter().map(|s| u64::from(s.len)).sum()
    }

    /// The pack document `doc` is in, and its place there: the first pack
    /// holds documents `0..first_pack`, each later one the next
    /// `pack_size`.
    pub fn pack_of(&self, doc: u32) -> (u32, u32) {
        match doc.checked_sub(self.first_pack) {
            None => (0, doc),
            Some(past) => {
                let size = self.pack_size.max(1);
                (1 + past / size, past % size)
            }
        }
    }

    /// How many documents pack `pack` holds.
    pub fn pack_docs(&self, pack: u32) -> u32 {
        let size = self.pack_size.max(1);
        match pack.checked_sub(1) {
            None => self.first_pack.min(self.doc_count),
            Some(later) => (self.doc_count.saturating_sub(self.first_pack))
                .saturating_sub(later.saturating_mul(size))
                .min(size),
        }
    }

    /// The name of the index file a span is in.
    pub fn index_file(&self, span: Span) -> Option<&str> {
        self.index_files.get(span.file as usize).map(String::as_str)
    }

    /// Every piece with its kind, in the order pieces are laid out in the
    /// index files: meta chunks, term and tail shards, slug shards, record
    /// tables (see [`manifest`]).
    pub fn pieces(&self) -> impl Iterator<Item = (FileKind, Span)> + '_ {
        // Tail shards are laid out among the term shards, each just before
        // its head's shard: both lists ascend, so this sorts two runs.
        let mut shards: Vec<(FileKind, Span)> = (self.term_shards.iter())
            .map(|s| (FileKind::Terms, s.at))
            .chain(self.tail_shards.iter().map(|s| (FileKind::Tails, s.at)))
            .collect();
        shards.sort_unstable_by_key(|&(_, span)| span);
        let slugs = self.slug_shards.iter().map(|s| (FileKind::Slugs, s.at));
        let tables = self.record_tables.iter().map(|&s| (FileKind::Records, s));
        self.meta_chunks
            .iter()
            .map(|&s| (FileKind::Meta, s))
            .chain(shards)
            .chain(slugs)
            .chain(tables)
    }

    pub fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.term_shards
            .iter()
            .chain(&self.tail_shards)
            .chain(&self.slug_shards)
            .map(|s| s.at)
            .chain(self.meta_chunks.iter().copied())
            .chain(self.record_tables.iter().copied())
    }

    /// Checks that every file name is a plain name in the bundle's folder
    /// (readers join it to the folder's path or URL: no `/`, no `..`), and
    /// that every span names an index file and is no larger than a piece
    /// may be, so that a damaged or hostile manifest cannot make a reader
    /// open a file elsewhere, fetch or inflate gigabytes, or index out of
    /// bounds.
    pub fn check(&self) -> Result<(), BundleError> {
        if self.record_tables.len() != self.packs.len() {
            return Err(BundleError::Corrupt(format!(
                "manifest: {} record tables for {} packs",
                self.record_tables.len(),
                self.packs.len()
            )));
        }
        if self.doc_count > 0 && !(1..=self.pack_size).contains(&self.first_pack) {
            return Err(BundleError::Corrupt(format!(
                "manifest: a first pack of {} documents in packs of {}",
                self.first_pack, self.pack_size
            )));
        }
        // In layout order, as a stored manifest's always are: readers find
        // a table's pack by binary search.
        if !self.record_tables.is_sorted_by(|a, b| a < b) {
            return Err(BundleError::Corrupt(
                "manifest: record tables out of layout order".into(),
            ));
        }
        for name in self.files() {
            let plain = !name.is_empty()
                && !name.starts_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
            if !plain {
                return Err(BundleError::Corrupt(format!(
                    "manifest: {name:?} is not a file name of a bundle"
                )));
            }
        }
        for span in self.spans() {
            if self.index_file(span).is_none() {
                return Err(BundleError::Corrupt(format!(
                    "manifest: a piece in index file {} of {}",
                    span.file,
                    self.index_files.len()
                )));
            }
            if u64::from(span.len) > pack::MAX_RECORD_BYTES {
                return Err(BundleError::Corrupt(format!(
                    "manifest: a piece of {} bytes",
                    span.len
                )));
            }
        }
        Ok(())
    }

    pub fn pack_file(&self, doc: u32) -> Option<&str> {
        let (pack, _) = self.pack_of(doc);
        self.packs.get(pack as usize).map(String::as_str)
    }

    /// Every data file the manifest names, for tools that copy or check a
    /// whole bundle.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.index_files
            .iter()
            .chain(&self.packs)
            .map(String::as_str)
    }
}

/// What a result list shows for one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMeta {
    pub slug: String,
    pub title: String,
    pub lang: String,
    pub publisher: Option<String>,
    /// Who wrote it (see [`Article::author`]).
    pub author: Option<String>,
    pub date: Option<Date>,
    /// Input path relative to the input folder.
    pub source: String,
    /// The start of the first paragraph, cut at a word boundary.
    pub excerpt: String,
}

impl DocMeta {
    pub fn of(article: &Article) -> DocMeta {
        DocMeta {
            slug: article.slug.clone(),
            title: article.title.clone(),
            lang: article.lang.clone(),
            publisher: article.publisher.clone(),
            author: article.author.clone(),
            date: article.date,
            source: article.source.clone(),
            excerpt: excerpt(article.first_text(), 220),
        }
    }
}

/// Cuts `text` to at most `max` characters at a word boundary, adding `…`.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let end = text
        .char_indices()
        .nth(max)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let cut = text[..end].rfind(' ').unwrap_or(end);
    format!("{}…", text[..cut].trim_end_matches([',', ';', ':', ' ']))
}

/// Errors reading a bundle file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// The file does not start with the `BSHT` magic: not a bundle file.
    NotABundle,
    /// Written by an incompatible version of Broadsheet.
    Version { found: u16, expected: u16 },
    /// A file of another kind than the one asked for.
    WrongKind { found: u8, expected: u8 },
    /// Truncated or damaged content.
    Corrupt(String),
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleError::NotABundle => f.write_str("not a Broadsheet bundle file"),
            BundleError::Version { found, expected } => write!(
                f,
                "bundle format version {found}, but this viewer reads version {expected}: rebuild the site"
            ),
            BundleError::WrongKind { found, expected } => {
                write!(f, "bundle file of kind {found} where kind {expected} was expected")
            }
            BundleError::Corrupt(what) => write!(f, "damaged bundle file: {what}"),
        }
    }
}

impl std::error::Error for BundleError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn shards(keys: &[&str]) -> Vec<ShardRef> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| ShardRef {
                first_key: k.as_bytes().to_vec(),
                at: Span {
                    file: 0,
                    start: i as u64,
                    len: 1,
                },
            })
            .collect()
    }

    #[test]
    fn finds_shard_by_key() {
        let s = shards(&["", "g", "p"]);
        assert_eq!(shard_for(&s, b"apple").unwrap().at.start, 0);
        assert_eq!(shard_for(&s, b"g").unwrap().at.start, 1);
        assert_eq!(shard_for(&s, b"zebra").unwrap().at.start, 2);
    }

    #[test]
    fn finds_shards_by_range() {
        let s = shards(&["", "g", "p"]);
        let at = |r: &[ShardRef]| r.iter().map(|s| s.at.start).collect::<Vec<_>>();
        assert_eq!(at(shards_in_range(&s, b"h", Some(b"i"))), [1]);
        assert_eq!(at(shards_in_range(&s, b"f", Some(b"h"))), [0, 1]);
        assert_eq!(at(shards_in_range(&s, b"o", None)), [1, 2]);
        assert_eq!(at(shards_in_range(&s, b"", None)), [0, 1, 2]);
    }

    #[test]
    fn a_manifest_naming_files_elsewhere_is_refused() {
        let mut m = Manifest::try_from(manifest::test_stored(vec![10, 20, 30, 40], 4)).unwrap();
        assert_eq!(m.check(), Ok(()));
        for bad in ["../secret", "/etc/passwd", "a/b.bin", "..", "", ".hidden"] {
            m.packs[0] = bad.into();
            assert!(m.check().is_err(), "{bad:?} accepted");
        }
        m.packs[0] = "pack-0123456789abcdef.bin".into();
        assert_eq!(m.check(), Ok(()));
        m.term_shards[0].at.file = 1;
        assert!(m.check().is_err(), "a span in a file not listed");
        m.term_shards[0].at.file = 0;
        for first in [0, 2] {
            m.first_pack = first;
            assert!(m.check().is_err(), "a first pack of {first} in packs of 1");
        }
        m.first_pack = 1;
        assert_eq!(m.check(), Ok(()));
        m.record_tables.clear();
        assert!(m.check().is_err(), "a pack without its record table");
    }

    #[test]
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("one two three four", 10), "one two…");
    }
}
