//! Snippets: the best passage of an article for a query, with the matched
//! words marked.

use super::engine::Matched;
use crate::analysis::{for_each_word, keeps_first_letter, stem_always, tokenize, RawWord, Token};
use crate::index::body_texts;
use crate::model::Article;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Words in a snippet window.
const WINDOW: usize = 28;

/// A passage and the byte ranges of matched words in it. Rendering is the
/// caller's: the viewer builds `<mark>` elements as DOM nodes, the CLI prints
/// plain text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// The text split into runs, each flagged as matched or not.
    pub fn segments(&self) -> Vec<(&str, bool)> {
        segments(&self.text, &self.highlights)
    }
}

/// Splits `text` into (run, is_match) by the given ascending byte ranges.
pub fn segments<'a>(text: &'a str, ranges: &[(usize, usize)]) -> Vec<(&'a str, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(s, e) in ranges {
        if s < at || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        if s > at {
            out.push((&text[at..s], false));
        }
        out.push((&text[s..e], true));
        at = e;
    }
    if at < text.len() {
        out.push((&text[at..], false));
    }
    out
}

/// Tells which words of a text in one language a query matched, working
/// each distinct word out once: stemming every occurrence of every word
/// for every query word was most of a result page's snippet cost.
pub struct Marker<'a> {
    keys: &'a Matched,
    lang: &'a str,
    /// Whether any query word has stems; words are stemmed only then.
    stems: bool,
    /// The first letters of the query words' stems, in a language whose
    /// stems start with their word's first letter (see
    /// [`keeps_first_letter`]): a word starting with another letter shares
    /// no stem with the query and is not stemmed (stemming was most of a
    /// page's snippet time). `None`: every word is stemmed.
    initials: Option<Vec<char>>,
    /// Per query word, whether its near misses count (see
    /// [`Marker::focus`]).
    fuzzy_ok: Vec<bool>,
    /// Per distinct exact form, a bit per query word it is a strong match
    /// of (the word, a completion, the same stem). Looked up for every
    /// word of an article: a fast hash.
    strong: HashMap<String, u32, foldhash::fast::RandomState>,
}

impl<'a> Marker<'a> {
    pub fn new(keys: &'a Matched, lang: &'a str) -> Marker<'a> {
        let initials = keeps_first_letter(lang).then(|| {
            let mut firsts: Vec<char> = Vec::new();
            for c in keys
                .terms
                .iter()
                .flat_map(|t| &t.stems)
                .filter_map(|s| s.chars().next())
            {
                if !firsts.contains(&c) {
                    firsts.push(c);
                }
            }
            firsts
        });
        Marker {
            keys,
            lang,
            stems: keys.terms.iter().any(|t| !t.stems.is_empty()),
            initials,
            fuzzy_ok: vec![true; keys.terms.len()],
            strong: HashMap::default(),
        }
    }

    /// A marker that stems every word, whatever its first letter: what
    /// [`Marker::new`]'s must match.
    #[cfg(test)]
    pub(crate) fn stemming_every_word(keys: &'a Matched, lang: &'a str) -> Marker<'a> {
        Marker {
            initials: None,
            ..Marker::new(keys, lang)
        }
    }

    /// Query words `exact` (folded: `folded`) strongly matches, a bit each.
    fn strong(&mut self, exact: &str, folded: &str) -> u32 {
        let lang = self.lang;
        self.strong_given(exact, folded, || stem_always(lang, exact))
    }

    /// [`Marker::strong`] with the word's stem from `stem` (asked only
    /// when the query has stems and the word is new to the marker).
    fn strong_given(
        &mut self,
        exact: &str,
        folded: &str,
        stem: impl FnOnce() -> Option<String>,
    ) -> u32 {
        if let Some(&m) = self.strong.get(exact) {
            return m;
        }
        let may_share_stem = self.stems
            && self.initials.as_ref().is_none_or(|initials| {
                folded.chars().next().is_some_and(|c| initials.contains(&c))
            });
        let stem = may_share_stem.then(stem).flatten();
        let mask = self
            .keys
            .terms
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.words.contains(folded) || stem.as_ref().is_some_and(|s| t.stems.contains(s))
            })
            .fold(0u32, |m, (i, _)| m | 1 << i.min(31));
        self.strong.insert(exact.to_string(), mask);
        mask
    }

    /// Keeps a query word's near misses only where the article lacks the
    /// word itself, so `bang` does not light up every `ban` in an article
    /// that has `Bằng`. Every word of the article is then known to the
    /// marker.
    pub fn focus(&mut self, words: &ArticleTokens) {
        let found = words.words.iter().fold(0u32, |m, w| {
            m | self.strong_given(&w.exact, &w.folded, || w.stem(&words.lang))
        });
        for (i, ok) in self.fuzzy_ok.iter_mut().enumerate() {
            *ok = found & (1 << i.min(31)) == 0;
        }
    }

    /// Per query word, whether its near misses count.
    pub fn fuzzy_ok(&self) -> &[bool] {
        &self.fuzzy_ok
    }

    /// Whether the word is one the query matched.
    pub fn hit(&mut self, exact: &str, folded: &str) -> bool {
        self.strong(exact, folded) != 0
            || self
                .keys
                .terms
                .iter()
                .zip(&self.fuzzy_ok)
                .any(|(t, &ok)| ok && t.fuzzy.contains(folded))
    }

    /// Byte ranges in `text` of the words the query matched.
    pub fn highlight(&mut self, text: &str) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for t in tokenize(text) {
            if !self.hit(&t.exact, &t.folded) {
                continue;
            }
            // An identifier and its parts overlap: keep the widest.
            match out.last_mut() {
                Some(last) if t.start < last.1 => last.1 = last.1.max(t.end),
                _ => out.push((t.start, t.end)),
            }
        }
        out
    }
}

/// The words of an article as snippets look for them: each distinct word
/// once (its stem in the article's language worked out when first asked),
/// and where the words of each body text (see [`body_texts`]) are.
/// Matching a page of articles then works on each distinct word once
/// instead of on every occurrence, and a word is stemmed at most once per
/// article: the engine keeps these for the articles it showed last.
pub struct ArticleTokens {
    /// The article's language, which its words are stemmed in.
    lang: String,
    /// Distinct words (by exact form) of the title and body, identifier
    /// wholes included.
    words: Vec<Word>,
    /// Per body text, its words in order, identifier wholes left out.
    body: Vec<Vec<Spot>>,
}

struct Word {
    exact: String,
    folded: String,
    /// Its stem, worked out the first time a query asks (see
    /// [`Marker::strong_given`]): most words never need theirs.
    stem: OnceLock<Option<String>>,
    /// The same number for words with the same folded form.
    folded_id: u32,
}

/// One word of a text: which distinct word, and its byte range.
#[derive(Clone, Copy)]
struct Spot {
    word: u32,
    start: u32,
    end: u32,
}

impl ArticleTokens {
    pub fn of<'a>(article: &'a Article) -> ArticleTokens {
        type Map<K> = HashMap<K, u32, foldhash::fast::RandomState>;
        let mut words: Vec<Word> = Vec::new();
        // A word as written is normalised, folded and stemmed once: most
        // words of an article recur, and in the browser's wasm each of
        // those steps costs allocations.
        let mut by_text: Map<&'a str> = HashMap::default();
        let mut by_exact: Map<String> = HashMap::default();
        let mut by_folded: Map<String> = HashMap::default();
        let mut intern = |w: RawWord<'a>| -> u32 {
            if let Some(&id) = by_text.get(w.text) {
                return id;
            }
            let t = Token::of(w);
            let id = match by_exact.get(&t.exact) {
                Some(&id) => id,
                None => {
                    let next = by_folded.len() as u32;
                    let folded_id = *by_folded.entry(t.folded.clone()).or_insert(next);
                    let id = words.len() as u32;
                    by_exact.insert(t.exact.clone(), id);
                    words.push(Word {
                        stem: OnceLock::new(),
                        exact: t.exact,
                        folded: t.folded,
                        folded_id,
                    });
                    id
                }
            };
            by_text.insert(w.text, id);
            id
        };
        for_each_word(&article.title, |w| {
            intern(w);
        });
        let body = body_texts(article)
            .map(|text| {
                let mut spots = Vec::new();
                for_each_word(text, |w| {
                    let (joined, start, end) =
                        (w.joined, w.start as u32, (w.start + w.text.len()) as u32);
                    let word = intern(w);
                    if !joined {
                        spots.push(Spot { word, start, end });
                    }
                });
                spots
            })
            .collect();
        ArticleTokens {
            lang: article.lang.clone(),
            words,
            body,
        }
    }
}

impl Word {
    /// Its stem in `lang` (the article's), worked out once.
    fn stem(&self, lang: &str) -> Option<String> {
        self.stem
            .get_or_init(|| stem_always(lang, &self.exact))
            .clone()
    }
}

/// The window of the article (its words tokenised beforehand) with the
/// most distinct matched words (then the most matches), or the opening
/// words when nothing matches. Near misses count only for query words the
/// article lacks (see [`Marker::focus`]). The marker, for the article's
/// language, may have marked other articles of it: the words it worked
/// out are kept.
pub fn snippet_from(article: &Article, words: &ArticleTokens, marker: &mut Marker) -> Snippet {
    let texts: Vec<&str> = body_texts(article).collect();
    debug_assert_eq!(texts.len(), words.body.len());
    marker.focus(words);
    // Whether each distinct word is a match, worked out once.
    let matches: Vec<bool> = words
        .words
        .iter()
        .map(|w| marker.hit(&w.exact, &w.folded))
        .collect();
    let mut best: Option<(usize, usize, usize, usize, usize)> = None; // (distinct, count, text, start tok, end tok)
    let mut folded: Vec<u32> = Vec::with_capacity(WINDOW);
    for (ti, spots) in words.body.iter().enumerate() {
        let hits: Vec<bool> = spots.iter().map(|s| matches[s.word as usize]).collect();
        for start in (0..spots.len()).filter(|&i| hits[i]) {
            let from = start.saturating_sub(4);
            let to = (from + WINDOW).min(spots.len());
            folded.clear();
            folded.extend(
                spots[from..to]
                    .iter()
                    .zip(&hits[from..to])
                    .filter(|(_, h)| **h)
                    .map(|(s, _)| words.words[s.word as usize].folded_id),
            );
            let count = folded.len();
            folded.sort_unstable();
            folded.dedup();
            let better = best.is_none_or(|(d, c, ..)| (folded.len(), count) > (d, c));
            if better {
                best = Some((folded.len(), count, ti, from, to));
            }
        }
    }
    let Some((_, _, ti, from, to)) = best else {
        let first = article.first_text();
        return Snippet {
            text: crate::bundle::excerpt(first, 200),
            highlights: vec![],
        };
    };
    let (text, spots) = (texts[ti], &words.body[ti]);
    let start = if from == 0 {
        0
    } else {
        spots[from].start as usize
    };
    let end = if to >= spots.len() {
        text.len()
    } else {
        spots[to - 1].end as usize
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let offset = out.len();
    out.push_str(&text[start..end]);
    if end < text.len() {
        out.push('…');
    }
    let highlights = marker
        .highlight(&text[start..end])
        .into_iter()
        .map(|(s, e)| (s + offset, e + offset))
        .collect();
    Snippet {
        text: out,
        highlights,
    }
}
