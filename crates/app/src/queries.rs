//! What the screens ask of the bundle, as plain requests and answers: a page
//! of the article list, its facet counts, one article and the articles
//! like it. Both run against a [`Bundle`] wherever
//! the engine lives: in a Web Worker (see [`crate::worker`]), so that
//! decoding shards and ranking never hold up typing, or on the page itself
//! where no worker can be started (a `--single-file` page from `file://`,
//! a viewer embedded from another origin).

use crate::data::{Bundle, Piece};
use crate::route::{ListState, Sort};
use broadsheet_core::bundle::DocMeta;
use broadsheet_core::search::{FacetCounts, Matched, Query, Snippet};
use broadsheet_core::Article;
use serde::{Deserialize, Serialize};

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub meta: DocMeta,
    /// Query-dependent passage; `None` when listing without a query.
    pub snippet: Option<Snippet>,
}

/// One page of the list, with what it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub state: ListState,
    /// How many articles the list holds: all of them, or with `more`, at
    /// least this many.
    pub total: usize,
    /// The list is its best entries only, decided by the heads of frequent
    /// words (see `Engine::search_top`): `total` is a lower bound, and
    /// more entries come with the words' tails.
    pub more: bool,
    pub partial: bool,
    pub items: Vec<Item>,
}

impl Page {
    /// Whether every entry shows what the list promises: with a query, a
    /// snippet from its article. Where articles cannot be had (offline, not
    /// saved), entries show their listing excerpts instead (see [`page`]).
    pub fn complete(&self) -> bool {
        self.state.query().is_empty() || self.items.iter().all(|i| i.snippet.is_some())
    }
}

/// An article with what the query matched in it, or `None` for an unknown
/// slug.
pub type Loaded = Option<(Article, Matched)>;

/// Answer of a request that a newer one made pointless.
pub const SUPERSEDED: &str = "superseded by a newer request";

/// Fails once `stale()` says a newer request made this one pointless: the
/// reader typed on while files were being fetched, and the files a query
/// needs next (packs, facet entries) are spared.
fn check(stale: &dyn Fn() -> bool) -> Result<(), String> {
    if stale() {
        Err(SUPERSEDED.into())
    } else {
        Ok(())
    }
}

/// The first `limit` entries of the list `state` describes; gives up when
/// `stale()` (see [`check`]).
pub async fn page(
    bundle: &Bundle,
    state: &ListState,
    limit: usize,
    stale: &dyn Fn() -> bool,
) -> Result<Page, String> {
    check(stale)?;
    let query = state.query();
    let mut results = match top(state, limit) {
        None => bundle.run(|e| e.search(&query)).await?,
        Some(n) => bundle.run(|e| e.search_top(&query, n)).await?,
    };
    check(stale)?;
    if state.sort == Sort::Newest {
        results.sort_newest();
    }

    let docs: Vec<u32> = results.hits.iter().take(limit).map(|h| h.doc).collect();
    let with_snippets = !query.is_empty();
    // Results show snippets from their articles. Where articles cannot be
    // had (offline, not saved), they show their listing excerpts: a search
    // that found articles never ends in an error for want of them.
    if !with_snippets || bundle.run(|e| e.need_docs(&docs, true)).await.is_err() {
        bundle.run(|e| e.need_docs(&docs, false)).await?;
    }
    let items = bundle
        .run(|e| {
            // Snippets for the results whose articles are loaded, all at
            // once (their words are worked out once for the page).
            let has_body = |d: u32| with_snippets && e.has_article(d);
            let bodies: Vec<u32> = docs.iter().copied().filter(|&d| has_body(d)).collect();
            let mut snippets = e.snippets(&bodies, &results.matched)?.into_iter();
            docs.iter()
                .map(|&d| {
                    Ok(Item {
                        meta: e.meta(d)?.into_owned(),
                        snippet: if has_body(d) { snippets.next() } else { None },
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Page {
        state: state.clone(),
        total: results.more.unwrap_or(results.hits.len()),
        more: results.more.is_some(),
        partial: results.partial,
        items,
    })
}

/// Fetches what the list `state` describes asks for first (its words' term
/// shards and known tails), as stored, without answering it: the page
/// fetches these while the search worker that will answer starts, and the
/// worker adds them (see `worker::Source`).
pub async fn fetch_first(
    bundle: &Bundle,
    state: &ListState,
    limit: usize,
) -> Result<Vec<Piece>, String> {
    bundle.fetch_first(&state.query(), top(state, limit)).await
}

/// How many of its best matches the first `limit` entries of the list
/// `state` describes need: by relevance, only what decides them; newest
/// first, every match (`None`).
fn top(state: &ListState, limit: usize) -> Option<usize> {
    match state.sort {
        Sort::Newest => None,
        Sort::Relevance => Some(limit),
    }
}

/// How many results each facet value has for the list `state` describes,
/// asked for once its first page is on screen: the facet entries of a large
/// bundle (every document's language, year and publisher) are more than
/// a query's own files, and counting needs every match, frequent words'
/// tails and all.
pub async fn facets(
    bundle: &Bundle,
    state: &ListState,
    stale: &dyn Fn() -> bool,
) -> Result<Vec<FacetCounts>, String> {
    check(stale)?;
    // Facet counts ignore the facet filters, so every value stays visible
    // with the number of results choosing it would give.
    let text_only = Query::parse(&state.q);
    let hits = bundle.run(|e| e.search(&text_only)).await?.hits;
    check(stale)?;
    bundle.run(|e| e.facet_counts(&hits)).await
}

/// The article at `slug`, with the words of `q` it matches.
pub async fn article(bundle: &Bundle, slug: &str, q: &str) -> Result<Loaded, String> {
    let Some(doc) = bundle.run(|e| e.find_slug(slug)).await? else {
        return Ok(None);
    };
    let article = bundle.run(|e| e.article(doc).cloned()).await?;
    let query = Query::parse(q);
    let matched = if query.is_empty() {
        Matched::default()
    } else {
        let matched = bundle.run(|e| e.search(&query)).await?.matched;
        bundle.run(|e| e.focus(doc, &matched)).await?
    };
    Ok(Some((article, matched)))
}

/// The articles like the one at `slug` (see `Engine::related`), at most
/// `n`, as list entries without snippets; none for an unknown slug.
pub async fn related(bundle: &Bundle, slug: &str, n: usize) -> Result<Vec<Item>, String> {
    // One run, asked again as pieces come in: they are decided in a few
    // milliseconds, and one await point is less wasm than four.
    let related = |e: &broadsheet_core::search::Engine| {
        let Some(doc) = e.find_slug(slug)? else {
            return Ok(Vec::new());
        };
        let docs: Vec<u32> = e.related(doc, n)?.iter().map(|h| h.doc).collect();
        e.need_docs(&docs, false)?;
        (docs.iter())
            .map(|&d| {
                Ok(Item {
                    meta: e.meta(d)?.into_owned(),
                    snippet: None,
                })
            })
            .collect()
    };
    bundle.run(related).await
}
