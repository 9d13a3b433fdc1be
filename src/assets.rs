//! The viewer app, compiled to wasm and bound by build.rs, embedded in the
//! binary.

include!(concat!(env!("OUT_DIR"), "/assets.rs"));
