//! The seed articles, for tests: the corpus the product ships with.

use crate::model::Article;

/// Every seed file: its name and bytes.
pub(crate) const SEEDS: [(&str, &[u8]); 5] = [
    (
        "000_dd54529cc9df803b.txt",
        include_bytes!("../../../seeds/000_dd54529cc9df803b.txt"),
    ),
    (
        "001_3c346a62ca02a70d.txt",
        include_bytes!("../../../seeds/001_3c346a62ca02a70d.txt"),
    ),
    (
        "002_9700a0d7cd026bde.txt",
        include_bytes!("../../../seeds/002_9700a0d7cd026bde.txt"),
    ),
    (
        "003_03305f744d138c2e.txt",
        include_bytes!("../../../seeds/003_03305f744d138c2e.txt"),
    ),
    (
        "004_b3b47ec6e03bc2f5.txt",
        include_bytes!("../../../seeds/004_b3b47ec6e03bc2f5.txt"),
    ),
];

/// Every seed, parsed.
pub(crate) fn seed_articles() -> Vec<Article> {
    SEEDS
        .iter()
        .map(|(name, bytes)| crate::ingest::parse(bytes, name).expect("seed parses"))
        .collect()
}
