//! The search engine over a (partially) loaded bundle.

use super::query::{Query, QueryTerm};
use super::rank::{self, EXACT_BONUS, PREFIX_WEIGHT, PROXIMITY_WEIGHT};
use super::snippet::{self, Snippet};
use crate::bundle::{
    self, postings::dequantize_len, shard_for, shards_in_range, BundleError, DocMeta, FileKind,
    Manifest, TermEntry,
};
use crate::index::{decode_slug_shard, decode_term_shard, facet_key, TermShard};
use crate::model::Article;
use fst::{IntoStreamer, Map, Streamer};
use std::collections::{BTreeMap, HashMap, HashSet};

/// At most this many dictionary words complete the word being typed; the
/// most frequent win. Bounds the work of a one-letter prefix.
const MAX_EXPANSIONS: usize = 48;

/// Why an engine operation could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// These bundle files must be loaded first (see [`Engine::add_file`]).
    Missing(Vec<String>),
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
            EngineError::Missing(files) => {
                write!(f, "bundle files not loaded: {}", files.join(", "))
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
    /// Folded dictionary words that matched (query words and their
    /// completions), for highlighting.
    pub matched: HashSet<String>,
}

/// One query word's matches in one document.
#[derive(Default, Clone)]
struct DocMatch {
    score: f32,
    title: Vec<u32>,
    body: Vec<u32>,
}

/// A bundle's manifest plus whichever of its files have been loaded.
pub struct Engine {
    manifest: Manifest,
    terms: HashMap<String, TermShard>,
    slugs: HashMap<String, Map<Vec<u8>>>,
    metas: HashMap<String, Vec<DocMeta>>,
    packs: HashMap<String, Vec<Article>>,
}

impl Engine {
    /// Opens a bundle from the bytes of its `manifest.bin`.
    pub fn open(manifest: &[u8]) -> Result<Engine, BundleError> {
        let manifest: Manifest = bundle::decode(FileKind::Manifest, manifest)?;
        Ok(Engine {
            manifest,
            terms: HashMap::new(),
            slugs: HashMap::new(),
            metas: HashMap::new(),
            packs: HashMap::new(),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn is_loaded(&self, name: &str) -> bool {
        self.terms.contains_key(name)
            || self.slugs.contains_key(name)
            || self.metas.contains_key(name)
            || self.packs.contains_key(name)
    }

    /// Validates and adds a bundle file. The kind comes from the file's
    /// header; the name must be one the manifest lists.
    pub fn add_file(&mut self, name: &str, bytes: &[u8]) -> Result<(), BundleError> {
        if !self.manifest.files().any(|f| f == name) {
            return Err(BundleError::Corrupt(format!(
                "{name} is not a file of this bundle"
            )));
        }
        let (kind, _) = bundle::file::split_header(bytes)?;
        match kind {
            FileKind::Terms => {
                self.terms.insert(name.into(), decode_term_shard(bytes)?);
            }
            FileKind::Slugs => {
                self.slugs.insert(name.into(), decode_slug_shard(bytes)?);
            }
            FileKind::Meta => {
                let metas: Vec<DocMeta> = bundle::decode(FileKind::Meta, bytes)?;
                self.metas.insert(name.into(), metas);
            }
            FileKind::Pack => {
                let pack: Vec<Article> = bundle::decode(FileKind::Pack, bytes)?;
                self.packs.insert(name.into(), pack);
            }
            FileKind::Manifest => {
                return Err(BundleError::Corrupt(format!(
                    "{name} is a manifest, not a data file"
                )))
            }
        }
        Ok(())
    }

    fn require<'a>(&self, files: impl IntoIterator<Item = &'a str>) -> Result<(), EngineError> {
        let mut missing: Vec<String> = files
            .into_iter()
            .filter(|f| !self.is_loaded(f))
            .map(String::from)
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Missing(missing))
        }
    }

    /// The term shards a query needs.
    pub fn files_for(&self, q: &Query) -> Vec<String> {
        let shards = &self.manifest.term_shards;
        let mut files: Vec<String> = Vec::new();
        for t in q.terms.iter().chain(&q.excluded) {
            if t.prefix && !q.excluded.contains(t) {
                let lo = t.folded.as_bytes();
                let hi = prefix_upper_bound(lo);
                files.extend(
                    shards_in_range(shards, lo, hi.as_deref())
                        .iter()
                        .map(|s| s.file.clone()),
                );
            } else if let Some(s) = shard_for(shards, t.folded.as_bytes()) {
                files.push(s.file.clone());
            }
        }
        if let Some(lang) = &q.lang {
            if let Some(s) = shard_for(shards, &facet_key("lang", lang)) {
                files.push(s.file.clone());
            }
        }
        files.sort();
        files.dedup();
        files
    }

    fn entry(&self, key: &[u8]) -> Result<Option<TermEntry>, EngineError> {
        let Some(shard_ref) = shard_for(&self.manifest.term_shards, key) else {
            return Ok(None);
        };
        self.require([shard_ref.file.as_str()])?;
        let shard = &self.terms[&shard_ref.file];
        match shard.map.get(key) {
            Some(offset) => Ok(Some(shard.entry(offset, self.manifest.doc_count)?)),
            None => Ok(None),
        }
    }

    /// The dictionary words a query word stands for, with their weights: the
    /// word itself, and for a word being typed its most frequent completions.
    fn expand(&self, t: &QueryTerm) -> Result<Vec<(String, f32, TermEntry)>, EngineError> {
        let mut out = Vec::new();
        if let Some(e) = self.entry(t.folded.as_bytes())? {
            out.push((t.folded.clone(), 1.0, e));
        }
        if !t.prefix {
            return Ok(out);
        }
        let lo = t.folded.as_bytes();
        let hi = prefix_upper_bound(lo);
        let shards = shards_in_range(&self.manifest.term_shards, lo, hi.as_deref());
        self.require(shards.iter().map(|s| s.file.as_str()))?;
        let mut completions: Vec<(Vec<u8>, u64, &TermShard)> = Vec::new();
        for s in shards {
            let shard = &self.terms[&s.file];
            let range = shard.map.range().gt(lo);
            let mut stream = match &hi {
                Some(hi) => range.lt(hi).into_stream(),
                None => range.into_stream(),
            };
            while let Some((k, off)) = stream.next() {
                completions.push((k.to_vec(), off, shard));
            }
        }
        // Decode lazily-bounded: rank completions by document frequency.
        let mut decoded: Vec<(String, f32, TermEntry)> = Vec::new();
        for (k, off, shard) in completions.into_iter().take(MAX_EXPANSIONS * 8) {
            let Ok(key) = String::from_utf8(k) else {
                continue;
            };
            let entry = shard.entry(off, self.manifest.doc_count)?;
            let ratio = t.folded.chars().count() as f32 / key.chars().count().max(1) as f32;
            decoded.push((key, PREFIX_WEIGHT * ratio.sqrt(), entry));
        }
        decoded.sort_by(|a, b| {
            b.2.postings
                .len()
                .cmp(&a.2.postings.len())
                .then(a.0.cmp(&b.0))
        });
        decoded.truncate(MAX_EXPANSIONS);
        out.extend(decoded);
        Ok(out)
    }

    /// Runs a query. Needs the files [`Engine::files_for`] names.
    pub fn search(&self, q: &Query) -> Result<Results, EngineError> {
        let files = self.files_for(q);
        self.require(files.iter().map(String::as_str))?;
        let n = self.manifest.doc_count;
        let mut results = Results::default();

        let allowed: Option<HashSet<u32>> = match &q.lang {
            Some(lang) => Some(
                self.entry(&facet_key("lang", lang))?
                    .map(|e| e.postings.iter().map(|p| p.doc).collect())
                    .unwrap_or_default(),
            ),
            None => None,
        };
        let mut excluded: HashSet<u32> = HashSet::new();
        for t in &q.excluded {
            if let Some(e) = self.entry(t.folded.as_bytes())? {
                excluded.extend(e.postings.iter().map(|p| p.doc));
            }
        }
        let keep = |doc: u32| {
            !excluded.contains(&doc) && allowed.as_ref().is_none_or(|a| a.contains(&doc))
        };

        if q.terms.is_empty() {
            let docs: Vec<u32> = match &allowed {
                Some(a) => {
                    let mut v: Vec<u32> = a.iter().copied().collect();
                    v.sort_unstable();
                    v
                }
                None => (0..n).collect(),
            };
            results.hits = docs
                .into_iter()
                .filter(|&d| keep(d))
                .map(|doc| Hit { doc, score: 0.0 })
                .collect();
            return Ok(results);
        }

        // Per query word: document -> match.
        let mut per_term: Vec<BTreeMap<u32, DocMatch>> = Vec::with_capacity(q.terms.len());
        for t in &q.terms {
            let mut docs: BTreeMap<u32, DocMatch> = BTreeMap::new();
            for (key, weight, entry) in self.expand(t)? {
                let idf = rank::idf(entry.postings.len() as u32, n);
                let exact_id = entry.variants.iter().position(|v| *v == t.exact);
                let mut any = false;
                for p in &entry.postings {
                    if !keep(p.doc) {
                        continue;
                    }
                    any = true;
                    let len = dequantize_len(p.norm);
                    let mut s = weight
                        * idf
                        * rank::tf_norm(
                            p.title.len(),
                            p.body.len(),
                            len,
                            self.manifest.avg_body_len,
                        );
                    let occurrences = p.title.len() + p.body.len();
                    if exact_id
                        .is_some_and(|id| (0..occurrences).any(|i| p.variant(i) as usize == id))
                    {
                        s *= EXACT_BONUS;
                    }
                    let m = docs.entry(p.doc).or_default();
                    m.score = m.score.max(s);
                    m.title.extend_from_slice(&p.title);
                    m.body.extend_from_slice(&p.body);
                }
                if any {
                    results.matched.insert(key);
                }
            }
            for m in docs.values_mut() {
                m.title.sort_unstable();
                m.title.dedup();
                m.body.sort_unstable();
                m.body.dedup();
            }
            per_term.push(docs);
        }

        // AND: walk the rarest word's documents.
        let rarest = (0..per_term.len())
            .min_by_key(|&i| per_term[i].len())
            .unwrap_or(0);
        let mut hits = Vec::new();
        'docs: for &doc in per_term[rarest].keys() {
            let mut matches = Vec::with_capacity(per_term.len());
            for t in &per_term {
                match t.get(&doc) {
                    Some(m) => matches.push(m),
                    None => continue 'docs,
                }
            }
            for r in &q.phrases {
                if !phrase_matches(&matches[r.clone()]) {
                    continue 'docs;
                }
            }
            let mut score: f32 = matches.iter().map(|m| m.score).sum();
            for pair in matches.windows(2) {
                let gap = [
                    rank::min_gap(&pair[0].title, &pair[1].title),
                    rank::min_gap(&pair[0].body, &pair[1].body),
                ]
                .into_iter()
                .flatten()
                .min();
                if let Some(g) = gap {
                    score += PROXIMITY_WEIGHT * pair[0].score.min(pair[1].score) / g as f32;
                }
            }
            hits.push(Hit { doc, score });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        results.hits = hits;
        Ok(results)
    }

    /// Reports, all at once, the meta chunks (and with `bodies` the body
    /// packs) that the given documents need and that are not loaded yet.
    pub fn need_docs(&self, docs: &[u32], bodies: bool) -> Result<(), EngineError> {
        let m = &self.manifest;
        let files = docs.iter().flat_map(|&d| {
            let pack = if bodies { m.pack_file(d) } else { None };
            m.meta_file(d).into_iter().chain(pack)
        });
        self.require(files)
    }

    /// The listing data of a document. Needs its meta chunk.
    pub fn meta(&self, doc: u32) -> Result<&DocMeta, EngineError> {
        let file = self
            .manifest
            .meta_file(doc)
            .ok_or_else(|| out_of_range(doc))?;
        self.require([file])?;
        let i = (doc % self.manifest.meta_chunk_size.max(1)) as usize;
        self.metas[file].get(i).ok_or_else(|| out_of_range(doc))
    }

    /// A whole article. Needs its body pack.
    pub fn article(&self, doc: u32) -> Result<&Article, EngineError> {
        let file = self
            .manifest
            .pack_file(doc)
            .ok_or_else(|| out_of_range(doc))?;
        self.require([file])?;
        let i = (doc % self.manifest.pack_size.max(1)) as usize;
        self.packs[file].get(i).ok_or_else(|| out_of_range(doc))
    }

    /// The document with this slug, if any. Needs the slug's shard.
    pub fn find_slug(&self, slug: &str) -> Result<Option<u32>, EngineError> {
        let Some(s) = shard_for(&self.manifest.slug_shards, slug.as_bytes()) else {
            return Ok(None);
        };
        self.require([s.file.as_str()])?;
        match self.slugs[&s.file].get(slug) {
            Some(d) if d < self.manifest.doc_count as u64 => Ok(Some(d as u32)),
            Some(d) => Err(BundleError::Corrupt(format!("slug maps to document {d}")).into()),
            None => Ok(None),
        }
    }

    /// The best passage of a document for the matched words. Needs the
    /// document's body pack.
    pub fn snippet(&self, doc: u32, matched: &HashSet<String>) -> Result<Snippet, EngineError> {
        Ok(snippet::snippet(self.article(doc)?, matched))
    }

    /// Runs `f`, loading whatever files it reports missing with `load`, until
    /// it answers. For shells with synchronous I/O (the CLI); the browser
    /// does the same loop asynchronously.
    pub fn resolve<T, E>(
        &mut self,
        mut load: impl FnMut(&str) -> Result<Vec<u8>, E>,
        f: impl Fn(&Engine) -> Result<T, EngineError>,
    ) -> Result<T, ResolveError<E>> {
        loop {
            match f(self) {
                Ok(v) => return Ok(v),
                Err(EngineError::Missing(files)) => {
                    for file in files {
                        let bytes = load(&file).map_err(ResolveError::Load)?;
                        self.add_file(&file, &bytes)
                            .map_err(|e| ResolveError::Engine(EngineError::Bundle(e)))?;
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

/// True when the words occur consecutively, in title or in body.
fn phrase_matches(words: &[&DocMatch]) -> bool {
    let adjacent = |field: fn(&DocMatch) -> &Vec<u32>| {
        field(words[0]).iter().any(|&p| {
            words[1..]
                .iter()
                .enumerate()
                .all(|(k, w)| field(w).binary_search(&(p + k as u32 + 1)).is_ok())
        })
    };
    adjacent(|m| &m.title) || adjacent(|m| &m.body)
}
