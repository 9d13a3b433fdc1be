//! Broadsheet's core: everything that turns scraped article text into a
//! searchable bundle, and everything that searches that bundle.
//!
//! The crate does no I/O and touches no web API. Callers hand it bytes and get
//! bytes or values back, which is what lets the native CLI and the WebAssembly
//! viewer run *the same* search code and therefore give identical results.
//!
//! The pipeline, one module per concern:
//!
//! * [`ingest`] parses one scraped text file into an [`model::Article`],
//!   stripping the noise that news scrapers leave behind.
//! * [`analysis`] turns text into index terms (normalisation, diacritic
//!   folding, word segmentation). The indexer and the query parser share it.
//! * [`bundle`] defines the on-disk format: a manifest plus content-hashed
//!   shard, meta and pack files, all small binary (postcard + fst) files.
//! * [`index`] builds a bundle from articles.
//! * [`search`] parses queries and matches, ranks and snippets them against a
//!   bundle whose files the caller loads on demand.
//! * [`numbers`] writes counts for readers, alike in every shell.

pub mod analysis;
pub mod bundle;
pub mod index;
pub mod ingest;
pub mod model;
pub mod numbers;
pub mod search;
pub mod slug;
#[cfg(test)]
mod test_seeds;

pub use bundle::{BundleError, Manifest};
pub use model::{Article, Block, Date};
