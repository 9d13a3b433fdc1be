//! Compiles the viewer (`crates/app`) to WebAssembly and binds it with
//! `wasm-bindgen-cli-support`, so that the `broadsheet` binary embeds a
//! complete, ready-to-serve app and `cargo install` needs nothing else.
//!
//! The app is built by a nested `cargo` in its own target directory
//! (`target/app-wasm`), as Substrate's wasm-builder does: the outer build's
//! flags and target must not leak into it, and its own incremental cache
//! then survives across dev, test and release builds of the CLI.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    for p in [
        "crates/app",
        "crates/core/src",
        "crates/core/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }

    let target_dir = app_target_dir(&out);
    let wasm = compile_app(&root, &target_dir)?;
    let site = out.join("site");
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site)?;

    let bindgen_out = out.join("bindgen");
    let _ = std::fs::remove_dir_all(&bindgen_out);
    std::fs::create_dir_all(&bindgen_out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        // Function names are for debuggers; readers should not download them.
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&bindgen_out)
        .context("binding the app's wasm with wasm-bindgen")?;

    let wasm_bytes = std::fs::read(bindgen_out.join("broadsheet_app_bg.wasm"))?;
    let wasm_name = hashed("app", "wasm", &wasm_bytes);
    let bare_js = std::fs::read_to_string(bindgen_out.join("broadsheet_app.js"))?;
    // The generated module exports an `init` that must be told where the
    // wasm is. Start it from the module itself, so that pages need no inline
    // script (a strict Content-Security-Policy forbids them), and export the
    // promise so that `embed.js` can wait for it. Started as the search
    // worker (no document), it takes the page's compiled module from the
    // page's first message instead of fetching and compiling the wasm again:
    // V8 shares the machine code, the engine's functions included, which the
    // page compiled answering its first query (see `worker.rs`).
    if !bare_js.contains("__wbg_init as default") {
        bail!("unexpected wasm-bindgen output: no `__wbg_init` export");
    }
    let failed = std::fs::read_to_string(root.join("crates/app/web/failed.js"))?;
    let js = format!(
        "{bare_js}\nconst wasmUrl = new URL('./{wasm_name}', import.meta.url);\n\
         export const ready = __wbg_init({{ module_or_path: globalThis.document ? wasmUrl : \
         new Promise((take) => addEventListener('message', (e) => take(e.data instanceof \
         WebAssembly.Module ? e.data : fetch(wasmUrl)), {{ once: true }})) }});\n{failed}"
    );
    let js_name = hashed("app", "js", js.as_bytes());
    let css = std::fs::read(root.join("crates/app/style.css"))?;
    let css_name = hashed("style", "css", &css);
    // The bare module is what `--single-file` inlines, with its own init.
    std::fs::write(out.join("app-bare.js"), &bare_js)?;
    std::fs::write(out.join("app.wasm"), &wasm_bytes)?;
    std::fs::write(out.join("style.css"), &css)?;

    let files: [(&str, &[u8]); 3] = [
        (&js_name, js.as_bytes()),
        (&wasm_name, &wasm_bytes),
        (&css_name, &css),
    ];
    let mut names = Vec::new();
    for (name, bytes) in files {
        std::fs::write(site.join(name), bytes)?;
        // Precompressed siblings, at the highest brotli quality: compressed
        // once here, served as they are by any static host.
        std::fs::write(site.join(format!("{name}.br")), brotli(bytes))?;
        std::fs::write(site.join(format!("{name}.gz")), gzip(bytes)?)?;
        names.extend([name.to_string(), format!("{name}.br"), format!("{name}.gz")]);
    }

    let entries: String = names
        .iter()
        .map(|name| {
            format!(
                "    ({name:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), \"/site/{name}\"))),\n"
            )
        })
        .collect();
    let assets = format!(
        "/// The app's content-hashed files (with .br/.gz siblings): name, content.\n\
         pub const APP_FILES: &[(&str, &[u8])] = &[\n{entries}];\n\
         /// File names of the app's module, wasm and style sheet.\n\
         pub const APP_JS: &str = {js_name:?};\n\
         pub const APP_WASM: &str = {wasm_name:?};\n\
         pub const APP_CSS: &str = {css_name:?};\n\
         /// The wasm-bindgen module without its init call, the wasm and the\n\
         /// style sheet, for pages that inline them (`--single-file`).\n\
         pub const BARE_JS: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/app-bare.js\"));\n\
         pub const WASM: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/app.wasm\"));\n\
         pub const CSS: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/style.css\"));\n",
    );
    std::fs::write(out.join("assets.rs"), assets)?;
    Ok(())
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(bytes).expect("writing to a Vec cannot fail");
    }
    out
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let hash = blake3::hash(bytes);
    let hex: String = hash.as_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{stem}-{hex}.{ext}")
}

/// `<target>/app-wasm`, found from OUT_DIR (`<target>/<profile>/build/<pkg>/out`).
fn app_target_dir(out: &Path) -> PathBuf {
    out.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(|target| target.join("app-wasm"))
        .unwrap_or_else(|| out.join("app-wasm"))
}

/// Makes sure the toolchain can build for `wasm32-unknown-unknown`.
///
/// `rust-toolchain.toml` lists the target, but rustup adds a toolchain file's
/// targets only when it installs the toolchain itself: where the pinned
/// version is already there (a machine's stable toolchain under that name,
/// say) the target can be missing, and `cargo run` on a fresh clone would
/// stop here. So add it the way the toolchain file asks for, once, and say so.
fn ensure_wasm_target(root: &Path) -> Result<()> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if libdir.is_some_and(|dir| dir.is_dir()) {
        return Ok(());
    }
    println!("cargo:warning=the {TARGET} target is missing; adding it with rustup (rust-toolchain.toml lists it)");
    let added = Command::new("rustup")
        .current_dir(root)
        .args(["target", "add", TARGET])
        .status();
    match added {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!(
            "`rustup target add {TARGET}` failed ({status}); the viewer app needs that target"
        ),
        Err(e) => bail!(
            "the {TARGET} target is not installed and rustup could not be run to add it ({e}); \
             install the target for this Rust toolchain"
        ),
    }
}

fn compile_app(root: &Path, target_dir: &Path) -> Result<PathBuf> {
    ensure_wasm_target(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "-p", "broadsheet-app", "--lib", "--profile", "app"])
        .args(["--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(target_dir);
    if std::env::var_os("CARGO_NET_OFFLINE").is_some() {
        cmd.arg("--offline");
    }
    // The outer build's settings describe the native CLI, not the app.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let outer = key.starts_with("CARGO_")
            && !matches!(
                key.as_str(),
                "CARGO_HOME" | "CARGO_NET_OFFLINE" | "CARGO_MAKEFLAGS"
            );
        if outer
            || matches!(
                key.as_str(),
                "RUSTFLAGS" | "RUSTC_WORKSPACE_WRAPPER" | "RUSTDOCFLAGS"
            )
        {
            cmd.env_remove(&key);
        }
    }
    let status = cmd.status().context("running cargo to build the app")?;
    if !status.success() {
        bail!(
            "building the viewer app for wasm32-unknown-unknown failed (is the target installed? \
             `rustup target add wasm32-unknown-unknown`; rust-toolchain.toml requests it)"
        );
    }
    Ok(target_dir.join("wasm32-unknown-unknown/app/broadsheet_app.wasm"))
}
