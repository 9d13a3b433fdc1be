//! Language detection, reported as ISO 639-1.

use std::borrow::Cow;

/// Characters of running text detection reads at most: a thousand
/// characters of prose decide the language as surely as ten (on 10,000
/// generated articles of four languages, reading 1,024 characters instead
/// of up to 8,192 changed no article's language), and detection costs
/// time in proportion to what it reads: it was a third of a build.
const SAMPLE_CHARS: usize = 1024;

/// Characters read at most when choosing among a few languages given
/// (up to [`FEW`]): fewer candidates need fewer characters to tell apart.
/// Half the sample takes a tenth off a build told its four languages
/// (1.12–1.15 s against 1.22–1.35 s at 10,000 articles), and gives the
/// same languages for every article of the seeds and of 10,000 and
/// 100,000 generated from them.
const FEW_SAMPLE_CHARS: usize = 512;
const FEW: usize = 8;

/// Windows the sample of a longer text is made of, spread over all of it,
/// so that an article that quotes another language at length is still
/// taken for the language most of it is in.
const WINDOWS: usize = 4;

/// The languages a corpus is written in, when whoever builds it knows
/// them (`broadsheet build --languages de,nl`): detection then chooses
/// among these alone. A short text of one language can look more like a
/// neighbour of it (a Dutch headline like Afrikaans) when every language
/// is a candidate, and scoring each candidate is most of what detection
/// costs (`whatlang` compares a text with the 300 commonest trigrams of
/// each of its 37 Latin-script languages).
#[derive(Debug, Clone, Default)]
pub struct Languages {
    /// Empty: any language `whatlang` knows.
    allow: Vec<whatlang::Lang>,
    /// A detector choosing among `allow` (any when empty), made once and
    /// used for every article.
    detector: whatlang::Detector,
}

impl Languages {
    /// Every language detection knows.
    pub fn any() -> Languages {
        Languages::default()
    }

    /// Characters of a text detection reads among these languages.
    fn sample_chars(&self) -> usize {
        match self.allow.len() {
            1..=FEW => FEW_SAMPLE_CHARS,
            _ => SAMPLE_CHARS,
        }
    }

    /// The ISO 639-1 codes of the languages chosen among, in the order
    /// given; empty for any.
    pub fn codes(&self) -> Vec<&'static str> {
        self.allow.iter().filter_map(|&l| iso_639_1(l)).collect()
    }
}

impl std::str::FromStr for Languages {
    type Err = String;

    /// A comma-separated list of ISO 639-1 codes, such as `de,nl,pl`: the
    /// codes articles are labelled with, so only languages detection can
    /// tell (and label) are accepted.
    fn from_str(list: &str) -> Result<Languages, String> {
        let mut allow = Vec::new();
        for code in list.split(',').map(str::trim) {
            if code.is_empty() {
                return Err(format!(
                    "`{list}`: an empty language code (expected ISO 639-1 codes separated by commas, e.g. `de,nl`)"
                ));
            }
            let lower = code.to_ascii_lowercase();
            let lang = whatlang::Lang::all()
                .iter()
                .copied()
                .find(|&l| iso_639_1(l) == Some(lower.as_str()))
                .ok_or_else(|| match isolang::Language::from_639_1(&lower) {
                    Some(_) => format!(
                        "`{code}`: language detection cannot tell this language (codes it can: {})",
                        known_codes().join(", ")
                    ),
                    None => format!("`{code}` is not an ISO 639-1 language code (such as `de`)"),
                })?;
            if !allow.contains(&lang) {
                allow.push(lang);
            }
        }
        Ok(Languages {
            detector: whatlang::Detector::with_allowlist(allow.clone()),
            allow,
        })
    }
}

/// The ISO 639-1 code of one of `whatlang`'s languages. Two of them are
/// individual languages whose ISO 639-1 code is their macrolanguage's
/// (`cmn` Mandarin is `zh`, `pes` Western Persian is `fa`), which `isolang`
/// does not map; they were `und` before.
fn iso_639_1(lang: whatlang::Lang) -> Option<&'static str> {
    match lang {
        whatlang::Lang::Cmn => Some("zh"),
        whatlang::Lang::Pes => Some("fa"),
        _ => isolang::Language::from_639_3(lang.code()).and_then(|l| l.to_639_1()),
    }
}

/// Every code [`Languages`] accepts, sorted.
fn known_codes() -> Vec<&'static str> {
    let mut codes: Vec<_> = whatlang::Lang::all()
        .iter()
        .filter_map(|&l| iso_639_1(l))
        .collect();
    codes.sort_unstable();
    codes
}

/// The name of the language with ISO 639-1 code `code` in itself
/// ("Deutsch", "Polski", "Tiếng Việt", "中文"), capitalised as a label, or
/// `None` for a code that names no language (`und`). From CLDR's autonyms
/// (through `isolang`), written into the bundle by the build: a reader's
/// browser would otherwise load its own CLDR data to name the languages of
/// the first results (`Intl.DisplayNames`, 15–17 ms of a cold page's main
/// thread here), and the build knows every language its articles are in.
pub fn autonym(code: &str) -> Option<String> {
    let name = isolang::Language::from_639_1(code)?.to_autonym()?;
    // Labels start with a capital where the script has them ("polski" is
    // lowercase in running text).
    let mut chars = name.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// Detects the language of `text` with `whatlang` (trigram models, no
/// network, no model download) among `among`, and returns its ISO 639-1
/// code, or `und` when the text is too short or ambiguous to tell, or in
/// none of `among` (a script none of them is written in).
pub(super) fn detect(text: &str, among: &Languages) -> String {
    let info = among
        .detector
        .detect(&sample(text, among.sample_chars()))
        // A script of one language (Greek, Korean…) is answered without
        // looking at the list.
        .filter(|info| among.allow.is_empty() || among.allow.contains(&info.lang()));
    match info {
        Some(info) if info.confidence() >= 0.2 => {
            iso_639_1(info.lang()).unwrap_or("und").to_string()
        }
        _ => "und".into(),
    }
}

/// At most `chars` characters of `text`: all of it, or [`WINDOWS`] runs
/// of words from evenly spread places, one per line.
fn sample(text: &str, chars: usize) -> Cow<'_, str> {
    if text.char_indices().nth(chars).is_none() {
        return Cow::Borrowed(text);
    }
    let window = chars / WINDOWS;
    let mut out = String::with_capacity(chars * 2);
    for w in 0..WINDOWS {
        let mut at = text.len() / WINDOWS * w;
        while !text.is_char_boundary(at) {
            at += 1;
        }
        // From the start of a word, so that no cut word's trigrams count.
        let rest = &text[at..];
        let start = match w {
            0 => 0,
            _ => rest.find(char::is_whitespace).unwrap_or(rest.len()),
        };
        let rest = rest[start..].trim_start();
        let end = rest
            .char_indices()
            .nth(window)
            .map_or(rest.len(), |(i, _)| i);
        // …and to the end of one.
        let end = rest[end..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |i| end + i);
        out.push_str(&rest[..end]);
        out.push('\n');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_named_in_themselves() {
        for (code, name) in [
            ("de", "Deutsch"),
            ("nl", "Nederlands"),
            ("pl", "Polski"),
            ("vi", "Tiếng Việt"),
            ("cs", "Čeština"),
            ("fr", "Français"),
            ("zh", "中文"),
            ("fa", "فارسی"),
        ] {
            assert_eq!(autonym(code).as_deref(), Some(name), "{code}");
        }
        for code in ["und", "xx", "", "DE", "deu"] {
            assert_eq!(autonym(code), None, "{code}");
        }
        // Every language detection labels articles with has a name but
        // Latin, whose name CLDR does not give (it is shown as `la`).
        let unnamed: Vec<_> = known_codes()
            .into_iter()
            .filter(|c| autonym(c).is_none())
            .collect();
        assert_eq!(unnamed, ["la"]);
    }

    #[test]
    fn a_short_text_is_read_whole() {
        let text = "Die Wissenschaft und die Technologie. ".repeat(20);
        assert!(matches!(sample(&text, SAMPLE_CHARS), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn a_long_text_is_sampled_all_over_in_whole_words() {
        let words: Vec<String> = (0..2000).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        for chars in [SAMPLE_CHARS, FEW_SAMPLE_CHARS] {
            let s = sample(&text, chars);
            let lines: Vec<&str> = s.lines().collect();
            assert_eq!(lines.len(), WINDOWS);
            assert!(s.chars().count() <= chars + WINDOWS * 8);
            assert!(s.chars().count() >= chars);
            for (w, line) in lines.iter().enumerate() {
                let first: usize = line.split(' ').next().unwrap()[1..].parse().unwrap();
                // Each window starts near its quarter of the text, at a word.
                assert!(first >= 2000 / WINDOWS * w * 8 / 10, "{line}");
                assert!(
                    line.split(' ').all(|x| words.contains(&x.to_string())),
                    "{line}"
                );
            }
        }
        // A few languages given: the shorter sample; any or many: the longer.
        let few: Languages = "de,nl,pl,vi".parse().unwrap();
        assert_eq!(few.sample_chars(), FEW_SAMPLE_CHARS);
        assert_eq!(Languages::any().sample_chars(), SAMPLE_CHARS);
        let many: Languages = "de,nl,pl,vi,en,fr,es,it,cs".parse().unwrap();
        assert_eq!(many.sample_chars(), SAMPLE_CHARS);
    }

    #[test]
    fn a_long_quote_does_not_decide_the_language() {
        let quote = "The committee said on Tuesday that the new rules would apply to all \
                     companies from next year, and that smaller firms would get more time. ";
        let text = "Der Ausschuss teilte am Dienstag mit, dass die neuen Regeln ab dem \
                    nächsten Jahr für alle Unternehmen gelten und kleinere Firmen mehr Zeit \
                    bekommen sollen. Die Regierung begrüßte die Entscheidung ausdrücklich. ";
        // A quarter English (more than a window), then German.
        let article = format!("{}{}", quote.repeat(6), text.repeat(12));
        assert!(article.chars().count() > 3 * SAMPLE_CHARS);
        assert_eq!(detect(&quote.repeat(6), &Languages::any()), "en");
        assert_eq!(detect(&article, &Languages::any()), "de");
        // Told the two, reading half as much.
        let told: Languages = "en,de".parse().unwrap();
        assert!(article.chars().count() > 3 * told.sample_chars());
        assert_eq!(detect(&quote.repeat(6), &told), "en");
        assert_eq!(detect(&article, &told), "de");
    }

    #[test]
    fn a_list_of_languages_is_iso_639_1_codes_detection_knows() {
        let l: Languages = "de, NL,pl,de".parse().unwrap();
        assert_eq!(l.codes(), ["de", "nl", "pl"]);
        assert_eq!(Languages::any().codes(), Vec::<&str>::new());
        let err = "de,xx".parse::<Languages>().unwrap_err();
        assert!(err.contains("`xx` is not an ISO 639-1"), "{err}");
        // Irish has a code, but whatlang has no model of it.
        let err = "ga".parse::<Languages>().unwrap_err();
        assert!(
            err.contains("`ga`: language detection cannot tell"),
            "{err}"
        );
        assert!(err.contains("de, ") && err.contains("vi"), "{err}");
        assert!("de,,nl".parse::<Languages>().unwrap_err().contains("empty"));
        assert!("".parse::<Languages>().is_err());
    }

    #[test]
    fn detection_chooses_among_the_languages_given() {
        // A Dutch headline (from the seeds) that looks more like Afrikaans
        // when every language is a candidate.
        let dutch = "Verdwaald in het feeënmosbos op weg naar de verovering van Phu Sa Phin";
        assert_eq!(detect(dutch, &Languages::any()), "af");
        assert_eq!(detect(dutch, &"de,nl,pl,vi".parse().unwrap()), "nl");
        // Text in a script none of the languages is written in is none of
        // them, even where the script alone names its language.
        let greek =
            "Η επιτροπή ανακοίνωσε την Τρίτη ότι οι νέοι κανόνες θα ισχύσουν από του χρόνου.";
        assert_eq!(detect(greek, &Languages::any()), "el");
        assert_eq!(detect(greek, &"de,nl".parse().unwrap()), "und");
        assert_eq!(detect(greek, &"de,el".parse().unwrap()), "el");
    }

    #[test]
    fn every_language_detection_knows_has_a_code() {
        assert!(whatlang::Lang::all()
            .iter()
            .all(|&l| iso_639_1(l).is_some()));
        assert_eq!(known_codes().len(), whatlang::Lang::all().len());
        let chinese = "委员会周二表示，新规定将从明年起适用于所有公司，较小的公司将有更多时间。";
        assert_eq!(detect(chinese, &Languages::any()), "zh");
        assert_eq!(detect(chinese, &"zh".parse().unwrap()), "zh");
    }
}
