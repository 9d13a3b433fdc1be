//! Term entries: the variants of a term and where it occurs.
//!
//! The dictionary key is a word's *folded* form (`lam`); the entry lists the
//! exact forms seen under that key (`lam`, `làm`, `lâm`), and each position
//! records which of them occurred there. That keeps one posting list per
//! folded word (so `Lam` finds `làm`) while still knowing which documents
//! contain the form exactly as typed (so they can rank first), at the cost of
//! one small number per position and only for words that have variants.

use serde::{Deserialize, Serialize};

/// One document's occurrences of a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    /// Document number (newest first).
    pub doc: u32,
    /// The document's body length in words, quantised with [`quantize_len`].
    pub norm: u8,
    /// Word positions in the title, ascending.
    pub title: Vec<u32>,
    /// Word positions in the body, ascending.
    pub body: Vec<u32>,
    /// For terms with several variants: the variant at each title position,
    /// then at each body position. Empty when the term has one variant.
    pub variants: Vec<u8>,
}

impl Posting {
    /// The variant at the `i`th occurrence (title occurrences first).
    pub fn variant(&self, i: usize) -> u8 {
        self.variants.get(i).copied().unwrap_or(0)
    }
}

/// A term's variants and postings, as decoded from a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermEntry {
    /// Exact forms under this folded key, at most 255.
    pub variants: Vec<String>,
    pub postings: PostingList,
}

pub type PostingList = Vec<Posting>;

/// The stored form: documents and positions delta-encoded, so postcard's
/// varints keep them to a byte or two each.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    variants: Vec<String>,
    docs: Vec<StoredPosting>,
}

#[derive(Serialize, Deserialize)]
struct StoredPosting {
    doc_delta: u32,
    norm: u8,
    title: Vec<u32>,
    body: Vec<u32>,
    variants: Vec<u8>,
}

fn deltas(v: &[u32]) -> Vec<u32> {
    let mut prev = 0;
    v.iter()
        .map(|&x| {
            let d = x - prev;
            prev = x;
            d
        })
        .collect()
}

/// Prefix sums in place (no new allocation: this runs once per posting).
fn undeltas(mut v: Vec<u32>) -> Option<Vec<u32>> {
    let mut acc = 0u32;
    for x in &mut v {
        acc = acc.checked_add(*x)?;
        *x = acc;
    }
    Some(v)
}

impl TermEntry {
    /// Appends the encoding of this entry to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let mut prev = 0;
        let stored = StoredEntry {
            variants: self.variants.clone(),
            docs: self
                .postings
                .iter()
                .map(|p| {
                    let s = StoredPosting {
                        doc_delta: p.doc - prev,
                        norm: p.norm,
                        title: deltas(&p.title),
                        body: deltas(&p.body),
                        variants: p.variants.clone(),
                    };
                    prev = p.doc;
                    s
                })
                .collect(),
        };
        let bytes = postcard::to_allocvec(&stored).expect("serialising to a Vec cannot fail");
        out.extend_from_slice(&bytes);
    }

    /// Decodes an entry at the start of `bytes`, validating that documents
    /// ascend and stay below `doc_count` and that variant ids are in range.
    pub fn decode(bytes: &[u8], doc_count: u32) -> Result<TermEntry, String> {
        let (stored, _): (StoredEntry, _) =
            postcard::take_from_bytes(bytes).map_err(|e| format!("term entry: {e}"))?;
        let mut postings = Vec::with_capacity(stored.docs.len());
        let mut doc = 0u32;
        for (i, p) in stored.docs.into_iter().enumerate() {
            doc = doc
                .checked_add(p.doc_delta)
                .ok_or("document number overflows")?;
            if (i > 0 && p.doc_delta == 0) || doc >= doc_count {
                return Err(format!("document number {doc} out of order or range"));
            }
            let title = undeltas(p.title).ok_or("title position overflows")?;
            let body = undeltas(p.body).ok_or("body position overflows")?;
            if !p.variants.is_empty() && p.variants.len() != title.len() + body.len() {
                return Err("variant list length mismatch".into());
            }
            if p.variants
                .iter()
                .any(|&v| v as usize >= stored.variants.len())
            {
                return Err("variant id out of range".into());
            }
            postings.push(Posting {
                doc,
                norm: p.norm,
                title,
                body,
                variants: p.variants,
            });
        }
        Ok(TermEntry {
            variants: stored.variants,
            postings,
        })
    }
}

/// Quantises a length in words to one byte on a log scale: lengths matter to
/// ranking only roughly, and one byte per posting keeps length norms inside
/// the shard (no separate norms file to fetch).
pub fn quantize_len(words: u32) -> u8 {
    ((words as f32 + 1.0).ln() * 20.0).round().min(255.0) as u8
}

/// Inverse of [`quantize_len`] (approximately).
pub fn dequantize_len(q: u8) -> f32 {
    (q as f32 / 20.0).exp() - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let e = TermEntry {
            variants: vec!["lam".into(), "làm".into()],
            postings: vec![
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
        };
        let mut buf = Vec::new();
        e.encode_into(&mut buf);
        assert_eq!(TermEntry::decode(&buf, 11).unwrap(), e);
        assert!(
            TermEntry::decode(&buf, 10).is_err(),
            "doc 10 is out of range for 10 docs"
        );
        assert!(TermEntry::decode(&buf[..buf.len() - 2], 11).is_err());
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
}
