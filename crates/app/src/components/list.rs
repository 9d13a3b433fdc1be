//! The article list: all articles newest first, or search results with
//! snippets, facets and sort order, updated as the reader types.

use super::text::{entry_head, lang_name, marked};
use crate::nav::use_own_page;
use crate::queries::Page;
use crate::route::{ListState, Route, Sort};
use crate::worker::Source;
use broadsheet_core::numbers::thousands;
use broadsheet_core::search::{FacetCounts, Query};
use std::rc::Rc;
use yew::prelude::*;

/// Results shown per page; "Show more" adds another page. Each result's
/// snippet needs its article's pack, so the first page sets what a query
/// costs to fetch.
pub const PAGE: usize = 10;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub source: Source,
    pub state: ListState,
    /// Moves to another route: (route, replace the history entry).
    pub navigate: Callback<(Route, bool)>,
}

fn facet_label(facet: &str) -> &'static str {
    match facet {
        "lang" => "Language",
        "year" => "Year",
        _ => "Publisher",
    }
}

/// The facet chips and the sort order. `facets` may be the previous list's
/// for a moment: counts come after the results (see [`crate::queries::facets`]).
/// The controls act on `current`, the list the route asks for, which may be
/// newer than the one on screen while its results are on their way: a chip
/// or a sort order chosen then applies to the words just typed, never
/// brings back the list on screen.
fn facets_view(
    current: &ListState,
    facets: &[FacetCounts],
    navigate: &Callback<(Route, bool)>,
) -> Html {
    let groups = facets.iter().filter(|f| !f.values.is_empty()).map(|f| {
        let buttons = f.values.iter().map(|v| {
            let pressed = current.selected(&f.facet) == Some(v.value.as_str());
            let next = Route::List(current.toggled(&f.facet, &v.value));
            let navigate = navigate.clone();
            let onclick = Callback::from(move |_| navigate.emit((next.clone(), false)));
            let label = if f.facet == "lang" { lang_name(&v.value) } else { v.value.clone() };
            html! {
                <button type="button" class="chip" aria-pressed={pressed.to_string()} data-facet={f.facet.clone()}
                    data-value={v.value.clone()} {onclick}>
                    { label }<span class="n">{ thousands(v.count as usize) }</span>
                </button>
            }
        });
        html! {
            <div class="facet" role="group" aria-label={facet_label(&f.facet)}>
                <span class="facet-name">{ facet_label(&f.facet) }</span>
                { for buttons }
            </div>
        }
    });
    // Without words to rank by, the list is newest first whatever the order
    // chosen: no choice to offer.
    let ranked = !Query::parse(&current.q).terms.is_empty();
    let sort = ranked.then(|| {
        let navigate = navigate.clone();
        let state = current.clone();
        let onchange = Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let sort = if select.value() == "new" {
                Sort::Newest
            } else {
                Sort::Relevance
            };
            navigate.emit((
                Route::List(ListState {
                    sort,
                    ..state.clone()
                }),
                false,
            ));
        });
        let newest = current.sort == Sort::Newest;
        html! {
            <label class="sort">{ "Sort " }
                <select {onchange} aria-label="Sort results">
                    <option value="rel" selected={!newest}>{ "by relevance" }</option>
                    <option value="new" selected={newest}>{ "newest first" }</option>
                </select>
            </label>
        }
    });
    html! { <div class="facets">{ for groups }{ sort }</div> }
}

#[component]
pub fn ResultList(props: &Props) -> Html {
    let limit = use_state(|| PAGE);
    let page = use_state(|| None::<Result<Rc<Page>, String>>);
    // Facet counts and the list they are for.
    let facets = use_state(|| None::<(ListState, Rc<Vec<FacetCounts>>)>);
    // Each request gets a number; a slower, older answer never overwrites a
    // newer one while the reader is typing.
    let generation = use_mut_ref(|| 0u64);
    // Bumped to answer the list again: once the words' tails are in, a
    // list of its best entries alone is answered whole.
    let refresh = use_state(|| 0u32);

    {
        let limit = limit.clone();
        use_effect_with(props.state.clone(), move |_| limit.set(PAGE));
    }
    // The page's title names the search (an embedded viewer leaves its
    // host's title alone).
    let own_page = use_own_page();
    use_effect_with(props.state.q.clone(), move |q| {
        if own_page {
            crate::nav::set_page_title(Some(q.as_str()));
        }
    });
    {
        let page = page.clone();
        let source = props.source.clone();
        let generation = generation.clone();
        use_effect_with(
            (props.state.clone(), *limit, *refresh),
            move |(state, limit, _)| {
                let state = state.clone();
                let limit = *limit;
                *generation.borrow_mut() += 1;
                let mine = *generation.borrow();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = source.page(&state, limit).await;
                    let superseded = matches!(&result, Err(e) if e == crate::queries::SUPERSEDED);
                    if *generation.borrow() == mine && !superseded {
                        page.set(Some(result));
                    }
                });
            },
        );
    }

    // Marks each list of results once it is in the document, so that
    // benchmarks (and the browser's performance tools) can time it.
    let shown = page
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(|p| (p.state.clone(), p.total, p.items.len()));
    use_effect_with(shown, |shown| {
        if shown.is_some() {
            if let Some(perf) = gloo::utils::window().performance() {
                let _ = perf.mark("broadsheet:results");
            }
            crate::offline::screen_shown();
        }
    });

    // Then, once a list is on screen, its facet counts (kept for "Show
    // more"); a failure leaves the chips as they were. Counting brings
    // every match: a list of its best entries alone is answered again,
    // with its whole count.
    {
        let facets = facets.clone();
        let source = props.source.clone();
        let generation = generation.clone();
        let refresh = refresh.clone();
        let listed = page
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|p| (p.state.clone(), p.more));
        use_effect_with(listed, move |listed| {
            let counted = |s: &ListState| facets.as_ref().is_some_and(|(c, _)| c == s);
            if let Some((state, more)) = listed.clone().filter(|(s, more)| *more || !counted(s)) {
                let mine = *generation.borrow();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(counts) = source.facets(&state).await {
                        if *generation.borrow() == mine {
                            facets.set(Some((state, counts)));
                            if more {
                                refresh.set(*refresh + 1);
                            }
                        }
                    }
                });
            }
        });
    }

    let Some(result) = &*page else {
        return html! { <p class="status" aria-busy="true">{ "Loading…" }</p> };
    };
    let page_data = match result {
        Ok(p) => p,
        Err(e) => return html! { <div class="error" role="alert">{ e.clone() }</div> },
    };
    let q = page_data.state.q.trim();
    let heading = match (q.is_empty(), page_data.total) {
        (true, 1) => "1 article".to_string(),
        (true, n) => format!("{} articles", thousands(n)),
        (false, n) if page_data.more => format!("{}+ results for “{q}”", thousands(n)),
        (false, 1) => format!("1 result for “{q}”"),
        (false, n) => format!("{} results for “{q}”", thousands(n)),
    };
    let more = (page_data.items.len() < page_data.total || page_data.more).then(|| {
        let limit = limit.clone();
        let onclick = Callback::from(move |_| limit.set(*limit + PAGE));
        html! { <button class="more" type="button" {onclick}>{ "Show more" }</button> }
    });

    html! {
        <section class="list">
            { facets_view(&props.state, facets.as_ref().map_or(&[][..], |(_, f)| &f[..]), &props.navigate) }
            <h2 class="count" aria-live="polite">{ heading }</h2>
            if page_data.total == 0 && !q.is_empty() {
                <p class="empty">{ "No article matches these words." }</p>
            }
            if page_data.partial {
                <p class="empty partial">{ "No article has all of these words; these have some of them." }</p>
            }
            <Items page={page_data.clone()} />
            { for more }
        </section>
    }
}

#[derive(Properties)]
struct ItemsProps {
    page: Rc<Page>,
}

/// The same answer is the same list: a keystroke re-renders the list
/// around it (the route changed) but not its ten results, which change
/// only when the next answer arrives.
impl PartialEq for ItemsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.page, &other.page)
    }
}

/// A page's results, each with its snippet (or excerpt).
#[component]
fn Items(props: &ItemsProps) -> Html {
    let q = props.page.state.q.trim();
    html! {
        <ol class="results">
            { for props.page.items.iter().map(|item| html! {
                <li class="result" lang={item.meta.lang.clone()}>
                    { entry_head(&item.meta, q) }
                    {
                        match &item.snippet {
                            Some(s) => html! { <p class="snippet">{ marked(&s.segments()) }</p> },
                            None => html! { <p class="excerpt">{ item.meta.excerpt.clone() }</p> },
                        }
                    }
                </li>
            }) }
        </ol>
    }
}
