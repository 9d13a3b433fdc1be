//! The shell: masthead with the always-visible search box, the screen the
//! route selects, and the offline footer.

use super::article::ArticleView;
use super::list::ResultList;
use super::offline::OfflineBar;
use crate::nav::Nav;
use crate::route::{ListState, Route};
use crate::worker::Source;
use crate::Config;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Ready(Source),
    Failed(String),
}

/// Whether `e` is a field the reader types in: a key pressed there is
/// theirs, and the focus stays with it.
pub(super) fn text_field(e: &web_sys::Element) -> bool {
    matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || e.closest("[contenteditable]").ok().flatten().is_some()
}

/// `/` anywhere on the page but in a text field goes to the search box
/// (`search_box`), as on most sites with one.
fn slash_to_search(search_box: NodeRef) -> gloo::events::EventListener {
    let typing = |e: &KeyboardEvent| {
        (e.target())
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|t| text_field(&t))
    };
    // Not passive (gloo's default): the slash must not be typed.
    let options = gloo::events::EventListenerOptions::enable_prevent_default();
    let document = gloo::utils::document();
    gloo::events::EventListener::new_with_options(&document, "keydown", options, move |e| {
        let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if e.key() != "/" || e.ctrl_key() || e.meta_key() || e.alt_key() || typing(e) {
            return;
        }
        if let Some(input) = search_box.cast::<web_sys::HtmlInputElement>() {
            e.prevent_default();
            let _ = input.focus();
            input.select();
        }
    })
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub config: Config,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let config = &props.config;
    let route = use_state_eq(|| config.nav.current());
    let load = use_state(|| Load::Loading);
    let search_box = use_node_ref();
    // Whether the reader has moved from the first screen (a link, the back
    // button, typing): an article reached so takes the focus (see
    // `ArticleView`), the first screen leaves it where the page has it.
    let moved = use_mut_ref(|| false);

    {
        let route = route.clone();
        let moved = moved.clone();
        use_effect_with(config.nav.clone(), move |nav| {
            let listener = nav.listen(move |r| {
                *moved.borrow_mut() = true;
                route.set(r)
            });
            move || drop(listener)
        });
    }
    {
        let load = load.clone();
        let worker = config.worker.clone();
        use_effect_with(config.data.clone(), move |data| {
            let data = data.clone();
            wasm_bindgen_futures::spawn_local(async move {
                load.set(match Source::open(data, worker).await {
                    Ok(b) => {
                        super::text::learn_lang_names(b.lang_names());
                        Load::Ready(b)
                    }
                    Err(e) => Load::Failed(e),
                });
            });
        });
    }

    // Only on a page of its own: an embedded viewer must not take a key
    // from its host page.
    {
        let search_box = search_box.clone();
        use_effect_with(config.nav.clone(), move |nav| {
            let listener = (*nav == Nav::Hash).then(|| slash_to_search(search_box));
            move || drop(listener)
        });
    }

    // Moves to another screen: a new history entry, or (while typing) a
    // replacement of the current one.
    let navigate = {
        let route = route.clone();
        let nav = config.nav.clone();
        let moved = moved.clone();
        Callback::from(move |(next, replace): (Route, bool)| {
            *moved.borrow_mut() = true;
            nav.go(&next, replace);
            route.set(next);
        })
    };
    // An embedded viewer's links (`#/…`) must not change the host page's
    // URL: follow them here, or open the site's own page for a new tab.
    let onclick = {
        let navigate = navigate.clone();
        let nav = config.nav.clone();
        Callback::from(move |e: MouseEvent| {
            if nav == Nav::Hash {
                return;
            }
            let Some(href) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("a[href^='#/']").ok().flatten())
                .and_then(|a| a.get_attribute("href"))
            else {
                return;
            };
            e.prevent_default();
            if e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() == 1 {
                let _ =
                    gloo::utils::window().open_with_url_and_target(&nav.outside(&href), "_blank");
            } else {
                navigate.emit((Route::parse(&href), false));
            }
        })
    };
    // An article opened from a search keeps its query in the box: the
    // reader sees what they searched for, and typing refines it.
    let list_state = match &*route {
        Route::List(s) => s.clone(),
        Route::Article { q, .. } => ListState {
            q: q.clone(),
            ..ListState::default()
        },
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
    // Search runs as the reader types; the keyboard's Enter (a phone's
    // "Search" key) puts the keyboard away, so that the results it covered
    // are in view.
    let onsubmit = {
        let search_box = search_box.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = search_box.cast::<web_sys::HtmlInputElement>() {
                let _ = input.blur();
            }
        })
    };

    // The site's name, once its manifest is read; the product's before
    // (a viewer renders once the manifest is in, so a reader sees this only
    // where it could not be read).
    let name = match &*load {
        Load::Ready(source) => source.name(),
        _ => broadsheet_core::index::DEFAULT_NAME,
    };
    let body = match &*load {
        Load::Loading => html! { <p class="status" aria-busy="true">{ "Loading…" }</p> },
        Load::Failed(e) => html! {
            <div class="error" role="alert">
                <strong>{ "This site's data could not be loaded. " }</strong>{ e.clone() }
            </div>
        },
        Load::Ready(source) => match &*route {
            Route::List(state) => html! {
                <ResultList source={source.clone()} state={state.clone()} navigate={navigate.clone()} />
            },
            Route::Article { slug, q } => html! {
                <ArticleView source={source.clone()} slug={slug.clone()} q={q.clone()}
                    focus={*moved.borrow()} />
            },
        },
    };

    html! {
        <ContextProvider<Config> context={config.clone()}>
            <div class="bs-shell" {onclick}>
                <header class="masthead">
                    <a class="brand" href="#/">{ name }</a>
                    <form class="search" role="search" onsubmit={onsubmit}>
                        <input type="search" name="q" value={q} oninput={oninput} ref={search_box}
                            placeholder="Search articles…" aria-label="Search articles"
                            autocomplete="off" spellcheck="false" />
                    </form>
                </header>
                <main>{ body }</main>
                if let Some(url) = &config.service_worker {
                    <OfflineBar url={url.clone()} />
                }
            </div>
        </ContextProvider<Config>>
    }
}
