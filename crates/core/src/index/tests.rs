use super::*;
use crate::bundle::{decode, FileKind, MANIFEST_FILE};
use crate::ingest::parse;

fn seeds() -> Vec<Article> {
    [
        (
            "000_dd54529cc9df803b.txt",
            &include_bytes!("../../../../seeds/000_dd54529cc9df803b.txt")[..],
        ),
        (
            "001_3c346a62ca02a70d.txt",
            include_bytes!("../../../../seeds/001_3c346a62ca02a70d.txt"),
        ),
        (
            "002_9700a0d7cd026bde.txt",
            include_bytes!("../../../../seeds/002_9700a0d7cd026bde.txt"),
        ),
        (
            "003_03305f744d138c2e.txt",
            include_bytes!("../../../../seeds/003_03305f744d138c2e.txt"),
        ),
        (
            "004_b3b47ec6e03bc2f5.txt",
            include_bytes!("../../../../seeds/004_b3b47ec6e03bc2f5.txt"),
        ),
    ]
    .into_iter()
    .map(|(n, b)| parse(b, n).unwrap())
    .collect()
}

#[test]
fn builds_are_deterministic_and_content_addressed() {
    let a = build(&order(seeds()), &BuildOptions::default());
    let b = build(&order(seeds()), &BuildOptions::default());
    assert_eq!(a.files, b.files);
    for f in &a.files {
        if f.name != MANIFEST_FILE {
            assert_eq!(
                f.name,
                content_name(FileKind::from_byte(f.bytes[6]).unwrap(), &f.bytes)
            );
        }
    }
    let m: Manifest = decode(FileKind::Manifest, &a.files.last().unwrap().bytes).unwrap();
    assert_eq!(m, a.manifest);
    assert_eq!(m.doc_count, 5);
    let listed: Vec<&str> = m.files().collect();
    assert_eq!(listed.len() + 1, a.files.len());
}

#[test]
fn newest_first_and_unique_slugs() {
    let ordered = order(seeds());
    let dates: Vec<_> = ordered.iter().map(|a| a.date).collect();
    assert!(dates[0] >= dates[1]);
    assert!(dates.last().unwrap().is_none());
    let mut slugs: Vec<_> = ordered.iter().map(|a| a.slug.clone()).collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 5);
}
