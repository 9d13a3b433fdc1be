//! Small rendering helpers shared by the views. Everything is rendered as
//! text nodes: article content is data, never markup.

use crate::route::{ListState, Route};
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

thread_local! {
    /// Names of languages in themselves, by code, as bundles list them.
    static LANG_NAMES: std::cell::RefCell<Vec<(String, String)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Keeps the names a bundle's manifest gives its languages (see
/// [`lang_name`]). A code means one language whatever the bundle, so the
/// names of every bundle on the page are kept together.
pub fn learn_lang_names(names: &[(String, String)]) {
    LANG_NAMES.with_borrow_mut(|kept| {
        for (code, name) in names {
            if !kept.iter().any(|(c, _)| c == code) {
                kept.push((code.clone(), name.clone()));
            }
        }
    });
}

/// The name of a language in itself ("Deutsch", "Polski", "Tiếng Việt"),
/// for bylines and the language filter, as the build wrote it into the
/// bundle (from CLDR): naming them here with the browser's
/// `Intl.DisplayNames` held up a cold page's first results by 15–17 ms
/// while the browser loaded its locale data. A code without a name (`und`)
/// is shown as it is.
pub fn lang_name(code: &str) -> String {
    LANG_NAMES.with_borrow(|names| {
        names
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    })
}

/// An entry of a list of articles, but for what follows it (a result's
/// snippet): its title, a link to the article (which highlights `q`), and
/// its byline.
pub fn entry_head(meta: &DocMeta, q: &str) -> Html {
    let href = Route::Article {
        slug: meta.slug.clone(),
        q: q.to_string(),
    }
    .to_hash();
    html! {
        <>
            <a class="title" {href}>{ meta.title.clone() }</a>
            <div class="byline">{ byline(meta) }</div>
        </>
    }
}

/// `author · date · publisher · language`, skipping what is unknown. Each
/// author's name links to a search for it: their articles (the name is
/// indexed with each of them).
pub fn byline(meta: &DocMeta) -> Html {
    let mut parts: Vec<Html> = Vec::new();
    if let Some(authors) = &meta.author {
        let mut names: Vec<Html> = Vec::new();
        for name in broadsheet_core::model::author_names(authors) {
            if !names.is_empty() {
                names.push(html! { { ", " } });
            }
            // The name as a phrase (a quote in it would end the phrase).
            let mut q = String::from('"');
            q.extend(name.chars().filter(|&c| c != '"'));
            q.push('"');
            let list = ListState {
                q,
                ..ListState::default()
            };
            let href = Route::List(list).to_hash();
            names.push(html! { <a class="author" {href}>{ name.to_string() }</a> });
        }
        parts.push(html! { <span class="authors">{ for names }</span> });
    }
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
