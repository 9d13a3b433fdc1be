//! Searching a bundle: query parsing, matching, ranking and snippets.
//!
//! The [`Engine`] never fetches anything. When an operation needs a bundle
//! file that has not been handed to it, it answers
//! [`EngineError::Missing`] with the file names; the caller (the CLI reading
//! from disk, the browser fetching over HTTP) loads them with
//! [`Engine::add_file`] and asks again. The same engine code thus serves both
//! a synchronous native shell and an asynchronous browser shell.

mod engine;
mod memo;
mod query;
mod rank;
mod snippet;

pub use engine::{
    Engine, EngineError, FacetCounts, Hit, Matched, ResolveError, Results, TermMatch,
};
pub use query::{Filter, Query, QueryTerm, MAX_QUERY_CHARS, MAX_QUERY_WORDS};
pub use snippet::{highlight, segments, ArticleTokens, Marker, Snippet};

#[cfg(test)]
mod tests;
