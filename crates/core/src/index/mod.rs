//! Building a bundle from articles.
//!
//! The builder numbers documents newest first, analyses titles and bodies
//! with [`crate::analysis`], and writes the sharded dictionary, meta chunks
//! and body packs described in [`crate::bundle`]. Its output is a list of
//! named byte buffers; writing them anywhere is the caller's business.

mod analyze;
mod builder;
mod pieces;
mod runs;
mod shards;

use crate::bundle::{FileKind, Manifest};
use crate::model::{Article, Date};

pub use analyze::{
    analyze, analyze_with, prepare, prepare_with, DocTerms, Occurrences, Prepared, Words,
};
pub use builder::{Builder, Layout};
pub use pieces::{Compress, InTurn};
pub use runs::{
    Encode, EncodeInTurn, Encoded, EncodedEntry, Frames, Merged, RunEntry, RunSource, Split,
};
pub use shards::{decode_slug_shard, decode_term_shard, TermShard};

/// Gap left in body positions between blocks, so that a phrase query never
/// matches across the end of one paragraph and the start of the next.
pub const BLOCK_GAP: u32 = 8;

/// Prefix byte of facet keys (`lang`, later year and publisher) in the term
/// dictionary. Words never start with it, so facets share the dictionary and
/// its sharding without colliding with words.
pub const FACET_PREFIX: u8 = 0x01;

/// The dictionary key of a facet value: `\x01lang\x1fde`.
pub fn facet_key(facet: &str, value: &str) -> Vec<u8> {
    let mut k = vec![FACET_PREFIX];
    k.extend_from_slice(facet.as_bytes());
    k.push(0x1f);
    k.extend_from_slice(value.as_bytes());
    k
}

/// Suffix byte of stem keys. A word whose Snowball stem differs from the
/// word itself is indexed under its word *and* under `stem\x02`, so that a
/// query for any inflection finds every other one.
///
/// A suffix, not a prefix: a stem is nearly always a prefix of its words, so
/// `technolog\x02` sorts right next to `technologie` and `technologien`, and
/// a query word, its stems and its completions land in the same term shard:
/// one fetch instead of one per stemmer language.
pub const STEM_MARK: u8 = 0x02;

/// The dictionary key of a (folded) stem.
pub fn stem_key(stem: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(stem.len() + 1);
    k.extend_from_slice(stem.as_bytes());
    k.push(STEM_MARK);
    k
}

/// The stem a stem key stands for, or `None` for any other key.
pub fn stem_of_key(key: &[u8]) -> Option<&[u8]> {
    key.strip_suffix(&[STEM_MARK])
}

/// True for the key of a word as written (neither a stem nor a facet): the
/// only keys that completions and typo matches may return.
pub fn is_word_key(key: &[u8]) -> bool {
    key.first().is_some_and(|&b| b != FACET_PREFIX) && stem_of_key(key).is_none()
}

/// The facets every bundle indexes, by key name.
pub const FACETS: [&str; 3] = ["lang", "year", "pub"];

/// The values of each facet for one article.
pub fn facet_values(a: &Article) -> Vec<(&'static str, String)> {
    let mut v = vec![("lang", a.lang.clone())];
    if let Some(d) = a.date {
        v.push(("year", d.year.to_string()));
    }
    if let Some(p) = &a.publisher {
        v.push(("pub", p.clone()));
    }
    v
}

/// Documents a split entry's head keeps unless told otherwise: some 8 KB
/// deflated, which decides the first page of a word in tens of thousands.
pub const HEAD_DOCS: usize = 1_000;

/// Size targets of the bundle's files.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// A term shard is closed once its postings exceed this many bytes.
    /// Shards and packs are small because a query pays for whole files: see
    /// "Sizes and file counts" in `docs/bundle-format.md`.
    pub term_shard_bytes: usize,
    /// A slug shard holds at most this many slugs.
    pub slug_shard_len: usize,
    /// Documents per meta chunk (one listing screen or more).
    pub meta_chunk_size: u32,
    /// Target bytes of article text per body pack. Readers fetch one
    /// article of a pack by byte range, so a pack's size costs them
    /// nothing; fewer, larger packs mean fewer files.
    pub pack_bytes: usize,
    /// An index file is closed once its compressed pieces pass this many
    /// bytes. Readers fetch pieces by range, so its size costs them
    /// nothing; it bounds what a host or CDN holds as one file.
    pub index_file_bytes: usize,
    /// The bundle's body packs, meta chunks and slug shards stay under
    /// about this many: for large corpora they grow instead. Packs, because
    /// static hosts limit files per site (often to 20,000); pieces, because
    /// the manifest, which every reader fetches first, lists each.
    pub max_parts: usize,
    /// Term shards stay under about this many (they grow instead). A query
    /// word costs its shard, so smaller shards mean fewer bytes per query;
    /// but the manifest lists each shard (its first key and length, about
    /// six bytes brotli'd). Measured at 100,000 articles: about 900, 1,800
    /// and 3,600 shards made the first query fetch 906, 843 and 814 KB.
    pub max_term_shards: usize,
    /// Words (and stems) in more documents than this (and than a quarter
    /// of the corpus) have their entries split into a head of
    /// their [`BuildOptions::head_docs`] best documents and a tail of the
    /// rest (see [`crate::bundle::postings`]): a query about them fetches
    /// the heads and, unless they cannot decide its first results, nothing
    /// more. Each tail is a tail shard of its own, which costs the manifest
    /// its key and length.
    pub split_docs: usize,
    /// Documents a split entry's head keeps.
    pub head_docs: usize,
    /// Written into the manifest.
    pub generator: String,
    /// The site's name (`broadsheet build --title`), written into the
    /// manifest: the viewer's masthead, where the site is embedded too.
    pub name: String,
}

/// A site's name where its builder gives none.
pub const DEFAULT_NAME: &str = "Broadsheet";

impl BuildOptions {
    /// Heads of `n` documents for entries of more than four times as many
    /// (0: no entry split).
    pub fn with_head_docs(self, n: usize) -> BuildOptions {
        BuildOptions {
            split_docs: if n == 0 {
                usize::MAX
            } else {
                n.saturating_mul(4)
            },
            head_docs: n,
            ..self
        }
    }
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            term_shard_bytes: 16 * 1024,
            slug_shard_len: 4096,
            meta_chunk_size: 100,
            pack_bytes: 1 << 20,
            index_file_bytes: 4 << 20,
            max_parts: 6_000,
            max_term_shards: 6_000,
            split_docs: 4 * HEAD_DOCS,
            head_docs: HEAD_DOCS,
            generator: concat!("broadsheet ", env!("CARGO_PKG_VERSION")).into(),
            name: DEFAULT_NAME.into(),
        }
    }
}

/// One file of a bundle: its name inside the bundle directory, what it
/// holds and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
}

impl BundleFile {
    /// Whether readers fetch parts of this file by byte range: a body pack
    /// or an index file, whose records and pieces are compressed one by
    /// one already. It must be served as it is: some hosts answer a range
    /// request from a compressed sibling, and a range of that means
    /// nothing.
    pub fn read_by_range(&self) -> bool {
        matches!(self.kind, FileKind::Pack | FileKind::Index)
    }
}

/// A built bundle: the manifest and every file, the manifest's own file
/// ([`crate::bundle::MANIFEST_FILE`]) included.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub files: Vec<BundleFile>,
}

impl Bundle {
    /// The content of the file called `name`, if the bundle has it.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.bytes.as_slice())
    }

    /// A copy of what `need` asks for (still deflated, as a host sends it),
    /// or an error naming it: a loader for
    /// [`crate::search::Engine::resolve`] over a bundle held in memory.
    pub fn load(&self, need: &crate::search::Need) -> Result<Vec<u8>, String> {
        let file = self
            .file(&need.file)
            .ok_or_else(|| format!("no file {} in the bundle", need.file))?;
        need.cut(file)
            .map(<[u8]>::to_vec)
            .map_err(|e| e.to_string())
    }
}

/// Content-addressed file name: `kind-<16 hex digits of BLAKE3>.bin`. Equal
/// content gives equal names, so a rebuild changes only the files whose
/// content changed and hosts may cache every data file forever.
pub fn content_name(kind: FileKind, bytes: &[u8]) -> String {
    let hash = blake3::hash(bytes);
    let hex: String = hash.as_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}-{hex}.bin", kind.prefix())
}

/// Orders articles newest first (undated last), then by source path, and
/// gives each a unique slug. Document numbers are indexes into the result.
pub fn order(mut articles: Vec<Article>) -> Vec<Article> {
    articles.sort_by(|a, b| newest_first((a.date, &a.source), (b.date, &b.source)));
    crate::slug::assign(&mut articles);
    articles
}

/// Document order: newest first, undated last, then by source path. For
/// callers that order articles by these keys alone (see [`order`]).
pub fn newest_first(
    (a_date, a_source): (Option<Date>, &str),
    (b_date, b_source): (Option<Date>, &str),
) -> std::cmp::Ordering {
    b_date
        .is_some()
        .cmp(&a_date.is_some())
        .then(b_date.cmp(&a_date))
        .then_with(|| a_source.cmp(b_source))
}

/// The text of an article that the body field indexes, block by block.
pub fn body_texts(a: &Article) -> impl Iterator<Item = &str> {
    a.summary
        .as_deref()
        .into_iter()
        .chain(a.blocks.iter().map(|b| b.text()))
        .filter(|t| !t.is_empty())
}

/// Builds a bundle from articles held in memory. Articles are numbered in
/// the order given; use [`order`] first for newest-first numbering and
/// unique slugs.
pub fn build(articles: &[Article], opts: &BuildOptions) -> Bundle {
    let text: u64 = articles
        .iter()
        .map(|a| body_texts(a).map(str::len).sum::<usize>() as u64)
        .sum();
    let layout = Layout::new(opts, articles.len(), text);
    let mut builder = Builder::new(opts.clone(), layout);
    let mut files = Vec::new();
    let mut words = Words::default();
    for a in articles {
        files.extend(builder.add(prepare_with(a.clone(), &mut words)));
    }
    let manifest = builder
        .finish(Vec::new(), &mut |f| files.push(f))
        .expect("runs held in memory decode");
    Bundle { manifest, files }
}

/// A file named by its content.
fn named(kind: FileKind, bytes: Vec<u8>) -> BundleFile {
    BundleFile {
        name: content_name(kind, &bytes),
        kind,
        bytes,
    }
}

#[cfg(test)]
mod tests;
