//! Snowball stemming for the languages that inflect heavily and that readers
//! search across word forms: German, Dutch, Polish (Snowball 3), English.
//!
//! Vietnamese is not stemmed: it is isolating (no inflection), and its
//! syllables are matched one by one, with phrases across syllables.

use pagefind_stem::{Algorithm, Stemmer};
use std::sync::OnceLock;

/// ISO 639-1 codes of the languages with a stemmer.
pub const STEMMED_LANGS: [&str; 4] = ["de", "nl", "pl", "en"];

fn algorithm(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "de" => Algorithm::German,
        "nl" => Algorithm::Dutch,
        "pl" => Algorithm::Polish,
        "en" => Algorithm::English,
        _ => return None,
    })
}

/// A stemmer for `lang`, built once per language.
pub fn stemmer(lang: &str) -> Option<&'static Stemmer> {
    static CACHE: [OnceLock<Stemmer>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let i = STEMMED_LANGS.iter().position(|l| *l == lang)?;
    let algo = algorithm(lang)?;
    Some(CACHE[i].get_or_init(|| Stemmer::create(algo)))
}

/// The folded stem of an exact (normalised, lowercase) word in `lang`, or
/// `None` when the language has no stemmer, the word is too short to stem
/// safely, or stemming does not change its folded form.
pub fn stem(lang: &str, exact: &str, folded: &str) -> Option<String> {
    stem_always(lang, exact).filter(|s| s != folded)
}

/// The folded stem of an exact word in `lang`, even when it equals the
/// folded word; `None` without a stemmer or for short or numeric words.
pub fn stem_always(lang: &str, exact: &str) -> Option<String> {
    if exact.chars().count() < 4 || exact.chars().any(|c| c.is_numeric()) {
        return None;
    }
    let s = super::fold(&stemmer(lang)?.stem(exact));
    (!s.is_empty()).then_some(s)
}

/// Whether every stem of `lang` starts with its word's first letter,
/// folded: German's and Polish's Snowball stemmers change endings only,
/// and early letters only in ways folding undoes (`ß` → `ss`, umlauts).
/// Dutch's drops the `ge-` of past participles (`gehoorde` → `hoor`),
/// English's a leading apostrophe. Where it holds, a word can share a stem
/// only with query words whose stems start with its letter, and the
/// others need not be stemmed (see `search::snippet::Marker`).
pub fn keeps_first_letter(lang: &str) -> bool {
    matches!(lang, "de" | "pl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{fold, normalize};

    fn st(lang: &str, w: &str) -> String {
        let e = normalize(w);
        stem(lang, &e, &fold(w)).unwrap_or_else(|| fold(w))
    }

    #[test]
    fn inflections_share_a_stem() {
        assert_eq!(st("de", "Transformationen"), st("de", "Transformation"));
        assert_eq!(st("de", "Unternehmens"), st("de", "Unternehmen"));
        assert_eq!(st("nl", "ondernemingen"), st("nl", "onderneming"));
        assert_eq!(st("pl", "prowincji"), st("pl", "prowincja"));
        assert_eq!(st("pl", "komitetu"), st("pl", "komitetem"));
        assert_eq!(st("pl", "konferencji"), st("pl", "konferencja"));
    }

    /// How many of `word`'s stems in the languages [`keeps_first_letter`]
    /// names start with its first letter (folded), or the first language
    /// whose stem does not.
    fn first_letter_kept(word: &str) -> Result<usize, &'static str> {
        let exact = normalize(word);
        let mut stems = 0;
        for lang in STEMMED_LANGS.into_iter().filter(|l| keeps_first_letter(l)) {
            if let Some(s) = stem_always(lang, &exact) {
                if s.chars().next() != fold(&exact).chars().next() {
                    return Err(lang);
                }
                stems += 1;
            }
        }
        Ok(stems)
    }

    proptest::proptest! {
        /// In the languages [`keeps_first_letter`] names, a stem starts
        /// with the letter its word starts with, folded. Words from an
        /// alphabet of the four languages' letters, marks, ligatures and
        /// apostrophes.
        #[test]
        fn stems_start_with_their_words_first_letter(
            w in "[a-zA-Zäöüßẞéèëïóúàáâçñøæœłśćźżąęńĳ\u{301}\u{308}'’-]{1,16}"
        ) {
            proptest::prop_assert!(first_letter_kept(&w).is_ok(), "{}", w);
        }
    }

    /// [`stems_start_with_their_words_first_letter`] for every word of the
    /// seeds; and Dutch, which [`keeps_first_letter`] leaves out, does not.
    #[test]
    fn seed_stems_start_with_their_words_first_letter() {
        assert_eq!(stem_always("nl", "gehoorde").as_deref(), Some("hoor"));
        let mut checked = 0;
        for (_, bytes) in crate::test_seeds::SEEDS {
            let text = std::str::from_utf8(bytes).unwrap();
            crate::analysis::for_each_word(text, |w| {
                checked +=
                    first_letter_kept(w.text).unwrap_or_else(|lang| panic!("{lang} {}", w.text));
            });
        }
        assert!(checked > 5_000, "{checked}");
    }

    #[test]
    fn no_stemmer_no_stem() {
        assert_eq!(stem("vi", "thành", "thanh"), None);
        assert_eq!(stem("de", "5g", "5g"), None);
    }
}
