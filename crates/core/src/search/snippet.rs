//! Snippets: the best passage of an article for a query, with the matched
//! words marked.

use super::engine::Matched;
use crate::analysis::tokenize;
use crate::index::body_texts;
use crate::model::Article;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

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

/// Byte ranges in `text` (in language `lang`) of the words the query matched.
pub fn highlight(text: &str, lang: &str, keys: &Matched) -> Vec<(usize, usize)> {
    tokenize(text)
        .into_iter()
        .filter(|t| keys.hit(lang, &t.exact, &t.folded))
        .map(|t| (t.start, t.end))
        .fold(Vec::new(), |mut v: Vec<(usize, usize)>, r| {
            // An identifier and its parts overlap: keep the widest.
            match v.last_mut() {
                Some(last) if r.0 < last.1 => last.1 = last.1.max(r.1),
                _ => v.push(r),
            }
            v
        })
}

/// The window of the article with the most distinct matched words (then the
/// most matches), or the opening words when nothing matches.
pub fn snippet(article: &Article, keys: &Matched) -> Snippet {
    let lang = article.lang.as_str();
    let focused = keys.focus(article);
    let keys = &focused;
    let mut best: Option<(usize, usize, &str, usize, usize)> = None; // (distinct, count, text, start tok, end tok)
    for text in body_texts(article) {
        let tokens: Vec<_> = tokenize(text).into_iter().filter(|t| !t.joined).collect();
        let hits: Vec<bool> = tokens
            .iter()
            .map(|t| keys.hit(lang, &t.exact, &t.folded))
            .collect();
        if !hits.iter().any(|&h| h) {
            continue;
        }
        for start in (0..tokens.len()).filter(|&i| hits[i]) {
            let from = start.saturating_sub(4);
            let to = (from + WINDOW).min(tokens.len());
            let window = &tokens[from..to];
            let matched: Vec<&str> = window
                .iter()
                .zip(&hits[from..to])
                .filter(|(_, h)| **h)
                .map(|(t, _)| t.folded.as_str())
                .collect();
            let count = matched.len();
            let distinct: HashSet<&str> = matched.into_iter().collect();
            let better = best.is_none_or(|(d, c, ..)| (distinct.len(), count) > (d, c));
            if better {
                best = Some((distinct.len(), count, text, from, to));
            }
        }
    }
    let Some((_, _, text, from, to)) = best else {
        let first = article.first_text();
        return Snippet {
            text: crate::bundle::excerpt(first, 200),
            highlights: vec![],
        };
    };
    let tokens: Vec<_> = tokenize(text).into_iter().filter(|t| !t.joined).collect();
    let start = if from == 0 { 0 } else { tokens[from].start };
    let end = if to >= tokens.len() {
        text.len()
    } else {
        tokens[to - 1].end
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
    let highlights = highlight(&text[start..end], lang, keys)
        .into_iter()
        .map(|(s, e)| (s + offset, e + offset))
        .collect();
    Snippet {
        text: out,
        highlights,
    }
}
