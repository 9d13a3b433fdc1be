//! Precompressed siblings: every file of a site is written next to
//! `NAME.br` and `NAME.gz`, so a static host (or `broadsheet serve`) can send
//! compressed bytes without compressing on every request, and hosts that
//! cannot still serve the plain file.

use std::io::Write;

/// Brotli quality for data files: high ratio at a speed that keeps builds of
/// large corpora fast (the app's files are compressed at quality 11 once, by
/// build.rs).
const BROTLI_QUALITY: u32 = 9;

/// The brotli and gzip encodings of `bytes`.
pub fn siblings(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (brotli(bytes, BROTLI_QUALITY), gzip(bytes))
}

pub fn brotli(bytes: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 64 * 1024, quality, 22);
        w.write_all(bytes).expect("writing to a Vec cannot fail");
    }
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}
