//! `broadsheet serve`: build, then serve the site on loopback.

use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Redirect, Response};
use axum::Router;
use std::io::Write;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

pub fn serve(args: &ServeArgs) -> Result<()> {
    if args.build.single_file.is_some() {
        anyhow::bail!(
            "`serve` serves a site folder; open a --single-file page in a browser instead"
        );
    }
    // The port first: a port in use is known at once, not after a build
    // (of a minute, at a hundred thousand articles) that would be for
    // nothing. Connections wait in its backlog while the site builds.
    let listener = std::net::TcpListener::bind(("127.0.0.1", args.port)).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => "; `--port 0` picks a free one",
            _ => "",
        };
        anyhow::anyhow!("binding 127.0.0.1:{}: {e}{hint}; nothing built", args.port)
    })?;
    listener.set_nonblocking(true)?;
    let built = crate::site::build(&args.build)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        // Small files are the whole point of the bundle: without
        // TCP_NODELAY a response written in two parts (headers, body) waits
        // for the browser's delayed ACK, 40 ms on Linux, per request.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                eprintln!("warning: could not set TCP_NODELAY: {e}");
            }
        });
        // Precompressed siblings first; anything else is compressed on the
        // fly (the layer leaves already-encoded responses alone).
        let files = ServeDir::new(&built.out)
            .precompressed_br()
            .precompressed_gzip();
        // Under --base-url the site is served at that path, as its host will.
        let base = built.base.as_str();
        let router = match base.trim_end_matches('/') {
            "" => Router::new().fallback_service(files),
            prefix => Router::new()
                .nest_service(prefix, files)
                .route("/", axum::routing::get(Redirect::temporary(base))),
        };
        let app = router
            .layer(axum::middleware::from_fn(cache_headers))
            .layer(CompressionLayer::new());
        let path = if base.is_empty() { "/" } else { base };
        println!(
            "Serving {} articles at http://{addr}{path} (Ctrl-C to stop)",
            built.articles
        );
        std::io::stdout().flush()?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving the site")
    })
}

/// Content-hashed files never change: cache them forever. The entry points
/// (`index.html`, `manifest.bin`, `sw.js`, `embed.js`) must be revalidated
/// on every visit. Everything may be embedded from other origins
/// (`<broadsheet-viewer>` loads the app and data with CORS).
async fn cache_headers(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut resp = next.run(req).await;
    let value = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = resp.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(value),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    resp
}

/// `name-<16 hex digits>.ext`
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashed_names() {
        assert!(super::is_hashed("/data/terms-0123456789abcdef.bin"));
        assert!(super::is_hashed("/app-0123456789abcdef.wasm"));
        assert!(!super::is_hashed("/data/manifest.bin"));
        assert!(!super::is_hashed("/index.html"));
        assert!(!super::is_hashed("/"));
    }
}
