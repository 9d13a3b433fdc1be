//! One article, as clean semantic HTML.

use super::text::{byline, safe_url};
use crate::data::Bundle;
use broadsheet_core::bundle::DocMeta;
use broadsheet_core::{Article, Block};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub bundle: Bundle,
    pub slug: String,
}

async fn load(bundle: &Bundle, slug: &str) -> Result<Option<Article>, String> {
    let Some(doc) = bundle.run(|e| e.find_slug(slug)).await? else {
        return Ok(None);
    };
    bundle.run(|e| e.article(doc).cloned()).await.map(Some)
}

fn block(b: &Block) -> Html {
    match b {
        Block::Paragraph(t) => html! { <p>{ t.clone() }</p> },
        Block::Heading(t) => html! { <h2>{ t.clone() }</h2> },
        Block::Figure { image, caption } => html! {
            <figure data-image={image.clone()}>
                if let Some(c) = caption {
                    <figcaption>{ c.clone() }</figcaption>
                }
            </figure>
        },
    }
}

#[component]
pub fn ArticleView(props: &Props) -> Html {
    let state = use_state(|| None::<Result<Option<Article>, String>>);
    {
        let state = state.clone();
        let bundle = props.bundle.clone();
        use_effect_with(props.slug.clone(), move |slug| {
            state.set(None);
            let slug = slug.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = load(&bundle, &slug).await;
                if let Ok(Some(a)) = &result {
                    gloo::utils::document().set_title(&format!("{} · Broadsheet", a.title));
                }
                gloo::utils::window().scroll_to_with_x_and_y(0.0, 0.0);
                state.set(Some(result));
            });
        });
    }
    let back = html! { <p class="back"><a href="#/">{ "← All articles" }</a></p> };
    let a = match &*state {
        None => return html! { <p class="status" aria-busy="true">{ "Loading…" }</p> },
        Some(Err(e)) => return html! { <div class="error" role="alert">{ e.clone() }</div> },
        Some(Ok(None)) => {
            return html! { <>{ back }<p class="empty" role="alert">{ "No article with this address." }</p></> }
        }
        Some(Ok(Some(a))) => a,
    };
    let meta = DocMeta::of(a);
    html! {
        <>
            { back }
            <article lang={a.lang.clone()}>
                <h1>{ a.title.clone() }</h1>
                <p class="byline">
                    { byline(&meta) }
                    if let Some(url) = a.url.as_deref().and_then(safe_url) {
                        <span aria-hidden="true">{ " · " }</span>
                        <a class="source" href={url.to_string()} rel="noopener noreferrer" target="_blank">{ "Source" }</a>
                    }
                </p>
                if let Some(s) = &a.summary {
                    <p class="lead">{ s.clone() }</p>
                }
                { for a.blocks.iter().map(block) }
                if let Some(c) = &a.credit {
                    <p class="credit">{ format!("({c})") }</p>
                }
            </article>
        </>
    }
}
