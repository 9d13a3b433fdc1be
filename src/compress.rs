//! Precompressed siblings: every file of a site is written next to
//! `NAME.br` and `NAME.gz`, so a static host (or `broadsheet serve`) can send
//! compressed bytes without compressing on every request, and hosts that
//! cannot still serve the plain file.

use std::io::Write;

/// Brotli quality for data files. Measured on a 10,000-article corpus,
/// quality 6 gives files 0.4% larger than quality 9 at a third of the time;
/// the app's files are compressed at quality 11 once, by build.rs. Gzip
/// (for the rare client without brotli) uses the default level.
const BROTLI_QUALITY: u32 = 6;

/// The brotli and gzip encodings of `bytes`.
pub fn siblings(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (brotli(bytes, BROTLI_QUALITY), gzip(bytes))
}

pub fn brotli(bytes: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    // A window no larger than the file: the encoder's tables grow with the
    // window, and allocating (and zeroing) 4 MB of them per small file
    // would cost more than compressing it.
    let window = (usize::BITS - bytes.len().max(1).leading_zeros()).clamp(10, 22);
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 64 * 1024, quality, window);
        w.write_all(bytes).expect("writing to a Vec cannot fail");
    }
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}
