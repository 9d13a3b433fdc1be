//! Any bytes as an article file: parse, then index what parses.
#![no_main]

use broadsheet_core::index::{build, order, BuildOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(article) = broadsheet_core::ingest::parse(data, "fuzz.txt") {
        let _ = build(&order(vec![article]), &BuildOptions::default());
    }
});
