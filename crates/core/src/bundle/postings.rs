//! Term entries: the variants of a term and where it occurs.
//!
//! The dictionary key is a word's *folded* form (`lam`); the entry lists the
//! exact forms seen under that key (`lam`, `làm`, `lâm`) and, per document, a
//! bit mask of the forms it contains. That keeps one posting list per folded
//! word (so `Lam` finds `làm`) while still knowing which documents contain
//! the form exactly as typed (so they can rank first).
//!
//! A frequent word's entry is split in two (format 8): its *head*, the
//! documents it weighs most in (by the saturated, length-normalised
//! frequency BM25 scores it by), stays in the term shard, and its *tail*,
//! every other document, goes to a tail shard of its own (see
//! [`super::FileKind::Tails`]). The head says how many documents the tail
//! holds and the highest weight among them, so that a query can tell when
//! the head alone already decides its first results: a word in 50,000 of
//! 100,000 articles costs 200 KB whole, its head of 1,000 some 8 KB.
//!
//! The layout is columnar: document numbers, length norms, term
//! frequencies, variant masks and word positions are each one delta- and
//! varint-encoded array. Decoding an entry is a handful of allocations
//! whatever its length, and positions, needed only for the documents that
//! survive a query's AND, are slices into one array.

use serde::{Deserialize, Serialize};

/// One document's occurrences of a term, as the indexer collects them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// Document number (newest first).
    pub doc: u32,
    /// The document's body length in words, quantised with [`quantize_len`].
    pub norm: u8,
    /// Word positions in the title, ascending.
    pub title: Vec<u32>,
    /// Word positions in the body, ascending.
    pub body: Vec<u32>,
    /// The variant at each title position, then at each body position
    /// (empty when the term has one variant).
    pub variants: Vec<u8>,
}

/// What a head entry says of its tail.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    /// Documents in the tail.
    pub docs: u32,
    /// The highest saturated, length-normalised frequency
    /// ([`crate::search::rank::tf_norm`]) of a tail document, rounded up:
    /// no document of the tail weighs more.
    pub max_tf: f32,
}

/// The flag of a term shard's `fst` value whose entry is a head (its
/// [`Tail`] first, then the entry).
pub const HEAD_FLAG: u64 = 1 << 63;

/// A decoded term entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TermEntry {
    /// The tail this entry is the head of, if it is one and the tail is
    /// not merged in.
    pub tail: Option<Tail>,
    /// Exact forms under this folded key, at most 255.
    pub variants: Vec<String>,
    /// Documents, ascending.
    pub docs: Vec<u32>,
    /// Quantised body length of each document.
    pub norms: Vec<u8>,
    /// Title and body occurrence counts of each document, interleaved.
    tf: Vec<u32>,
    /// Per document, a bit per variant it contains (variant 63 and up share
    /// the last bit); empty when the term has one variant.
    masks: Vec<u64>,
    /// All positions, per document title then body, absolute; empty when
    /// the entry stores none (a stem key's: counts only).
    positions: Vec<u32>,
    /// Where each document's positions start in `positions`.
    offsets: Vec<u32>,
}

/// The stored form (postcard): deltas and varints throughout.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredEntry {
    pub(crate) variants: Vec<String>,
    pub(crate) docs: Vec<u32>,
    pub(crate) norms: Vec<u8>,
    pub(crate) tf: Vec<u32>,
    pub(crate) masks: Vec<u64>,
    pub(crate) positions: Vec<u32>,
}

pub(crate) fn push_deltas(out: &mut Vec<u32>, v: &[u32]) {
    let mut prev = 0;
    for &x in v {
        out.push(x - prev);
        prev = x;
    }
}

impl TermEntry {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Title occurrences in the `i`th document.
    pub fn title_tf(&self, i: usize) -> usize {
        self.tf[2 * i] as usize
    }

    /// Body occurrences in the `i`th document.
    pub fn body_tf(&self, i: usize) -> usize {
        self.tf[2 * i + 1] as usize
    }

    /// Whether the entry stores positions (a stem key's does not; nor does
    /// a facet key's, which has no occurrences).
    pub fn has_positions(&self) -> bool {
        !self.offsets.is_empty() || self.docs.is_empty()
    }

    /// Title positions in the `i`th document (none if not stored).
    pub fn title_positions(&self, i: usize) -> &[u32] {
        let Some(&start) = self.offsets.get(i) else {
            return &[];
        };
        let start = start as usize;
        &self.positions[start..start + self.title_tf(i)]
    }

    /// Body positions in the `i`th document (none if not stored).
    pub fn body_positions(&self, i: usize) -> &[u32] {
        let Some(&start) = self.offsets.get(i) else {
            return &[];
        };
        let start = start as usize + self.title_tf(i);
        &self.positions[start..start + self.body_tf(i)]
    }

    /// Whether the `i`th document contains variant `v`.
    pub fn has_variant(&self, i: usize, v: usize) -> bool {
        match self.masks.get(i) {
            Some(mask) => mask & (1 << v.min(63)) != 0,
            None => v == 0,
        }
    }

    /// Appends the encoding of `variants` and `postings` (ascending by
    /// document) to `out`.
    pub fn encode_into(variants: &[String], postings: &[Posting], out: &mut Vec<u8>) {
        let mut stored = StoredEntry {
            variants: variants.to_vec(),
            docs: Vec::with_capacity(postings.len()),
            norms: Vec::with_capacity(postings.len()),
            tf: Vec::with_capacity(2 * postings.len()),
            masks: Vec::new(),
            positions: Vec::new(),
        };
        let mut prev = 0;
        for p in postings {
            stored.docs.push(p.doc - prev);
            prev = p.doc;
            stored.norms.push(p.norm);
            stored.tf.push(p.title.len() as u32);
            stored.tf.push(p.body.len() as u32);
            push_deltas(&mut stored.positions, &p.title);
            push_deltas(&mut stored.positions, &p.body);
            if variants.len() > 1 {
                let mask = p.variants.iter().fold(0u64, |m, &v| m | 1 << v.min(63));
                stored
                    .masks
                    .push(if p.variants.is_empty() { 1 } else { mask });
            }
        }
        postcard::to_extend(&stored, std::mem::take(out))
            .map(|v| *out = v)
            .expect("serialising to a Vec cannot fail");
    }

    /// Decodes an entry at the start of `bytes`, validating every column:
    /// documents ascend and stay below `doc_count`, columns agree in length,
    /// positions do not overflow.
    pub fn decode(bytes: &[u8], doc_count: u32) -> Result<TermEntry, String> {
        let (s, _): (StoredEntry, _) =
            postcard::take_from_bytes(bytes).map_err(|e| format!("term entry: {e}"))?;
        let n = s.docs.len();
        if s.norms.len() != n || s.tf.len() != 2 * n || !(s.masks.is_empty() || s.masks.len() == n)
        {
            return Err("term entry columns disagree in length".into());
        }
        if s.variants.len() <= 1 && !s.masks.is_empty() {
            return Err("variant masks for a single variant".into());
        }
        let mut docs = s.docs;
        let mut doc = 0u32;
        for (i, d) in docs.iter_mut().enumerate() {
            if i > 0 && *d == 0 {
                return Err("document numbers out of order".into());
            }
            doc = doc.checked_add(*d).ok_or("document number overflows")?;
            if doc >= doc_count {
                return Err(format!("document number {doc} out of range"));
            }
            *d = doc;
        }
        let mut positions = s.positions;
        // No positions at all: counts only (a stem key's entry, a facet's),
        // and no offsets into them.
        let offsets = if positions.is_empty() {
            Vec::new()
        } else {
            undo_position_deltas(&mut positions, &s.tf)?;
            let mut start = 0u32;
            s.tf.chunks(2)
                .map(|pair| {
                    let at = start;
                    start += pair[0] + pair[1];
                    at
                })
                .collect()
        };
        Ok(TermEntry {
            tail: None,
            variants: s.variants,
            docs,
            norms: s.norms,
            tf: s.tf,
            masks: s.masks,
            positions,
            offsets,
        })
    }
}

impl TermEntry {
    /// Decodes a head entry: its [`Tail`], then the entry.
    pub fn decode_head(bytes: &[u8], doc_count: u32) -> Result<TermEntry, String> {
        let (tail, rest): (Tail, _) =
            postcard::take_from_bytes(bytes).map_err(|e| format!("head entry: {e}"))?;
        let mut entry = TermEntry::decode(rest, doc_count)?;
        let total = u64::from(tail.docs) + entry.len() as u64;
        if tail.docs == 0
            || total > u64::from(doc_count)
            || tail.max_tf.is_nan()
            || tail.max_tf < 0.0
        {
            return Err(format!(
                "head entry: a tail of {} documents beside {} in a bundle of {doc_count}",
                tail.docs,
                entry.len()
            ));
        }
        entry.tail = Some(tail);
        Ok(entry)
    }

    /// Documents in the whole entry, its tail's included.
    pub fn total_docs(&self) -> usize {
        self.len() + self.tail.map_or(0, |t| t.docs as usize)
    }

    /// The whole entry: this head with its `tail` merged in, documents
    /// ascending. The tail must be the one the head announces (as many
    /// documents, the same variants, none in both).
    pub fn merged(&self, tail: &TermEntry) -> Result<TermEntry, String> {
        self.merged_by_runs(tail, |_, _| {})
    }

    /// [`TermEntry::merged`], telling `each` every run it copies, in order:
    /// whether from the head, and which of that side's documents. A caller
    /// keeping a column of its own per document (a weight) merges it alike.
    ///
    /// Copied run by run: a head is a small part of its entry, so the tail's
    /// documents between two of the head's are one copy of each column
    /// (tens of thousands of documents at 100,000 articles; merging them one
    /// by one was a seventh of a cold query's search).
    pub fn merged_by_runs(
        &self,
        tail: &TermEntry,
        mut each: impl FnMut(bool, std::ops::Range<usize>),
    ) -> Result<TermEntry, String> {
        let announced = self.tail.map(|t| t.docs as usize);
        if announced != Some(tail.len())
            || tail.variants != self.variants
            || tail.has_positions() != self.has_positions()
            || tail.masks.is_empty() != self.masks.is_empty()
        {
            return Err("a tail that is not its head's".into());
        }
        let n = self.len() + tail.len();
        let mut out = TermEntry {
            tail: None,
            variants: self.variants.clone(),
            docs: Vec::with_capacity(n),
            norms: Vec::with_capacity(n),
            tf: Vec::with_capacity(2 * n),
            masks: Vec::with_capacity(self.masks.len() + tail.masks.len()),
            positions: Vec::with_capacity(self.positions.len() + tail.positions.len()),
            offsets: Vec::with_capacity(self.offsets.len() + tail.offsets.len()),
        };
        let (mut i, mut j) = (0, 0);
        while i < self.len() || j < tail.len() {
            // The run of one side's documents before the other's next.
            let (e, k, end, from_head) = match (self.docs.get(i), tail.docs.get(j)) {
                (Some(h), Some(t)) if h == t => {
                    return Err("a document in both a head and its tail".into());
                }
                (Some(&h), t) if t.is_none_or(|&t| h < t) => {
                    let end = t.map_or(self.len(), |&t| {
                        i + self.docs[i..].partition_point(|&d| d < t)
                    });
                    (self, &mut i, end, true)
                }
                (h, _) => {
                    let end = h.map_or(tail.len(), |&h| {
                        j + tail.docs[j..].partition_point(|&d| d < h)
                    });
                    (tail, &mut j, end, false)
                }
            };
            let run = *k..end;
            each(from_head, run.clone());
            out.docs.extend_from_slice(&e.docs[run.clone()]);
            out.norms.extend_from_slice(&e.norms[run.clone()]);
            out.tf.extend_from_slice(&e.tf[2 * run.start..2 * run.end]);
            if !e.masks.is_empty() {
                out.masks.extend_from_slice(&e.masks[run.clone()]);
            }
            if !e.offsets.is_empty() {
                // The run's positions are one slice; its offsets move by
                // where that slice lands.
                let from = e.offsets[run.start];
                let to = e
                    .offsets
                    .get(run.end)
                    .map_or(e.positions.len(), |&o| o as usize);
                let at = out.positions.len() as u32;
                out.offsets
                    .extend(e.offsets[run.clone()].iter().map(|&o| o - from + at));
                out.positions
                    .extend_from_slice(&e.positions[from as usize..to]);
            }
            *k = end;
        }
        Ok(out)
    }
}

/// Positions are delta-encoded per run (a document's title, then its body,
/// of the lengths in `tf`): undoes the deltas run by run, checking that the
/// runs cover `positions` exactly and that no position overflows.
fn undo_position_deltas(positions: &mut [u32], tf: &[u32]) -> Result<(), String> {
    let mut at = 0usize;
    for &run in tf {
        let end = at
            .checked_add(run as usize)
            .filter(|&e| e <= positions.len())
            .ok_or("positions truncated")?;
        let mut acc = 0u32;
        for p in &mut positions[at..end] {
            acc = acc.checked_add(*p).ok_or("position overflows")?;
            *p = acc;
        }
        at = end;
    }
    if at != positions.len() {
        return Err("positions and frequencies disagree".into());
    }
    Ok(())
}

/// Quantises a length in words to one byte on a log scale: lengths matter to
/// ranking only roughly, and one byte per posting keeps length norms inside
/// the shard (no separate norms file to fetch).
pub fn quantize_len(words: u32) -> u8 {
    ((words as f32 + 1.0).ln() * 20.0).round().min(255.0) as u8
}

/// Inverse of [`quantize_len`] (approximately). One of 256 values, worked
/// out once: it is asked for every posting of every entry decoded (tens of
/// thousands for a frequent word), and `exp` is slow in wasm.
pub fn dequantize_len(q: u8) -> f32 {
    static LENS: std::sync::OnceLock<[f32; 256]> = std::sync::OnceLock::new();
    LENS.get_or_init(|| std::array::from_fn(|q| (q as f32 / 20.0).exp() - 1.0))[usize::from(q)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<String>, Vec<Posting>) {
        (
            vec!["lam".into(), "làm".into()],
            vec![
                Posting {
                    doc: 3,
                    norm: 7,
                    title: vec![1],
                    body: vec![4, 9],
                    variants: vec![0, 1, 1],
                },
                Posting {
                    doc: 10,
                    norm: 9,
                    title: vec![],
                    body: vec![0],
                    variants: vec![1],
                },
            ],
        )
    }

    #[test]
    fn entries_round_trip() {
        let (variants, postings) = sample();
        let mut buf = Vec::new();
        TermEntry::encode_into(&variants, &postings, &mut buf);
        let e = TermEntry::decode(&buf, 11).unwrap();
        assert_eq!(e.docs, [3, 10]);
        assert_eq!(e.norms, [7, 9]);
        assert_eq!(
            (e.title_positions(0), e.body_positions(0)),
            (&[1][..], &[4, 9][..])
        );
        assert_eq!(
            (e.title_positions(1), e.body_positions(1)),
            (&[][..], &[0][..])
        );
        assert!(e.has_variant(0, 0) && e.has_variant(0, 1));
        assert!(!e.has_variant(1, 0) && e.has_variant(1, 1));
        assert!(
            TermEntry::decode(&buf, 10).is_err(),
            "doc 10 is out of range for 10 docs"
        );
        assert!(TermEntry::decode(&buf[..buf.len() - 2], 11).is_err());
    }

    /// A head and its tail merge into the entry of all their documents;
    /// a tail that is not the head's, or a head announcing an impossible
    /// tail, is refused.
    #[test]
    fn heads_and_tails_merge_into_the_whole_entry() {
        let (variants, postings) = sample();
        let whole = {
            let mut buf = Vec::new();
            TermEntry::encode_into(&variants, &postings, &mut buf);
            TermEntry::decode(&buf, 11).unwrap()
        };
        let head_of = |tail: Tail| {
            let mut buf = postcard::to_allocvec(&tail).unwrap();
            TermEntry::encode_into(&variants, &postings[1..], &mut buf);
            buf
        };
        let announced = Tail {
            docs: 1,
            max_tf: 0.5,
        };
        let head = TermEntry::decode_head(&head_of(announced), 11).unwrap();
        assert_eq!(head.tail, Some(announced));
        assert_eq!((head.len(), head.total_docs()), (1, 2));
        let mut buf = Vec::new();
        TermEntry::encode_into(&variants, &postings[..1], &mut buf);
        let tail = TermEntry::decode(&buf, 11).unwrap();
        assert_eq!(head.merged(&tail).unwrap(), whole);
        // Not this head's tail: another count, other variants, itself.
        let two = Tail {
            docs: 2,
            ..announced
        };
        let wrong = TermEntry::decode_head(&head_of(two), 11).unwrap();
        assert!(wrong.merged(&tail).is_err());
        let mut other = tail.clone();
        other.variants.reverse();
        assert!(head.merged(&other).is_err());
        let mut unmasked = tail.clone();
        unmasked.masks.clear();
        assert!(head.merged(&unmasked).is_err(), "masks on one side only");
        let mut same = head.clone();
        same.tail = None;
        assert!(head.merged(&same).is_err(), "a document in both");
        // A tail of nothing, or more documents than the bundle holds.
        for bad in [
            Tail {
                docs: 0,
                ..announced
            },
            Tail {
                docs: 11,
                ..announced
            },
        ] {
            assert!(TermEntry::decode_head(&head_of(bad), 11).is_err());
        }
        let nan = Tail {
            max_tf: f32::NAN,
            ..announced
        };
        assert!(TermEntry::decode_head(&head_of(nan), 11).is_err());
    }

    #[test]
    fn single_variant_entries_need_no_masks() {
        let postings = vec![Posting {
            doc: 0,
            norm: 1,
            title: vec![],
            body: vec![2],
            variants: vec![],
        }];
        let mut buf = Vec::new();
        TermEntry::encode_into(&["x".into()], &postings, &mut buf);
        let e = TermEntry::decode(&buf, 1).unwrap();
        assert!(e.has_variant(0, 0) && !e.has_variant(0, 1));
    }

    #[test]
    fn length_quantisation_is_monotonic() {
        let mut last = 0;
        for n in [0, 1, 5, 50, 500, 5000, 50000] {
            let q = quantize_len(n);
            assert!(q >= last);
            last = q;
            let back = dequantize_len(q);
            assert!(
                (back - n as f32).abs() <= n as f32 * 0.05 + 1.0,
                "{n} -> {back}"
            );
        }
    }

    proptest::proptest! {
        /// Any head and tail of an entry (documents split between them
        /// anyhow: runs of either, one document each, all but one) merge
        /// into the whole entry, with positions and variant masks or
        /// counts only.
        #[test]
        fn any_split_merges_into_the_whole(
            docs in proptest::collection::btree_map(
                0u32..300,
                (0u8..40, 0u32..4, 0u32..6, proptest::bool::ANY),
                2..60,
            ),
            positions in proptest::bool::ANY,
            two_variants in proptest::bool::ANY,
        ) {
            let variants: Vec<String> = if two_variants {
                vec!["lam".into(), "làm".into()]
            } else {
                vec!["lam".into()]
            };
            // Documents in head (`true`) or tail; both non-empty.
            let mut in_head: Vec<bool> = docs.values().map(|v| v.3).collect();
            in_head[0] = true;
            let last = in_head.len() - 1;
            in_head[last] = false;
            let stored = |pick: &dyn Fn(usize) -> bool| {
                let mut e = StoredEntry {
                    variants: variants.clone(),
                    docs: Vec::new(),
                    norms: Vec::new(),
                    tf: Vec::new(),
                    masks: Vec::new(),
                    positions: Vec::new(),
                };
                let mut prev = 0;
                for (k, (&doc, &(norm, title, body, _))) in docs.iter().enumerate() {
                    if !pick(k) {
                        continue;
                    }
                    e.docs.push(doc - prev);
                    prev = doc;
                    e.norms.push(norm);
                    e.tf.extend([title, body.max(1)]);
                    if two_variants {
                        e.masks.push(1 + u64::from(doc) % 3);
                    }
                    if positions {
                        // Title then body positions, as deltas.
                        e.positions.extend((0..title).map(|p| u32::from(p > 0) + doc % 5));
                        e.positions.extend((0..body.max(1)).map(|p| u32::from(p > 0) * 3 + doc % 7));
                    }
                }
                e
            };
            let whole = postcard::to_allocvec(&stored(&|_| true)).unwrap();
            let whole = TermEntry::decode(&whole, 300).unwrap();
            let tail_docs = in_head.iter().filter(|h| !**h).count() as u32;
            let mut head = postcard::to_allocvec(&Tail { docs: tail_docs, max_tf: 1.0 }).unwrap();
            head = postcard::to_extend(&stored(&|k| in_head[k]), head).unwrap();
            let head = TermEntry::decode_head(&head, 300).unwrap();
            let tail = postcard::to_allocvec(&stored(&|k| !in_head[k])).unwrap();
            let tail = TermEntry::decode(&tail, 300).unwrap();
            proptest::prop_assert_eq!(head.merged(&tail).unwrap(), whole);
        }
    }
}
