//! Word segmentation (UAX #29) with identifiers kept whole.

use super::{fold, normalize};
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
    let segments: Vec<(usize, &str)> = text.split_word_bound_indices().collect();
    let mut tokens = Vec::new();
    let mut pos = 0u32;
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
                tokens.push(make(whole, pos, start, true));
            }
        }
        for k in (i..=j).step_by(2) {
            let (s, w) = segments[k];
            let parts: Vec<(usize, &str)> = split_elision(w);
            if parts.len() > 1 {
                tokens.push(make(w, pos, s, true));
                for (off, part) in parts {
                    tokens.push(make(part, pos, s + off, false));
                    pos += 1;
                }
            } else {
                tokens.push(make(w, pos, s, false));
                pos += 1;
            }
        }
        i = j + 1;
    }
    tokens
}

/// Splits a word at apostrophes (`l'objet`, `dell’uomo`, `un'effettiva`):
/// UAX #29 keeps elided articles glued to their noun, but readers search
/// for the noun. Returns the parts with their byte offsets; one part when
/// there is nothing to split.
fn split_elision(word: &str) -> Vec<(usize, &str)> {
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
    if parts.len() < 2 {
        return vec![(0, word)];
    }
    parts
}

fn make(word: &str, pos: u32, start: usize, joined: bool) -> Token {
    Token {
        exact: normalize(word),
        folded: fold(word),
        pos,
        start,
        end: start + word.len(),
        joined,
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
