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
    // The encoder sizes its tables from the window and the size hint: a
    // window no bigger than the file keeps them small. But not below 2^17:
    // for windows of 2^16 and less, qualities 5 to 9 select the C library's
    // small-window hashers (H40–H42), which the Rust port leaves out, and
    // fall back to one whose tables take about 10 ms per file to zero,
    // 40 times the compression itself (measured on 10 KB packs; the output
    // is no smaller).
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: quality as i32,
        lgwin: (usize::BITS - bytes.len().max(1).leading_zeros()).clamp(17, 22) as i32,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    ::brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .expect("compressing into a Vec cannot fail");
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}
