//! Query syntax: words (all must match), `"quoted phrases"`, `-excluded`
//! words and a `lang:xx` filter. The last word is a prefix while the reader
//! is still typing it.

use crate::analysis::tokenize;

/// Longest query considered, in characters; the rest is ignored. Caps keep
/// every query's cost bounded whatever is typed or pasted.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most words a query may use (plain, phrase and excluded words together).
pub const MAX_QUERY_WORDS: usize = 16;

/// One analysed query word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// As typed, normalised (diacritics kept).
    pub exact: String,
    /// Folded: the dictionary key.
    pub folded: String,
    /// Match as a prefix too (the word being typed).
    pub prefix: bool,
    /// Part of a quoted phrase: matched as written (folded), without
    /// stems, completions or typo tolerance.
    pub literal: bool,
}

/// A facet restriction: `lang:de`, `year:2025`, or a publisher chosen in the
/// viewer. Filters on the same facet are alternatives (OR); filters on
/// different facets must all hold (AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub facet: String,
    pub value: String,
}

/// Facets a query may filter on with `name:value`; `pub` (publisher) is set
/// by the viewer, as publisher names contain spaces.
const QUERY_FACETS: [&str; 2] = ["lang", "year"];

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Required words, in query order (phrase words included).
    pub terms: Vec<QueryTerm>,
    /// Phrases as ranges into `terms`: their words must be adjacent.
    pub phrases: Vec<std::ops::Range<usize>>,
    /// Words no result may contain.
    pub excluded: Vec<QueryTerm>,
    /// Facet filters (`lang:xx`, `year:yyyy`, publisher).
    pub filters: Vec<Filter>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Adds a facet filter (no duplicates).
    pub fn filter(&mut self, facet: &str, value: &str) {
        let f = Filter {
            facet: facet.to_string(),
            value: value.to_string(),
        };
        if !value.is_empty() && !self.filters.contains(&f) {
            self.filters.push(f);
        }
    }

    /// The values filtered on for `facet`.
    pub fn filter_values<'a>(&'a self, facet: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.filters
            .iter()
            .filter(move |f| f.facet == facet)
            .map(|f| f.value.as_str())
    }

    /// The words of `text` as plain query words: no syntax (quotes, dashes
    /// and colons are text), none a prefix, each distinct word once, in
    /// their order, at most [`MAX_QUERY_WORDS`]. An article's title read as
    /// a query for the articles like it (see `Engine::related`).
    pub fn words(text: &str) -> Query {
        let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let mut q = Query::default();
        for t in analyse(&text, false) {
            if q.terms.len() == MAX_QUERY_WORDS {
                break;
            }
            if !q.terms.iter().any(|u| u.folded == t.folded) {
                q.terms.push(t);
            }
        }
        q
    }

    /// Keeps the `max` longest words, in their order (the first of equals).
    /// Shorter words are the frequent ones in any language (Zipf's law of
    /// abbreviation) and tell least about a text.
    pub fn keep_longest(&mut self, max: usize) {
        // A query has a few words: the last shortest goes, one at a time
        // (no sort: its code would be in the wasm for this alone).
        let chars = |t: &QueryTerm| t.folded.chars().count();
        while self.terms.len() > max {
            let shortest = (self.terms.iter().enumerate())
                .min_by(|(i, a), (j, b)| chars(a).cmp(&chars(b)).then(j.cmp(i)))
                .map_or(0, |(i, _)| i);
            self.terms.remove(shortest);
        }
    }

    /// Parses `input`. Never fails: unbalanced quotes close at the end, and
    /// anything past the caps is ignored.
    pub fn parse(input: &str) -> Query {
        let input: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let typing = !input.ends_with(|c: char| c.is_whitespace() || c == '"');
        let mut q = Query::default();
        let mut words = 0;
        // Split into quoted and unquoted runs.
        for (i, part) in input.split('"').enumerate() {
            let quoted = i % 2 == 1;
            if quoted {
                let tokens: Vec<QueryTerm> = analyse(part, true);
                let start = q.terms.len();
                for t in tokens {
                    if words < MAX_QUERY_WORDS {
                        q.terms.push(t);
                        words += 1;
                    }
                }
                if q.terms.len() - start > 1 {
                    q.phrases.push(start..q.terms.len());
                }
                continue;
            }
            for word in part.split_whitespace() {
                if let Some((facet, value)) = word.split_once(':') {
                    if QUERY_FACETS.contains(&facet) {
                        q.filter(facet, &value.to_lowercase());
                        continue;
                    }
                }
                let (negated, word) = match word.strip_prefix('-') {
                    Some(rest) if !rest.is_empty() => (true, rest),
                    _ => (false, word),
                };
                for t in analyse(word, false) {
                    if words >= MAX_QUERY_WORDS {
                        break;
                    }
                    words += 1;
                    if negated {
                        q.excluded.push(t);
                    } else {
                        q.terms.push(t);
                    }
                }
            }
        }
        // The last plain word is a prefix while it is being typed.
        let in_phrase = q.phrases.last().is_some_and(|r| r.end == q.terms.len());
        if typing && !in_phrase && !input.trim_end().ends_with('"') {
            let last_is_plain = input.split_whitespace().last().is_some_and(|w| {
                !w.starts_with('-') && !QUERY_FACETS.iter().any(|f| w.starts_with(&format!("{f}:")))
            });
            if last_is_plain {
                if let Some(t) = q.terms.last_mut() {
                    t.prefix = true;
                }
            }
        }
        q
    }
}

/// Analyses a query fragment. An identifier (`57-NQ/TW`) is one term, not
/// its parts: the reader means the identifier.
fn analyse(text: &str, literal: bool) -> Vec<QueryTerm> {
    let tokens = tokenize(text);
    let mut out = Vec::new();
    let mut skip_until = 0;
    for (i, t) in tokens.iter().enumerate() {
        if i < skip_until {
            continue;
        }
        if t.joined {
            // Skip the parts that follow at the same and later positions
            // inside the identifier's byte range.
            skip_until = i
                + 1
                + tokens[i + 1..]
                    .iter()
                    .take_while(|p| p.end <= t.end && !p.joined)
                    .count();
        }
        out.push(QueryTerm {
            exact: t.exact.clone(),
            folded: t.folded.clone(),
            prefix: false,
            literal,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(ts: &[QueryTerm]) -> Vec<&str> {
        ts.iter().map(|t| t.folded.as_str()).collect()
    }

    #[test]
    fn words_phrases_exclusions_filters() {
        let q = Query::parse(r#"Cao "Huỳnh Thành" -steel lang:vi"#);
        assert_eq!(folded(&q.terms), ["cao", "huynh", "thanh"]);
        assert_eq!(q.phrases, vec![1..3]);
        assert_eq!(folded(&q.excluded), ["steel"]);
        assert_eq!(q.filter_values("lang").collect::<Vec<_>>(), ["vi"]);
        assert!(q.terms[1].literal && !q.terms[0].literal);
        let q = Query::parse("x year:2025 lang:DE lang:nl");
        assert_eq!(q.filter_values("year").collect::<Vec<_>>(), ["2025"]);
        assert_eq!(q.filter_values("lang").collect::<Vec<_>>(), ["de", "nl"]);
        assert!(q.terms.iter().all(|t| !t.prefix));
    }

    #[test]
    fn last_word_is_prefix_while_typing() {
        let q = Query::parse("digitale Transf");
        assert_eq!(
            q.terms.iter().map(|t| t.prefix).collect::<Vec<_>>(),
            [false, true]
        );
        let q = Query::parse("digitale Transf ");
        assert!(q.terms.iter().all(|t| !t.prefix));
    }

    #[test]
    fn words_are_plain_text() {
        let text = r#"Lam: "Wissenschaft" -Technologie lang:de und Lam, 57-NQ/TW"#;
        let mut q = Query::words(text);
        assert_eq!(
            folded(&q.terms),
            [
                "lam",
                "wissenschaft",
                "technologie",
                "lang:de",
                "und",
                "57-nq/tw"
            ]
        );
        assert!(q.terms.iter().all(|t| !t.prefix && !t.literal));
        assert!(q.phrases.is_empty() && q.excluded.is_empty() && q.filters.is_empty());
        // The longest, in their order; the first of equals.
        q.keep_longest(4);
        assert_eq!(
            folded(&q.terms),
            ["wissenschaft", "technologie", "lang:de", "57-nq/tw"]
        );
        q.keep_longest(10);
        assert_eq!(q.terms.len(), 4);
        assert_eq!(Query::words(&"wort ".repeat(20)).terms.len(), 1);
        let many: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(Query::words(&many).terms.len(), MAX_QUERY_WORDS);
    }

    #[test]
    fn identifiers_are_one_term() {
        let q = Query::parse("57-NQ/TW Resolution");
        assert_eq!(folded(&q.terms), ["57-nq/tw", "resolution"]);
    }

    #[test]
    fn caps_bound_the_work() {
        let q = Query::parse(&"wort ".repeat(100));
        assert_eq!(q.terms.len(), MAX_QUERY_WORDS);
        let q = Query::parse(&"x".repeat(10_000));
        assert_eq!(q.terms[0].folded.len(), MAX_QUERY_CHARS);
        // Unbalanced quotes and lone dashes do not panic.
        Query::parse("\"abc - \"\" -");
    }
}
