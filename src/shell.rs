//! The files around the bundle that are written anew for every build: the
//! page (`index.html`), the service worker (`sw.js`), `embed.js`, the web app
//! manifest and icons, and the one-file page of `--single-file`.
//!
//! They are rendered here rather than in build.rs because they depend on the
//! build: the site's base URL and the names of its data files.

use crate::assets::{APP_CSS, APP_FILES, APP_JS, APP_WASM, BARE_JS, CSS, WASM};
use anyhow::{bail, Context, Result};
use base64::Engine as _;
use broadsheet_core::bundle::{DocMeta, Manifest, MANIFEST_FILE};
use broadsheet_core::index::Bundle;
use sha2::Digest;
use std::collections::HashMap;

/// The page. Its viewer's place holds a "Loading…" line until the app
/// replaces it (Yew empties the element it mounts in), so that a reader on
/// a slow connection sees the page is at work while its wasm arrives, and
/// one whose viewer cannot start sees why (`failed.js`) instead of a blank
/// page.
const INDEX_HTML: &str = include_str!("../index.html");
/// The line the page shows until its viewer is up (see [`INDEX_HTML`]).
const LOADING: &str = r#"<p class="status" aria-busy="true">Loading…</p>"#;
const SW_JS: &str = include_str!("../crates/app/web/sw.js");
const EMBED_JS: &str = include_str!("../crates/app/web/embed.js");
/// What a page shows if its viewer cannot start (also in the app module,
/// by build.rs).
const FAILED_JS: &str = include_str!("../crates/app/web/failed.js");
const ICON_32: &[u8] = include_bytes!("../crates/app/web/icon-32.png");
const ICON_192: &[u8] = include_bytes!("../crates/app/web/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../crates/app/web/icon-512.png");

/// Folder of the data bundle inside the site.
pub const DATA_DIR: &str = "data";

/// The URL path a site is served under: `/` or `/news/` (or, by default,
/// nothing: every URL relative to the page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks a `--base-url`: a path starting with `/`, of characters that
    /// need no escaping in HTML, JavaScript or URLs. A missing final `/` is
    /// added.
    pub fn parse(s: &str) -> Result<BaseUrl> {
        let ok = s.starts_with('/')
            && !s.starts_with("//")
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~' | b'%')
            })
            && !s.split('/').any(|seg| seg == "..");
        if !ok {
            bail!(
                "--base-url `{s}` is not a path like `/news/`: it must start with `/` and use \
                 only letters, digits and `/-_.~%`"
            );
        }
        let mut s = s.to_string();
        if !s.ends_with('/') {
            s.push('/');
        }
        Ok(BaseUrl(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The site's own address: its path, or `./` where every URL is
    /// relative (a bare `""` would name the page that holds the link, the
    /// feed or the web app manifest, not the site).
    pub fn home(&self) -> String {
        if self.0.is_empty() {
            "./".to_string()
        } else {
            self.0.clone()
        }
    }
}

/// One file of the site: path relative to the site folder, content.
pub struct SiteFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What the site's other files need to know of its bundle.
pub struct DataFiles<'a> {
    pub manifest: &'a Manifest,
    /// The encoded manifest.
    pub manifest_bytes: &'a [u8],
    /// Length of every data file, by name.
    pub sizes: &'a HashMap<String, u64>,
    /// The newest articles' listing data, newest first, for the feed.
    pub newest: &'a [DocMeta],
}

/// Every file of the site but the bundle's: the app, the page, the service
/// worker, `embed.js`, the web app manifest and icons, and the list of
/// files the service worker saves for offline reading. The service worker
/// precaches the whole search index (the index files: term and slug
/// shards, meta chunks, record tables) when it is at most `precache_index`
/// bytes; above that, only the first listing screen's meta chunk and a
/// small bundle's record tables, and the rest is cached as read or by
/// "save for offline".
pub fn site_files(base: &BaseUrl, data_files: &DataFiles, precache_index: u64) -> Vec<SiteFile> {
    let generator = &data_files.manifest.generator;
    let mut files: Vec<SiteFile> = APP_FILES
        .iter()
        .map(|(name, bytes)| SiteFile {
            path: name.to_string(),
            bytes: bytes.to_vec(),
        })
        .collect();
    let data = |name: &str| format!("{DATA_DIR}/{name}");
    let fixed = [
        ("icon-32.png", ICON_32.to_vec()),
        ("icon-192.png", ICON_192.to_vec()),
        ("icon-512.png", ICON_512.to_vec()),
        (
            "manifest.webmanifest",
            web_manifest(base, &data_files.manifest.name).into_bytes(),
        ),
        ("embed.js", embed_js().into_bytes()),
        (
            crate::feed::FEED,
            crate::feed::atom(
                base,
                &data_files.manifest.name,
                generator,
                data_files.newest,
            )
            .into_bytes(),
        ),
    ];
    let index = index_html(base, generator, &data_files.manifest.name);
    let file_len = |name: &str| data_files.sizes.get(name).copied().unwrap_or(0);

    // What "save everything" downloads: every file a reader may need.
    let mut listed: Vec<(String, u64)> = [APP_JS, APP_WASM, APP_CSS]
        .iter()
        .map(|n| (n.to_string(), app_len(n)))
        .collect();
    listed.extend(
        fixed[..4]
            .iter()
            .map(|(n, b)| (n.to_string(), b.len() as u64)),
    );
    listed.push((data(MANIFEST_FILE), file_len(MANIFEST_FILE)));
    listed.extend(data_files.manifest.files().map(|f| (data(f), file_len(f))));
    let list: String = listed
        .iter()
        .map(|(path, len)| format!("{len} {path}\n"))
        .collect();
    let list_name = data(&hashed_name("files", "txt", list.as_bytes()));

    // Installing the worker caches the shell, and the index if it is small.
    let mut precache: Vec<String> = vec!["./".into()];
    precache.extend([APP_JS, APP_WASM, APP_CSS].map(String::from));
    precache.extend(fixed[..4].iter().map(|(n, _)| n.to_string()));
    precache.push(data(MANIFEST_FILE));
    precache.push(list_name.clone());
    // The index's pieces live in a few index files: whole if they are
    // small (the worker answers ranges out of a whole file), else the
    // first listing screen's meta chunk alone, by range.
    let m = data_files.manifest;
    let index_bytes: u64 = m.index_files.iter().map(|f| file_len(f)).sum();
    let mut precache_ranges: Vec<(String, u64, u64)> = Vec::new();
    if index_bytes <= precache_index {
        precache.extend(m.index_files.iter().map(|f| data(f)));
    } else if let Some(first) = m.meta_chunks.first() {
        if let Some(file) = m.index_file(*first) {
            let r = first.range();
            precache_ranges.push((data(file), r.start, r.end - 1));
        }
    }
    // A small bundle's record tables, which the viewer loads with its
    // first query (see `Manifest::prefetched_tables`), as the ranges it
    // asks for them by (`batches` of `Engine::prefetch`, as the viewer
    // fetches them): offline, its articles are then one range away, as
    // they are online, and a record kept as it was read can be found
    // again.
    if index_bytes > precache_index {
        let engine = broadsheet_core::search::Engine::open(data_files.manifest_bytes)
            .expect("a manifest this build wrote opens");
        for batch in broadsheet_core::search::batches(&engine.prefetch()) {
            if let Some((start, end)) = batch.range {
                precache_ranges.push((data(&batch.file), start, end - 1));
            }
        }
    }

    let build = {
        let mut h = blake3::Hasher::new();
        h.update(list.as_bytes());
        h.update(index.as_bytes());
        h.update(data_files.manifest_bytes);
        hex(&h.finalize().as_bytes()[..8])
    };
    let total: u64 = listed.iter().map(|(_, len)| len).sum();
    let sw = SW_JS
        .replace("{{BUILD}}", &build)
        .replace(
            "{{PRECACHE}}",
            &serde_json::to_string(&precache).expect("strings serialise"),
        )
        .replace(
            "{{PRECACHE_RANGES}}",
            &serde_json::to_string(&precache_ranges).expect("ranges serialise"),
        )
        .replace("{{FILE_LIST}}", &list_name)
        .replace("{{TOTAL_BYTES}}", &total.to_string())
        .replace("{{TOTAL_FILES}}", &listed.len().to_string());

    files.extend(fixed.into_iter().map(|(path, bytes)| SiteFile {
        path: path.to_string(),
        bytes,
    }));
    files.push(SiteFile {
        path: "index.html".into(),
        bytes: index.into_bytes(),
    });
    files.push(SiteFile {
        path: "sw.js".into(),
        bytes: sw.into_bytes(),
    });
    files.push(SiteFile {
        path: list_name,
        bytes: list.into_bytes(),
    });
    files
}

fn app_len(name: &str) -> u64 {
    APP_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(0, |(_, b)| b.len() as u64)
}

fn index_html(base: &BaseUrl, generator: &str, name: &str) -> String {
    let data = base.url(&format!("{DATA_DIR}/"));
    fill(
        INDEX_HTML,
        &[
            ("GENERATOR", escape(generator)),
            ("TITLE", escape(name)),
            ("FEED", base.url(crate::feed::FEED)),
            ("DATA", data),
            ("SW", base.url("sw.js")),
            ("MANIFEST", base.url("manifest.webmanifest")),
            ("ICON", base.url("icon-32.png")),
            ("ICON_192", base.url("icon-192.png")),
            ("STYLE", base.url(APP_CSS)),
            ("APP_JS", base.url(APP_JS)),
            ("APP_WASM", base.url(APP_WASM)),
            ("LOADING", LOADING.into()),
        ],
    )
}

fn web_manifest(base: &BaseUrl, name: &str) -> String {
    let start = base.home();
    let icon = |src: &str, sizes: &str, kind: &str, purpose: &str| serde_json::json!({"src": base.url(src), "sizes": sizes, "type": kind, "purpose": purpose});
    serde_json::to_string_pretty(&serde_json::json!({
        "name": name,
        "short_name": name,
        "description": "News articles to search and read, online and offline",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "background_color": "#fdfcf9",
        "theme_color": "#a3281b",
        "icons": [
            icon("icon-192.png", "192x192", "image/png", "any"),
            icon("icon-512.png", "512x512", "image/png", "any maskable"),
        ],
    }))
    .expect("JSON values serialise")
}

fn embed_js() -> String {
    fill(
        EMBED_JS,
        &[("APP_JS", APP_JS.into()), ("APP_CSS", APP_CSS.into())],
    )
}

/// One self-contained page: the app, its style and every bundle file
/// inline, for opening from disk (`file://`), e-mailing or archiving. The
/// data travel as base64 in inert `<script type="application/octet-stream">`
/// elements that the app reads through `data:` URLs; the only scripts that
/// run are allowed by hash in the page's Content-Security-Policy.
pub fn single_file(bundle: &Bundle) -> Result<String> {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let sha = |text: &str| format!("'sha256-{}'", b64(&sha2::Sha256::digest(text.as_bytes())));
    let script = format!(
        "{BARE_JS}\nexport const ready = __wbg_init({{ module_or_path: \
         fetch('data:application/wasm;base64,' + \
         document.getElementById('bs:app.wasm').textContent.trim()) }});\n{FAILED_JS}"
    );
    for (what, text, tag) in [
        ("app module", &script, "</script"),
        ("style", &CSS.to_string(), "</style"),
    ] {
        if text.to_ascii_lowercase().contains(tag) {
            bail!("the {what} contains `{tag}`, which cannot be inlined into a page");
        }
    }
    let csp = format!(
        "default-src 'none'; script-src {} 'wasm-unsafe-eval'; style-src {}; img-src data:; \
         connect-src data:; base-uri 'none'; form-action 'none'",
        sha(&script),
        sha(CSS)
    );
    let mut page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"{}\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"broadsheet-data\" content=\"{DATA_DIR}/\">\n\
         <title>{}</title>\n\
         <link rel=\"icon\" href=\"data:image/png;base64,{}\">\n\
         <style>{CSS}</style>\n</head>\n<body>\n\
         <noscript>Broadsheet needs JavaScript and WebAssembly to search and display the articles.</noscript>\n\
         <div id=\"broadsheet\" class=\"bs-app\">{LOADING}</div>\n",
        escape(&bundle.manifest.generator),
        escape(&bundle.manifest.name),
        b64(ICON_32),
    );
    let mut inline = |id: &str, bytes: &[u8]| {
        page.push_str(&format!("{INLINE_OPEN}{id}\">{}</script>\n", b64(bytes)));
    };
    inline("app.wasm", WASM);
    for f in &bundle.files {
        inline(&format!("{DATA_DIR}/{}", f.name), &f.bytes);
    }
    page.push_str(&format!(
        "<script type=\"module\">{script}</script>\n</body>\n</html>\n"
    ));
    Ok(page)
}

/// How a file inlined in a [`single_file`] page begins, up to its id.
const INLINE_OPEN: &str = "<script type=\"application/octet-stream\" id=\"bs:";

/// The bundle files inlined in a page [`single_file`] wrote, by name
/// (`manifest.bin`, `index-….bin`): what `broadsheet search` reads of it.
/// An error names what is wrong with the page.
pub fn single_file_data(page: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let prefix = format!("{INLINE_OPEN}{DATA_DIR}/");
    let mut files = Vec::new();
    for (at, _) in page.match_indices(&prefix) {
        let rest = &page[at + prefix.len()..];
        let (name, rest) = (rest.split_once("\">"))
            .with_context(|| format!("an inline file at byte {at} has no end to its id"))?;
        let (b64, _) = (rest.split_once("</script>"))
            .with_context(|| format!("inline file {name} has no end"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .with_context(|| format!("inline file {name} is not base64"))?;
        files.push((name.to_string(), bytes));
    }
    Ok(files)
}

/// How much of a file's start [`is_single_file`] looks at: the page's
/// `<head>` names its generator within it.
pub const SINGLE_FILE_HEAD: usize = 4096;

/// Whether `bytes` (a file, or its first [`SINGLE_FILE_HEAD`] bytes) are a
/// page `single_file` wrote, which a rebuild may overwrite and a build
/// never reads as an article. Every input file is asked, so anything but
/// a page is told by its first bytes, without decoding.
pub fn is_single_file(bytes: &[u8]) -> bool {
    const GENERATOR: &[u8] = b"<meta name=\"generator\" content=\"broadsheet ";
    let head = &bytes[..bytes.len().min(SINGLE_FILE_HEAD)];
    head.starts_with(b"<!doctype html>") && head.windows(GENERATOR.len()).any(|w| w == GENERATOR)
}

/// Replaces every `{{KEY}}` in `template`.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    debug_assert!(!out.contains("{{"), "unfilled placeholder in a template");
    out
}

/// Escapes text for an HTML (or XML) attribute or element.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `stem-<16 hex digits of BLAKE3>.ext`, as the bundle's own files.
fn hashed_name(stem: &str, ext: &str, bytes: &[u8]) -> String {
    format!("{stem}-{}.{ext}", hex(&blake3::hash(bytes).as_bytes()[..8]))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(BaseUrl::parse("/news").unwrap().as_str(), "/news/");
        assert_eq!(BaseUrl::parse("/").unwrap().as_str(), "/");
        assert_eq!(BaseUrl::parse("/a/b_c-1/").unwrap().as_str(), "/a/b_c-1/");
        for bad in [
            "news/",
            "//evil.example/",
            "/a\"b/",
            "/a b/",
            "/../x/",
            "https://x/",
            "",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn templates_have_no_unknown_placeholders() {
        let index = index_html(&BaseUrl::parse("/news/").unwrap(), "broadsheet 0", "News");
        assert!(!index.contains("{{"), "{index}");
        assert!(index.contains("href=\"/news/manifest.webmanifest\""));
        assert!(index.contains("content=\"/news/data/\""));
        assert!(!embed_js().contains("{{"));
        let relative = index_html(&BaseUrl::default(), "broadsheet 0", "News");
        assert!(relative.contains("content=\"data/\""));
        assert!(relative.contains(&format!("src=\"{APP_JS}\"")));
    }
}
