//! Normalisation and diacritic folding.
//!
//! Unicode normalisation comes from ICU4X's `icu_normalizer`, whose compiled
//! tables are about half the size, in the wasm every reader downloads, of
//! the `unicode-normalization` crate's (37 KB against 72 KB gzip for NFKC,
//! NFD and NFC, measured in a bare wasm build).
//!
//! Everything here runs on one set of tables, NFKC's (the compatibility
//! decompositions and the canonical compositions), plus the combining
//! class of each character from `icu_properties`. Folding could be written
//! with NFD and NFC, but NFD brings a second decomposition table of its
//! own for no difference: folding starts from NFKC text, whose
//! compatibility and canonical decompositions are the same (a test checks
//! every character). Without it the viewer's wasm is 29 KB smaller, 6 KB
//! gzip; brotli, whose window reaches the NFKD table that the NFD table
//! mostly repeats, compressed it to almost nothing.

use icu_normalizer::{ComposingNormalizerBorrowed, DecomposingNormalizerBorrowed};
use icu_properties::props::CanonicalCombiningClass;
use icu_properties::{CodePointMapData, CodePointMapDataBorrowed};

const NFKC: ComposingNormalizerBorrowed<'static> = ComposingNormalizerBorrowed::new_nfkc();
const NFKD: DecomposingNormalizerBorrowed<'static> = DecomposingNormalizerBorrowed::new_nfkd();
const COMBINING_CLASS: CodePointMapDataBorrowed<'static, CanonicalCombiningClass> =
    CodePointMapData::<CanonicalCombiningClass>::new();

/// NFKC plus lowercase: the *exact* form of a word as the index keeps it.
///
/// NFKC makes compatibility variants (full-width digits, ligatures such as
/// `ﬁ`) equal to their plain forms; lowercasing makes `Lam` equal to `lam`.
pub fn normalize(s: &str) -> String {
    // ASCII is NFKC already; most other text is too, and then the
    // normaliser hands it back borrowed.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    NFKC.normalize(s)
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
}

/// The *folded* form: [`normalize`], then every diacritic removed.
///
/// Canonical decomposition splits a letter from its marks (`ằ` → `a` and
/// two marks, which have a non-zero combining class and are dropped), but
/// some letters are not composed of a base and a mark and must be mapped by
/// hand: Polish `ł`, Vietnamese `đ`, German `ß`, Nordic `ø`, ligatures `æ`,
/// `œ`. Readers type these as their plain ASCII look-alikes.
///
/// Folding is idempotent: `fold(fold(s)) == fold(s)`.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_normalized(&normalize(s))
}

/// [`fold`] of a string already [`normalize`]d: tokens have both forms,
/// and normalising twice was a good part of tokenising non-ASCII text.
pub fn fold_normalized(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    // Canonical decomposition, as NFKD of NFKC text (see the module docs).
    for c in NFKD.normalize_iter(s.chars()) {
        if COMBINING_CLASS.get(c) != CanonicalCombiningClass::NotReordered {
            continue;
        }
        push_plain(&mut out, c);
    }
    // Stripping marks can leave a string that is no longer NFC-stable in rare
    // scripts; recompose so that the result is a fixed point of `fold`. NFKC
    // of text without compatibility characters is its NFC.
    if out.is_ascii() {
        return out;
    }
    NFKC.normalize(&out).into_owned()
}

/// Pushes a letter that is no base plus marks as readers type it: the
/// letters [`fold`] maps by hand.
fn push_plain(out: &mut String, c: char) {
    match c {
        'đ' | 'ð' => out.push('d'),
        'ł' | 'ŀ' => out.push('l'),
        'ß' => out.push_str("ss"),
        'ø' => out.push('o'),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        'ħ' => out.push('h'),
        'ı' => out.push('i'),
        'ŧ' => out.push('t'),
        'ŋ' => out.push('n'),
        'ĸ' => out.push('k'),
        'ſ' => out.push('s'),
        _ => out.push(c),
    }
}

/// Folded forms of words, kept: a corpus's texts share most of their
/// words, and folding a word again is then a lookup. A pure memo: its
/// [`Folds::fold`] is [`fold`]. Bounded by [`Folds::MAX_WORDS`], past which
/// it starts again empty.
pub struct Folds {
    folded: super::WordMap<Box<str>>,
    max: usize,
}

impl Default for Folds {
    fn default() -> Folds {
        Folds::with_max(Folds::MAX_WORDS)
    }
}

impl Folds {
    /// Words kept at most (about 100 bytes each, some 25 MB when full).
    pub const MAX_WORDS: usize = 1 << 18;

    /// A memo of at most `max` words.
    pub fn with_max(max: usize) -> Folds {
        Folds {
            folded: Default::default(),
            max,
        }
    }

    /// [`fold`] of `word`.
    pub fn fold(&mut self, word: &str) -> &str {
        if self.folded.len() >= self.max {
            self.folded.clear();
        }
        self.folded.get_or_insert_with(word, || fold(word).into()).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_polish_german() {
        assert_eq!(fold("Huỳnh Thành Đạt"), "huynh thanh dat");
        assert_eq!(fold("Źródło: członek"), "zrodlo: czlonek");
        assert_eq!(fold("Straße Ökosystem"), "strasse okosystem");
        assert_eq!(fold("Cao Bằng"), "cao bang");
        assert_eq!(fold("œuvre Ærø"), "oeuvre aero");
    }

    #[test]
    fn a_memo_folds_as_fold_does() {
        for max in [Folds::MAX_WORDS, 2] {
            let mut folds = Folds::with_max(max);
            for _ in 0..2 {
                for w in ["Huỳnh", "Đạt", "Straße", "ﬁnal", "Huỳnh", "Don´t", "５G"] {
                    assert_eq!(folds.fold(w), fold(w), "{w}");
                }
            }
            assert!(folds.folded.len() <= max);
        }
    }

    proptest::proptest! {
        /// Folding a text word by word (words split at white space, and
        /// again after folding) gives the words of the folded text: what
        /// lets a fingerprint fold words through a memo. The alphabet has
        /// what could break it: combining marks, spacing accents that NFKC
        /// turns into a space and a mark, other white space, ligatures,
        /// letters that fold to two, Hangul jamo that compose.
        #[test]
        fn folding_word_by_word_is_folding_the_text(
            text in "[ a\u{a0}\u{3000}\t\u{301}\u{308}\u{b4}\u{a8}\u{fb01}ßİΣσẞ\u{1100}\u{1161}\u{11a8}ằĐ５]{0,24}"
        ) {
            let whole: Vec<String> = fold(&text).split_whitespace().map(String::from).collect();
            let words: Vec<String> = text
                .split_whitespace()
                .flat_map(|w| fold(w).split_whitespace().map(String::from).collect::<Vec<_>>())
                .collect();
            proptest::prop_assert_eq!(words, whole);
        }
    }

    /// The module's claim: for the text folding starts from (NFKC,
    /// lowercased), NFKD is NFD and NFKC recomposes as NFC, so folding with
    /// NFKC's tables alone folds as NFD and NFC would. Every character, on
    /// its own and after a base letter.
    #[test]
    fn nfkc_tables_fold_as_nfd_and_nfc_would() {
        use icu_normalizer::properties::CanonicalCombiningClassMapBorrowed;
        const NFD: DecomposingNormalizerBorrowed<'static> =
            DecomposingNormalizerBorrowed::new_nfd();
        const NFC: ComposingNormalizerBorrowed<'static> = ComposingNormalizerBorrowed::new_nfc();
        const CCC: CanonicalCombiningClassMapBorrowed<'static> =
            CanonicalCombiningClassMapBorrowed::new();
        fn by_nfd_and_nfc(s: &str) -> String {
            let mut out = String::new();
            for c in NFD.normalize_iter(s.chars()) {
                if CCC.get_u8(c) == 0 {
                    out.push(c);
                }
            }
            if out.is_ascii() {
                return out;
            }
            let mut plain = String::new();
            out.chars().for_each(|c| push_plain(&mut plain, c));
            NFC.normalize(&plain).into_owned()
        }
        let mut checked = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(COMBINING_CLASS.get(c).0, CCC.get_u8(c), "{c:?}");
            for text in [c.to_string(), format!("a{c}")] {
                let n = normalize(&text);
                assert_eq!(NFKD.normalize(&n), NFD.normalize(&n), "{c:?}");
                assert_eq!(fold_normalized(&n), by_nfd_and_nfc(&n), "{c:?}");
                checked += 1;
            }
        }
        assert!(checked > 2_000_000, "{checked}");
    }

    #[test]
    fn normalize_keeps_diacritics() {
        assert_eq!(normalize("Làm"), "làm");
        assert_eq!(normalize("ﬁnal"), "final");
        assert_eq!(normalize("５G"), "5g");
    }
}
