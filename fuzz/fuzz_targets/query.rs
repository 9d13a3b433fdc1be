//! Any string as a query, against a small real bundle.
#![no_main]

use broadsheet_core::bundle::MANIFEST_FILE;
use broadsheet_core::index::{build, order, BuildOptions, Bundle};
use broadsheet_core::search::{Engine, Need, Query};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn bundle() -> &'static Bundle {
    static B: OnceLock<Bundle> = OnceLock::new();
    B.get_or_init(|| {
        let texts = [
            "Tổng Bí thư Tô Lâm\n\nTổng Bí thư Tô Lâm làm việc với tỉnh Cao Bằng về Nghị quyết 57-NQ/TW.",
            "Generalsekretär To Lam\n\nDie digitale Transformation und die Resolution Nr. 57-NQ/TW in der Provinz.",
        ];
        let articles = texts
            .iter()
            .enumerate()
            .map(|(i, t)| broadsheet_core::ingest::parse_text(t, &format!("{i}.txt")).unwrap())
            .collect();
        build(&order(articles), &BuildOptions { term_shard_bytes: 64, ..Default::default() })
    })
}

fuzz_target!(|q: &str| {
    let b = bundle();
    let get = |n: &Need| b.load(n);
    let mut engine = Engine::open(b.file(MANIFEST_FILE).unwrap()).unwrap();
    let query = Query::parse(q);
    let results = engine.resolve(get, |e| e.search(&query)).unwrap();
    for h in results.hits {
        let _ = engine.resolve(get, |e| e.snippet(h.doc, &results.matched));
    }
});
