//! `broadsheet`: turn a folder of news articles into a fast, searchable,
//! offline-capable static site.
//!
//! This binary is a thin shell over `broadsheet-core`: it reads files,
//! writes files and serves files. All parsing, indexing and searching is the
//! core's, which is what keeps `broadsheet search` and the browser in
//! agreement.

mod assets;
mod cli;
mod compress;
mod indexer;
mod inputs;
mod search;
mod serve;
mod shell;
mod site;

use clap::Parser;

/// Builds allocate and free many buffers of a few hundred kilobytes (packs,
/// shards, compressor tables); glibc's allocator maps and unmaps each one,
/// and the page faults cost more than the work. mimalloc reuses them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = cli::Cli::parse();
    let result = match cli.command.unwrap_or_default() {
        cli::Command::Build(args) => site::build(&args).map(|_| ()),
        cli::Command::Serve(args) => serve::serve(&args),
        cli::Command::Search(args) => search::search(&args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
