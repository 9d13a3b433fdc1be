//! One document's index terms: the part of indexing that needs nothing but
//! the document, so that callers may run it on many documents in parallel.

use super::{body_texts, facet_key, facet_values, stem_key, BLOCK_GAP};
use crate::analysis::{stem, stemmer, tokenize, Token};
use crate::bundle::postings::quantize_len;
use crate::model::Article;
use std::collections::BTreeMap;

/// Occurrences of one dictionary key in a document: (position, exact form)
/// in the title and in the body. Stem keys have empty exact forms.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Occurrences {
    pub title: Vec<(u32, String)>,
    pub body: Vec<(u32, String)>,
}

/// What one document contributes to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocTerms {
    /// Words in the title and in the body (joined identifier parts not
    /// counted), for the average lengths of BM25.
    pub title_words: u32,
    pub body_words: u32,
    /// The quantised body length stored with each posting.
    pub norm: u8,
    /// Dictionary keys (folded words, stems, facets) in ascending order.
    pub terms: Vec<(Vec<u8>, Occurrences)>,
    /// Facet (key name, value) pairs, for the manifest's counts.
    pub facets: Vec<(&'static str, String)>,
}

/// Analyses `a`: tokenises its title and body, stems each word in the
/// article's language, and lists every key with its positions.
pub fn analyze(a: &Article) -> DocTerms {
    let mut occ: BTreeMap<Vec<u8>, Occurrences> = BTreeMap::new();
    let stems = stemmer(&a.lang).is_some();
    let mut add = |t: Token, pos: u32, title: bool| {
        let stemmed = (stems && !t.joined)
            .then(|| stem(&a.lang, &t.exact, &t.folded))
            .flatten();
        if let Some(s) = stemmed {
            let o = occ.entry(stem_key(&s)).or_default();
            let list = if title { &mut o.title } else { &mut o.body };
            list.push((pos, String::new()));
        }
        let o = occ.entry(t.folded.into_bytes()).or_default();
        let list = if title { &mut o.title } else { &mut o.body };
        list.push((pos, t.exact));
    };
    let title_tokens = tokenize(&a.title);
    let title_words = title_tokens.iter().filter(|t| !t.joined).count() as u32;
    for t in title_tokens {
        let pos = t.pos;
        add(t, pos, true);
    }
    let mut base = 0u32;
    let mut body_words = 0u32;
    for text in body_texts(a) {
        let mut last = 0;
        for t in tokenize(text) {
            last = last.max(t.pos);
            if !t.joined {
                body_words += 1;
            }
            let pos = base + t.pos;
            add(t, pos, false);
        }
        base += last + BLOCK_GAP;
    }
    let facets = facet_values(a);
    for (facet, value) in &facets {
        occ.entry(facet_key(facet, value)).or_default();
    }
    DocTerms {
        title_words,
        body_words,
        norm: quantize_len(body_words),
        terms: occ.into_iter().collect(),
        facets,
    }
}
