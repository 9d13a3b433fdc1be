//! The article list: all articles newest first, or search results with
//! snippets, updated as the reader types.

use super::text::{byline, marked};
use crate::data::Bundle;
use crate::route::Route;
use broadsheet_core::bundle::DocMeta;
use broadsheet_core::search::{Query, Snippet};
use yew::prelude::*;

/// Results shown per page; "Show more" adds another page.
const PAGE: usize = 30;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub bundle: Bundle,
    pub q: String,
}

#[derive(Clone, PartialEq)]
struct Item {
    meta: DocMeta,
    snippet: Option<Snippet>,
}

#[derive(Clone, PartialEq)]
struct Page {
    q: String,
    total: usize,
    items: Vec<Item>,
}

async fn load(bundle: &Bundle, q: &str, limit: usize) -> Result<Page, String> {
    let query = Query::parse(q);
    let results = bundle.run(|e| e.search(&query)).await?;
    let docs: Vec<u32> = results.hits.iter().take(limit).map(|h| h.doc).collect();
    let with_snippets = !query.is_empty();
    bundle.run(|e| e.need_docs(&docs, with_snippets)).await?;
    let items = bundle.run(|e| {
        docs.iter()
            .map(|&d| {
                Ok(Item {
                    meta: e.meta(d)?.clone(),
                    snippet: if with_snippets {
                        Some(e.snippet(d, &results.matched)?)
                    } else {
                        None
                    },
                })
            })
            .collect::<Result<Vec<_>, _>>()
    });
    Ok(Page {
        q: q.to_string(),
        total: results.hits.len(),
        items: items.await?,
    })
}

#[component]
pub fn ResultList(props: &Props) -> Html {
    let limit = use_state(|| PAGE);
    let page = use_state(|| None::<Result<Page, String>>);
    // Each request gets a number; a slower, older answer never overwrites a
    // newer one while the reader is typing.
    let generation = use_mut_ref(|| 0u64);

    {
        let limit = limit.clone();
        use_effect_with(props.q.clone(), move |_| limit.set(PAGE));
    }
    {
        let page = page.clone();
        let bundle = props.bundle.clone();
        let generation = generation.clone();
        use_effect_with((props.q.clone(), *limit), move |(q, limit)| {
            let q = q.clone();
            let limit = *limit;
            *generation.borrow_mut() += 1;
            let mine = *generation.borrow();
            wasm_bindgen_futures::spawn_local(async move {
                let result = load(&bundle, &q, limit).await;
                if *generation.borrow() == mine {
                    page.set(Some(result));
                }
            });
        });
    }

    let Some(result) = &*page else {
        return html! { <p class="status" aria-busy="true">{ "Loading…" }</p> };
    };
    let page_data = match result {
        Ok(p) => p,
        Err(e) => return html! { <div class="error" role="alert">{ e.clone() }</div> },
    };
    let heading = if page_data.q.trim().is_empty() {
        format!("{} articles", page_data.total)
    } else if page_data.total == 1 {
        format!("1 result for “{}”", page_data.q.trim())
    } else {
        format!("{} results for “{}”", page_data.total, page_data.q.trim())
    };
    let more = (page_data.items.len() < page_data.total).then(|| {
        let limit = limit.clone();
        let onclick = Callback::from(move |_| limit.set(*limit + PAGE));
        html! { <button class="more" type="button" {onclick}>{ "Show more" }</button> }
    });

    html! {
        <section class="list" aria-live="polite">
            <h2 class="count">{ heading }</h2>
            if page_data.total == 0 && !page_data.q.trim().is_empty() {
                <p class="empty">{ "No article matches all of these words." }</p>
            }
            <ol class="results">
                { for page_data.items.iter().map(|item| html! {
                    <li class="result" lang={item.meta.lang.clone()}>
                        <a class="title" href={Route::Article { slug: item.meta.slug.clone() }.to_hash()}>
                            { item.meta.title.clone() }
                        </a>
                        <div class="byline">{ byline(&item.meta) }</div>
                        {
                            match &item.snippet {
                                Some(s) => html! { <p class="snippet">{ marked(&s.segments()) }</p> },
                                None => html! { <p class="excerpt">{ item.meta.excerpt.clone() }</p> },
                            }
                        }
                    </li>
                }) }
            </ol>
            { for more }
        </section>
    }
}
