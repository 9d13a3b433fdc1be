//! The search engine over a (partially) loaded bundle.

use super::combine::{combine, merge_runs, settled, Mode, Run, TailOf, TermDocs};
use super::memo::{ByOffset, Recent};
use super::query::{Query, QueryTerm};
use super::rank::{
    self, COMPOUND_WEIGHT, EXACT_BONUS, FUZZY1_WEIGHT, FUZZY2_WEIGHT, PREFIX_WEIGHT, STEM_WEIGHT,
};
use super::snippet::{self, ArticleTokens, Marker, Snippet};
use crate::bundle::{
    self, postings::dequantize_len, shard_for, shards_in_range, BundleError, DocMeta, FileKind,
    Manifest, ShardRef, Span, TermEntry,
};
use crate::index::{
    decode_slug_shard, decode_term_shard, facet_key, is_word_key, stem_key, stem_of_key, TermShard,
};
use crate::model::Article;
use fst::automaton::{Automaton, Levenshtein};
use fst::{IntoStreamer, Map, Streamer};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

/// At most this many dictionary words stand in for one query word
/// (completions and near misses together): the closest win. Bounds the work
/// of a short prefix or a short fuzzy word; see [`max_expansions`].
const MAX_EXPANSIONS: usize = 32;

/// An article is related to another (see [`Engine::related`]) if it scores
/// at least this share of what the other scores for its own title.
const RELATED_SHARE: f32 = 0.2;

/// Articles like another are found by at most this many of its title's
/// words, its longest: each word costs a term shard (16 KB for half of
/// them at 100,000 articles), and a title's short words say least.
const RELATED_WORDS: usize = 6;

/// A title word whose term shard is more than this many times the mean
/// term shard's size is not looked up for related articles: a shard grows
/// past the build's size only around the long posting list of a word in
/// thousands of articles, which would cost the most (up to 250 KB at
/// 100,000 articles, where the mean is 22 KB and one shard in twelve is
/// more than twice that) and tell the least. At 100,000 articles a list of
/// related articles then costs 125 KB on average (9 requests; with 3 times
/// the mean, 180 KB).
const RELATED_OVERSIZE: u64 = 2;

/// At most this many words of a query get typo tolerance (the first ones
/// that can): it bounds the work of a long query full of typos.
const MAX_TYPO_WORDS: usize = 6;

/// Words found in fewer documents than this (or than 0.2% of the bundle)
/// also look for typos.
const FUZZY_DF_THRESHOLD: usize = 8;
/// Completions and typo expansions of one word stop once their posting
/// lists hold this many entries (or half the bundle's documents): the
/// closest expansions come first, the rest would cost time and add noise.
const EXPANSION_POSTINGS: usize = 20_000;

/// At most this many compounds a non-final word is the head of: compound
/// heads are a recall aid, and each costs a posting list to decode.
const MAX_COMPOUNDS: usize = 8;

/// Expansions allowed for a word of `chars` letters: a one- or two-letter
/// prefix says little, and each expansion costs a posting list to decode.
fn max_expansions(chars: usize) -> usize {
    match chars {
        0 | 1 => 6,
        2 => 12,
        3 => 20,
        _ => MAX_EXPANSIONS,
    }
}
/// Completions (of the word being typed, or compounds a whole word is the
/// head of) come from at most this many term shards from the start of their
/// key range: a short prefix's range spans much of a large bundle's
/// dictionary (54 of 948 shards for `t` at 100k articles), and the words
/// the prefix nearly is sort first in it.
const COMPLETION_SHARDS: usize = 2;

/// Typos of a word are looked for in this many term shards under its first
/// letter: the one the word would be in and its neighbours. A typo after
/// the first few letters sorts near the word; scanning the whole letter
/// would fetch a good part of a large bundle's dictionary.
const TYPO_SHARDS: usize = 3;

/// Typos in a word's first letter (`Xamsung` → `Samsung`) are looked for
/// only in bundles whose dictionary is at most this many term shards, as
/// that means reading all of it.
const WIDE_TYPO_SHARDS: usize = 16;

/// At most this many dictionary keys are scanned per prefix or fuzzy lookup.
const SCAN_CAP: usize = 4096;
/// Words of at least this many letters tolerate one typo…
const FUZZY1_MIN_CHARS: usize = 4;
/// …and of at least this many, two.
const FUZZY2_MIN_CHARS: usize = 8;
/// Words of at least this many letters also match as the head of a compound
/// (`Umwelt` → `Umweltschutz`), as German and Dutch write compounds solid.
const COMPOUND_MIN_CHARS: usize = 5;

/// How a dictionary key came to stand for a query word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Word,
    Stem,
    Prefix,
    Fuzzy,
}

/// A decoded term entry with its query-independent scores (idf, and per
/// posting the saturated, length-normalised frequency), kept across queries
/// by the engine: a warm query, or the next keystroke of one, decodes and
/// scores nothing it has seen.
pub(super) struct Scored {
    pub(super) entry: TermEntry,
    idf: f32,
    tf: Vec<f32>,
}

impl Scored {
    fn new(entry: TermEntry, doc_count: u32, avg_len: f32) -> Scored {
        // A head's word is as rare as its whole entry.
        let idf = rank::idf(entry.total_docs() as u32, doc_count);
        let tf = (0..entry.len())
            .map(|i| {
                let len = dequantize_len(entry.norms[i]);
                rank::tf_norm(entry.title_tf(i), entry.body_tf(i), len, avg_len)
            })
            .collect();
        Scored { entry, idf, tf }
    }

    /// A head's and its tail's, merged (see [`TermEntry::merged`]): each
    /// document keeps the weight its part worked out, the same a whole
    /// entry gives it, instead of being weighed again.
    fn merged(head: &Scored, tail: &Scored) -> Result<Scored, String> {
        let mut tf = Vec::with_capacity(head.tf.len() + tail.tf.len());
        let entry = head.entry.merged_by_runs(&tail.entry, |from_head, run| {
            let part = if from_head { head } else { tail };
            tf.extend_from_slice(&part.tf[run]);
        })?;
        // The head's rarity was its whole entry's.
        Ok(Scored {
            entry,
            idf: head.idf,
            tf,
        })
    }
}

/// Marks a merged head and tail in the entry memory, which keys entries by
/// their shard and offset (offsets stay far below it).
const MERGED: u64 = 1 << 62;

/// Postings the entry memory holds at most by default (tens of bytes
/// each): a few of the most frequent words' entries at a million articles.
const CACHE_POSTINGS: usize = 2_000_000;

/// What a query word's matches depend on: the word, how it was looked up
/// (`wide`, `typos`), and the query's exclusions and filters.
#[derive(PartialEq)]
struct WordKey {
    term: QueryTerm,
    wide: bool,
    typos: bool,
    excluded: Vec<QueryTerm>,
    filters: Vec<crate::search::Filter>,
}

/// The matches of the last few query words looked up, newest last: while a
/// reader types, each keystroke changes one word, and the others' matches
/// (tens of thousands of documents for a frequent word) are reused.
const WORD_CACHE: usize = 8;

/// Answers kept for repeated queries (see [`Engine::search`]): a screen
/// asks for its query again for the facet counts, the next page or another
/// order, and a reader deleting letters goes back to queries just answered.
const LAST_RESULTS: usize = 4;

/// Articles whose words are kept for snippets: a page of results and the
/// next, or the pages of the last few keystrokes, which mostly show the
/// same articles (each distinct word of an article with its stem, and 12
/// bytes per word: tens of kilobytes an article).
const TOKEN_CACHE: usize = 40;

/// One dictionary entry standing for a query word, with its weight.
struct Expansion {
    key: Vec<u8>,
    weight: f32,
    via: Via,
    entry: Arc<Scored>,
}

/// A key found by a scan: key, postings offset, shard.
type Found = (Vec<u8>, u64, Span);

/// A dictionary key standing for a query word: key, weight, how, postings
/// offset and the shard holding it.
type Candidate = (Vec<u8>, f32, Via, u64, Span);

/// The lookups of one query word.
struct TermPlan {
    /// Exact keys: the word, and per stemming language its stem (as a word
    /// and as a stem key).
    exact: Vec<(Vec<u8>, f32, Via)>,
    /// Weight of completions, if the word is looked up as a prefix.
    prefix: Option<f32>,
    /// Edit distance tolerated (0: none).
    fuzzy: u32,
}

/// Hits per value of one facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCounts {
    pub facet: String,
    pub values: Vec<crate::bundle::FacetCount>,
}

/// What one query word matched: its strong matches (the word, its stems,
/// its completions) and its near misses (typo tolerance).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TermMatch {
    pub words: HashSet<String>,
    pub stems: HashSet<String>,
    pub fuzzy: HashSet<String>,
}

/// What a query matched, for highlighting, word by word of the query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Matched {
    pub terms: Vec<TermMatch>,
}

impl Matched {
    /// The matches to highlight in one article (in `lang`, its words
    /// `words`): a query word's near misses only where the article lacks
    /// the word itself (so `bang` does not light up every `ban` in an
    /// article that has `Bằng`).
    fn focus(&self, lang: &str, words: &ArticleTokens) -> Matched {
        let mut marker = Marker::new(self, lang);
        marker.focus(words);
        Matched {
            terms: self
                .terms
                .iter()
                .zip(marker.fuzzy_ok())
                .map(|(t, &fuzzy)| TermMatch {
                    fuzzy: if fuzzy {
                        t.fuzzy.clone()
                    } else {
                        HashSet::new()
                    },
                    ..t.clone()
                })
                .collect(),
        }
    }
}

/// The first character of a word, as a string (the fuzzy scan assumes it
/// right first).
fn first_char(s: &str) -> &str {
    s.char_indices().nth(1).map_or(s, |(i, _)| &s[..i])
}

/// Bytes the engine needs before it can answer: a byte range of an index
/// file (a shard, a meta chunk, a record table) or of a body pack. The
/// shell fetches them (`Range: bytes=` over HTTP, a seek on disk),
/// inflates them if [`Need::deflated`], and hands them back with
/// [`Engine::add`].
/// Serialisable, so that a shell can hand what it loaded, need and bytes,
/// to another engine over the same bundle (the viewer's page to its search
/// worker).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Need {
    /// A file of the bundle, named as in the manifest.
    pub file: String,
    /// `start..end` of the file, or `None` for all of it.
    pub range: Option<(u64, u64)>,
    /// What the bytes are, so that [`Engine::add`] knows what to do with
    /// them without guessing from the range.
    piece: Piece,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
enum Piece {
    /// A piece of an index file: a shard, a meta chunk, a record table.
    Part { kind: FileKind, span: Span },
    /// A document's record.
    Record(u32),
}

impl Need {
    /// Whether the bytes are deflated (a pack record, an index file's
    /// piece), so that the shell must inflate them before handing them to
    /// [`Engine::add`] (see [`bundle::pack`], [`bundle::index_file`]).
    pub fn deflated(&self) -> bool {
        matches!(self.piece, Piece::Record(_) | Piece::Part { .. })
    }

    /// Inflates this need's bytes, for native shells (the browser has its
    /// own inflater).
    pub fn inflate(&self, bytes: &[u8]) -> Result<Vec<u8>, BundleError> {
        match self.piece {
            Piece::Part { .. } => bundle::index_file::inflate(bytes),
            _ => bundle::pack::inflate(bytes),
        }
    }

    /// The kind of piece this need is for, if it is one.
    #[cfg(test)]
    pub(crate) fn piece_kind(&self) -> Option<FileKind> {
        match self.piece {
            Piece::Part { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// The same need a byte further into its file: a span no manifest
    /// lists.
    #[cfg(test)]
    pub(crate) fn shifted(&self) -> Need {
        let mut need = self.clone();
        if let Piece::Part { kind, span } = self.piece {
            let span = Span {
                start: span.start + 1,
                ..span
            };
            need.range = Some((span.range().start, span.range().end));
            need.piece = Piece::Part { kind, span };
        }
        need
    }

    /// A piece of an index file: a shard, a meta chunk or a record table
    /// (`kind`).
    pub(crate) fn part(manifest: &Manifest, kind: FileKind, span: Span) -> Need {
        let r = span.range();
        Need {
            // Every span's file was checked at [`Engine::open`].
            file: manifest.index_file(span).unwrap_or_default().to_string(),
            range: Some((r.start, r.end)),
            piece: Piece::Part { kind, span },
        }
    }

    /// This need's bytes out of the whole file's, for loaders that have the
    /// whole file (a bundle in memory, a host that ignores ranges).
    pub fn cut<'a>(&self, file: &'a [u8]) -> Result<&'a [u8], BundleError> {
        let Some((start, end)) = self.range else {
            return Ok(file);
        };
        bundle::pack::slice(file, start..end).ok_or_else(|| {
            BundleError::Corrupt(format!(
                "{} has {} bytes, fewer than the {start}..{end} asked for",
                self.file,
                file.len()
            ))
        })
    }
}

/// Needs of one file whose byte ranges meet end to start, fetched as one
/// range: a query's word, its stems and completions are often neighbouring
/// shards, laid end to end in an index file, and a page's results are
/// often neighbouring records of a pack. One request instead of several
/// costs no byte more, and over HTTP/1.1 (six connections to a host)
/// keeps a query's requests in one wave: a round trip less.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub file: String,
    /// `start..end` of the file, or `None` for all of it.
    pub range: Option<(u64, u64)>,
    /// The needs it holds: their places in the list [`batches`] was given.
    pub needs: Vec<usize>,
}

/// The fetches that bring `needs`: each need's range, with ranges of one
/// file that meet (one ends where the next starts) joined into one. A need
/// for a whole file is a fetch of its own.
pub fn batches(needs: &[Need]) -> Vec<Batch> {
    let mut out: Vec<Batch> = needs
        .iter()
        .enumerate()
        .map(|(i, n)| Batch {
            file: n.file.clone(),
            range: n.range,
            needs: vec![i],
        })
        .collect();
    // Joins a batch and one that starts where it ends, until none does: a
    // screen's needs are a few dozen, and no sort is compiled into the
    // wasm for them.
    'join: loop {
        for a in 0..out.len() {
            for b in 0..out.len() {
                let meet = match (out[a].range, out[b].range) {
                    (Some((_, end)), Some((start, _))) => a != b && end == start,
                    _ => false,
                };
                if meet && out[a].file == out[b].file {
                    let next = out.remove(b);
                    let a = if b < a { a - 1 } else { a };
                    if let (Some((_, end)), Some((_, next_end))) = (&mut out[a].range, next.range) {
                        *end = next_end;
                    }
                    out[a].needs.extend(next.needs);
                    continue 'join;
                }
            }
        }
        return out;
    }
}

impl Batch {
    /// `need`'s bytes out of what was fetched for this batch: its range's
    /// bytes, or the whole file from a host that ignores ranges.
    pub fn cut<'a>(&self, need: &Need, fetched: &'a [u8]) -> Result<&'a [u8], BundleError> {
        match (self.range, need.range) {
            // The batch's range, as asked: the need's part of it.
            (Some((start, end)), Some((s, e))) if fetched.len() as u64 == end - start => {
                match (s.checked_sub(start), e.checked_sub(start)) {
                    (Some(a), Some(b)) => bundle::pack::slice(fetched, a..b),
                    _ => None,
                }
                .ok_or_else(|| BundleError::Corrupt("a range outside its batch".into()))
            }
            // The whole file, from a host that ignores ranges.
            _ => need.cut(fetched),
        }
    }
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.range {
            Some((start, end)) => write!(f, "{} (bytes {start}..{end})", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// Why an engine operation could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// These bytes must be loaded first (see [`Engine::add`]).
    Missing(Vec<Need>),
    /// A loaded file is damaged or inconsistent.
    Bundle(BundleError),
}

impl From<BundleError> for EngineError {
    fn from(e: BundleError) -> Self {
        EngineError::Bundle(e)
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Missing(needs) => {
                f.write_str("bundle files not loaded:")?;
                for (i, n) in needs.iter().enumerate() {
                    write!(f, "{}{n}", if i == 0 { " " } else { ", " })?;
                }
                Ok(())
            }
            EngineError::Bundle(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EngineError {}

/// A matching document and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub doc: u32,
    pub score: f32,
}

/// A ranked result list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    /// Every match, best first; ties newest first.
    pub hits: Vec<Hit>,
    /// What matched, for highlighting.
    pub matched: Matched,
    /// No document has every word; these have some of them.
    pub partial: bool,
    /// `Some(n)` when `hits` holds only the best matches, as many as
    /// [`Engine::search_top`] was asked for or more, found in the heads of
    /// frequent words (see [`crate::bundle::postings`]): at least `n`
    /// documents match in all. [`Engine::search`] gives every one.
    pub more: Option<usize>,
}

impl Results {
    /// Reorders the hits newest first (document order), for "sort by date".
    pub fn sort_newest(&mut self) {
        self.hits.sort_unstable_by_key(|h| h.doc);
    }
}

/// A bundle's manifest plus whichever of its pieces have been loaded.
pub struct Engine {
    manifest: Manifest,
    terms: HashMap<Span, TermShard>,
    tails: HashMap<Span, TermShard>,
    slugs: HashMap<Span, Map<Vec<u8>>>,
    metas: HashMap<Span, Vec<DocMeta>>,
    /// Where each record of a pack is in it, by pack, once its record
    /// table is in.
    tables: HashMap<u32, Vec<Range<u64>>>,
    /// Articles read from their packs.
    articles: HashMap<u32, Article>,
    /// Decoded, scored term entries by shard and offset.
    cache: ByOffset<Span, Arc<Scored>>,
    words: Recent<WordKey, Arc<TermDocs>>,
    last: Recent<Query, Arc<Results>>,
    tokens: Recent<u32, Arc<ArticleTokens>>,
    /// Term shards larger than this hold a long posting list (see
    /// [`RELATED_OVERSIZE`]).
    oversized: u32,
}

impl Engine {
    /// Opens a bundle from the bytes of its `manifest.bin`.
    pub fn open(manifest: &[u8]) -> Result<Engine, BundleError> {
        let manifest: Manifest = bundle::decode(FileKind::Manifest, manifest)?;
        manifest.check()?;
        let shards = &manifest.term_shards;
        let total: u64 = shards.iter().map(|s| u64::from(s.at.len)).sum();
        let mean = total / (shards.len() as u64).max(1);
        Ok(Engine {
            oversized: u32::try_from(mean * RELATED_OVERSIZE).unwrap_or(u32::MAX),
            manifest,
            terms: HashMap::new(),
            tails: HashMap::new(),
            slugs: HashMap::new(),
            metas: HashMap::new(),
            tables: HashMap::new(),
            articles: HashMap::new(),
            cache: ByOffset::new(CACHE_POSTINGS),
            words: Recent::new(WORD_CACHE),
            last: Recent::new(LAST_RESULTS),
            tokens: Recent::new(TOKEN_CACHE),
        })
    }

    /// Bounds the decoded term entries kept across queries, in postings
    /// (2 million by default; 0 keeps none). What is kept never changes an
    /// answer, only how soon it comes.
    pub fn set_cache_limit(&mut self, postings: usize) {
        self.cache = ByOffset::new(postings);
        self.forget(false);
    }

    /// Forgets the answers kept across queries (each word's matches, the
    /// last results) and, with `entries`, what was decoded (term entries,
    /// articles' words): what a query costs the first time, for
    /// benchmarks. Loaded files stay.
    pub fn forget(&mut self, entries: bool) {
        if entries {
            self.cache = ByOffset::new(self.cache.limit());
            self.tokens.clear();
        }
        self.words.clear();
        self.last.clear();
    }

    /// Whether the entry memory holds an entry of a tail shard on its own.
    #[cfg(test)]
    pub(super) fn keeps_a_tail(&self) -> bool {
        self.tails.keys().any(|&s| self.cache.holds_file(s))
    }

    /// Whether any tail shard is loaded.
    #[cfg(test)]
    pub(super) fn has_tails(&self) -> bool {
        !self.tails.is_empty()
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether a piece (a shard, meta chunk or record table) is loaded.
    pub fn is_loaded(&self, span: Span) -> bool {
        [
            FileKind::Terms,
            FileKind::Tails,
            FileKind::Slugs,
            FileKind::Meta,
            FileKind::Records,
        ]
        .into_iter()
        .any(|kind| self.loaded(kind, span))
    }

    /// Whether a piece of `kind` is loaded.
    fn loaded(&self, kind: FileKind, span: Span) -> bool {
        match kind {
            FileKind::Terms => self.terms.contains_key(&span),
            FileKind::Tails => self.tails.contains_key(&span),
            FileKind::Slugs => self.slugs.contains_key(&span),
            FileKind::Meta => self.metas.contains_key(&span),
            FileKind::Records => self
                .table_pack(span)
                .is_some_and(|p| self.tables.contains_key(&p)),
            _ => false,
        }
    }

    /// The pack whose record table is at `span`, if one is. The tables
    /// are listed in the order they are laid out, which is the spans'
    /// order (file, then offset: see `bundle::manifest`), so a binary
    /// search finds one among a million articles' 1,900.
    fn table_pack(&self, span: Span) -> Option<u32> {
        let tables = &self.manifest.record_tables;
        tables.binary_search(&span).ok().map(|p| p as u32)
    }

    /// Every piece of the bundle not loaded yet (every shard, meta chunk
    /// and record table): for tools that load a whole index up front.
    pub fn pieces(&self) -> Vec<Need> {
        let m = &self.manifest;
        m.pieces()
            .filter(|&(kind, span)| !self.loaded(kind, span))
            .map(|(kind, span)| Need::part(m, kind, span))
            .collect()
    }

    /// Whether what `need` asks for is in already (another query may have
    /// brought it meanwhile).
    pub fn has(&self, need: &Need) -> bool {
        match need.piece {
            Piece::Part { kind, span } => self.loaded(kind, span),
            Piece::Record(doc) => self.articles.contains_key(&doc),
        }
    }

    /// Whether a document's article is loaded (for its snippet and view).
    pub fn has_article(&self, doc: u32) -> bool {
        self.articles.contains_key(&doc)
    }

    /// Validates and adds the bytes `need` asked for, inflated if
    /// [`Need::deflated`].
    pub fn add(&mut self, need: &Need, bytes: &[u8]) -> Result<(), BundleError> {
        match need.piece {
            Piece::Part { kind, span } => self.add_piece(kind, span, bytes),
            Piece::Record(doc) => {
                let article = bundle::pack::decode_article(bytes)?;
                self.articles.insert(doc, article);
                Ok(())
            }
        }
    }

    /// Works out the words of the article `need` brought, once it is added
    /// (segmented, normalised, folded and stemmed: what its snippet is made
    /// from, see [`Engine::snippets`]); nothing for any other piece, or
    /// for an article not loaded. A page
    /// of results asks for its articles together and they come in one by
    /// one: a shell that calls this as each is added has the first ones'
    /// words ready while the last are on their way, and the page's
    /// snippets wait for the last article's words alone.
    pub fn prepare_snippet(&self, need: &Need) {
        if let Piece::Record(doc) = need.piece {
            // An article not loaded is an error, and nothing to work out.
            let _ = self.tokens(doc);
        }
    }

    /// Whether a document's words are worked out (see
    /// [`Engine::prepare_snippet`]).
    #[cfg(test)]
    pub(super) fn has_words(&self, doc: u32) -> bool {
        self.tokens.get(&doc).is_some()
    }

    /// Validates and adds an inflated piece: a shard, meta chunk or record
    /// table that the manifest lists as `kind` at `span`, whose own header
    /// must say the same.
    fn add_piece(&mut self, kind: FileKind, span: Span, bytes: &[u8]) -> Result<(), BundleError> {
        let m = &self.manifest;
        let listed = match kind {
            FileKind::Terms => m.term_shards.iter().any(|s| s.at == span),
            FileKind::Tails => m.tail_shards.iter().any(|s| s.at == span),
            FileKind::Slugs => m.slug_shards.iter().any(|s| s.at == span),
            FileKind::Meta => m.meta_chunks.contains(&span),
            FileKind::Records => self.table_pack(span).is_some(),
            _ => false,
        };
        if !listed {
            return Err(BundleError::Corrupt(format!(
                "no {} piece at bytes {}..{} of index file {} in this bundle",
                kind.prefix(),
                span.range().start,
                span.range().end,
                span.file
            )));
        }
        bundle::index_file::check_piece(kind, bytes)?;
        match kind {
            FileKind::Terms => {
                self.terms
                    .insert(span, decode_term_shard(FileKind::Terms, bytes)?);
            }
            FileKind::Tails => {
                self.tails
                    .insert(span, decode_term_shard(FileKind::Tails, bytes)?);
            }
            FileKind::Slugs => {
                self.slugs.insert(span, decode_slug_shard(bytes)?);
            }
            FileKind::Records => {
                let pack = self.table_pack(span).expect("listed: checked above");
                let docs = self.manifest.pack_docs(pack);
                let ranges = bundle::pack::record_ranges(bytes, docs)?;
                self.tables.insert(pack, ranges);
            }
            _ => {
                let metas: Vec<DocMeta> = bundle::decode(FileKind::Meta, bytes)?;
                self.metas.insert(span, metas);
            }
        }
        Ok(())
    }

    /// Ok if the pieces of `kind` at `spans` are loaded, else what to load.
    fn require(
        &self,
        kind: FileKind,
        spans: impl IntoIterator<Item = Span>,
    ) -> Result<(), EngineError> {
        let mut missing: Vec<Span> = spans
            .into_iter()
            .filter(|&s| !self.loaded(kind, s))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Missing(
                missing
                    .into_iter()
                    .map(|s| Need::part(&self.manifest, kind, s))
                    .collect(),
            ))
        }
    }

    /// How each query word is looked up: which keys and key ranges.
    fn plan(&self, t: &QueryTerm) -> TermPlan {
        let mut exact: Vec<(Vec<u8>, f32, Via)> =
            vec![(t.folded.as_bytes().to_vec(), 1.0, Via::Word)];
        let chars = t.folded.chars().count();
        if !t.literal {
            for lang in &self.manifest.stem_langs {
                if let Some(s) = crate::analysis::stem_always(lang, &t.exact) {
                    if s != t.folded {
                        exact.push((s.as_bytes().to_vec(), STEM_WEIGHT, Via::Word));
                    }
                    exact.push((stem_key(&s), STEM_WEIGHT, Via::Stem));
                }
            }
        }
        exact.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        exact.dedup_by(|a, b| a.0 == b.0);
        let prefix = if t.prefix {
            Some(PREFIX_WEIGHT)
        } else if !t.literal && chars >= COMPOUND_MIN_CHARS {
            Some(COMPOUND_WEIGHT)
        } else {
            None
        };
        let fuzzy = match chars {
            _ if t.literal || t.folded.chars().any(|c| c.is_numeric()) => 0,
            n if n >= FUZZY2_MIN_CHARS => 2,
            n if n >= FUZZY1_MIN_CHARS => 1,
            _ => 0,
        };
        TermPlan {
            exact,
            prefix,
            fuzzy,
        }
    }

    /// The term shards a query needs before it can run: those of its words,
    /// their stems and completions. The shards to look for typos in are not
    /// among them: most words are found as typed, and a frequent word never
    /// looks for typos, so those shards are asked for (one more round trip)
    /// only once a word turns out rare.
    pub fn shards_for(&self, q: &Query) -> Vec<Span> {
        let plans: Vec<TermPlan> = q.terms.iter().map(|t| self.plan(t)).collect();
        self.shards_planned(q, &plans)
    }

    /// [`Engine::shards_for`] with the query words' plans worked out.
    fn shards_planned(&self, q: &Query, plans: &[TermPlan]) -> Vec<Span> {
        let shards = &self.manifest.term_shards;
        let mut files: Vec<Span> = Vec::new();
        // An exact key is in one shard; completions in the first few of
        // their range.
        let mut exact: Vec<Vec<u8>> = Vec::new();
        for (t, plan) in q.terms.iter().zip(plans) {
            exact.extend(plan.exact.iter().map(|(k, ..)| k.clone()));
            if plan.prefix.is_some() {
                let range = self.completion_shards(t.folded.as_bytes());
                files.extend(range.iter().map(|s| s.at));
            }
        }
        exact.extend(q.excluded.iter().map(|t| t.folded.as_bytes().to_vec()));
        exact.extend(q.filters.iter().map(|f| facet_key(&f.facet, &f.value)));
        files.extend(
            exact
                .iter()
                .filter_map(|k| shard_for(shards, k))
                .map(|s| s.at),
        );
        files.sort_unstable();
        files.dedup();
        files
    }

    /// `key`'s entry, whole if `all`, else perhaps a head (see
    /// [`Engine::scored`]).
    fn entry(&self, key: &[u8], all: bool) -> Result<Option<Arc<Scored>>, EngineError> {
        let Some(shard_ref) = shard_for(&self.manifest.term_shards, key) else {
            return Ok(None);
        };
        self.require(FileKind::Terms, [shard_ref.at])?;
        match self.terms[&shard_ref.at].map.get(key) {
            Some(offset) => Ok(Some(self.scored(shard_ref.at, offset, key, all)?)),
            None => Ok(None),
        }
    }

    /// The entry of `key` at `offset` of a loaded term shard, decoded and
    /// scored once and then taken from the cache. A frequent word's entry
    /// is its head: merged with its tail once the tail's shard is loaded,
    /// the head alone until then, unless `all` asks for the whole entry.
    fn scored(
        &self,
        span: Span,
        offset: u64,
        key: &[u8],
        all: bool,
    ) -> Result<Arc<Scored>, EngineError> {
        let head = self.decoded(span, offset)?;
        if head.entry.tail.is_none() {
            return Ok(head);
        }
        let tails = self.tail_shard(key)?;
        if !self.tails.contains_key(&tails) && !all {
            return Ok(head);
        }
        // Kept under the head's place with a bit no offset has.
        let whole = offset | MERGED;
        if let Some(hit) = self.cache.get(span, whole) {
            return Ok(hit);
        }
        self.require(FileKind::Tails, [tails])?;
        let Some(at) = self.tails[&tails].map.get(key) else {
            return Err(BundleError::Corrupt("a head entry whose tail is missing".into()).into());
        };
        // Decoded for the merge alone: the whole entry is what is kept, and
        // its tail, most of it, kept as well would weigh twice on the
        // entry memory (which starts afresh when full).
        let m = &self.manifest;
        let tail = self.tails[&tails].entry(at, m.doc_count)?;
        let tail = Scored::new(tail, m.doc_count, m.avg_body_len);
        let scored = Arc::new(Scored::merged(&head, &tail).map_err(BundleError::Corrupt)?);
        self.cache
            .put(span, whole, scored.clone(), scored.entry.len());
        Ok(scored)
    }

    /// The entry at `offset` of the term shard at `span`, decoded and
    /// scored once and then taken from the cache.
    fn decoded(&self, span: Span, offset: u64) -> Result<Arc<Scored>, EngineError> {
        if let Some(hit) = self.cache.get(span, offset) {
            return Ok(hit);
        }
        let Some(shard) = self.terms.get(&span) else {
            let need = Need::part(&self.manifest, FileKind::Terms, span);
            return Err(EngineError::Missing(vec![need]));
        };
        let m = &self.manifest;
        let entry = shard.entry(offset, m.doc_count)?;
        let scored = Arc::new(Scored::new(entry, m.doc_count, m.avg_body_len));
        self.cache
            .put(span, offset, scored.clone(), scored.entry.len());
        Ok(scored)
    }

    /// The tail shards of the query words' exact keys (the words and their
    /// stems) that the manifest shows split and that are not loaded: a tail
    /// shard's first key is its first tail's, and a tail as large as most
    /// are fills a shard of its own.
    fn known_tails<'a>(&'a self, plans: &'a [TermPlan]) -> impl Iterator<Item = Span> + 'a {
        let mut spans: Vec<Span> = (plans.iter())
            .flat_map(|p| &p.exact)
            .filter_map(|(key, ..)| self.tail_shard(key).ok())
            .filter(|&s| !self.loaded(FileKind::Tails, s))
            .collect();
        spans.sort_unstable();
        spans.dedup();
        spans.into_iter()
    }

    /// The tail shard of the split word `key`: the one whose first key it
    /// is (each tail is a shard of its own).
    fn tail_shard(&self, key: &[u8]) -> Result<Span, EngineError> {
        let tails = &self.manifest.tail_shards;
        match tails.binary_search_by(|t| t.first_key.as_slice().cmp(key)) {
            Ok(at) => Ok(tails[at].at),
            Err(_) => Err(BundleError::Corrupt("a head entry without a tail shard".into()).into()),
        }
    }

    /// Words found in fewer documents than this look for typos.
    fn fuzzy_threshold(&self) -> usize {
        (self.manifest.doc_count as usize / 500).max(FUZZY_DF_THRESHOLD)
    }

    /// The term shards completions of `prefix` come from: the first
    /// [`COMPLETION_SHARDS`] of its key range.
    fn completion_shards(&self, prefix: &[u8]) -> &[ShardRef] {
        let hi = prefix_upper_bound(prefix);
        let range = shards_in_range(&self.manifest.term_shards, prefix, hi.as_deref());
        &range[..range.len().min(COMPLETION_SHARDS)]
    }

    /// The term shards typos of `word` are looked for in: [`TYPO_SHARDS`]
    /// around the word's place under its first letter, or `everywhere`.
    fn typo_shards(&self, word: &str, everywhere: bool) -> &[ShardRef] {
        let all = &self.manifest.term_shards;
        if everywhere {
            return all;
        }
        let lo = first_char(word).as_bytes();
        let hi = prefix_upper_bound(lo);
        let range = shards_in_range(all, lo, hi.as_deref());
        let at = range
            .partition_point(|s| s.first_key.as_slice() <= word.as_bytes())
            .saturating_sub(1);
        let end = (at.saturating_sub(TYPO_SHARDS / 2) + TYPO_SHARDS).min(range.len());
        &range[end.saturating_sub(TYPO_SHARDS)..end]
    }

    /// Whether typos in a word's first letter are looked for (see
    /// [`WIDE_TYPO_SHARDS`]).
    fn wide_typos(&self) -> bool {
        self.manifest.term_shards.len() <= WIDE_TYPO_SHARDS
    }

    /// Streams the keys of `shards` in `[lo, upper(lo))` that `aut` accepts,
    /// at most `cap` of them.
    fn scan<A: Automaton>(
        &self,
        shards: &[ShardRef],
        lo: &[u8],
        aut: &A,
        cap: usize,
    ) -> Result<Vec<Found>, EngineError> {
        let hi = prefix_upper_bound(lo);
        self.require(FileKind::Terms, shards.iter().map(|s| s.at))?;
        let mut out = Vec::new();
        for s in shards {
            let shard = &self.terms[&s.at];
            let range = shard.map.search(aut).ge(lo);
            let mut stream = match &hi {
                Some(hi) => range.lt(hi).into_stream(),
                None => range.into_stream(),
            };
            while let Some((k, off)) = stream.next() {
                if out.len() >= cap {
                    return Ok(out);
                }
                out.push((k.to_vec(), off, s.at));
            }
        }
        Ok(out)
    }

    /// The dictionary entries a query word stands for, with their weights:
    /// the word, its stems, completions (the word being typed, or compound
    /// heads such as `Umwelt` → `Umweltschutz`) and near misses within the
    /// typo budget.
    fn expand(
        &self,
        t: &QueryTerm,
        plan: &TermPlan,
        wide: bool,
        typos: bool,
    ) -> Result<Vec<Expansion>, EngineError> {
        let fuzzy = if typos { plan.fuzzy } else { 0 };
        let mut out: Vec<Expansion> = Vec::new();
        for (key, weight, via) in &plan.exact {
            if let Some(entry) = self.entry(key, false)? {
                out.push(Expansion {
                    key: key.clone(),
                    weight: *weight,
                    via: *via,
                    entry,
                });
            }
        }
        let typed = t.folded.chars().count() as f32;
        let mut candidates: Vec<Candidate> = Vec::new();
        if let Some(w) = plan.prefix {
            let lo = t.folded.as_bytes();
            let mut completions: Vec<Candidate> = Vec::new();
            let shards = self.completion_shards(lo);
            for (k, off, file) in self.scan(shards, lo, &fst::automaton::AlwaysMatch, SCAN_CAP)? {
                // The word's own stem keys sort among its completions.
                if !is_word_key(&k) {
                    continue;
                }
                let len = String::from_utf8_lossy(&k).chars().count().max(1) as f32;
                completions.push((k, w * (typed / len).sqrt(), Via::Prefix, off, file));
            }
            if !t.prefix {
                // Compound heads: the closest (shortest) compounds only.
                completions.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
                completions.truncate(MAX_COMPOUNDS);
            }
            candidates.extend(completions);
        }
        // Typo tolerance is for words that (nearly) do not occur: a word
        // found in many documents is taken as meant, which also spares
        // decoding the long posting lists of its frequent neighbours. The
        // same holds in the `wide` retry.
        // A word being typed that has completions is taken as meant too.
        // (Counted whole: a head's answer is the whole entry's.)
        let found_docs = (out.iter())
            .map(|e| e.entry.entry.total_docs())
            .max()
            .unwrap_or(0);
        let completed = t.prefix && !candidates.is_empty();
        if fuzzy > 0 && found_docs < self.fuzzy_threshold() && !completed {
            // Typos are looked for near the word under its first letter;
            // in a small bundle, `wide` (a retry after no results, asked
            // for only there) and a word with no match at all look under
            // every letter.
            debug_assert!(!wide || self.wide_typos());
            let mut found = self.fuzzy(t, fuzzy, wide)?;
            let nothing = found.is_empty() && out.is_empty() && candidates.is_empty();
            if nothing && !wide && self.wide_typos() {
                found = self.fuzzy(t, fuzzy, true)?;
            }
            candidates.extend(found);
        }
        // Closest completions first: shorter keys, then fewer typos.
        candidates.retain(|c| !out.iter().any(|e| e.key == c.0));
        candidates.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(a.0.len().cmp(&b.0.len()))
                .then(a.0.cmp(&b.0))
        });
        candidates.dedup_by(|a, b| a.0 == b.0);
        candidates.truncate(max_expansions(t.folded.chars().count()));
        let budget = (self.manifest.doc_count as usize / 2).max(EXPANSION_POSTINGS);
        let mut spent = 0;
        for (key, weight, via, off, file) in candidates {
            if spent >= budget {
                break;
            }
            let entry = self.scored(file, off, &key, false)?;
            spent += entry.entry.total_docs();
            out.push(Expansion {
                key,
                weight,
                via,
                entry,
            });
        }
        Ok(out)
    }

    /// Keys within `distance` edits of the word (of a prefix of the keys
    /// while the word is being typed), in the shards below `lo`.
    fn fuzzy(
        &self,
        t: &QueryTerm,
        distance: u32,
        everywhere: bool,
    ) -> Result<Vec<Candidate>, EngineError> {
        // A Levenshtein automaton that would exceed its state budget is
        // refused by fst; such a word simply gets no typo tolerance.
        let Ok(lev) = Levenshtein::new(&t.folded, distance) else {
            return Ok(Vec::new());
        };
        let weight = if distance == 1 {
            FUZZY1_WEIGHT
        } else {
            FUZZY2_WEIGHT
        };
        let shards = self.typo_shards(&t.folded, everywhere);
        let lo = if everywhere {
            &b""[..]
        } else {
            first_char(&t.folded).as_bytes()
        };
        let found = if t.prefix {
            self.scan(shards, lo, &lev.starts_with(), SCAN_CAP)?
        } else {
            self.scan(shards, lo, &lev, SCAN_CAP)?
        };
        let mut out: Vec<Candidate> = found
            .into_iter()
            .filter(|(k, ..)| is_word_key(k))
            .map(|(k, off, file)| (k, weight, Via::Fuzzy, off, file))
            .collect();
        // Swapped neighbours ("Samsnug") are the commonest typo but cost two
        // Levenshtein edits; look each transposition up directly, in the
        // shards already loaded.
        let chars: Vec<char> = t.folded.chars().collect();
        for i in 0..chars.len().saturating_sub(1) {
            if chars[i] == chars[i + 1] {
                continue;
            }
            let mut v = chars.clone();
            v.swap(i, i + 1);
            let key: String = v.into_iter().collect();
            let Some(s) = shard_for(&self.manifest.term_shards, key.as_bytes()) else {
                continue;
            };
            if let Some(shard) = self.terms.get(&s.at) {
                if let Some(off) = shard.map.get(key.as_bytes()) {
                    out.push((key.into_bytes(), FUZZY1_WEIGHT, Via::Fuzzy, off, s.at));
                }
            }
        }
        Ok(out)
    }

    /// Documents carrying any of the values filtered on, per facet; `None`
    /// when the query has no filter.
    fn allowed(&self, q: &Query) -> Result<Option<HashSet<u32>>, EngineError> {
        let mut allowed: Option<HashSet<u32>> = None;
        for facet in crate::index::FACETS {
            let mut values = q.filter_values(facet).peekable();
            if values.peek().is_none() {
                continue;
            }
            let mut docs = HashSet::new();
            for v in values {
                if let Some(e) = self.entry(&facet_key(facet, v), true)? {
                    docs.extend(e.entry.docs.iter().copied());
                }
            }
            allowed = Some(match allowed {
                Some(a) => a.intersection(&docs).copied().collect(),
                None => docs,
            });
        }
        Ok(allowed)
    }

    /// Runs a query. Needs the shards [`Engine::shards_for`] names, and for a
    /// rare word the term shards its typos are looked for in.
    ///
    /// When nothing has every word and typo tolerance is in play, a small
    /// bundle's words are looked up again with typos under every first
    /// letter (`Xamsung` → `Samsung`); that retry needs every term shard.
    /// When still nothing has every word, the documents with most of them
    /// are returned, marked [`Results::partial`], rather than an empty page.
    ///
    /// Every match is ranked: frequent words' tails are needed too (see
    /// [`Engine::search_top`]).
    ///
    /// The last four answers are kept: a screen asks for its query again
    /// for facet counts, another page or order.
    pub fn search(&self, q: &Query) -> Result<Results, EngineError> {
        if let Some(r) = self.last.get(q) {
            return Ok(Results::clone(&r));
        }
        let results = Arc::new(self.run(q, None)?);
        self.last.put(q.clone(), results.clone());
        Ok(Results::clone(&results))
    }

    /// What [`Engine::search_top`] (`top` some) or [`Engine::search`]
    /// (`top` none) asks for first for `q`, worked out without running it:
    /// its term shards not loaded yet, and with them the tails it will
    /// need that the manifest names. Empty once those are loaded (what
    /// else the query needs shows only as it runs). A shell that hands the
    /// query to another engine (the browser's search worker, while it
    /// starts) can fetch these meanwhile, and cheaply: no entry is decoded.
    pub fn first_needs(&self, q: &Query, top: Option<usize>) -> Vec<Need> {
        let plans: Vec<TermPlan> = q.terms.iter().map(|t| self.plan(t)).collect();
        self.first_needs_planned(q, &plans, top)
    }

    /// [`Engine::first_needs`] with the query words' plans worked out.
    fn first_needs_planned(&self, q: &Query, plans: &[TermPlan], top: Option<usize>) -> Vec<Need> {
        let shards = self.shards_planned(q, plans);
        let Err(EngineError::Missing(mut needs)) = self.require(FileKind::Terms, shards) else {
            return Vec::new();
        };
        // With the term shards, the tails the query will need: a query for
        // every match needs them all, and the heads of a query of several
        // words seldom decide its first page (proximity could raise a
        // document of the tails that far), so the tails known from the
        // manifest come in the same round trip. Those of completions are
        // known from the term shards only.
        if top.is_none() || q.terms.len() > 1 {
            let known = self.known_tails(plans);
            needs.extend(known.map(|s| Need::part(&self.manifest, FileKind::Tails, s)));
        }
        needs
    }

    /// Runs a query for its best `n` matches at least: those
    /// [`Engine::search`] ranks first, in the same order. Frequent words'
    /// heads often decide them (and a word's head is a small part of its
    /// entry); when they do, the answer holds only the matches they decide
    /// ([`Results::more`]), else the tails are needed, as for
    /// [`Engine::search`]. At most the first 200 are decided from heads.
    pub fn search_top(&self, q: &Query, n: usize) -> Result<Results, EngineError> {
        if let Some(r) = self.last.get(q) {
            return Ok(Results::clone(&r));
        }
        let results = self.run(q, Some(n))?;
        if results.more.is_none() {
            self.last.put(q.clone(), Arc::new(results.clone()));
        }
        Ok(results)
    }

    /// Articles like article `doc`, best first, at most `n`: "more like
    /// this" from its title. Each of the title's distinct words (its
    /// [`RELATED_WORDS`] longest, see [`Query::keep_longest`], but none in
    /// an oversized term shard, see [`RELATED_OVERSIZE`]) is looked up as
    /// written, and by its stem in the article's language where the stem's
    /// key is in the same term shard: no typos (a title is not typed), no
    /// compounds, and no stem that would cost another shard (every stem and
    /// compound, as a query looks them up, cost twice the bytes at 100,000
    /// articles). An article scores
    /// the sum of its words' scores, with no word required: BM25's weights
    /// let the title's telling words decide and its common ones barely
    /// count.
    ///
    /// A frequent word counts with its head alone (the documents it weighs
    /// most in, see [`crate::bundle::postings`]); its tail is never asked
    /// for. So a list of related articles needs the title's term shards and
    /// nothing else whatever the bundle's size, and it is decided as soon
    /// as they are in. An article that scores under [`RELATED_SHARE`] of
    /// what `doc` scores for its own title shares only common words with
    /// it, and is left out: no related article is better than a stray one.
    /// Needs `doc`'s listing data (see [`Engine::meta`]).
    pub fn related(&self, doc: u32, n: usize) -> Result<Vec<Hit>, EngineError> {
        let meta = self.meta(doc)?;
        let mut q = Query::words(&meta.title);
        let terms = &self.manifest.term_shards;
        let shard = |key: &[u8]| shard_for(terms, key).map(|s| s.at);
        let small =
            |t: &QueryTerm| shard(t.folded.as_bytes()).is_none_or(|s| s.len <= self.oversized);
        q.terms.retain(small);
        q.keep_longest(RELATED_WORDS);
        let stems = self.manifest.stem_langs.contains(&meta.lang);
        let plans: Vec<TermPlan> = (q.terms.iter())
            .map(|t| {
                let word = t.folded.as_bytes().to_vec();
                // Its stem in the article's language too, where that costs
                // nothing: its key is in the word's own term shard.
                let stem = (stems.then(|| crate::analysis::stem_always(&meta.lang, &t.exact)))
                    .flatten()
                    .map(|s| stem_key(&s))
                    .filter(|key| shard(key) == shard(&word));
                let mut exact = vec![(word, 1.0, Via::Word)];
                exact.extend(stem.map(|key| (key, STEM_WEIGHT, Via::Stem)));
                TermPlan {
                    exact,
                    prefix: None,
                    fuzzy: 0,
                }
            })
            .collect();
        self.require(FileKind::Terms, self.shards_planned(&q, &plans))?;
        // Looked up afresh, not through the word memory: its matches are a
        // query word's, planned otherwise.
        let per_term = (q.terms.iter().zip(&plans))
            .map(|(t, plan)| Ok(Arc::new(self.look_up(t, plan, false, false, &|_| true)?)))
            .collect::<Result<Vec<_>, EngineError>>()?;
        let hits = combine(&q, &per_term, Mode::Sum);
        let own = hits.iter().find(|h| h.doc == doc).map_or(0.0, |h| h.score);
        Ok(hits
            .into_iter()
            .filter(|h| h.doc != doc && h.score >= own * RELATED_SHARE)
            .take(n)
            .collect())
    }

    /// Runs a query: for every match (`top` none), or for the best `top`
    /// (see [`Engine::search_top`]).
    fn run(&self, q: &Query, top: Option<usize>) -> Result<Results, EngineError> {
        // How each word is looked up, worked out once for the query.
        let plans: Vec<TermPlan> = q.terms.iter().map(|t| self.plan(t)).collect();
        let needs = self.first_needs_planned(q, &plans, top);
        if !needs.is_empty() {
            return Err(EngineError::Missing(needs));
        }
        let allowed = self.allowed(q)?;
        let mut excluded: HashSet<u32> = HashSet::new();
        for t in &q.excluded {
            if let Some(e) = self.entry(t.folded.as_bytes(), true)? {
                excluded.extend(e.entry.docs.iter().copied());
            }
        }
        let keep = |doc: u32| {
            !excluded.contains(&doc) && allowed.as_ref().is_none_or(|a| a.contains(&doc))
        };

        let mut results = Results::default();
        if q.terms.is_empty() {
            let docs: Vec<u32> = match &allowed {
                Some(a) => {
                    let mut v: Vec<u32> = a.iter().copied().collect();
                    v.sort_unstable();
                    v
                }
                None => (0..self.manifest.doc_count).collect(),
            };
            results.hits = docs
                .into_iter()
                .filter(|&d| keep(d))
                .map(|doc| Hit { doc, score: 0.0 })
                .collect();
            return Ok(results);
        }

        // Typo tolerance for the first few words that can have it: each
        // costs an automaton and posting lists, and a query of many words
        // is found by its other words.
        let mut typo_words = 0;
        let typos: Vec<bool> = plans
            .iter()
            .map(|plan| {
                let ok = plan.fuzzy > 0 && typo_words < MAX_TYPO_WORDS;
                typo_words += ok as usize;
                ok
            })
            .collect();
        let mut per_term = Vec::with_capacity(q.terms.len());
        for ((t, plan), &typo) in q.terms.iter().zip(&plans).zip(&typos) {
            per_term.push(self.term_docs(q, t, plan, (false, typo), &keep)?);
        }
        results.hits = combine(q, &per_term, Mode::All);
        // Some words' tails are not loaded: the heads may decide the best,
        // else every tail the query's words have is needed (at once: one
        // round trip).
        let tails: Vec<&TailOf> = per_term.iter().flat_map(|t| &t.tails).collect();
        if !tails.is_empty() {
            let decided = top.map_or(0, |_| settled(q, &per_term, &results.hits));
            if top.is_some_and(|n| decided >= n.max(1)) {
                let found = results.hits.len();
                results.hits.truncate(decided);
                results.more = Some(found);
                results.matched.terms = per_term.iter().map(|t| t.matched.clone()).collect();
                return Ok(results);
            }
            self.require(FileKind::Tails, tails.iter().map(|t| t.shard))?;
        }
        // Retry wider only when every word matched something but no
        // document has them all: a word that matched nothing anywhere (its
        // typo scan already covered every letter) cannot be helped by it.
        let all_found = per_term.iter().all(|t| !t.rows.is_empty());
        if results.hits.is_empty() && all_found && self.wide_typos() {
            for (i, t) in q.terms.iter().enumerate() {
                // Only words rare enough to look for typos expand differently.
                if typos[i] && per_term[i].rows.len() < self.fuzzy_threshold() {
                    per_term[i] = self.term_docs(q, t, &plans[i], (true, true), &keep)?;
                }
            }
            results.hits = combine(q, &per_term, Mode::All);
        }
        if results.hits.is_empty() && q.terms.len() > 1 {
            results.hits = combine(q, &per_term, Mode::Any);
            results.partial = !results.hits.is_empty();
        }
        results.matched.terms = per_term.iter().map(|t| t.matched.clone()).collect();
        Ok(results)
    }

    /// One query word's matches, from the word cache or looked up.
    fn term_docs(
        &self,
        q: &Query,
        t: &QueryTerm,
        plan: &TermPlan,
        (wide, typos): (bool, bool),
        keep: &dyn Fn(u32) -> bool,
    ) -> Result<Arc<TermDocs>, EngineError> {
        let key = WordKey {
            term: t.clone(),
            wide,
            typos,
            excluded: q.excluded.clone(),
            filters: q.filters.clone(),
        };
        // Matches from heads serve until a tail of theirs is in.
        let current =
            |d: &Arc<TermDocs>| d.tails.iter().all(|x| !self.tails.contains_key(&x.shard));
        if let Some(docs) = self.words.get(&key).filter(current) {
            return Ok(docs);
        }
        let docs = Arc::new(self.look_up(t, plan, wide, typos, keep)?);
        self.words.put(key, docs.clone());
        Ok(docs)
    }

    /// One query word's matches: per document its best score and positions,
    /// and the dictionary words that matched; from the heads of frequent
    /// words whose tails are not loaded (see [`TermDocs::tails`]).
    fn look_up(
        &self,
        t: &QueryTerm,
        plan: &TermPlan,
        wide: bool,
        typos: bool,
        keep: &dyn Fn(u32) -> bool,
    ) -> Result<TermDocs, EngineError> {
        let mut matched = TermMatch::default();
        let mut entries = Vec::new();
        let mut tails = Vec::new();
        // One run of matches per dictionary word, each in document order.
        let mut runs: Vec<Run> = Vec::new();
        let expansions = self.expand(t, plan, wide, typos)?;
        for (xi, x) in expansions.into_iter().enumerate() {
            let e = &x.entry.entry;
            let (tf, weight) = (&x.entry.tf, x.weight * x.entry.idf);
            let exact_id = (x.key == t.folded.as_bytes())
                .then(|| e.variants.iter().position(|v| *v == t.exact))
                .flatten();
            if let Some(tail) = e.tail {
                // No document of the tail weighs more than this.
                let bonus = if exact_id.is_some() { EXACT_BONUS } else { 1.0 };
                tails.push(TailOf {
                    expansion: xi as u16,
                    bound: weight * tail.max_tf * bonus,
                    positions: e.has_positions(),
                    shard: self.tail_shard(&x.key)?,
                });
            }
            // Sized for every document up front: grown push by push, its
            // reallocations were a tenth of a warm one-word query.
            let mut run = Vec::with_capacity(e.docs.len());
            for (i, &doc) in e.docs.iter().enumerate() {
                if !keep(doc) {
                    continue;
                }
                let mut s = weight * tf[i];
                if exact_id.is_some_and(|v| e.has_variant(i, v)) {
                    s *= EXACT_BONUS;
                }
                run.push((doc, s, i as u32));
            }
            if !run.is_empty() {
                let (set, key) = match x.via {
                    Via::Stem => (&mut matched.stems, stem_of_key(&x.key).unwrap_or(&x.key)),
                    Via::Fuzzy => (&mut matched.fuzzy, &x.key[..]),
                    Via::Word | Via::Prefix => (&mut matched.words, &x.key[..]),
                };
                set.insert(String::from_utf8_lossy(key).into_owned());
                runs.push((xi as u16, run));
            }
            entries.push(x.entry);
        }
        let (rows, occ) = merge_runs(runs);
        Ok(TermDocs {
            rows,
            occ,
            matched,
            entries,
            tails,
        })
    }

    /// How many of `hits` carry each listed value of each facet (language,
    /// year, publisher), for the viewer's facet lists. Values with no hit are
    /// left out.
    pub fn facet_counts(&self, hits: &[Hit]) -> Result<Vec<FacetCounts>, EngineError> {
        let m = &self.manifest;
        let lists: [(&str, &Vec<crate::bundle::FacetCount>); 3] = [
            ("lang", &m.langs),
            ("year", &m.years),
            ("pub", &m.publishers),
        ];
        let keys: Vec<Vec<u8>> = lists
            .iter()
            .flat_map(|(f, vs)| vs.iter().map(move |v| facet_key(f, &v.value)))
            .collect();
        let shards = keys
            .iter()
            .filter_map(|k| shard_for(&m.term_shards, k))
            .map(|s| s.at);
        self.require(FileKind::Terms, shards)?;
        // The hits as a bit set: one bit per document.
        let mut docs = vec![0u64; (m.doc_count as usize).div_ceil(64)];
        for h in hits {
            if let Some(word) = docs.get_mut(h.doc as usize / 64) {
                *word |= 1 << (h.doc % 64);
            }
        }
        let hit = |d: u32| {
            docs.get(d as usize / 64)
                .is_some_and(|w| w & (1 << (d % 64)) != 0)
        };
        let mut out = Vec::new();
        for (facet, values) in lists {
            let mut counts = Vec::new();
            for v in values {
                let count = match self.entry(&facet_key(facet, &v.value), true)? {
                    Some(e) => e.entry.docs.iter().filter(|&&d| hit(d)).count() as u32,
                    None => 0,
                };
                if count > 0 {
                    counts.push(crate::bundle::FacetCount {
                        value: v.value.clone(),
                        count,
                    });
                }
            }
            out.push(FacetCounts {
                facet: facet.to_string(),
                values: counts,
            });
        }
        Ok(out)
    }

    /// What a shell should load along with its first query's pieces, so
    /// that no query waits for it later: a small bundle's record tables
    /// (see [`Manifest::prefetched_tables`]), those not loaded yet.
    pub fn prefetch(&self) -> Vec<Need> {
        self.tables_to_load(self.manifest.prefetched_tables())
    }

    /// What a shell should load in the background once its first results
    /// are on screen, so that no later query waits for it: a mid-sized
    /// bundle's record tables (see [`Manifest::background_tables`]), all of
    /// them while any is not loaded (they lie end to end: one range, where
    /// those that queries loaded already would cut it into many), none once
    /// all are. A help, not a need: a shell that cannot have them goes on
    /// without.
    pub fn background(&self) -> Vec<Need> {
        let spans = self.manifest.background_tables();
        if spans.iter().all(|&s| self.loaded(FileKind::Records, s)) {
            return Vec::new();
        }
        let m = &self.manifest;
        (spans.iter())
            .map(|&span| Need::part(m, FileKind::Records, span))
            .collect()
    }

    /// The record tables of `spans` not loaded yet.
    fn tables_to_load(&self, spans: &[Span]) -> Vec<Need> {
        spans
            .iter()
            .filter(|&&span| !self.loaded(FileKind::Records, span))
            .map(|&span| Need::part(&self.manifest, FileKind::Records, span))
            .collect()
    }

    /// Reports, all at once, what the given documents need and is not
    /// loaded yet: their meta chunks for a listing, or with `bodies` their
    /// articles (which hold everything a meta chunk would: a result with a
    /// snippet never costs a meta chunk as well).
    pub fn need_docs(&self, docs: &[u32], bodies: bool) -> Result<(), EngineError> {
        if !bodies {
            let chunks = docs.iter().filter_map(|&d| self.manifest.meta_chunk(d));
            return self.require(FileKind::Meta, chunks);
        }
        // A page's few documents, in the order asked for; the record
        // table of those that share a pack once.
        let mut missing: Vec<Need> = Vec::new();
        for &d in docs {
            let Some(need) = self.article_need(d)? else {
                continue;
            };
            if !missing.contains(&need) {
                missing.push(need);
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Missing(missing))
        }
    }

    /// What a document's article needs next: its pack's record table, then
    /// the record; `None` once it is loaded.
    fn article_need(&self, doc: u32) -> Result<Option<Need>, EngineError> {
        if self.articles.contains_key(&doc) {
            return Ok(None);
        }
        let m = &self.manifest;
        let file = m.pack_file(doc).ok_or_else(|| out_of_range(doc))?;
        let (pack, place) = m.pack_of(doc);
        let Some(table) = self.tables.get(&pack) else {
            // Every pack has a table: checked at [`Engine::open`].
            let span = m.record_tables[pack as usize];
            return Ok(Some(Need::part(m, FileKind::Records, span)));
        };
        let range = table.get(place as usize).ok_or_else(|| out_of_range(doc))?;
        Ok(Some(Need {
            file: file.to_string(),
            range: Some((range.start, range.end)),
            piece: Piece::Record(doc),
        }))
    }

    /// The listing data of a document: from its meta chunk, or made from
    /// its article when its body pack is what is loaded. Needs one of them.
    pub fn meta(&self, doc: u32) -> Result<Cow<'_, DocMeta>, EngineError> {
        let m = &self.manifest;
        let chunk = m.meta_chunk(doc).ok_or_else(|| out_of_range(doc))?;
        if !self.loaded(FileKind::Meta, chunk) {
            if let Some(a) = self.articles.get(&doc) {
                return Ok(Cow::Owned(DocMeta::of(a)));
            }
        }
        self.require(FileKind::Meta, [chunk])?;
        let i = (doc % m.meta_chunk_size.max(1)) as usize;
        self.metas[&chunk]
            .get(i)
            .map(Cow::Borrowed)
            .ok_or_else(|| out_of_range(doc))
    }

    /// A whole article. Needs its record from its body pack.
    pub fn article(&self, doc: u32) -> Result<&Article, EngineError> {
        match self.article_need(doc)? {
            Some(need) => Err(EngineError::Missing(vec![need])),
            None => Ok(&self.articles[&doc]),
        }
    }

    /// The document with this slug, if any. Needs the slug's shard.
    pub fn find_slug(&self, slug: &str) -> Result<Option<u32>, EngineError> {
        let Some(s) = shard_for(&self.manifest.slug_shards, slug.as_bytes()) else {
            return Ok(None);
        };
        self.require(FileKind::Slugs, [s.at])?;
        match self.slugs[&s.at].get(slug) {
            Some(d) if d < self.manifest.doc_count as u64 => Ok(Some(d as u32)),
            Some(d) => Err(BundleError::Corrupt(format!("slug maps to document {d}")).into()),
            None => Ok(None),
        }
    }

    /// The best passage of a document for the matched words. Needs the
    /// document's body pack.
    pub fn snippet(&self, doc: u32, matched: &Matched) -> Result<Snippet, EngineError> {
        Ok(self.snippets(&[doc], matched)?.remove(0))
    }

    /// The matches of a query to highlight in one of its documents: near
    /// misses only for query words the document lacks (see
    /// [`Marker::focus`]), from the words kept for it when it was last
    /// shown. Needs its body pack.
    pub fn focus(&self, doc: u32, matched: &Matched) -> Result<Matched, EngineError> {
        let lang = &self.article(doc)?.lang;
        Ok(matched.focus(lang, &*self.tokens(doc)?))
    }

    /// The words of a document's title and body texts, tokenised once
    /// while it is among the last [`TOKEN_CACHE`] shown: the next
    /// keystroke's page mostly shows the same articles, and tokenising
    /// them was most of a warm page's snippet time. Needs its body pack.
    fn tokens(&self, doc: u32) -> Result<Arc<ArticleTokens>, EngineError> {
        if let Some(t) = self.tokens.get(&doc) {
            return Ok(t);
        }
        let tokens = Arc::new(ArticleTokens::of(self.article(doc)?));
        self.tokens.put(doc, tokens.clone());
        Ok(tokens)
    }

    /// The snippets of several documents (a result page), each as
    /// [`Engine::snippet`] gives it; the words of the page are worked out
    /// once per language, not once per article. Needs their body packs.
    pub fn snippets(&self, docs: &[u32], matched: &Matched) -> Result<Vec<Snippet>, EngineError> {
        let mut markers: HashMap<&str, Marker> = HashMap::new();
        docs.iter()
            .map(|&d| {
                let article = self.article(d)?;
                let lang = article.lang.as_str();
                let marker = markers
                    .entry(lang)
                    .or_insert_with(|| Marker::new(matched, lang));
                Ok(snippet::snippet_from(article, &*self.tokens(d)?, marker))
            })
            .collect()
    }

    /// Runs `f`, loading whatever it reports missing with `load`, until it
    /// answers. For shells with synchronous I/O (the CLI); the browser does
    /// the same loop asynchronously.
    pub fn resolve<T, E>(
        &mut self,
        mut load: impl FnMut(&Need) -> Result<Vec<u8>, E>,
        f: impl Fn(&Engine) -> Result<T, EngineError>,
    ) -> Result<T, ResolveError<E>> {
        loop {
            match f(self) {
                Ok(v) => return Ok(v),
                Err(EngineError::Missing(needs)) => {
                    for need in needs {
                        let bytes = load(&need).map_err(ResolveError::Load)?;
                        let engine = |e| ResolveError::Engine(EngineError::Bundle(e));
                        let bytes = match need.deflated() {
                            true => need.inflate(&bytes).map_err(engine)?,
                            false => bytes,
                        };
                        self.add(&need, &bytes).map_err(engine)?;
                    }
                }
                Err(e) => return Err(ResolveError::Engine(e)),
            }
        }
    }
}

/// Error of [`Engine::resolve`]: the loader's or the engine's.
#[derive(Debug)]
pub enum ResolveError<E> {
    Load(E),
    Engine(EngineError),
}

fn out_of_range(doc: u32) -> EngineError {
    EngineError::Bundle(BundleError::Corrupt(format!(
        "document {doc} is not in the bundle"
    )))
}

/// The smallest key greater than every key starting with `prefix`, or
/// `None` when there is none (all `0xff`).
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut hi = prefix.to_vec();
    while let Some(last) = hi.pop() {
        if last < 0xff {
            hi.push(last + 1);
            return Some(hi);
        }
    }
    None
}
