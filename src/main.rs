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
mod feed;
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
    no_huge_pages();
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

/// Turns transparent huge pages off for this process. mimalloc asks the
/// kernel for them on its arenas, and the kernel then zeroes 2 MB on the
/// first touch of each: a third of a 1,000-article build's samples, and
/// memory that stays resident although mostly unused. Without them a
/// 10,000-article build took 2.65–2.72 s against 2.79–3.28 s, in 140
/// against 180 MB (three alternating runs each); 100,000 articles 26.3
/// and 27.4 s against 32.0 and 28.0 s. A host that refuses is no worse
/// off than before. mimalloc is built without asking for them itself
/// (feature `no_thp`): it asks on its first arena, before `main` runs,
/// where this came too late (on hosts that give huge pages only when
/// asked, a one-article build zeroed two of them first: 18.0–18.7 ms a
/// build against 19.4–20.0 ms, 30 runs each).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
