//! Word segmentation (UAX #29) with identifiers kept whole.

use super::fold::{fold_normalized, normalize};
use unicode_segmentation::UnicodeSegmentation;

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The exact form: NFKC, lowercase, diacritics kept.
    pub exact: String,
    /// The folded form (see [`super::fold`]): the index key.
    pub folded: String,
    /// Word position; consecutive words have consecutive positions. An
    /// identifier token shares the position of its first part.
    pub pos: u32,
    /// Byte range in the analysed text, for highlighting.
    pub start: usize,
    pub end: usize,
    /// True for an identifier such as `57-nq/tw` that is also present as its
    /// parts (`57`, `nq`, `tw`).
    pub joined: bool,
}

/// Characters that glue the parts of an identifier together: `57-NQ/TW`,
/// `205/2025/ND-CP`, `v1.2_rc`.
fn is_connector(s: &str) -> bool {
    matches!(s, "-" | "/" | "." | "_" | "‑")
}

fn is_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// Splits `text` into word tokens.
///
/// Besides every UAX #29 word, a run of words glued by `-`, `/`, `.` or `_`
/// with no space between, and with at least one digit in it, is also emitted
/// whole (marked [`Token::joined`]), so that decree numbers such as
/// `205/2025/ND-CP` are findable exactly as typed.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for_each_word(text, |w| tokens.push(Token::of(w)));
    tokens
}

/// One word of a text as [`for_each_word`] finds it, before normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawWord<'t> {
    /// The word as written.
    pub text: &'t str,
    /// See [`Token`].
    pub pos: u32,
    pub start: usize,
    pub joined: bool,
}

/// The words [`tokenize`] finds, as written, without normalising them: for
/// callers that see most words many times (an article's snippets, its
/// index terms) and normalise, fold and stem each distinct one once.
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(RawWord<'t>)) {
    let segments: Vec<(usize, &str)> = text.split_word_bound_indices().collect();
    let mut pos = 0u32;
    let mut word = |text: &'t str, pos: u32, start: usize, joined: bool| {
        f(RawWord {
            text,
            pos,
            start,
            joined,
        })
    };
    let mut i = 0;
    while i < segments.len() {
        let (start, seg) = segments[i];
        if !is_word(seg) {
            i += 1;
            continue;
        }
        // Find the longest glued run word (connector word)*.
        let mut j = i;
        while j + 2 < segments.len()
            && is_connector(segments[j + 1].1)
            && is_word(segments[j + 2].1)
        {
            j += 2;
        }
        if j > i {
            let end = segments[j].0 + segments[j].1.len();
            let whole = &text[start..end];
            if whole.chars().any(|c| c.is_numeric()) {
                word(whole, pos, start, true);
            }
        }
        for k in (i..=j).step_by(2) {
            let (s, w) = segments[k];
            match split_elision(w) {
                Some(parts) => {
                    word(w, pos, s, true);
                    for (off, part) in parts {
                        word(part, pos, s + off, false);
                        pos += 1;
                    }
                }
                None => {
                    word(w, pos, s, false);
                    pos += 1;
                }
            }
        }
        i = j + 1;
    }
}

/// Splits a word at apostrophes (`l'objet`, `dell’uomo`, `un'effettiva`):
/// UAX #29 keeps elided articles glued to their noun, but readers search
/// for the noun. Returns the parts with their byte offsets; `None` when
/// there is nothing to split (nearly always: checked without allocating).
fn split_elision(word: &str) -> Option<Vec<(usize, &str)>> {
    if !word.contains(['\'', '’', 'ʼ']) {
        return None;
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if matches!(c, '\'' | '’' | 'ʼ') {
            if i > start {
                parts.push((start, &word[start..i]));
            }
            start = i + c.len_utf8();
        }
    }
    if start < word.len() {
        parts.push((start, &word[start..]));
    }
    parts.retain(|(_, p)| is_word(p));
    (parts.len() >= 2).then_some(parts)
}

impl Token {
    /// The token of a word found in a text.
    pub fn of(w: RawWord<'_>) -> Token {
        let exact = normalize(w.text);
        Token {
            folded: fold_normalized(&exact),
            exact,
            pos: w.pos,
            start: w.start,
            end: w.start + w.text.len(),
            joined: w.joined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.folded).collect()
    }

    #[test]
    fn splits_words_and_folds() {
        assert_eq!(
            words("Tổng Bí thư Tô Lâm."),
            ["tong", "bi", "thu", "to", "lam"]
        );
    }

    #[test]
    fn keeps_identifiers_whole_and_in_parts() {
        assert_eq!(
            words("Resolution Nr. 57-NQ/TW vom"),
            ["resolution", "nr", "57-nq/tw", "57", "nq", "tw", "vom"]
        );
        assert_eq!(
            words("Decreet 205/2025/ND-CP"),
            ["decreet", "205/2025/nd-cp", "205", "2025", "nd", "cp"]
        );
        assert_eq!(words("5G-Abdeckung"), ["5g-abdeckung", "5g", "abdeckung"]);
    }

    #[test]
    fn elisions_are_split_and_kept_whole() {
        assert_eq!(
            words("l'objet d’immixtions"),
            ["l'objet", "l", "objet", "d’immixtions", "d", "immixtions"]
        );
        assert_eq!(words("rock'n'roll"), ["rock'n'roll", "rock", "n", "roll"]);
        let t = tokenize("l'objet x");
        assert_eq!(
            t.iter()
                .filter(|t| !t.joined)
                .map(|t| t.pos)
                .collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }

    #[test]
    fn hyphenated_words_without_digits_stay_parts() {
        assert_eq!(words("Big-Data-Plattform"), ["big", "data", "plattform"]);
    }

    #[test]
    fn positions_and_offsets() {
        let t = tokenize("Nr. 57-NQ/TW ok");
        let joined = t.iter().find(|t| t.joined).unwrap();
        assert_eq!(
            (joined.pos, &"Nr. 57-NQ/TW ok"[joined.start..joined.end]),
            (1, "57-NQ/TW")
        );
        assert_eq!(t.last().unwrap().pos, 4);
    }
}
