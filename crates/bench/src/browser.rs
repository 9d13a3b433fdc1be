//! `bench browser`: Broadsheet and Pagefind side by side in headless
//! Chromium (Debian's `chromium` and `chromedriver`; nothing downloaded).
//!
//! Both sites are served on loopback, each the way its tool intends
//! (Broadsheet's precompressed brotli files; Pagefind's own files, with
//! on-the-fly compression for its JS). Every cold run uses a fresh browser
//! profile. Times come from the pages themselves: Broadsheet marks
//! `broadsheet:results` when a result list is in the document; the Pagefind
//! page below marks `pagefind:results` after rendering its results. Bytes and
//! requests are counted by the server (response bodies as sent, compressed),
//! so that fetches from workers count too: those of the requests that
//! reached it before the results mark (the browser's and the server's clocks
//! are the same machine's), so that what a page fetches once its results
//! are on screen (facet counts, a service worker's precache) is not counted
//! as what the first results cost.

use anyhow::{bail, Result};
use broadsheet_bench::chromium::session_with;
use fantoccini::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Cold runs per tool, of which each figure is the median; `BENCH_RUNS`
/// sets another number (more, to tell two versions of a page apart on a
/// machine whose timings vary by a fifth from run to run).
fn cold_runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3)
}

/// Whether `bench browser` serves both sites over HTTP/2 (`BENCH_HTTP2=1`):
/// TLS with a certificate made for the run, which the browser is told to
/// accept. CDNs and most static hosts answer in HTTP/2, where a page's
/// requests share one connection instead of queueing for HTTP/1.1's six.
pub fn http2() -> bool {
    std::env::var("BENCH_HTTP2").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// What `bench browser` and `bench scale` print with their tables when
/// they served over HTTP/2.
pub const HTTP2_NOTE: &str = "Served over TLS and HTTP/2 (`BENCH_HTTP2`).";

/// The round trip `bench browser` adds to every request: `BENCH_RTT`
/// milliseconds (0 unless set; see [`measure`]).
pub fn round_trip() -> Duration {
    let ms = std::env::var("BENCH_RTT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_millis(ms)
}

/// A search page for Pagefind's JS API: no UI library, results rendered as
/// plain list items, like Broadsheet's list.
const PAGEFIND_PAGE: &str = r#"<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Pagefind</title></head>
<body><input id="q" type="search"><ol id="results"></ol>
<script type="module">
const pagefind = await import("/pagefind/pagefind.js");
await pagefind.options({});
async function run(q) {
  const search = await pagefind.search(q);
  const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
  const items = data.map((d) => {
    const li = document.createElement("li");
    li.className = "result";
    li.textContent = d.meta.title;
    return li;
  });
  document.getElementById("results").replaceChildren(...items);
  performance.mark("pagefind:results");
}
window.benchSearch = run;
const q = new URLSearchParams(location.search).get("q");
if (q) await run(q);
</script></body></html>
"#;

/// One tool's figures.
#[derive(Debug, Clone)]
pub struct Figures {
    pub cold_ms: f64,
    pub bytes: f64,
    pub requests: f64,
    /// A query with new words: its files are fetched.
    pub next_ms: f64,
    /// A new query of words both queries had (see [`warm_query`]): its
    /// files are loaded, but it was never answered.
    pub warm_ms: f64,
    /// The first query again: everything it needs is loaded, and it was
    /// answered before.
    pub repeat_ms: f64,
    /// The longest the main thread was blocked during the next query.
    pub blocked_ms: f64,
    /// The longest task on the page's thread during the cold load, up to
    /// its first results: the browser reports tasks of 50 ms and more
    /// (Long Tasks); 0 if there were none.
    pub cold_task_ms: f64,
}

/// The longest task before `mark` (see [`Figures::cold_task_ms`]): the
/// browser's buffered `longtask` entries, or none within 200 ms. Not Long
/// Animation Frames: a frame that waits for a render-blocking style sheet
/// is long without a task holding the thread (53–64 ms at the start of a
/// cold load at 40 ms a round trip, none of it blocking).
const COLD_TASK: &str = "const [mark, done] = arguments; \
    const at = performance.getEntriesByName(mark)[0].startTime; \
    new PerformanceObserver((list, obs) => { obs.disconnect(); \
      const tasks = list.getEntries().filter((t) => t.startTime < at); \
      done(Math.max(0, ...tasks.map((t) => t.duration))); }) \
      .observe({type: 'longtask', buffered: true}); \
    setTimeout(() => done(0), 200);";

/// What a server sent: per request, when it arrived (milliseconds since
/// the Unix epoch) and its body's bytes so far.
#[derive(Default)]
struct Counter {
    log: Mutex<Vec<(f64, Arc<AtomicU64>)>>,
}

fn epoch_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

impl Counter {
    /// Bytes and requests of the requests that arrived by `until` (epoch
    /// milliseconds); forgets everything logged so far.
    fn take(&self, until: f64) -> (f64, f64) {
        let log = std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()));
        let before: Vec<_> = log.iter().filter(|(at, _)| *at <= until).collect();
        let bytes: u64 = before.iter().map(|(_, b)| b.load(Ordering::SeqCst)).sum();
        (bytes as f64, before.len() as f64)
    }
}

/// Serves `root` on loopback, over TLS (HTTP/2 where the browser offers
/// it) when given `tls`, else over plain HTTP/1.1; returns its URL.
async fn serve(
    root: PathBuf,
    precompressed: bool,
    counter: Arc<Counter>,
    rtt: Duration,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<String> {
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let files = tower_http::services::ServeDir::new(root);
    let app = if precompressed {
        axum::Router::new().fallback_service(files.precompressed_br().precompressed_gzip())
    } else {
        axum::Router::new().fallback_service(files)
    }
    .layer(tower_http::compression::CompressionLayer::new())
    // Outermost: counts bodies as they leave, compressed.
    .layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let counter = counter.clone();
            async move {
                let sent = Arc::new(AtomicU64::new(0));
                let arrived = epoch_ms();
                counter
                    .log
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((arrived, sent.clone()));
                let path = req.uri().path().to_string();
                let range = req.headers().get("range").cloned();
                if !rtt.is_zero() {
                    tokio::time::sleep(rtt).await;
                }
                let (parts, body) = next.run(req).await.into_parts();
                if std::env::var_os("BENCH_LOG").is_some() {
                    // Where the bytes go: one line per response, with when
                    // its request arrived (epoch seconds, for lining up
                    // requests), what part of the file it asked for, and
                    // the milliseconds the server took to answer, the added
                    // round trip included (so that a wait between requests
                    // shows whose it is).
                    let len = parts.headers.get("content-length");
                    let len = len.and_then(|v| v.to_str().ok()).unwrap_or("?");
                    let range = range.as_ref().and_then(|r| r.to_str().ok()).unwrap_or("");
                    let took = epoch_ms() - arrived;
                    eprintln!("{len:>9} {path} {:.3} {range} +{took:.1}", arrived / 1000.0);
                }
                let body = body.map_frame(move |frame| {
                    if let Some(data) = frame.data_ref() {
                        sent.fetch_add(data.len() as u64, Ordering::SeqCst);
                    }
                    frame
                });
                axum::response::Response::from_parts(parts, axum::body::Body::new(body))
            }
        },
    ));
    if let Some(tls) = tls {
        tokio::spawn(serve_tls(listener, tls, app));
        return Ok(format!("https://{addr}/"));
    }
    // As static hosts and CDNs do (nginx's `tcp_nodelay on`): without it a
    // response written in two parts waits for the browser's delayed ACK,
    // 40 ms on Linux, which would time the TCP stack, not the engines.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}/"))
}

/// A TLS acceptor with a self-signed certificate for 127.0.0.1, made for
/// this run, offering HTTP/2 first (ALPN) and HTTP/1.1 after it; and the
/// certificate, for a client that should trust it.
fn tls_acceptor() -> Result<(
    tokio_rustls::TlsAcceptor,
    tokio_rustls::rustls::pki_types::CertificateDer<'static>,
)> {
    use tokio_rustls::rustls::{self, pki_types};
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])?;
    let key = pki_types::PrivatePkcs8KeyDer::from(signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key.into())?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        cert.der().clone(),
    ))
}

/// Serves `app` on `listener` over TLS, each connection in the protocol
/// the browser and the server agreed on (HTTP/2 where it offers it).
async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: tokio_rustls::TlsAcceptor,
    app: axum::Router,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let service = hyper_util::service::TowerToHyperService::new(app);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Out of file descriptors, say: not a busy loop meanwhile.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        // As for HTTP/1.1 above: no response waits for a delayed ACK.
        let _ = tcp.set_nodelay(true);
        let (tls, service) = (tls.clone(), service.clone());
        tokio::spawn(async move {
            // A handshake the browser gave up on is its business.
            let Ok(stream) = tls.accept(tcp).await else {
                return;
            };
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Waits for `mark` and returns its time: since navigation, and since the
/// Unix epoch.
async fn mark_time(client: &Client, mark: &str) -> Result<(f64, f64)> {
    let started = Instant::now();
    loop {
        let v = client
            .execute(
                "const m = performance.getEntriesByName(arguments[0]); \
                 return m.length ? [m[0].startTime, performance.timeOrigin + m[0].startTime] : null;",
                vec![json!(mark)],
            )
            .await?;
        if let Value::Array(v) = v {
            let at = |i: usize| v.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
            return Ok((at(0), at(1)));
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("no `{mark}` within a minute");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts a 0 ms timer loop on the page's main thread: the longest gap
/// between its ticks is the longest the page could not answer input (timers
/// tick about every 4 ms on an idle page). `finish(ms)` stops it and
/// returns `[ms, longest gap]` to WebDriver.
const TICKER: &str = "const [q, done] = arguments; \
    let last = performance.now(), gap = 0, on = true; \
    (function tick() { const now = performance.now(); gap = Math.max(gap, now - last); \
      last = now; if (on) setTimeout(tick, 0); })(); \
    const finish = (ms) => { on = false; done([ms, gap]); };";

/// Types `q` into Broadsheet's search box; time to its result list.
const BROADSHEET_QUERY: &str = "const before = performance.getEntriesByName('broadsheet:results').length; \
    const input = document.querySelector('input[type=search]'); \
    const t0 = performance.now(); \
    input.value = q; input.dispatchEvent(new InputEvent('input', {bubbles: true})); \
    (function wait() { const m = performance.getEntriesByName('broadsheet:results'); \
      if (m.length > before) finish(m[m.length - 1].startTime - t0); else setTimeout(wait, 1); })();";

/// Asks Pagefind's API page for `q`; time to its rendered results.
const PAGEFIND_QUERY: &str = "const t0 = performance.now(); \
    window.benchSearch(q).then(() => finish(performance.now() - t0));";

/// The warm query: the first word of `next` and the last of `first`, each
/// where it was typed before (the last word of a query is matched as a
/// prefix, the others as words), in an order neither query had: every file
/// it needs came with the first two queries, but it was never answered.
pub fn warm_query(first: &str, next: &str) -> String {
    let head = next.split_whitespace().next().unwrap_or(next);
    let last = first.split_whitespace().last().unwrap_or(first);
    format!("{head} {last}")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn tool(
    url: &str,
    mark: &str,
    query_script: &str,
    (first, next): (&str, &str),
    counter: &Counter,
) -> Result<Figures> {
    let script = format!("{TICKER} {query_script}");
    // Served over TLS only for HTTP/2 (see `serve`).
    let http2 = url.starts_with("https://");
    let mut runs = Vec::new();
    for run in 0..cold_runs() {
        let profile = std::env::temp_dir().join(format!(
            "broadsheet-bench-{}-{mark}-{run}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        let (client, _driver) = session_with(&profile, http2).await?;
        counter.take(f64::INFINITY);
        client.goto(url).await?;
        let (cold, at) = mark_time(&client, mark).await?;
        if http2 {
            // The figures are HTTP/2's only if the browser spoke it.
            let protocol = client
                .execute(
                    "return performance.getEntriesByType('navigation')[0].nextHopProtocol;",
                    vec![],
                )
                .await?;
            if protocol.as_str() != Some("h2") {
                bail!("BENCH_HTTP2 is set, but the page came over {protocol}, not HTTP/2");
            }
        }
        let (bytes, requests) = counter.take(at);
        let task = client.execute_async(COLD_TASK, vec![json!(mark)]).await?;
        let task = task.as_f64().unwrap_or(f64::NAN);
        if std::env::var_os("BENCH_LOG").is_some() {
            // Where the time goes: the page's own timeline (its fetches,
            // not a worker's), milliseconds since navigation.
            let entries = client
                .execute(
                    "return performance.getEntries().map((e) => \
                       [e.entryType, e.name, e.startTime, e.responseEnd || e.duration]);",
                    vec![],
                )
                .await?;
            for e in entries.as_array().into_iter().flatten() {
                let e = e.as_array().map(Vec::as_slice).unwrap_or_default();
                let at = |i: usize| e.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
                let name = e.get(1).and_then(Value::as_str).unwrap_or("");
                let kind = e.first().and_then(Value::as_str).unwrap_or("");
                eprintln!("{:>8.1} {:>8.1} {kind:<9} {name}", at(2), at(3));
            }
        }
        let timed = |v: Value| -> (f64, f64) {
            let v: Vec<f64> = serde_json::from_value(v).unwrap_or_default();
            (
                v.first().copied().unwrap_or(f64::NAN),
                v.get(1).copied().unwrap_or(f64::NAN),
            )
        };
        let (next_ms, blocked) = timed(client.execute_async(&script, vec![json!(next)]).await?);
        let warm = warm_query(first, next);
        let (warm_ms, _) = timed(client.execute_async(&script, vec![json!(warm)]).await?);
        let (repeat_ms, _) = timed(client.execute_async(&script, vec![json!(first)]).await?);
        runs.push([
            cold, bytes, requests, next_ms, repeat_ms, blocked, warm_ms, task,
        ]);
        let _ = client.close().await;
        let _ = std::fs::remove_dir_all(&profile);
    }
    let m = |i: usize| median(runs.iter().map(|r| r[i]).collect());
    Ok(Figures {
        cold_ms: m(0),
        bytes: m(1),
        requests: m(2),
        next_ms: m(3),
        repeat_ms: m(4),
        warm_ms: m(6),
        blocked_ms: m(5),
        cold_task_ms: m(7),
    })
}

/// Measures Broadsheet's site and, when given, Pagefind's on the same
/// corpus: each served on loopback, `query` cold, then `next`, then the
/// [`warm_query`], then `query` again.
///
/// The server waits `rtt` before it answers each request (its way there
/// and the response's way back, in one), on each of HTTP/1.1's connections
/// at once, so requests in flight together wait for it together. Loopback
/// has no round trip, and a page that waits for one answer before it asks
/// for the next is timed there as if waiting were free; a host across a
/// network costs tens of milliseconds a round trip.
pub fn measure(
    broadsheet_site: &Path,
    pagefind_site: Option<&Path>,
    query: &str,
    next: &str,
    rtt: Duration,
) -> Result<(Figures, Option<Figures>)> {
    if let Some(site) = pagefind_site {
        if !site.join("pagefind/pagefind.js").is_file() {
            bail!(
                "`{}` has no pagefind/pagefind.js: run pagefind --site on it first",
                site.display()
            );
        }
        std::fs::write(site.join("bench.html"), PAGEFIND_PAGE)?;
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let q = query.replace(' ', "%20");
        let count = Arc::new(Counter::default());
        // One certificate for both sites, made for this run.
        let tls = if http2() {
            Some(tls_acceptor()?.0)
        } else {
            None
        };
        let url = serve(
            broadsheet_site.to_path_buf(),
            true,
            count.clone(),
            rtt,
            tls.clone(),
        )
        .await?;
        let b = tool(
            &format!("{url}#/?q={q}"),
            "broadsheet:results",
            BROADSHEET_QUERY,
            (query, next),
            &count,
        )
        .await?;
        let p = match pagefind_site {
            Some(site) => {
                let count = Arc::new(Counter::default());
                let url = serve(site.to_path_buf(), false, count.clone(), rtt, tls).await?;
                let page = format!("{url}bench.html?q={q}");
                Some(
                    tool(
                        &page,
                        "pagefind:results",
                        PAGEFIND_QUERY,
                        (query, next),
                        &count,
                    )
                    .await?,
                )
            }
            None => None,
        };
        Ok((b, p))
    })
}

/// The Markdown table of one corpus: a row per tool and the ratios.
pub fn table(b: &Figures, p: Option<&Figures>) -> String {
    let mut out = String::from(
        "| tool | cold: first results on screen | bytes (compressed) | requests \
         | next query | warm new query | repeated query | main thread blocked \
         | cold: longest task |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    // Browsers report no shorter task (Long Tasks).
    const REPORTED_MS: f64 = 50.0;
    let task = |ms: f64| match ms >= REPORTED_MS {
        true => format!("{ms:.0} ms"),
        false => format!("< {REPORTED_MS} ms"),
    };
    let row = |name: &str, f: &Figures| {
        format!(
            "| {name} | {:.0} ms | {:.0} KB | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} ms | {} |\n",
            f.cold_ms,
            f.bytes / 1024.0,
            f.requests,
            f.next_ms,
            f.warm_ms,
            f.repeat_ms,
            f.blocked_ms,
            task(f.cold_task_ms)
        )
    };
    out.push_str(&row("Broadsheet", b));
    if let Some(p) = p {
        out.push_str(&row("Pagefind 1.6", p));
        let tasks = match b.cold_task_ms.min(p.cold_task_ms) >= REPORTED_MS {
            true => format!("{:.2}×", b.cold_task_ms / p.cold_task_ms),
            false => "–".to_string(),
        };
        out.push_str(&format!(
            "| ratio | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {tasks} |\n",
            b.cold_ms / p.cold_ms,
            b.bytes / p.bytes,
            b.requests / p.requests,
            b.next_ms / p.next_ms,
            b.warm_ms / p.warm_ms,
            b.repeat_ms / p.repeat_ms,
            b.blocked_ms / p.blocked_ms
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{serve, tls_acceptor, Counter};
    use axum::body::Bytes;
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio_rustls::rustls::{self, pki_types::ServerName, RootCertStore};

    /// `BENCH_HTTP2`'s server speaks HTTP/2 over TLS to a client that
    /// offers it, answers byte ranges (each article of a pack is one) and
    /// precompressed files as over HTTP/1.1, and counts what it sent.
    #[tokio::test]
    async fn serves_ranges_over_http2() -> anyhow::Result<()> {
        let root = std::env::temp_dir().join(format!("broadsheet-h2-test-{}", std::process::id()));
        std::fs::create_dir_all(&root)?;
        std::fs::write(root.join("pack.bin"), b"0123456789")?;
        let result = range_over_http2(root.clone()).await;
        std::fs::remove_dir_all(&root)?;
        result
    }

    async fn range_over_http2(root: std::path::PathBuf) -> anyhow::Result<()> {
        let (acceptor, cert) = tls_acceptor()?;
        let counter = Arc::new(Counter::default());
        let url = serve(root, true, counter.clone(), Duration::ZERO, Some(acceptor)).await?;
        let addr = url.trim_start_matches("https://").trim_end_matches('/');
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");

        let mut roots = RootCertStore::empty();
        roots.add(cert)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("127.0.0.1")?.to_owned(), tcp)
            .await?;
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
        tokio::spawn(conn);
        let request = hyper::Request::get(format!("{url}pack.bin"))
            .header("range", "bytes=2-5")
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        assert_eq!(response.version(), hyper::Version::HTTP_2);
        assert_eq!(response.status(), 206);
        let body = response.into_body().collect().await?.to_bytes();
        assert_eq!(&body[..], b"2345");
        assert_eq!(counter.take(f64::INFINITY), (4.0, 1.0));
        Ok(())
    }
}
