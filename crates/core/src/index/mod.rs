//! Building a bundle from articles.
//!
//! The builder numbers documents newest first, analyses titles and bodies
//! with [`crate::analysis`], and writes the sharded dictionary, meta chunks
//! and body packs described in [`crate::bundle`]. Its output is a list of
//! named byte buffers; writing them anywhere is the caller's business.

mod shards;

use crate::analysis::tokenize;
use crate::bundle::{
    self, postings::quantize_len, DocMeta, FacetCount, FileKind, Manifest, Posting,
};
use crate::model::Article;
use std::collections::BTreeMap;

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

/// Prefix byte of stem keys. A word whose Snowball stem differs from the
/// word itself is indexed under its word *and* under `\x02stem`, so that a
/// query for any inflection finds every other one.
pub const STEM_PREFIX: u8 = 0x02;

/// The dictionary key of a (folded) stem.
pub fn stem_key(stem: &str) -> Vec<u8> {
    let mut k = vec![STEM_PREFIX];
    k.extend_from_slice(stem.as_bytes());
    k
}

/// The facets every bundle indexes, by key name.
pub const FACETS: [&str; 3] = ["lang", "year", "pub"];

/// At most this many publishers are listed in the manifest (most frequent
/// first); all remain filterable.
const MAX_LISTED_PUBLISHERS: usize = 100;

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

/// Size targets of the bundle's files.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// A term shard is closed once its postings exceed this many bytes.
    pub term_shard_bytes: usize,
    /// A slug shard holds at most this many slugs.
    pub slug_shard_len: usize,
    /// Documents per meta chunk (one listing screen or more).
    pub meta_chunk_size: u32,
    /// Target bytes of article text per body pack.
    pub pack_bytes: usize,
    /// Written into the manifest.
    pub generator: String,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            term_shard_bytes: 48 * 1024,
            slug_shard_len: 4096,
            meta_chunk_size: 100,
            pack_bytes: 96 * 1024,
            generator: concat!("broadsheet ", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

/// One file of a bundle: its name inside the bundle directory and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A built bundle: the manifest and every file, the manifest's own file
/// ([`bundle::MANIFEST_FILE`]) included.
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

    /// A copy of the file called `name`, or an error naming it: a loader for
    /// [`crate::search::Engine::resolve`] over a bundle held in memory.
    pub fn load(&self, name: &str) -> Result<Vec<u8>, String> {
        self.file(name)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("no file {name} in the bundle"))
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

/// One document's occurrences of a folded term: (position, exact form) in
/// the title and in the body.
type Occurrences = (Vec<(u32, String)>, Vec<(u32, String)>);

/// Accumulates one folded term while indexing.
#[derive(Default)]
struct TermAcc {
    variants: Vec<String>,
    postings: Vec<Posting>,
}

impl TermAcc {
    fn variant_id(&mut self, exact: &str) -> u8 {
        if let Some(i) = self.variants.iter().position(|v| v == exact) {
            return i as u8;
        }
        if self.variants.len() < 255 {
            self.variants.push(exact.to_string());
            (self.variants.len() - 1) as u8
        } else {
            0
        }
    }
}

/// Orders articles newest first (undated last), then by source path, and
/// gives each a unique slug. Document numbers are indexes into the result.
pub fn order(mut articles: Vec<Article>) -> Vec<Article> {
    articles.sort_by(|a, b| {
        b.date
            .is_some()
            .cmp(&a.date.is_some())
            .then(b.date.cmp(&a.date))
            .then_with(|| a.source.cmp(&b.source))
    });
    crate::slug::assign(&mut articles);
    articles
}

/// The text of an article that the body field indexes, block by block.
pub fn body_texts(a: &Article) -> impl Iterator<Item = &str> {
    a.summary
        .as_deref()
        .into_iter()
        .chain(a.blocks.iter().map(|b| b.text()))
        .filter(|t| !t.is_empty())
}

/// Builds a bundle. Articles are numbered in the order given; use [`order`]
/// first for newest-first numbering and unique slugs.
pub fn build(articles: &[Article], opts: &BuildOptions) -> Bundle {
    let mut terms: BTreeMap<Vec<u8>, TermAcc> = BTreeMap::new();
    let mut title_words = 0u64;
    let mut body_words = 0u64;
    let mut facet_counts: BTreeMap<(&str, String), u32> = BTreeMap::new();

    for (doc, a) in articles.iter().enumerate() {
        let doc = doc as u32;
        // Per document: folded key -> (title occurrences, body occurrences).
        let mut occ: BTreeMap<Vec<u8>, Occurrences> = BTreeMap::new();
        let stems = crate::analysis::stemmer(&a.lang).is_some();
        let mut add = |t: crate::analysis::Token, pos: u32, title: bool| {
            let stem = (stems && !t.joined)
                .then(|| crate::analysis::stem(&a.lang, &t.exact, &t.folded))
                .flatten();
            if let Some(stem) = stem {
                let o = occ.entry(stem_key(&stem)).or_default();
                let list = if title { &mut o.0 } else { &mut o.1 };
                list.push((pos, String::new()));
            }
            let o = occ.entry(t.folded.into_bytes()).or_default();
            let list = if title { &mut o.0 } else { &mut o.1 };
            list.push((pos, t.exact));
        };
        let title_tokens = tokenize(&a.title);
        title_words += title_tokens.iter().filter(|t| !t.joined).count() as u64;
        for t in title_tokens {
            let pos = t.pos;
            add(t, pos, true);
        }
        let mut base = 0u32;
        let mut len = 0u32;
        for text in body_texts(a) {
            let mut last = 0;
            for t in tokenize(text) {
                last = last.max(t.pos);
                if !t.joined {
                    len += 1;
                }
                let pos = base + t.pos;
                add(t, pos, false);
            }
            base += last + BLOCK_GAP;
        }
        body_words += len as u64;
        let norm = quantize_len(len);
        for (key, (title, body)) in occ {
            let acc = terms.entry(key).or_default();
            let ids: Vec<u8> = title
                .iter()
                .chain(&body)
                .map(|(_, exact)| acc.variant_id(exact))
                .collect();
            acc.postings.push(Posting {
                doc,
                norm,
                title: title.iter().map(|(p, _)| *p).collect(),
                body: body.iter().map(|(p, _)| *p).collect(),
                variants: ids,
            });
        }
        for (facet, value) in facet_values(a) {
            *facet_counts.entry((facet, value.clone())).or_default() += 1;
            terms
                .entry(facet_key(facet, &value))
                .or_default()
                .postings
                .push(Posting {
                    doc,
                    norm,
                    title: vec![],
                    body: vec![],
                    variants: vec![],
                });
        }
    }
    let entries = terms
        .into_iter()
        .map(|(k, acc)| (k, acc.variants, acc.postings));

    let mut files = Vec::new();
    let term_shards = shards::write_term_shards(entries, opts.term_shard_bytes, &mut files);
    let slug_shards = shards::write_slug_shards(articles, opts.slug_shard_len, &mut files);

    let chunk = opts.meta_chunk_size.max(1) as usize;
    let meta_chunks = articles
        .chunks(chunk)
        .map(|c| {
            let metas: Vec<DocMeta> = c.iter().map(DocMeta::of).collect();
            push(
                &mut files,
                FileKind::Meta,
                bundle::encode(FileKind::Meta, &metas),
            )
        })
        .collect();

    let total_text: usize = articles
        .iter()
        .map(|a| body_texts(a).map(str::len).sum::<usize>())
        .sum();
    let avg = (total_text / articles.len().max(1)).max(1);
    let pack_size = (opts.pack_bytes / avg).clamp(1, 10_000);
    let packs = articles
        .chunks(pack_size)
        .map(|c| {
            push(
                &mut files,
                FileKind::Pack,
                bundle::encode(FileKind::Pack, &c.to_vec()),
            )
        })
        .collect();

    let n = articles.len().max(1) as f32;
    let listed = |facet: &str, limit: usize| {
        let mut v: Vec<FacetCount> = facet_counts
            .iter()
            .filter(|((f, _), _)| *f == facet)
            .map(|((_, value), &count)| FacetCount {
                value: value.clone(),
                count,
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        v.truncate(limit);
        v
    };
    let langs = listed("lang", usize::MAX);
    let mut years = listed("year", usize::MAX);
    years.sort_by(|a, b| b.value.cmp(&a.value));
    let publishers = listed("pub", MAX_LISTED_PUBLISHERS);
    let stem_langs = langs
        .iter()
        .filter(|l| crate::analysis::stemmer(&l.value).is_some())
        .map(|l| l.value.clone())
        .collect();
    let manifest = Manifest {
        generator: opts.generator.clone(),
        doc_count: articles.len() as u32,
        avg_title_len: title_words as f32 / n,
        avg_body_len: body_words as f32 / n,
        langs,
        years,
        publishers,
        stem_langs,
        term_shards,
        slug_shards,
        meta_chunk_size: chunk as u32,
        meta_chunks,
        pack_size: pack_size as u32,
        packs,
    };
    files.push(BundleFile {
        name: bundle::MANIFEST_FILE.into(),
        bytes: bundle::encode(FileKind::Manifest, &manifest),
    });
    Bundle { manifest, files }
}

fn push(files: &mut Vec<BundleFile>, kind: FileKind, bytes: Vec<u8>) -> String {
    let name = content_name(kind, &bytes);
    files.push(BundleFile {
        name: name.clone(),
        bytes,
    });
    name
}

#[cfg(test)]
mod tests;
