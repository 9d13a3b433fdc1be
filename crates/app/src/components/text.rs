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

/// The name of a language in itself ("Deutsch", "Polski", "Tiếng Việt"),
/// for bylines and the language filter, from the browser's CLDR data
/// (`Intl.DisplayNames`): any of the 70 languages a build detects, not a
/// list of our own. A code the browser does not name (`und`, or anything a
/// damaged manifest holds) is shown as it is. Names are worked out once
/// per code.
pub fn lang_name(code: &str) -> String {
    thread_local! {
        static NAMES: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(name) =
        NAMES.with_borrow(|n| n.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()))
    {
        return name;
    }
    let name = autonym(code).unwrap_or_else(|| code.to_string());
    NAMES.with_borrow_mut(|n| n.push((code.to_string(), name.clone())));
    name
}

/// `code`'s name in itself, capitalised as a label ("polski" → "Polski").
fn autonym(code: &str) -> Option<String> {
    // Only a well-formed ISO 639 code reaches the constructor, which throws
    // on a malformed locale (a JS exception through the wasm).
    if !(2..=3).contains(&code.len())
        || !code.bytes().all(|b| b.is_ascii_lowercase())
        || code == "und"
    {
        return None;
    }
    // A browser without it (older than the decompression streams the
    // viewer needs anyway) shows codes.
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    if !js_sys::Reflect::has(&intl, &"DisplayNames".into()).ok()? {
        return None;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &"language".into()).ok()?;
    js_sys::Reflect::set(&options, &"fallback".into(), &"none".into()).ok()?;
    let locales = js_sys::Array::of1(&code.into());
    let name = js_sys::Intl::DisplayNames::new(&locales, &options).of(code)?;
    // Capitalised by the browser too: Rust's `to_uppercase` would add its
    // case tables (16 KB) to the wasm.
    let first = name.char_at(0).to_locale_upper_case(Some(code));
    let rest = name.slice(1, name.length());
    Some(first.concat(&rest.into()).into())
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
    parts.push(html! { <span class="lang">{ lang_name(&meta.lang) }</span> });
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
