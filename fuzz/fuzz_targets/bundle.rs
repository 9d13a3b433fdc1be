//! Any bytes as bundle files: a manifest, then the same bytes as every
//! piece (term or tail shard, chunk, record table) the manifest could name.
#![no_main]

use broadsheet_core::bundle::{decode, FileKind};
use broadsheet_core::index::{decode_slug_shard, decode_term_shard};
use broadsheet_core::search::{Engine, Query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in [FileKind::Terms, FileKind::Tails] {
        if let Ok(shard) = decode_term_shard(kind, data) {
            let _ = shard.entry(1 << 63, 1000);
        }
    }
    let _ = decode_slug_shard(data);
    let _ = decode::<Vec<broadsheet_core::bundle::DocMeta>>(FileKind::Meta, data);
    let (pack, table) = data.split_at(data.len() / 2);
    let _ = broadsheet_core::bundle::pack::decode_pack(pack, table);
    let _ = broadsheet_core::bundle::pack::decode_record(data);
    let _ = broadsheet_core::bundle::pack::record_ranges(data, 3);
    if let Ok(mut engine) = Engine::open(data) {
        for need in engine.pieces() {
            let _ = engine.add(&need, data);
        }
        let _ = engine.search_top(&Query::parse("a b"), 10);
        let _ = engine.search(&Query::parse("a b"));
        let _ = engine.find_slug("a");
    }
});
