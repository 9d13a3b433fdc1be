//! The streaming index builder: documents go in one at a time, in order;
//! listing chunks and body packs come out as soon as they fill; postings
//! accumulate compactly and are spilled as sorted runs whenever the caller
//! decides memory is short; [`Builder::finish`] merges the runs into term
//! shards and writes the slug shards and the manifest.
//!
//! Nothing here touches a file system: completed files are returned or
//! handed to a callback, runs are byte buffers the caller may keep in
//! memory or park on disk. The CLI uses it that way for corpora of any
//! size; [`super::build`] wraps it for a slice of articles held in memory.

use super::analyze::Prepared;
use super::pieces::{Compress, InTurn, IndexFiles};
use super::runs::{
    merge, Encode, EncodeInTurn, Frames, RunSource, Runs, Split, ENCODE_BATCH_BYTES,
};
use super::{named, shards, BuildOptions, BundleFile};
use crate::bundle::{self, BundleError, DocMeta, FacetCount, FileKind, Manifest};
use std::collections::BTreeMap;

/// At most this many publishers are listed in the manifest (most frequent
/// first); all remain filterable.
const MAX_LISTED_PUBLISHERS: usize = 100;

/// How a corpus of known size is cut into packs and pieces: fixed runs of
/// documents per meta chunk and per pack, and size targets for shards,
/// chosen so that the bundle stays within [`BuildOptions::max_parts`] at
/// any size.
///
/// Packs are counted from the oldest document: the first pack (the
/// newest documents) holds what is left over, [`Layout::first_pack`], and
/// every other pack `pack_size`. A rebuild with newer articles added (a
/// news site's every rebuild) numbers every document anew, but each older
/// pack holds the same articles as before, so its bytes and its
/// content-hashed name stay: a host uploads, a CDN refetches and a saved
/// site downloads the newest pack again, not every pack. For the same
/// reason `pack_size` is a power of two: a target worked out from the
/// corpus's mean article length would move with every article added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub doc_count: u32,
    pub meta_chunk_size: u32,
    pub pack_size: u32,
    /// Documents in the first pack: 1..=`pack_size`.
    pub first_pack: u32,
    pub slug_shard_len: usize,
}

impl Layout {
    /// The layout for `doc_count` documents with `text_bytes` of title and
    /// body text in all.
    pub fn new(opts: &BuildOptions, doc_count: usize, text_bytes: u64) -> Layout {
        let n = doc_count.max(1);
        let budget = opts.max_parts.max(16);
        // Packs get 40% of the budget, meta chunks 30%, slug shards 5%
        // (and the rest is slack: packs are large and few anyway).
        let at_least = |share: usize| n.div_ceil((budget * share / 100).max(1));
        let avg = (text_bytes / n as u64).max(1) as usize;
        // The largest power of two within the byte target, or the smallest
        // one that keeps packs within the file budget.
        let target = (opts.pack_bytes / avg).clamp(1, 8192);
        let pack_size = (1usize << target.ilog2()).max(at_least(40).next_power_of_two());
        let first_pack = match n % pack_size {
            0 => pack_size,
            rest => rest,
        };
        Layout {
            doc_count: doc_count as u32,
            meta_chunk_size: (opts.meta_chunk_size.max(1) as usize).max(at_least(30)) as u32,
            pack_size: pack_size as u32,
            first_pack: first_pack as u32,
            slug_shard_len: opts.slug_shard_len.max(1).max(at_least(5)),
        }
    }
}

/// Builds a bundle from documents added in order (see module docs).
pub struct Builder {
    opts: BuildOptions,
    layout: Layout,
    next_doc: u32,
    runs: Runs,
    spilled_bytes: u64,
    title_words: u64,
    body_words: u64,
    facet_counts: BTreeMap<(&'static str, String), u32>,
    slugs: Vec<(String, u32)>,
    metas: Vec<DocMeta>,
    /// Each meta chunk's piece number (see [`IndexFiles::put`]).
    meta_chunks: Vec<u32>,
    /// The index file being filled with pieces.
    index: IndexFiles,
    /// What encodes the merged term entries at the end.
    encode: Box<dyn Encode>,
    /// Compressed records of the pack being filled.
    pack: Vec<Vec<u8>>,
    packs: Vec<String>,
    /// The record table of each pack written, put into the index files
    /// after the slug shards (see `bundle::manifest`): a few bytes a
    /// document.
    tables: Vec<Vec<u8>>,
}

impl Builder {
    pub fn new(opts: BuildOptions, layout: Layout) -> Builder {
        let index = IndexFiles::new(opts.index_file_bytes, Box::new(InTurn));
        Builder {
            opts,
            layout,
            next_doc: 0,
            runs: Runs::default(),
            spilled_bytes: 0,
            title_words: 0,
            body_words: 0,
            facet_counts: BTreeMap::new(),
            slugs: Vec::new(),
            metas: Vec::new(),
            meta_chunks: Vec::new(),
            index,
            encode: Box::new(EncodeInTurn),
            pack: Vec::new(),
            packs: Vec::new(),
            tables: Vec::new(),
        }
    }

    /// Compresses index pieces with `compress` instead of one after
    /// another on the builder's thread ([`InTurn`]): the CLI's spreads them
    /// over its cores, in the background. Before the first document.
    pub fn compress_with(mut self, compress: Box<dyn Compress>) -> Builder {
        self.index.compress_with(compress);
        self
    }

    /// Encodes the merged term entries at the end with `encode` instead of
    /// one after another on the builder's thread ([`EncodeInTurn`]): the
    /// CLI's spreads each batch over its cores.
    pub fn encode_with(mut self, encode: Box<dyn Encode>) -> Builder {
        self.encode = encode;
        self
    }

    /// Adds the next document, [`super::prepare`]d. Returns the files it
    /// completed (an index file, a pack), to be written now.
    pub fn add(&mut self, prepared: Prepared) -> Vec<BundleFile> {
        let Prepared {
            article,
            terms,
            record,
        } = prepared;
        let doc = self.next_doc;
        self.next_doc += 1;
        for (key, occ) in &terms.terms {
            self.runs.add(key, doc, terms.norm, occ);
        }
        self.title_words += u64::from(terms.title_words);
        self.body_words += u64::from(terms.body_words);
        for (facet, value) in &terms.facets {
            *self.facet_counts.entry((facet, value.clone())).or_default() += 1;
        }
        self.slugs.push((article.slug.clone(), doc));
        self.metas.push(DocMeta::of(&article));
        self.pack.push(record);
        let mut done = Vec::new();
        if self.metas.len() >= self.layout.meta_chunk_size as usize {
            done.extend(self.flush_metas());
        }
        let filled = match self.packs.is_empty() {
            true => self.layout.first_pack,
            false => self.layout.pack_size,
        };
        if self.pack.len() >= filled as usize {
            done.extend(self.flush_pack());
        }
        done
    }

    /// Bytes of postings accumulated since the last spill.
    pub fn pending_bytes(&self) -> usize {
        self.runs.bytes()
    }

    /// Encodes the accumulated postings as a sorted run and frees them. The
    /// caller keeps the run (in memory or in a file) and hands it back to
    /// [`Builder::finish`], in the order the runs were spilled.
    pub fn spill(&mut self) -> Vec<u8> {
        let run = self.runs.spill();
        self.spilled_bytes += run.len() as u64;
        run
    }

    /// Writes the rest: the last meta chunk and pack, the term shards merged
    /// from `runs` and what is still in memory, the slug shards, the last
    /// index file, and the manifest, which comes last. Every file goes to
    /// `emit`.
    pub fn finish(
        mut self,
        mut runs: Vec<RunSource<'_>>,
        emit: &mut dyn FnMut(BundleFile),
    ) -> Result<Manifest, BundleError> {
        let metas = self.flush_metas();
        let pack = self.flush_pack();
        metas.into_iter().chain(pack).for_each(&mut *emit);
        let last = self.spill();
        runs.push(Box::new(Frames::new(std::io::Cursor::new(last))));
        let budget = self.opts.max_term_shards.max(4);
        let shard_bytes = self
            .opts
            .term_shard_bytes
            .max((self.spilled_bytes / budget as u64) as usize);
        let index = &mut self.index;
        let mut put = |piece: Vec<u8>| {
            let (number, done) = index.put(piece);
            done.into_iter().for_each(&mut *emit);
            number
        };
        let n = self.next_doc.max(1) as f32;
        // The average as the manifest keeps it: a head's documents are
        // chosen by the weights a reader works out.
        let avg_body_len = self.body_words as f32 / n;
        // A split word costs the manifest its tail shard, and a query of
        // several words a round trip more where a completion's tail is
        // needed (the manifest shows the words' own): only the words in a
        // quarter of the corpus, whose entries are most of a query's bytes.
        let split = Split {
            over: (self.opts.split_docs.max(self.opts.head_docs)).max(self.next_doc as usize / 4),
            head: self.opts.head_docs,
            avg_len: avg_body_len,
        };
        let merged = merge(runs, &mut *self.encode, ENCODE_BATCH_BYTES, split);
        let (term_shards, tail_shards) = shards::write_term_shards(merged, shard_bytes, &mut put)?;
        let slug_shards = shards::write_slug_shards(
            std::mem::take(&mut self.slugs),
            self.layout.slug_shard_len,
            &mut put,
        );
        let tables: Vec<u32> = std::mem::take(&mut self.tables)
            .into_iter()
            .map(&mut put)
            .collect();
        let index = self.index.finish();
        index.files.into_iter().for_each(&mut *emit);
        let spans = index.spans;
        let placed = |shards: Vec<shards::Placed>| -> Vec<_> {
            shards.into_iter().map(|s| s.at(&spans)).collect()
        };

        let listed = |facet: &str, limit: usize| {
            let mut v: Vec<FacetCount> = self
                .facet_counts
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
        let lang_names = langs
            .iter()
            .filter_map(|l| Some((l.value.clone(), crate::ingest::autonym(&l.value)?)))
            .collect();
        let manifest = Manifest {
            generator: self.opts.generator.clone(),
            name: self.opts.name.clone(),
            doc_count: self.next_doc,
            avg_title_len: self.title_words as f32 / n,
            avg_body_len,
            langs,
            lang_names,
            years,
            publishers,
            stem_langs,
            index_files: index.names,
            term_shards: placed(term_shards),
            tail_shards: placed(tail_shards),
            slug_shards: placed(slug_shards),
            meta_chunk_size: self.layout.meta_chunk_size,
            meta_chunks: self
                .meta_chunks
                .iter()
                .map(|&n| spans[n as usize])
                .collect(),
            pack_size: self.layout.pack_size,
            first_pack: self.layout.first_pack,
            packs: self.packs,
            record_tables: tables.iter().map(|&n| spans[n as usize]).collect(),
        };
        emit(BundleFile {
            name: bundle::MANIFEST_FILE.into(),
            kind: FileKind::Manifest,
            bytes: bundle::encode(FileKind::Manifest, &manifest),
        });
        Ok(manifest)
    }
}

impl Builder {
    /// Puts the documents collected for one meta chunk into the index
    /// files and starts the next chunk; returns the index files that
    /// filled up, if any did.
    fn flush_metas(&mut self) -> Vec<BundleFile> {
        if self.metas.is_empty() {
            return Vec::new();
        }
        let chunk = bundle::encode(FileKind::Meta, &self.metas);
        self.metas.clear();
        let (number, done) = self.index.put(chunk);
        self.meta_chunks.push(number);
        done
    }

    /// Encodes the records collected for one pack as a file, keeps its
    /// name and record table, and starts the next.
    fn flush_pack(&mut self) -> Option<BundleFile> {
        if self.pack.is_empty() {
            return None;
        }
        let (pack, table) = bundle::pack::encode_pack(&self.pack);
        self.pack.clear();
        let file = named(FileKind::Pack, pack);
        self.packs.push(file.name.clone());
        self.tables.push(table);
        Some(file)
    }
}
