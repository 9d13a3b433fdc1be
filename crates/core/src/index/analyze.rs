//! One document's index terms: the part of indexing that needs nothing but
//! the document, so that callers may run it on many documents in parallel.

use super::{body_texts, facet_key, facet_values, stem_key, BLOCK_GAP};
use crate::analysis::{for_each_word, stem, stemmer, RawWord, Token, WordMap};
use crate::bundle::postings::quantize_len;
use crate::model::Article;
use std::collections::HashMap;

/// Occurrences of one dictionary key in a document: its positions in the
/// title and in the body, and the distinct exact forms it takes there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Occurrences {
    pub title: Vec<u32>,
    pub body: Vec<u32>,
    /// Distinct exact forms in order of first occurrence (title first): the
    /// order in which the index numbers them. A stem key has one, empty.
    pub forms: Vec<String>,
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
    /// Dictionary keys (folded words, stems, facets), each once, in order
    /// of first occurrence.
    pub terms: Vec<(Vec<u8>, Occurrences)>,
    /// Facet (key name, value) pairs, for the manifest's counts.
    pub facets: Vec<(&'static str, String)>,
}

/// A document ready for [`super::Builder::add`]: everything that needs
/// nothing but the document (its terms, its compressed pack record) done
/// beforehand, so that callers do it on many threads while the builder,
/// which numbers documents in order, runs on one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub article: Article,
    pub terms: DocTerms,
    /// The article as its body pack stores it ([`crate::bundle::pack::encode_record`]).
    pub record: Vec<u8>,
}

/// Analyses `article` and compresses its pack record.
pub fn prepare(article: Article) -> Prepared {
    prepare_with(article, &mut Words::default())
}

/// [`prepare`], with the forms of words seen in earlier documents taken
/// from `words` (and this document's added to it).
pub fn prepare_with(article: Article, words: &mut Words) -> Prepared {
    Prepared {
        terms: analyze_with(&article, words),
        record: crate::bundle::pack::encode_record(&article),
        article,
    }
}

/// The index forms of words as written (exact, folded, stem), kept across
/// documents: normalising, folding and stemming a word is most of what
/// analysing it costs, and a corpus's documents share most of their words
/// (a news article's distinct words are nearly all in the articles before
/// it). Kept per language, since the stem depends on it. A pure memo: an
/// analysis with it is the same as without.
///
/// One per thread (the CLI keeps one in each of its workers); bounded by
/// [`Words::MAX_WORDS`], past which it starts again empty.
pub struct Words {
    /// Per (language, joined identifier or not), forms by word as written.
    forms: Vec<(Kind, WordMap<Forms>)>,
    /// Words kept, in all of `forms`.
    len: usize,
    max: usize,
}

impl Default for Words {
    fn default() -> Words {
        Words::with_max(Words::MAX_WORDS)
    }
}

/// The language of the words of a [`WordMap`], and whether they are joined
/// identifiers (which are not stemmed).
type Kind = (Box<str>, bool);

/// A word's index forms.
struct Forms {
    exact: Box<str>,
    folded: Box<str>,
    stem: Option<Box<str>>,
}

impl Words {
    /// Words kept at most (about 200 bytes each with their forms, so some
    /// 50 MB per memo when full): past this the memo is cleared, so that a
    /// corpus of many languages or much noise cannot grow it without bound.
    pub const MAX_WORDS: usize = 1 << 18;

    /// A memo of at most `max` words.
    pub fn with_max(max: usize) -> Words {
        Words {
            forms: Vec::new(),
            len: 0,
            max,
        }
    }

    /// Words kept now.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The forms of `w` in an article in `lang`, `stems` if that language
    /// has a stemmer.
    fn forms(&mut self, lang: &str, stems: bool, w: &RawWord<'_>) -> &Forms {
        let at = match self
            .forms
            .iter()
            .position(|((l, j), _)| &**l == lang && *j == w.joined)
        {
            Some(at) => at,
            None => {
                self.forms
                    .push(((lang.into(), w.joined), WordMap::default()));
                self.forms.len() - 1
            }
        };
        if self.len >= self.max {
            self.forms.iter_mut().for_each(|(_, m)| m.clear());
            self.len = 0;
        }
        let (forms, new) = self.forms[at].1.get_or_insert_with(w.text, || {
            let t = Token::of(*w);
            let stem = (stems && !t.joined)
                .then(|| stem(lang, &t.exact, &t.folded))
                .flatten();
            Forms {
                exact: t.exact.into(),
                folded: t.folded.into(),
                stem: stem.map(Into::into),
            }
        });
        self.len += usize::from(new);
        forms
    }
}

/// The keys of one document and their occurrences, each key stored once:
/// a distinct word finds its keys' slots through [`Keys`], so recording an
/// occurrence neither hashes nor compares keys.
#[derive(Default)]
struct Terms {
    slots: HashMap<Vec<u8>, usize, foldhash::fast::RandomState>,
    occurrences: Vec<Occurrences>,
}

impl Terms {
    /// The slot of `key`, added when new (only then is the key copied).
    fn slot(&mut self, key: &[u8]) -> usize {
        if let Some(&slot) = self.slots.get(key) {
            return slot;
        }
        let slot = self.occurrences.len();
        self.slots.insert(key.to_vec(), slot);
        self.occurrences.push(Occurrences::default());
        slot
    }

    fn push(&mut self, slot: usize, title: bool, pos: u32) {
        let o = &mut self.occurrences[slot];
        if title {
            o.title.push(pos);
        } else {
            o.body.push(pos);
        }
    }

    /// Notes that the key at `slot` occurs as `form` (before its first
    /// occurrence as that form is pushed, so forms keep occurrence order).
    fn form(&mut self, slot: usize, form: &str) {
        let forms = &mut self.occurrences[slot].forms;
        if !forms.iter().any(|f| f == form) {
            forms.push(form.to_string());
        }
    }

    /// The keys with their occurrences, in order of first occurrence: the
    /// builder files each under its key in a map, so no order is needed,
    /// and sorting a document's hundreds of keys was a few percent of a
    /// build.
    fn into_terms(self) -> Vec<(Vec<u8>, Occurrences)> {
        let mut keys = vec![Vec::new(); self.occurrences.len()];
        for (key, slot) in self.slots {
            keys[slot] = key;
        }
        keys.into_iter().zip(self.occurrences).collect()
    }
}

/// What a distinct word of a document is indexed under: the slots of its
/// key and of its stem key.
struct Keys {
    key: usize,
    stem: Option<usize>,
}

/// Analyses `a`: tokenises its title and body, stems each word in the
/// article's language, and lists every key with its positions.
pub fn analyze(a: &Article) -> DocTerms {
    analyze_with(a, &mut Words::default())
}

/// [`analyze`], with a memo of the forms of words seen before.
pub fn analyze_with<'a>(a: &'a Article, words: &mut Words) -> DocTerms {
    let mut terms = Terms::default();
    let stems = stemmer(&a.lang).is_some();
    // Each distinct word as written finds its keys' slots once per
    // document (most words recur), and its forms once per memo.
    let mut seen: HashMap<(&'a str, bool), Keys, foldhash::fast::RandomState> = HashMap::default();
    let mut add = |w: RawWord<'a>, pos: u32, title: bool| {
        let keys = seen.entry((w.text, w.joined)).or_insert_with(|| {
            let f = words.forms(&a.lang, stems, &w);
            let stem = f.stem.as_deref().map(|s| terms.slot(&stem_key(s)));
            if let Some(s) = stem {
                terms.form(s, "");
            }
            let key = terms.slot(f.folded.as_bytes());
            terms.form(key, &f.exact);
            Keys { key, stem }
        });
        if let Some(s) = keys.stem {
            terms.push(s, title, pos);
        }
        terms.push(keys.key, title, pos);
    };
    let mut title_words = 0u32;
    for_each_word(&a.title, |w| {
        title_words += u32::from(!w.joined);
        add(w, w.pos, true);
    });
    let mut base = 0u32;
    let mut body_words = 0u32;
    for text in body_texts(a) {
        let mut last = 0;
        for_each_word(text, |w| {
            last = last.max(w.pos);
            if !w.joined {
                body_words += 1;
            }
            add(w, base + w.pos, false);
        });
        base += last + BLOCK_GAP;
    }
    // The author's name, after the body: a search for it finds the
    // article, but its words are never near the body's (their positions
    // come after all of them) and count in no body length.
    if let Some(author) = &a.author {
        for_each_word(author, |w| add(w, base + w.pos, false));
    }
    let facets = facet_values(a);
    for (facet, value) in &facets {
        terms.slot(&facet_key(facet, value));
    }
    DocTerms {
        title_words,
        body_words,
        norm: quantize_len(body_words),
        terms: terms.into_terms(),
        facets,
    }
}
