//! The shell: masthead with the always-visible search box, and the screen
//! the URL hash selects.

use super::article::ArticleView;
use super::list::ResultList;
use crate::data::Bundle;
use crate::route::{ListState, Route};
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Ready(Bundle),
    Failed(String),
}

fn location_hash() -> String {
    gloo::utils::window().location().hash().unwrap_or_default()
}

/// Where the bundle lives, from `<meta name="broadsheet-data">`.
fn data_base() -> String {
    gloo::utils::document()
        .query_selector("meta[name=broadsheet-data]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "data/".into())
}

#[component]
pub fn App() -> Html {
    let route = use_state(|| Route::parse(&location_hash()));
    let load = use_state(|| Load::Loading);

    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener =
                gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                    route.set(Route::parse(&location_hash()));
                });
            move || drop(listener)
        });
    }
    {
        let load = load.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                load.set(match Bundle::open(data_base()).await {
                    Ok(b) => Load::Ready(b),
                    Err(e) => Load::Failed(e),
                });
            });
        });
    }

    // Moves to another screen: a new history entry, or (while typing) a
    // replacement of the current one.
    let navigate = {
        let route = route.clone();
        Callback::from(move |(next, replace): (Route, bool)| {
            let hash = next.to_hash();
            let window = gloo::utils::window();
            if let Ok(h) = window.history() {
                let _ = if replace {
                    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash))
                } else {
                    h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash))
                };
            }
            route.set(next);
        })
    };
    let list_state = match &*route {
        Route::List(s) => s.clone(),
        Route::Article { .. } => ListState::default(),
    };
    let q = list_state.q.clone();
    let oninput = {
        let navigate = navigate.clone();
        let on_list = matches!(*route, Route::List(_));
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let next = ListState {
                q: input.value(),
                ..list_state.clone()
            };
            // Typing refines the current list: replace, don't stack up one
            // history entry per keystroke.
            navigate.emit((Route::List(next), on_list));
        })
    };
    let onsubmit = Callback::from(|e: SubmitEvent| e.prevent_default());

    let body = match &*load {
        Load::Loading => html! { <p class="status" aria-busy="true">{ "Loading…" }</p> },
        Load::Failed(e) => html! {
            <div class="error" role="alert">
                <strong>{ "This site's data could not be loaded. " }</strong>{ e.clone() }
            </div>
        },
        Load::Ready(bundle) => match &*route {
            Route::List(state) => html! {
                <ResultList bundle={bundle.clone()} state={state.clone()} navigate={navigate.clone()} />
            },
            Route::Article { slug, q } => html! {
                <ArticleView bundle={bundle.clone()} slug={slug.clone()} q={q.clone()} />
            },
        },
    };

    html! {
        <>
            <header class="masthead">
                <a class="brand" href="#/">{ "Broadsheet" }</a>
                <form class="search" role="search" onsubmit={onsubmit}>
                    <input type="search" id="q" name="q" value={q} oninput={oninput}
                        placeholder="Search articles…" aria-label="Search articles"
                        autocomplete="off" spellcheck="false" />
                </form>
            </header>
            <main id="main">{ body }</main>
        </>
    }
}
