//! Searching a bundle: query parsing, matching, ranking and snippets.
//!
//! The [`Engine`] never fetches anything. When an operation needs a bundle
//! file that has not been handed to it, it answers
//! [`EngineError::Missing`] with what it needs (whole files, or byte ranges
//! of body packs); the caller (the CLI reading from disk, the browser
//! fetching over HTTP) loads them with [`Engine::add`] and asks again. The same engine code thus serves both
//! a synchronous native shell and an asynchronous browser shell.
//!
//! * `query`: what the reader typed, parsed (words, phrases, `-word`,
//!   `lang:` and `year:` filters);
//! * `engine`: the [`Engine`]: which files a query needs, how each word is
//!   looked up (stems, completions, typos), facets, documents;
//! * `combine`: from each word's matches to ranked hits (AND/OR,
//!   proximity for what can reach the top, the order of the rest);
//! * `rank`: the scoring formulas and weights;
//! * `snippet`: passages and highlights;
//! * `memo`: what the engine remembers between queries.

mod combine;
mod engine;
mod memo;
mod query;
pub(crate) mod rank;
mod snippet;

pub use engine::{
    batches, Batch, Engine, EngineError, FacetCounts, Hit, Matched, Need, ResolveError, Results,
    TermMatch,
};
pub use memo::Recent;
pub use query::{Filter, Query, QueryTerm, MAX_QUERY_CHARS, MAX_QUERY_WORDS};
pub use snippet::{segments, ArticleTokens, Marker, Snippet};

#[cfg(test)]
mod tests;
