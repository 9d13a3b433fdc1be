//! Bytes to text: which encoding a scraped file is in.
//!
//! Most scrapes are UTF-8, but archives exported on Windows come as UTF-16
//! with a byte-order mark ("Unicode" in Notepad), and older CMS exports in a
//! legacy code page (windows-1250 for Polish, windows-1258 for Vietnamese).
//! A byte-order mark says what a file is, so it is always obeyed. Without
//! one, UTF-8 is the only encoding that can be told for sure (invalid
//! sequences are rare in anything else), so a file that is not UTF-8 is
//! read in the encoding the caller names, or refused with a guess at what
//! it is: a guessed code page would turn a wrong guess into an article of
//! mojibake, indexed and published without a word. The encodings, their
//! labels and the guess are the web's (the WHATWG Encoding Standard, as
//! Firefox implements it in `encoding_rs` and `chardetng`).

use super::IngestError;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
use std::borrow::Cow;

/// The text of a file's bytes: as its byte-order mark says (UTF-8,
/// UTF-16LE or UTF-16BE, the mark left out); else UTF-8; else in `legacy`,
/// the encoding the caller says files that are not UTF-8 are in.
pub fn decode<'a>(
    bytes: &'a [u8],
    legacy: Option<&'static Encoding>,
) -> Result<Cow<'a, str>, IngestError> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (Some(encoding), &bytes[bom..]),
        None => (None, bytes),
    };
    // Every ASCII character of UTF-16 has a NUL byte; anywhere else one
    // means a binary file. (NUL is valid UTF-8, so this comes first.)
    let wide = |e: &&Encoding| *e == UTF_16LE || *e == UTF_16BE;
    let encoding = match encoding {
        Some(e) => e,
        None if body.contains(&0) => legacy.filter(wide).ok_or(IngestError::Binary)?,
        None => match std::str::from_utf8(body) {
            Ok(text) => return Ok(Cow::Borrowed(text)),
            Err(e) => legacy.ok_or_else(|| IngestError::InvalidUtf8 {
                offset: e.valid_up_to(),
                guess: guess(body),
            })?,
        },
    };
    let text = encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .ok_or(IngestError::Malformed {
            encoding: encoding.name(),
        })?;
    if text.contains('\0') {
        return Err(IngestError::Binary);
    }
    Ok(text)
}

/// The encoding `bytes` look to be in, if not UTF-8: what a browser would
/// guess for a page that does not say (`chardetng`, Firefox's detector).
fn guess(bytes: &[u8]) -> Option<&'static str> {
    use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, Utf8Detection::Deny);
    (guess != encoding_rs::UTF_8).then(|| guess.name())
}

/// The encoding a WHATWG label names (`windows-1250`, `latin2`, `utf-16le`,
/// case and surrounding spaces aside), for files that are not UTF-8.
/// `replacement` and `x-user-defined` name no encoding files are in.
pub fn legacy_encoding(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label_no_replacement(label.as_bytes())
        .filter(|e| *e != encoding_rs::X_USER_DEFINED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let bom = bom.then_some('\u{feff}');
        let units = bom.into_iter().chain(text.chars()).collect::<String>();
        units
            .encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn a_byte_order_mark_says_what_a_file_is() {
        let text = "Członek delegacji, Cao Bằng\nDruga linia";
        for big_endian in [false, true] {
            let bytes = utf16(text, big_endian, true);
            assert_eq!(decode(&bytes, None).unwrap(), text);
            // Whatever the caller says files without a mark are in.
            let latin2 = legacy_encoding("latin2");
            assert_eq!(decode(&bytes, latin2).unwrap(), text);
        }
        let utf8 = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&utf8, None).unwrap(), text);
    }

    #[test]
    fn utf8_is_read_as_it_is_whatever_the_legacy_encoding() {
        let text = "Größte Gemeinde";
        let decoded = decode(text.as_bytes(), legacy_encoding("windows-1250")).unwrap();
        assert!(matches!(decoded, Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_read_in_the_encoding_named() {
        let text = "Członek delegacji, województwo śląskie, źródło: Gazeta";
        let (bytes, _, lossy) = encoding_rs::WINDOWS_1250.encode(text);
        assert!(!lossy);
        let decoded = decode(&bytes, legacy_encoding("windows-1250")).unwrap();
        assert_eq!(decoded, text);
        // Latin-2 puts ś and ź elsewhere: the name decides.
        let (bytes, _, lossy) = encoding_rs::ISO_8859_2.encode(text);
        assert!(!lossy);
        assert_eq!(decode(&bytes, legacy_encoding("latin2")).unwrap(), text);
        assert_ne!(decode(&bytes, legacy_encoding("cp1250")).unwrap(), text);
    }

    #[test]
    fn without_one_it_is_refused_with_a_guess() {
        let text = "Członek delegacji, województwo śląskie, źródło: Gazeta Wyborcza. \
                    Pierwszy sekretarz komitetu wojewódzkiego przyjechał z wizytą.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode(text);
        let offset = text.find('ł').unwrap();
        assert_eq!(
            decode(&bytes, None),
            Err(IngestError::InvalidUtf8 {
                offset,
                guess: Some("windows-1250")
            })
        );
    }

    #[test]
    fn utf16_without_a_mark_is_binary_unless_named() {
        let text = "Het is een Nederlandse tekst";
        let bytes = utf16(text, false, false);
        assert_eq!(decode(&bytes, None), Err(IngestError::Binary));
        assert_eq!(decode(&bytes, legacy_encoding("utf-16le")).unwrap(), text);
        // A UTF-16 file with NUL characters in it is binary all the same.
        let nul = utf16("abc\0def", false, true);
        assert_eq!(decode(&nul, None), Err(IngestError::Binary));
        // Latin-2 names no encoding with NUL bytes in text.
        assert_eq!(
            decode(&bytes, legacy_encoding("latin2")),
            Err(IngestError::Binary)
        );
    }

    #[test]
    fn malformed_text_names_its_encoding() {
        // An unpaired surrogate in UTF-16.
        let bytes = [0xff, 0xfe, b'a', 0, 0x00, 0xd8, b'b', 0];
        assert_eq!(
            decode(&bytes, None),
            Err(IngestError::Malformed {
                encoding: "UTF-16LE"
            })
        );
    }

    #[test]
    fn labels_are_the_webs() {
        assert_eq!(legacy_encoding(" Latin2 "), Some(encoding_rs::ISO_8859_2));
        assert_eq!(legacy_encoding("cp1250"), Some(encoding_rs::WINDOWS_1250));
        assert_eq!(legacy_encoding("shift_jis"), Some(encoding_rs::SHIFT_JIS));
        assert_eq!(legacy_encoding("iso-2022-kr"), None);
        assert_eq!(legacy_encoding("x-user-defined"), None);
        assert_eq!(legacy_encoding("klingon"), None);
    }
}
