//! Raw deflate (RFC 1951) for what the builder writes: pack records and
//! index pieces. Readers inflate with anything (the browser's
//! `DecompressionStream("deflate-raw")`, `miniz_oxide` natively), so the
//! compressor is the builder's choice.
//!
//! With the `libdeflate` feature (the CLI's) it is libdeflate, which
//! compresses news text about 1.6 times as fast as `miniz_oxide` at the
//! same level, to slightly fewer bytes; compressing records and pieces was
//! a seventh of a build's time with `miniz_oxide`. Without it (the wasm,
//! which never compresses; builds of the core alone) it is `miniz_oxide`,
//! pure Rust. Either is deterministic: the same bytes give the same output.

/// Compresses `bytes` at `level` (0–9).
pub(crate) fn deflate(bytes: &[u8], level: u8) -> Vec<u8> {
    imp::deflate(bytes, level)
}

#[cfg(feature = "libdeflate")]
mod imp {
    use libdeflater::{CompressionLvl, Compressor};
    use std::cell::RefCell;

    thread_local! {
        /// The compressors of this thread, one per level used, kept: one
        /// holds hundreds of kilobytes of tables, too many to set up for
        /// every record, and a thread compresses records (level 9) and
        /// index pieces (level 6) in turn.
        static COMPRESSORS: RefCell<Vec<(u8, Compressor)>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn deflate(bytes: &[u8], level: u8) -> Vec<u8> {
        COMPRESSORS.with_borrow_mut(|kept| {
            let at = match kept.iter().position(|(l, _)| *l == level) {
                Some(at) => at,
                None => {
                    let lvl = CompressionLvl::new(i32::from(level))
                        .expect("deflate levels 0-9 are libdeflate levels");
                    kept.push((level, Compressor::new(lvl)));
                    kept.len() - 1
                }
            };
            let c = &mut kept[at].1;
            let mut out = vec![0; c.deflate_compress_bound(bytes.len())];
            let len = c
                .deflate_compress(bytes, &mut out)
                .expect("the bound leaves room enough");
            out.truncate(len);
            out
        })
    }
}

#[cfg(not(feature = "libdeflate"))]
mod imp {
    pub(super) fn deflate(bytes: &[u8], level: u8) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec(bytes, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflates_back_at_every_level() {
        let text = "Wissenschaft und Technologie, Wissenschaft und Technologie. ".repeat(50);
        for level in [1, 6, 9] {
            let packed = deflate(text.as_bytes(), level);
            assert!(packed.len() < text.len() / 4, "level {level} compresses");
            let back = miniz_oxide::inflate::decompress_to_vec(&packed).unwrap();
            assert_eq!(back, text.as_bytes(), "level {level}");
            // The same input gives the same bytes (builds are deterministic),
            // also after another level was used.
            assert_eq!(deflate(text.as_bytes(), level), packed);
        }
        assert_eq!(
            miniz_oxide::inflate::decompress_to_vec(&deflate(b"", 9)).unwrap(),
            b""
        );
    }
}
