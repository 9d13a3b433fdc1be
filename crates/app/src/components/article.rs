//! One article, as clean semantic HTML.

use super::app::text_field;
use super::text::marked;
use super::text::{byline, entry_head, safe_url};
use crate::nav::use_own_page;
use crate::queries::{Item, Loaded};
use crate::route::{ListState, Route};
use crate::worker::Source;
use broadsheet_core::bundle::DocMeta;
use broadsheet_core::search::{segments, Marker};
use broadsheet_core::Block;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub source: Source,
    pub slug: String,
    /// The query the reader came from, highlighted in the text.
    pub q: String,
    /// The reader moved here from another screen of this viewer: the
    /// heading takes the focus once the article is in, so that keyboard and
    /// screen-reader users go on from its start (the link they followed is
    /// gone with the list). An article that is the first screen leaves the
    /// focus where the page has it (an embedded one, with its host page).
    pub focus: bool,
}

/// Text with the query's words marked. One marker serves the whole
/// article, so each distinct word is worked out once.
fn text(t: &str, m: &mut Marker) -> Html {
    marked(&segments(t, &m.highlight(t)))
}

fn block(b: &Block, m: &mut Marker) -> Html {
    match b {
        Block::Paragraph(t) => html! { <p>{ text(t, m) }</p> },
        Block::Heading(t) => html! { <h2>{ text(t, m) }</h2> },
        Block::Figure { image, caption } => {
            let caption = caption.as_ref().map(|c| text(c, m));
            html! {
                <figure data-image={image.clone()}>
                    if let Some(c) = caption {
                        <figcaption>{ c }</figcaption>
                    }
                </figure>
            }
        }
    }
}

/// Focuses the article's heading (without scrolling: the view scrolls
/// itself), unless the reader is in a text field, such as the search box.
fn take_focus(article: &NodeRef) {
    use wasm_bindgen::JsCast;
    let typing = (gloo::utils::document().active_element()).is_some_and(|e| text_field(&e));
    let heading = (article.cast::<web_sys::Element>())
        .and_then(|a| a.query_selector("h1").ok().flatten())
        .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok());
    if let (false, Some(heading)) = (typing, heading) {
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = heading.focus_with_options(&options);
    }
}

/// How many related articles an article lists at most.
const RELATED: usize = 5;

#[derive(Properties, PartialEq)]
struct RelatedProps {
    source: Source,
    slug: String,
}

/// The articles like this one (see `Engine::related`), listed under it.
/// They are asked for once the end of the article comes near the screen:
/// their title words' term shards may be a request away (125 KB on average
/// at 100,000 articles), and a reader who leaves before the end does not pay
/// for them; one who asked the browser to save data never does. Nothing
/// shows while they come, when there are none, or when they cannot be had
/// (offline, those shards not saved): they are an offer, not the page.
#[component]
fn Related(props: &RelatedProps) -> Html {
    // (Another article is another `Related`: the article view shows
    // "Loading…" in between, so no list outlives its article.)
    let related = use_state(Vec::<Item>::new);
    let anchor = use_node_ref();
    {
        let (related, anchor, source) = (related.clone(), anchor.clone(), props.source.clone());
        use_effect_with(props.slug.clone(), move |slug| {
            let slug = slug.clone();
            let ask = move || {
                let (related, source, slug) = (related.clone(), source.clone(), slug.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(items) = source.related(&slug, RELATED).await {
                        related.set(items);
                    }
                });
            };
            let watch = (!crate::data::save_data()).then(|| when_near(&anchor, ask));
            move || drop(watch)
        });
    }
    let items = (related.iter()).map(
        |item| html! { <li lang={item.meta.lang.clone()}>{ entry_head(&item.meta, "") }</li> },
    );
    html! {
        <>
            <div ref={anchor}></div>
            if !related.is_empty() {
                <aside class="related" aria-label="Related articles">
                    <h2>{ "Related articles" }</h2>
                    <ul>{ for items }</ul>
                </aside>
            }
        </>
    }
}

/// What watches an element for [`when_near`], until dropped.
struct Watch {
    observer: Option<web_sys::IntersectionObserver>,
    _callback:
        wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(o) = &self.observer {
            o.disconnect();
        }
    }
}

/// Calls `f` once, when the element `target` is on screen or within half a
/// screen below it; at once where the browser cannot tell (no
/// `IntersectionObserver`).
fn when_near(target: &NodeRef, f: impl Fn() + 'static) -> Watch {
    use wasm_bindgen::JsCast;
    let f = std::rc::Rc::new(f);
    let called = f.clone();
    type Seen = dyn FnMut(js_sys::Array, web_sys::IntersectionObserver);
    let callback = wasm_bindgen::closure::Closure::<Seen>::new(
        move |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
            let seen = entries.iter().any(|e| {
                e.dyn_into::<web_sys::IntersectionObserverEntry>()
                    .is_ok_and(|e| e.is_intersecting())
            });
            if seen {
                observer.disconnect();
                called();
            }
        },
    );
    let options = web_sys::IntersectionObserverInit::new();
    options.set_root_margin("0px 0px 50% 0px");
    let observer = target.cast::<web_sys::Element>().and_then(|element| {
        let o = web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &options,
        )
        .ok()?;
        o.observe(&element);
        Some(o)
    });
    if observer.is_none() {
        f();
    }
    Watch {
        observer,
        _callback: callback,
    }
}

#[component]
pub fn ArticleView(props: &Props) -> Html {
    let state = use_state(|| None::<Result<Loaded, String>>);
    let article_ref = use_node_ref();
    let own_page = use_own_page();
    {
        let state = state.clone();
        let source = props.source.clone();
        use_effect_with((props.slug.clone(), props.q.clone()), move |(slug, q)| {
            state.set(None);
            let (slug, q) = (slug.clone(), q.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = source.article(&slug, &q).await;
                if own_page {
                    if let Ok(Some((a, _))) = &result {
                        crate::nav::set_page_title(Some(&a.title));
                    }
                    gloo::utils::window().scroll_to_with_x_and_y(0.0, 0.0);
                }
                state.set(Some(result));
            });
        });
    }
    // Once the text is on screen, bring the first match into view: where it
    // is not on screen already (in the title or the lead, the reader
    // starts at the top, back link and all), to the middle of it, with the
    // text before it for context and clear of the sticky header.
    {
        let article_ref = article_ref.clone();
        let focus = props.focus;
        use_effect_with(state.as_ref().map(|r| r.is_ok()), move |loaded| {
            if loaded.is_some() {
                crate::offline::screen_shown();
            }
            if *loaded == Some(true) {
                if focus {
                    take_focus(&article_ref);
                }
                let mark = article_ref
                    .cast::<web_sys::Element>()
                    .and_then(|a| a.query_selector("mark").ok().flatten());
                if let Some(mark) = mark {
                    let rect = mark.get_bounding_client_rect();
                    let height = gloo::utils::window()
                        .inner_height()
                        .ok()
                        .and_then(|h| h.as_f64())
                        .unwrap_or(0.0);
                    if rect.top() < 0.0 || rect.bottom() > height {
                        let options = web_sys::ScrollIntoViewOptions::new();
                        options.set_block(web_sys::ScrollLogicalPosition::Center);
                        mark.scroll_into_view_with_scroll_into_view_options(&options);
                    }
                }
            }
        });
    }
    // Back to the search the reader came from (its words; the browser's
    // own back button restores its facets too), or to the whole list.
    let q = props.q.trim();
    let back = if q.is_empty() {
        html! { <p class="back"><a href="#/">{ "← All articles" }</a></p> }
    } else {
        let results = Route::List(ListState {
            q: q.to_string(),
            ..ListState::default()
        });
        html! { <p class="back"><a href={results.to_hash()}>{ format!("← Results for “{q}”") }</a></p> }
    };
    let a = match &*state {
        None => return html! { <p class="status" aria-busy="true">{ "Loading…" }</p> },
        Some(Err(e)) => return html! { <div class="error" role="alert">{ e.clone() }</div> },
        Some(Ok(None)) => {
            return html! { <>{ back }<p class="empty" role="alert">{ "No article with this address." }</p></> }
        }
        Some(Ok(Some((a, m)))) => (a, m),
    };
    let (a, matched) = a;
    let m = &mut Marker::new(matched, &a.lang);
    let meta = DocMeta::of(a);
    let title = text(&a.title, m);
    let lead = a.summary.as_ref().map(|s| text(s, m));
    let blocks: Vec<Html> = a.blocks.iter().map(|b| block(b, m)).collect();
    html! {
        <>
            { back }
            <article lang={a.lang.clone()} ref={article_ref}>
                <h1 tabindex="-1">{ title }</h1>
                <p class="byline">
                    { byline(&meta) }
                    if let Some(url) = a.url.as_deref().and_then(safe_url) {
                        <span aria-hidden="true">{ " · " }</span>
                        <a class="source" href={url.to_string()} rel="noopener noreferrer" target="_blank">{ "Source" }</a>
                    }
                </p>
                if let Some(lead) = lead {
                    <p class="lead">{ lead }</p>
                }
                { for blocks }
                if let Some(c) = &a.credit {
                    <p class="credit">{ format!("({c})") }</p>
                }
            </article>
            <Related source={props.source.clone()} slug={a.slug.clone()} />
        </>
    }
}
