//! Line-level patterns of scraped news pages.

use crate::model::Date;
use regex::Regex;
use std::sync::LazyLock;

/// What a single line of a scrape is, judged on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Line {
    /// Running text: a paragraph, heading or title, decided by position.
    Text(String),
    /// A heading, as its source marks it (a page's `<h2>`…): never a
    /// caption, whatever its position.
    Heading(String),
    /// `example.vn - Slogan of the site` at the top of the page.
    Banner(String),
    /// Publisher name (often printed twice by the scrape) and date.
    Dateline {
        publisher: Option<String>,
        date: Date,
    },
    /// `Quelle: https://…`, `Bron: https://…`: the original's URL.
    Source(String),
    /// `Autor: Anna Schmidt`, `Door: Jan de Vries`, `Tác giả: Nguyễn Văn
    /// An`: a byline, labelled, naming people.
    Author(String),
    /// An agency credit on its own line: `(Vietnam+)`.
    Credit(String),
    /// An image: a markdown image (`![]() |`) or a bare image file name. The
    /// value is the image reference when the scrape kept one.
    Image(Option<String>),
    /// `| caption |`: a caption scraped from a table row.
    RowCaption(String),
    /// A line ending in a photo credit: `… (Foto: Thong Nhat/VNA)`.
    CreditCaption(String),
    /// Comment counters (`Kommentar (0)`) and widget placeholders
    /// (`No data`): the page's tail starts here.
    TailMarker,
}

/// The line patterns, each compiled on first use, and [`warm_up`], which
/// compiles them all: one list, so that none is left out of it.
macro_rules! patterns {
    ($($name:ident = $pat:expr;)*) => {
        $(
            static $name: LazyLock<Regex> =
                LazyLock::new(|| Regex::new($pat).expect("valid regex"));
        )*

        /// Compiles every pattern now (see [`super::warm_up`]).
        pub(super) fn warm_up() {
            $(LazyLock::force(&$name);)*
        }
    };
}

// Patterns with a bounded run of a Unicode class (`\p{L}{2,20}`, or `.`
// and `[^()]`, which match any character) compile into a copy of the
// class's automaton per repetition: 12 ms for the counter pattern alone,
// 0.9 ms for the dateline's `.{0,120}`, at the start of every build. So
// runs are matched unbounded and their lengths checked after
// ([`runs_within`]), which accepts exactly the same lines.
patterns! {
    BANNER = r"^[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.[a-z]{2,}\s+[-–—|]\s+\S(.*)$";
    DATELINE =
        r"^(.*?)\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[-,|]?\s*\d{1,2}:\d{2}(?::\d{2})?)?$";
    SOURCE = r"^(\p{L}+)\s*:\s*(https?://\S+)$";
    CREDIT = r"^\(([^()]+)\)$";
    MD_IMAGE = r"^!\[[^\]]*\]\(([^)\s]*)[^)]*\)\s*\|?$";
    IMAGE_FILE = r"(?i)^(\S+\.(?:jpe?g|png|gif|webp|avif|svg))(?:\?\S*)?$";
    ROW_CAPTION = r"^\|\s*(.*?)\s*\|$";
    PHOTO_CREDIT = r"(?i)(?:\(\s*(?:foto|photo|ảnh|fot\.|zdj\.|zdjęcie|bild|afbeelding|źródło)\s*:[^()]{1,80}\)|(?:^|\s)(?:foto|photo|ảnh|fot\.|bild)\s*:\s*[^\s][^.]{0,60}\.?)\s*$";
    COUNTER = r"^(\p{L}+)((?: \p{L}+){0,2})\s*\(\d+\)$";
    SPACE_BEFORE_PUNCT = r"\s+([,.;:!?)\]])";
    SPACE_AFTER_OPEN = r"([(\[])\s+";
    // Runs of white space that are not already a single space: a single
    // space is left alone, so that most lines come through without a copy.
    SPACES = r"\s{2,}|[^\S ]";
}

/// Collapses runs of white space and the stray spaces scrapes leave inside
/// punctuation (`Wissenschaft , Technologie`, `( Ministerium )`).
pub(super) fn tidy(line: &str) -> String {
    let line = SPACES.replace_all(line.trim(), " ");
    let line = SPACE_BEFORE_PUNCT.replace_all(&line, "$1");
    SPACE_AFTER_OPEN.replace_all(&line, "$1").into_owned()
}

/// Whether `text` has between `min` and `max` characters.
fn runs_within(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.chars().count())
}

/// A comment counter: one to three words (the first of 2–20 letters, the
/// others of 1–20) and a number in parentheses, `Kommentar (0)`.
fn is_counter(line: &str) -> bool {
    COUNTER.captures(line).is_some_and(|c| {
        runs_within(&c[1], 2, 20) && c[2].split(' ').skip(1).all(|w| runs_within(w, 1, 20))
    })
}

/// A site's banner, `news.example.com - Der Slogan`: a domain, a dash and
/// at most 101 characters.
fn is_banner(line: &str) -> bool {
    BANNER
        .captures(line)
        .is_some_and(|c| runs_within(&c[1], 0, 100))
}

/// Placeholders that page widgets print when they have nothing to show.
fn is_placeholder(line: &str) -> bool {
    // Lowercasing never makes fewer characters, and a character is at most
    // four bytes: a longer line cannot be one of these (most lines are).
    if line.len() > 4 * "no videos available".len() {
        return false;
    }
    let l = line.to_lowercase();
    matches!(
        l.as_str(),
        "no data"
            | "no videos available"
            | "no comments"
            | "no results"
            | "loading..."
            | "loading…"
    )
}

pub(super) fn classify(line: &str) -> Line {
    if is_counter(line) || is_placeholder(line) {
        return Line::TailMarker;
    }
    if let Some(c) = SOURCE.captures(line).filter(|c| runs_within(&c[1], 2, 20)) {
        return Line::Source(c[2].to_string());
    }
    if let Some(names) = byline(line) {
        return Line::Author(names.to_string());
    }
    if let Some(c) = MD_IMAGE.captures(line) {
        let src = c[1].trim();
        return Line::Image((!src.is_empty()).then(|| src.to_string()));
    }
    if let Some(c) = IMAGE_FILE.captures(line) {
        return Line::Image(Some(c[1].to_string()));
    }
    if let Some(c) = ROW_CAPTION.captures(line) {
        return Line::RowCaption(c[1].to_string());
    }
    if let Some(c) = credit(line) {
        return Line::Credit(c.trim().to_string());
    }
    if is_banner(line) {
        return Line::Banner(line.to_string());
    }
    // Cheap checks first: a date has slashes, a photo credit a colon.
    if line.contains('/') {
        if let Some(d) = dateline(line) {
            return d;
        }
    }
    if line.len() <= 400 && line.contains(':') && PHOTO_CREDIT.is_match(line) {
        return Line::CreditCaption(line.to_string());
    }
    Line::Text(line.to_string())
}

/// Labels of a byline line, before its colon (compared in lower case).
const BYLINE_LABELS: &[&str] = &[
    "autor",
    "autorin",
    "autoren",
    "autorka",
    "autorzy",
    "author",
    "authors",
    "auteur",
    "auteurs",
    "door",
    "tekst",
    "text",
    "tác giả",
    "by",
];

/// Words that join or sit inside names without a capital: `Jan de Vries`,
/// `Anna Schmidt und Jan Kowalski`, `Ludwig van Beethoven`.
const NAME_PARTICLES: &[&str] = &[
    "und", "and", "i", "en", "và", "&", "van", "von", "der", "den", "de", "del", "della", "di",
    "da", "du", "le", "la", "zu", "ten", "ter", "y", "e",
];

/// The names of a byline line: a label of [`BYLINE_LABELS`], a colon, then
/// at most 80 characters of names, every word capitalised but for
/// [`NAME_PARTICLES`], and nothing a name has no use for (digits, another
/// colon, a slash, brackets, a question or an exclamation), so that
/// `Text: Die Regierung hat beschlossen` is text.
fn byline(line: &str) -> Option<&str> {
    // Cheap checks first: most lines have no colon, or are long.
    if line.len() > 200 {
        return None;
    }
    let (label, names) = line.split_once(':')?;
    // No label is longer ("tác giả" is 9 bytes): most colons end longer
    // runs, which are not lowercased for nothing.
    if label.len() > 12 || !BYLINE_LABELS.contains(&label.trim().to_lowercase().as_str()) {
        return None;
    }
    let names = names.trim();
    let odd =
        |c: char| c.is_numeric() || matches!(c, ':' | '/' | '(' | ')' | '[' | ']' | '?' | '!');
    let words: Vec<&str> = (names.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|w| !w.is_empty())
        .collect();
    let capitalised =
        |w: &&str| w.chars().next().is_some_and(char::is_uppercase) || NAME_PARTICLES.contains(w);
    let fits = (1..=12).contains(&words.len())
        && runs_within(names, 2, 80)
        && !names.chars().any(odd)
        && words[0].chars().next().is_some_and(char::is_uppercase)
        && words.iter().all(capitalised);
    fits.then_some(names)
}

/// An agency credit: 1–40 characters in parentheses, alone on a line.
fn credit(line: &str) -> Option<&str> {
    let c = CREDIT.captures(line)?.get(1)?.as_str();
    runs_within(c, 1, 40).then_some(c)
}

/// A dateline's parts: at most 120 characters before a day, a month and a
/// year (the shortest such prefix, as the lazy run finds it), and maybe a
/// time after.
fn dateline_parts(line: &str) -> Option<regex::Captures<'_>> {
    DATELINE
        .captures(line)
        .filter(|c| runs_within(&c[1], 0, 120))
}

fn dateline(line: &str) -> Option<Line> {
    let c = dateline_parts(line)?;
    let date = Date::new(c[4].parse().ok()?, c[3].parse().ok()?, c[2].parse().ok()?)?;
    let prefix = c[1].trim();
    if prefix.ends_with(['.', '!', '?', ',', ';']) {
        return None;
    }
    Some(Line::Dateline {
        publisher: (!prefix.is_empty()).then(|| undouble(prefix).to_string()),
        date,
    })
}

/// Scrapes print a publisher's name twice when the page shows it as both a
/// logo's alt text and a label: `VietnamPlusVietnamPlus`.
fn undouble(s: &str) -> &str {
    for (i, _) in s.char_indices().skip(1) {
        let (a, b) = s.split_at(i);
        if a.trim() == b.trim() {
            return a.trim();
        }
    }
    s
}

fn ends_like_sentence(s: &str) -> bool {
    s.ends_with(['.', '!', '?', ':', ';', ',', '…', '"', '”', '»', '“'])
}

fn starts_upper(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_numeric() || c == '"' || c == '„' || c == '“')
}

/// A title is a line of modest length without closing sentence punctuation.
pub(super) fn looks_like_title(s: &str) -> bool {
    s.chars().count() <= 250 && !ends_like_sentence(s) && starts_upper(s)
}

/// A heading is a short line without closing punctuation that stands between
/// paragraphs.
pub(super) fn looks_like_heading(s: &str) -> bool {
    s.chars().count() <= 120
        && s.split_whitespace().count() <= 16
        && !ends_like_sentence(s)
        && starts_upper(s)
}

/// Derives a readable title from the first sentence of `text`, cut at a word
/// boundary (before an opening parenthesis when possible) and marked with an
/// ellipsis when shortened.
pub(super) fn derive_title(text: &str) -> String {
    const MAX: usize = 90;
    let sentence = first_sentence(text);
    if sentence.chars().count() <= MAX {
        return sentence.trim_end_matches(['.', ':', ';', ',']).to_string();
    }
    let limit = sentence
        .char_indices()
        .nth(MAX)
        .map(|(i, _)| i)
        .unwrap_or(sentence.len());
    let head = &sentence[..limit];
    let cut = head
        .find(" (")
        .filter(|&i| i > 30)
        .or_else(|| head.rfind(' '))
        .unwrap_or(limit);
    let mut title = head[..cut]
        .trim_end_matches([',', ';', ':', ' ', '-', '–'])
        .to_string();
    title.push('…');
    title
}

fn first_sentence(text: &str) -> &str {
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') {
            let rest = &text[i + 1..];
            let next_upper = rest
                .strip_prefix(' ')
                .and_then(|r| r.chars().next())
                .is_some_and(char::is_uppercase);
            // "Nr. 57" or "z. B." are not sentence ends: require a following
            // capital and a preceding word of more than two letters.
            let word_before = text[..i].rsplit(' ').next().unwrap_or("");
            if (rest.is_empty() || next_upper) && word_before.chars().count() > 2 {
                return &text[..i + 1];
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_page_furniture() {
        assert_eq!(classify("Kommentar (0)"), Line::TailMarker);
        assert_eq!(classify("Komentarz (12)"), Line::TailMarker);
        assert_eq!(classify("No videos available"), Line::TailMarker);
        assert_eq!(
            classify("Źródło: https://example.pl/a"),
            Line::Source("https://example.pl/a".into())
        );
        assert_eq!(
            classify("Nguồn: ftp://x"),
            Line::Text("Nguồn: ftp://x".into())
        );
        for (line, names) in [
            ("Autor: Anna Schmidt", "Anna Schmidt"),
            (
                "Door:   Jan de Vries en Sanne Bakker",
                "Jan de Vries en Sanne Bakker",
            ),
            ("Tác giả: Nguyễn Văn An", "Nguyễn Văn An"),
            (
                "AUTORKA : Ewa Nowak, Piotr Wiśniewski",
                "Ewa Nowak, Piotr Wiśniewski",
            ),
            ("Tekst: J. K. Rowling", "J. K. Rowling"),
        ] {
            assert_eq!(classify(line), Line::Author(names.into()), "{line}");
        }
        for text in [
            "Text: Die Regierung hat beschlossen, die Steuern zu senken.",
            "Autor: 3 Kommentare",
            "Autor: Anna Schmidt (Dresden)",
            "Hinweis: Anna Schmidt",
            "Autor:",
            "Autor: anna schmidt",
            "By: Ministry of Science and Technology and the Provincial People's Committee of Cao Bang",
        ] {
            assert_eq!(classify(text), Line::Text(text.into()), "{text}");
        }
        assert_eq!(classify("![]() |"), Line::Image(None));
        assert_eq!(
            classify("![alt](pic.png) |"),
            Line::Image(Some("pic.png".into()))
        );
        assert_eq!(
            classify("abc-1-resize.JPG"),
            Line::Image(Some("abc-1-resize.JPG".into()))
        );
        assert_eq!(
            classify("| A caption. |"),
            Line::RowCaption("A caption.".into())
        );
        assert_eq!(classify("(Vietnam+)"), Line::Credit("Vietnam+".into()));
        assert!(matches!(
            classify("news.example.com - Der Slogan"),
            Line::Banner(_)
        ));
        assert!(matches!(
            classify("Workers on the line. Photo: VGP."),
            Line::CreditCaption(_)
        ));
    }

    #[test]
    fn datelines() {
        assert_eq!(
            classify("Báo Tuổi TrẻBáo Tuổi Trẻ01/02/2024"),
            Line::Dateline {
                publisher: Some("Báo Tuổi Trẻ".into()),
                date: Date::new(2024, 2, 1).unwrap()
            }
        );
        assert_eq!(
            classify("Nhan Dan 31/12/2023 08:15"),
            Line::Dateline {
                publisher: Some("Nhan Dan".into()),
                date: Date::new(2023, 12, 31).unwrap()
            }
        );
        // Not a date: 31 February.
        assert!(matches!(classify("X 31/02/2024"), Line::Text(_)));
    }

    #[test]
    fn tidies_spacing() {
        assert_eq!(
            tidy("  Wissenschaft , Technologie ( Ministerium )  "),
            "Wissenschaft, Technologie (Ministerium)"
        );
        assert_eq!(tidy("a\u{a0}b\t\tc \u{3000} d\ne"), "a b c d e");
    }

    /// The patterns as they were written, bounded runs and all.
    static BOUNDED: LazyLock<[Regex; 5]> = LazyLock::new(|| {
        [
            r"^\p{L}{2,20}(?: \p{L}{1,20}){0,2}\s*\(\d+\)$",
            r"^\p{L}{2,20}\s*:\s*(https?://\S+)$",
            r"^[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.[a-z]{2,}\s+[-–—|]\s+\S.{0,100}$",
            r"^\(([^()]{1,40})\)$",
            r"^(.{0,120}?)\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[-,|]?\s*\d{1,2}:\d{2}(?::\d{2})?)?$",
        ]
        .map(|p| Regex::new(p).unwrap())
    });

    proptest::proptest! {
        /// Unbounded runs checked after accept exactly the lines the
        /// bounded patterns do: lines shaped like each, with runs around
        /// the bounds, and lines of their pieces at random.
        #[test]
        fn checked_runs_are_the_bounded_patterns(line in proptest::prop_oneof![
            "[äb]{0,23}( [äł]{0,22}){0,3} ?\\([0-9]{1,2}\\)",
            "[äb]{0,23} ?: ?https?://[a-z.]{1,5}",
            "[a-z]{1,3}\\.[a-z]{1,3} - [a-z]{0,3}x{95,105}",
            "\\( ?[äb ]{0,45}\\)",
            "[äb]{115,125} ?[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( [0-9]{1,2}:[0-9]{2})?",
            "[äb]{0,3}( ?[0-9]{1,3}/){0,3}[0-9]{4} ?(ab|/|1|12|2024| |:|\\.){0,6}",
            "(ab|Ä|x| |\\(|\\)|7|:|https://e\\.x|\\.com|\\.de| - |é|ł){0,30}",
        ]) {
            let [counter, source, banner, credit_was, dateline_was] = &*BOUNDED;
            proptest::prop_assert_eq!(
                credit(&line),
                credit_was.captures(&line).map(|c| c.get(1).unwrap().as_str())
            );
            let groups = |c: regex::Captures| (1..=4).map(|i| c[i].to_string()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(
                dateline_parts(&line).map(groups),
                dateline_was.captures(&line).map(groups)
            );
            proptest::prop_assert_eq!(is_counter(&line), counter.is_match(&line));
            proptest::prop_assert_eq!(
                matches!(classify(&line), Line::Source(_)),
                source.is_match(&line) && !counter.is_match(&line)
            );
            proptest::prop_assert_eq!(is_banner(&line), banner.is_match(&line));
        }
    }

    #[test]
    fn runs_are_bounded_as_before() {
        let letters = |n: usize| "ä".repeat(n);
        assert!(is_counter(&format!("{} (3)", letters(20))));
        assert!(!is_counter(&format!("{} (3)", letters(21))));
        assert!(!is_counter("a (3)"));
        assert!(is_counter(&format!(
            "ab {} {} (12)",
            letters(20),
            letters(1)
        )));
        assert!(!is_counter(&format!("ab {} (12)", letters(21))));
        assert!(!is_counter("ab c d e (12)"));
        assert!(matches!(
            classify(&format!("{}: https://x.y", letters(20))),
            Line::Source(_)
        ));
        assert!(!matches!(
            classify(&format!("{}: https://x.y", letters(21))),
            Line::Source(_)
        ));
        assert!(is_banner(&format!(
            "news.example.com - {}",
            "x".repeat(101)
        )));
        assert!(!is_banner(&format!(
            "news.example.com - {}",
            "x".repeat(102)
        )));
        let credit_of = |n: usize| classify(&format!("({})", letters(n)));
        assert_eq!(credit_of(40), Line::Credit(letters(40)));
        assert!(matches!(credit_of(41), Line::Text(_)));
    }

    proptest::proptest! {
        /// Replacing only the white space that changes is the same as
        /// replacing every run of it with one space.
        #[test]
        fn tidy_is_every_run_made_one_space(
            line in "[ \t\n\u{a0}\u{2009}\u{3000}aé1,.;:!?()\\[\\]]{0,40}"
        ) {
            let every = Regex::new(r"\s+").unwrap();
            let line_once = every.replace_all(line.trim(), " ");
            let line_once = SPACE_BEFORE_PUNCT.replace_all(&line_once, "$1");
            let expected = SPACE_AFTER_OPEN.replace_all(&line_once, "$1");
            proptest::prop_assert_eq!(tidy(&line), expected);
        }
    }

    #[test]
    fn derives_titles() {
        assert_eq!(derive_title("Kurzer Satz. Noch einer."), "Kurzer Satz");
        let long = "Zur Delegation gehörten Leiter der Abteilung für Wissenschaft und Technologie (Zentrale Kommission für Propaganda), und mehr.";
        assert_eq!(
            derive_title(long),
            "Zur Delegation gehörten Leiter der Abteilung für Wissenschaft und Technologie…"
        );
    }
}
