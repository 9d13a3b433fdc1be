//! Postings accumulated in compact form, spilled as sorted runs, and merged
//! into final term entries: an external sort, so that the memory a build
//! needs is bounded by the run size, not by the corpus.
//!
//! While indexing, each dictionary key owns a byte stream of varints (one
//! record per document) and its list of exact forms. When the streams grow
//! past the caller's budget, [`Runs::spill`] encodes them, sorted by key, as
//! one *run*: a sequence of frames `[u32 LE length][postcard RunEntry]`.
//! Runs cover ascending, disjoint document ranges, so merging them is a
//! k-way merge by key that concatenates each key's streams in run order.
//! Encoding each key's final entry, most of the merge's work, is handed to
//! an [`Encode`] in batches: the CLI's works a batch on every core.
//! The caller decides where runs live (memory or temporary files): this
//! module only encodes and decodes bytes.

use crate::bundle::postings::{dequantize_len, push_deltas, StoredEntry, Tail};
use crate::bundle::BundleError;
use crate::search::rank::tf_norm;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::analyze::Occurrences;

/// Exact forms kept per key; later ones share variant 0 (as the decoder
/// expects: masks have 64 bits, ids fit a byte).
const MAX_VARIANTS: usize = 255;

/// One key's postings within one run, as a frame holds them.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    pub key: Vec<u8>,
    /// Exact forms, ids as used in `stream`'s masks.
    pub variants: Vec<String>,
    /// Per document: doc delta (from the previous document of this stream,
    /// starting at 0), norm, title count, body count, variant mask, then the
    /// title and the body positions as deltas (none for a stem key: see
    /// [`stores_positions`]); all LEB128 varints.
    pub stream: Vec<u8>,
}

impl RunEntry {
    /// Decodes one frame's payload.
    pub fn decode(bytes: &[u8]) -> Result<RunEntry, BundleError> {
        postcard::from_bytes(bytes).map_err(|e| BundleError::Corrupt(format!("index run: {e}")))
    }
}

/// The borrowed form [`Runs::spill`] writes: the same encoding as
/// [`RunEntry`], without copying the key out of the map.
#[derive(Serialize)]
struct Frame<'a> {
    key: &'a [u8],
    variants: &'a [String],
    stream: &'a [u8],
}

/// One key's postings while they accumulate (its key is the map's).
#[derive(Default)]
struct Pending {
    variants: Vec<String>,
    stream: Vec<u8>,
    /// The last document in `stream`, for delta continuity.
    last_doc: u32,
}

impl Pending {
    fn variant_id(&mut self, exact: &str) -> u8 {
        if let Some(i) = self.variants.iter().position(|v| v == exact) {
            return i as u8;
        }
        if self.variants.len() < MAX_VARIANTS {
            self.variants.push(exact.to_string());
            (self.variants.len() - 1) as u8
        } else {
            0
        }
    }

    fn push(&mut self, doc: u32, norm: u8, occ: &Occurrences, keep_positions: bool) {
        let mut mask = 0u64;
        for form in &occ.forms {
            mask |= 1 << self.variant_id(form).min(63);
        }
        if mask == 0 {
            // A facet key: no occurrences, variant 0 stands for "present".
            mask = 1;
        }
        let prev = if self.stream.is_empty() {
            0
        } else {
            self.last_doc
        };
        let s = &mut self.stream;
        put(s, u64::from(doc - prev));
        s.push(norm);
        put(s, occ.title.len() as u64);
        put(s, occ.body.len() as u64);
        put(s, mask);
        if keep_positions {
            for list in [&occ.title, &occ.body] {
                let mut prev = 0;
                for &p in list {
                    put(s, u64::from(p - prev));
                    prev = p;
                }
            }
        }
        self.last_doc = doc;
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(bytes: &[u8], at: &mut usize) -> Result<u64, BundleError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes
            .get(*at)
            .ok_or_else(|| BundleError::Corrupt("index run: stream truncated".into()))?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(BundleError::Corrupt("index run: varint too long".into()))
}

fn get_u32(bytes: &[u8], at: &mut usize) -> Result<u32, BundleError> {
    u32::try_from(get(bytes, at)?)
        .map_err(|_| BundleError::Corrupt("index run: value out of range".into()))
}

/// The postings accumulated since the last spill. A hash map, sorted once
/// per spill: every document looks up each of its hundreds of keys, and an
/// ordered map compared key bytes a dozen times for each.
#[derive(Default)]
pub struct Runs {
    terms: HashMap<Vec<u8>, Pending, foldhash::fast::RandomState>,
    bytes: usize,
}

impl Runs {
    /// Adds one document's occurrences of `key`. Documents must arrive in
    /// ascending order.
    pub fn add(&mut self, key: &[u8], doc: u32, norm: u8, occ: &Occurrences) {
        let entry = match self.terms.get_mut(key) {
            Some(e) => e,
            None => {
                // Key bytes and map overhead count against the budget too.
                self.bytes += key.len() + 64;
                self.terms.entry(key.to_vec()).or_default()
            }
        };
        let before = entry.stream.len() + entry.variants.len() * 16;
        entry.push(doc, norm, occ, stores_positions(key));
        self.bytes += entry.stream.len() + entry.variants.len() * 16 - before;
    }

    /// Roughly how many bytes the accumulated postings hold.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Encodes everything accumulated as one run (sorted by key) and starts
    /// afresh.
    pub fn spill(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes);
        let mut terms: Vec<(Vec<u8>, Pending)> =
            std::mem::take(&mut self.terms).into_iter().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (key, entry) in terms {
            let frame = Frame {
                key: &key,
                variants: &entry.variants,
                stream: &entry.stream,
            };
            let frame = postcard::to_allocvec(&frame).expect("serialising to a Vec cannot fail");
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(&frame);
        }
        self.bytes = 0;
        out
    }
}

/// Reads the frames of a run from wherever the caller keeps it: `&[u8]` or
/// a `Cursor` for a run in memory, a buffered file for one parked on disk.
/// The one decoder of the framing `Runs::spill` writes.
pub struct Frames<R> {
    source: R,
    failed: bool,
}

impl<R: std::io::Read> Frames<R> {
    pub fn new(source: R) -> Frames<R> {
        Frames {
            source,
            failed: false,
        }
    }

    fn read_frame(&mut self) -> Result<Option<RunEntry>, BundleError> {
        let io = |e: std::io::Error| BundleError::Corrupt(format!("index run: {e}"));
        let mut len = [0u8; 4];
        let mut got = 0;
        while got < len.len() {
            match self.source.read(&mut len[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(BundleError::Corrupt("index run truncated".into())),
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        let mut frame = vec![0; u32::from_le_bytes(len) as usize];
        self.source
            .read_exact(&mut frame)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    BundleError::Corrupt("index run truncated".into())
                }
                _ => io(e),
            })?;
        RunEntry::decode(&frame).map(Some)
    }
}

impl<R: std::io::Read> Iterator for Frames<R> {
    type Item = Result<RunEntry, BundleError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.read_frame().transpose();
        self.failed = matches!(item, Some(Err(_)));
        item
    }
}

/// A source of one run's entries, in key order.
pub type RunSource<'a> = Box<dyn Iterator<Item = Result<RunEntry, BundleError>> + 'a>;

/// A key and its encoded entry, or why the runs could not be merged.
pub type Encoded = Result<EncodedEntry, BundleError>;

/// One key's postings from every run that has it, in run (= document)
/// order: merged, not yet encoded.
pub struct Merged {
    key: Vec<u8>,
    parts: Vec<RunEntry>,
    split: Split,
}

impl Merged {
    /// The key and its final encoding, a [`crate::bundle::TermEntry`] as
    /// [`crate::bundle::TermEntry::decode`] reads it (see [`encode_entry`]).
    pub fn encode(self) -> Encoded {
        let keep = stores_positions(&self.key);
        encode_entry(self.key, self.parts.into_iter(), keep, self.split)
    }

    /// Bytes of postings it holds: what encoding it costs, roughly.
    fn bytes(&self) -> usize {
        self.parts.iter().map(|p| p.stream.len()).sum()
    }
}

/// Encodes batches of merged keys' entries, each entry on its own with
/// [`Merged::encode`]. Encoding is most of the merge at the end of a
/// build, and entries are independent: the CLI spreads a batch over its
/// cores (the core has no threads) and keeps it while the k-way merge and
/// the shards, which need the entries in key order, go on with the batch
/// before on the merge's thread. Batches come back whole and in the order
/// given, each entry in its place.
pub trait Encode: Send {
    /// Takes a batch; returns the batches finished since the last call,
    /// oldest first.
    fn submit(&mut self, batch: Vec<Merged>) -> Vec<Vec<Encoded>>;

    /// Returns every batch not handed back yet, oldest first.
    fn finish(&mut self) -> Vec<Vec<Encoded>>;
}

/// The [`Encode`] of a single thread: one entry after another, each batch
/// handed back at once.
pub struct EncodeInTurn;

impl Encode for EncodeInTurn {
    fn submit(&mut self, batch: Vec<Merged>) -> Vec<Vec<Encoded>> {
        vec![batch.into_iter().map(Merged::encode).collect()]
    }

    fn finish(&mut self) -> Vec<Vec<Encoded>> {
        Vec::new()
    }
}

/// Postings bytes of merged keys handed to an [`Encode`] at a time: many
/// keys per core (most entries are small), and little memory.
pub(super) const ENCODE_BATCH_BYTES: usize = 1 << 20;

/// Merges runs (given in document order) into final term entries, in key
/// order, encoded by `encoder` in batches of about `batch_bytes` of
/// postings, frequent words' split as `split` says.
pub(super) fn merge<'a>(
    runs: Vec<RunSource<'a>>,
    encoder: &'a mut dyn Encode,
    batch_bytes: usize,
    split: Split,
) -> impl Iterator<Item = Encoded> + 'a {
    let mut merged = merge_keys(runs, split);
    // Encoded entries, in key order, handed out one at a time.
    let mut ready: VecDeque<Encoded> = VecDeque::new();
    let (mut failed, mut merging) = (None, true);
    std::iter::from_fn(move || {
        // The next batch goes to the encoder before the last one's entries
        // are handed out, so that it is encoded while they are used.
        while ready.is_empty() && merging {
            let (mut batch, mut bytes) = (Vec::new(), 0);
            for m in merged.by_ref() {
                match m {
                    Ok(m) => {
                        bytes += m.bytes();
                        batch.push(m);
                        if bytes >= batch_bytes {
                            break;
                        }
                    }
                    // After the entries before it.
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let ended = batch.is_empty() || failed.is_some();
            if !batch.is_empty() {
                ready.extend(encoder.submit(batch).into_iter().flatten());
            }
            if ended {
                merging = false;
                ready.extend(encoder.finish().into_iter().flatten());
            }
        }
        ready.pop_front().or_else(|| failed.take().map(Err))
    })
}

/// The k-way merge of runs (given in document order) by key: each key with
/// its entries from every run, in key order.
fn merge_keys<'a>(
    runs: Vec<RunSource<'a>>,
    split: Split,
) -> impl Iterator<Item = Result<Merged, BundleError>> + 'a {
    let mut runs = runs;
    let mut heads: Vec<Option<RunEntry>> = Vec::with_capacity(runs.len());
    let mut heap = BinaryHeap::new();
    let mut failed: Option<BundleError> = None;
    for (i, run) in runs.iter_mut().enumerate() {
        match run.next().transpose() {
            Ok(head) => {
                if let Some(h) = &head {
                    heap.push(Reverse((h.key.clone(), i)));
                }
                heads.push(head);
            }
            Err(e) => {
                failed.get_or_insert(e);
                heads.push(None);
            }
        }
    }
    std::iter::from_fn(move || {
        if let Some(e) = failed.take() {
            heap.clear();
            return Some(Err(e));
        }
        let Reverse((key, _)) = heap.peek()?.clone();
        // Every run's entry for this key, in run (= document) order.
        let mut parts: Vec<(usize, RunEntry)> = Vec::new();
        while heap.peek().is_some_and(|Reverse((k, _))| *k == key) {
            let Reverse((_, i)) = heap.pop().expect("peeked");
            let entry = heads[i].take().expect("a head for every heap item");
            match runs[i].next().transpose() {
                Ok(next) => {
                    if let Some(n) = &next {
                        if n.key <= entry.key {
                            heap.clear();
                            return Some(Err(BundleError::Corrupt(
                                "index run keys out of order".into(),
                            )));
                        }
                        heap.push(Reverse((n.key.clone(), i)));
                    }
                    heads[i] = next;
                }
                Err(e) => {
                    heap.clear();
                    return Some(Err(e));
                }
            }
            parts.push((i, entry));
        }
        parts.sort_by_key(|(i, _)| *i);
        Some(Ok(Merged {
            key,
            parts: parts.into_iter().map(|(_, e)| e).collect(),
            split,
        }))
    })
}

/// Whether `key`'s postings keep word positions. A stem key's do not: its
/// documents hold the stem's words under their own keys too, positions and
/// all, and a query word's stems are fetched with it, so positions there
/// were a second copy. Without them a stem key's entry is about half the
/// size (positions are most of a shard's compressed bytes). Phrases match
/// words as written and never read stems; the price is that proximity
/// counts words as written, not inflections.
fn stores_positions(key: &[u8]) -> bool {
    super::stem_of_key(key).is_none()
}

/// How frequent words' entries are split into a head, kept in their term
/// shard, and a tail, in a tail shard (see [`crate::bundle::postings`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// Entries of more documents than this are split (`usize::MAX`: none
    /// is).
    pub over: usize,
    /// Documents a head keeps: those the word weighs most in.
    pub head: usize,
    /// The bundle's average body length in words, as the manifest says it:
    /// what a document's weight is normalised by.
    pub avg_len: f32,
}

/// One key's entry, encoded: the entry (or its head), and the tail of a
/// split one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEntry {
    pub key: Vec<u8>,
    /// A [`TermEntry`](crate::bundle::TermEntry) as `decode` reads it, or
    /// with a tail, as `decode_head` does.
    pub entry: Vec<u8>,
    pub tail: Option<Vec<u8>>,
}

/// One key's postings, merged from its runs, documents ascending and
/// absolute, before they are delta-encoded.
struct Columns {
    variants: Vec<String>,
    docs: Vec<u32>,
    norms: Vec<u8>,
    /// Title and body counts, interleaved.
    tf: Vec<u32>,
    masks: Vec<u64>,
    /// Each document's title then body positions, absolute (none kept for
    /// a stem key).
    positions: Vec<u32>,
    /// Where each document's positions start.
    starts: Vec<usize>,
}

impl Columns {
    /// The stored form of documents `pick` (ascending indices).
    fn stored(&self, pick: impl Iterator<Item = usize>) -> StoredEntry {
        let mut out = StoredEntry {
            variants: self.variants.clone(),
            docs: Vec::new(),
            norms: Vec::new(),
            tf: Vec::new(),
            masks: Vec::new(),
            positions: Vec::new(),
        };
        let mut prev = None;
        for i in pick {
            out.docs.push(self.docs[i] - prev.unwrap_or(0));
            prev = Some(self.docs[i]);
            out.norms.push(self.norms[i]);
            let (title, body) = (self.tf[2 * i], self.tf[2 * i + 1]);
            out.tf.extend([title, body]);
            if self.variants.len() > 1 {
                out.masks.push(self.masks[i]);
            }
            if self.positions.is_empty() {
                continue;
            }
            let at = self.starts[i];
            let mid = at + title as usize;
            push_deltas(&mut out.positions, &self.positions[at..mid]);
            push_deltas(
                &mut out.positions,
                &self.positions[mid..mid + body as usize],
            );
        }
        out
    }
}

/// Concatenates one key's run entries into its final encoding: variants
/// unified (ids remapped in first-seen order), columns delta-encoded;
/// positions only if `keep_positions` (see [`stores_positions`]); split
/// into a head and a tail if `split` says so.
fn encode_entry(
    key: Vec<u8>,
    parts: impl Iterator<Item = RunEntry>,
    keep_positions: bool,
    split: Split,
) -> Result<EncodedEntry, BundleError> {
    let mut c = Columns {
        variants: Vec::new(),
        docs: Vec::new(),
        norms: Vec::new(),
        tf: Vec::new(),
        masks: Vec::new(),
        positions: Vec::new(),
        starts: Vec::new(),
    };
    for part in parts {
        let remap: Vec<u8> = part
            .variants
            .iter()
            .map(|v| {
                if let Some(i) = c.variants.iter().position(|o| o == v) {
                    i as u8
                } else if c.variants.len() < MAX_VARIANTS {
                    c.variants.push(v.clone());
                    (c.variants.len() - 1) as u8
                } else {
                    0
                }
            })
            .collect();
        let s = &part.stream;
        let mut at = 0;
        let mut doc = 0u32;
        while at < s.len() {
            doc = doc
                .checked_add(get_u32(s, &mut at)?)
                .ok_or_else(|| BundleError::Corrupt("index run: document overflow".into()))?;
            let norm = *s
                .get(at)
                .ok_or_else(|| BundleError::Corrupt("index run: stream truncated".into()))?;
            at += 1;
            let title = get_u32(s, &mut at)?;
            let body = get_u32(s, &mut at)?;
            let local = get(s, &mut at)?;
            let mut mask = 0u64;
            for bit in 0..64 {
                if local & (1 << bit) != 0 {
                    let global = remap.get(bit).copied().unwrap_or(63);
                    mask |= 1 << global.min(63);
                }
            }
            if c.docs.last().is_some_and(|&last| doc <= last) {
                return Err(BundleError::Corrupt(
                    "index run documents out of order".into(),
                ));
            }
            c.docs.push(doc);
            c.norms.push(norm);
            c.tf.extend([title, body]);
            c.masks.push(mask);
            c.starts.push(c.positions.len());
            if !keep_positions {
                continue;
            }
            for n in [title, body] {
                let mut p = 0u32;
                for _ in 0..n {
                    p = p.checked_add(get_u32(s, &mut at)?).ok_or_else(|| {
                        BundleError::Corrupt("index run: position overflow".into())
                    })?;
                    c.positions.push(p);
                }
            }
        }
    }
    let encode = |stored: &StoredEntry, out: Vec<u8>| {
        postcard::to_extend(stored, out).expect("serialising to a Vec cannot fail")
    };
    let n = c.docs.len();
    let splits = n > split.over && split.head > 0 && key.first() != Some(&super::FACET_PREFIX);
    if !splits {
        let entry = encode(&c.stored(0..n), Vec::new());
        return Ok(EncodedEntry {
            key,
            entry,
            tail: None,
        });
    }
    // The head: the documents the word weighs most in, ties newest first
    // (as results rank them), then every column in document order again.
    let weight = |i: usize| {
        let len = dequantize_len(c.norms[i]);
        tf_norm(
            c.tf[2 * i] as usize,
            c.tf[2 * i + 1] as usize,
            len,
            split.avg_len,
        )
    };
    let weights: Vec<f32> = (0..n).map(weight).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.select_nth_unstable_by(split.head - 1, |&a, &b| {
        weights[b].total_cmp(&weights[a]).then(a.cmp(&b))
    });
    let mut in_head = vec![false; n];
    order[..split.head].iter().for_each(|&i| in_head[i] = true);
    let max_tf = (0..n)
        .filter(|&i| !in_head[i])
        .map(|i| weights[i])
        .fold(0.0f32, f32::max);
    let tail = Tail {
        docs: (n - split.head) as u32,
        // Rounded up, so that a reader's arithmetic (wasm's `exp`, not
        // the platform's) never finds a tail document weighing more.
        max_tf: max_tf * (1.0 + 1e-4),
    };
    let head = postcard::to_allocvec(&tail).expect("serialising to a Vec cannot fail");
    let head = encode(&c.stored((0..n).filter(|&i| in_head[i])), head);
    let rest = encode(&c.stored((0..n).filter(|&i| !in_head[i])), Vec::new());
    Ok(EncodedEntry {
        key,
        entry: head,
        tail: Some(rest),
    })
}
