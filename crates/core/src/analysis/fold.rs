//! Normalisation and diacritic folding.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// NFKC plus lowercase: the *exact* form of a word as the index keeps it.
///
/// NFKC makes compatibility variants (full-width digits, ligatures such as
/// `ﬁ`) equal to their plain forms; lowercasing makes `Lam` equal to `lam`.
pub fn normalize(s: &str) -> String {
    // Fast paths, same results: ASCII is NFKC already, and so is most text
    // (the quick check answers without normalising).
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    if unicode_normalization::is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return s.chars().flat_map(char::to_lowercase).collect();
    }
    s.nfkc().flat_map(char::to_lowercase).collect()
}

/// The *folded* form: [`normalize`], then every diacritic removed.
///
/// Canonical decomposition strips most marks (`ằ` → `a`), but some letters
/// are not composed of a base and a mark and must be mapped by hand: Polish
/// `ł`, Vietnamese `đ`, German `ß`, Nordic `ø`, ligatures `æ`, `œ`.
/// Readers type these as their plain ASCII look-alikes.
///
/// Folding is idempotent: `fold(fold(s)) == fold(s)`.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in normalize(s).nfd() {
        if is_combining_mark(c) {
            continue;
        }
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
    // Stripping marks can leave a string that is no longer NFC-stable in rare
    // scripts; recompose so that the result is a fixed point of `fold`.
    if out.is_ascii() {
        return out;
    }
    out.nfc().collect()
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
    fn normalize_keeps_diacritics() {
        assert_eq!(normalize("Làm"), "làm");
        assert_eq!(normalize("ﬁnal"), "final");
        assert_eq!(normalize("５G"), "5g");
    }
}
