//! Any bytes as an article file, a text scrape or Markdown (the first
//! byte's lowest bit chooses the file's name, and with it the reader):
//! parse, then index what parses.
#![no_main]

use broadsheet_core::index::{build, order, BuildOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = match data.first() {
        Some(b) if b & 1 == 1 => "fuzz.md",
        _ => "fuzz.txt",
    };
    if let Ok(article) = broadsheet_core::ingest::parse(data, name) {
        let _ = build(&order(vec![article]), &BuildOptions::default());
    }
});
