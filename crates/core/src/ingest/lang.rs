//! Language detection, reported as ISO 639-1.

/// Detects the language of `text` with `whatlang` (trigram models, no
/// network, no model download) and returns its ISO 639-1 code, or `und`
/// when the text is too short or ambiguous to tell.
pub(super) fn detect(text: &str) -> String {
    // A few kilobytes decide the language; more only costs time.
    let end = text.char_indices().nth(8192).map_or(text.len(), |(i, _)| i);
    let Some(info) = whatlang::detect(&text[..end]) else {
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
