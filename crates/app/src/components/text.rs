//! Small rendering helpers shared by the views. Everything is rendered as
//! text nodes: article content is data, never markup.

use broadsheet_core::bundle::DocMeta;
use yew::prelude::*;

/// Text with some runs wrapped in `<mark>`, built as DOM nodes.
pub fn marked(segments: &[(&str, bool)]) -> Html {
    segments
        .iter()
        .map(|(text, hit)| {
            if *hit {
                html! { <mark>{ *text }</mark> }
            } else {
                html! { { *text } }
            }
        })
        .collect()
}

/// Human name of a language code, for the byline.
pub fn lang_name(code: &str) -> &str {
    match code {
        "de" => "Deutsch",
        "pl" => "Polski",
        "vi" => "Tiếng Việt",
        "nl" => "Nederlands",
        "en" => "English",
        "fr" => "Français",
        _ => code,
    }
}

/// `date · publisher · language`, skipping what is unknown.
pub fn byline(meta: &DocMeta) -> Html {
    let mut parts: Vec<Html> = Vec::new();
    if let Some(d) = meta.date {
        parts.push(html! { <time datetime={d.iso()}>{ d.iso() }</time> });
    }
    if let Some(p) = &meta.publisher {
        parts.push(html! { <span class="publisher">{ p.clone() }</span> });
    }
    parts.push(html! { <span class="lang">{ lang_name(&meta.lang).to_string() }</span> });
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            html! { <>{ p }{ if i + 1 < n { html! { <span aria-hidden="true">{ " · " }</span> } } else { html! {} } }</> }
        })
        .collect()
}

/// Only absolute http(s) URLs become links; anything else (`javascript:`,
/// `data:`) is dropped.
pub fn safe_url(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links() {
        assert!(safe_url("https://example.com/a").is_some());
        assert!(safe_url("HTTP://example.com").is_some());
        assert!(safe_url("javascript:alert(1)").is_none());
        assert!(safe_url("data:text/html,x").is_none());
        assert!(safe_url("").is_none());
    }
}
