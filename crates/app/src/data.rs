//! Fetching bundle files for the core engine.
//!
//! The engine answers "missing" (whole files, or byte ranges of body packs)
//! instead of doing I/O; [`Bundle::run`] fetches them and asks again, which
//! is the asynchronous twin of `Engine::resolve` used by the CLI.

use broadsheet_core::search::{batches, Engine, EngineError, Need, Query};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// An open bundle: the engine and where its files are. The page has one
/// for its first answer (or for all of them where no worker can run), the
/// search worker one for the rest (see [`crate::worker::Source`]).
#[derive(Clone)]
pub struct Bundle {
    pub base: String,
    engine: Rc<RefCell<Engine>>,
    /// What this bundle loaded, kept while `Some` (see
    /// [`Bundle::recording`]).
    recorded: Rc<RefCell<Option<Vec<Piece>>>>,
    /// Whether its first load asked for the engine's prefetch.
    prefetched: Rc<Cell<bool>>,
    /// Whether it began to load the engine's background needs.
    backgrounded: Rc<Cell<bool>>,
}

/// A piece of a bundle as loaded and handed to the engine: the need and its
/// bytes (a pack record inflated).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    pub need: Need,
    /// As bytes, not a sequence of numbers: postcard copies them whole.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

impl PartialEq for Bundle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.engine, &other.engine)
    }
}

/// Attempts per file before a failed fetch is reported.
const FETCH_ATTEMPTS: u32 = 3;

impl Bundle {
    /// Opens the bundle at `base` (`data/`) from its manifest's bytes.
    pub fn from_manifest(base: String, manifest: &[u8]) -> Result<Bundle, String> {
        let engine = Engine::open(manifest).map_err(|e| e.to_string())?;
        Ok(Bundle {
            base,
            engine: Rc::new(RefCell::new(engine)),
            recorded: Rc::default(),
            prefetched: Rc::default(),
            backgrounded: Rc::default(),
        })
    }

    /// Like [`Bundle::from_manifest`], but keeps a copy of every piece it
    /// loads until [`Bundle::take_recorded`]: the page's bundle hands them
    /// to the search worker, which then answers the page's first query
    /// again (or a refinement of it) without fetching or waiting.
    pub fn recording(base: String, manifest: &[u8]) -> Result<Bundle, String> {
        let bundle = Bundle::from_manifest(base, manifest)?;
        *bundle.recorded.borrow_mut() = Some(Vec::new());
        Ok(bundle)
    }

    /// The names its manifest gives its languages (see `Manifest::lang_names`).
    pub fn lang_names(&self) -> Vec<(String, String)> {
        self.engine.borrow().manifest().lang_names.clone()
    }

    /// The site's name, as its manifest gives it.
    pub fn name(&self) -> String {
        self.engine.borrow().manifest().name.clone()
    }

    /// How many articles the bundle holds.
    pub fn doc_count(&self) -> u32 {
        self.engine.borrow().manifest().doc_count
    }

    /// Fetches what `query` asks for first (`Engine::first_needs`), as
    /// stored, without running it or adding it here: for the bundle that
    /// will answer (see [`Bundle::add_fetched`]).
    pub async fn fetch_first(
        &self,
        query: &Query,
        top: Option<usize>,
    ) -> Result<Vec<Piece>, String> {
        let needs = self.engine.borrow().first_needs(query, top);
        if needs.is_empty() {
            return Ok(Vec::new());
        }
        self.fetch_needs(needs).await
    }

    /// What was loaded since [`Bundle::recording`]; recording stops.
    pub fn take_recorded(&self) -> Vec<Piece> {
        self.recorded.borrow_mut().take().unwrap_or_default()
    }

    /// Adds pieces another bundle over the same files loaded.
    pub fn adopt(&self, pieces: Vec<Piece>) -> Result<(), String> {
        let mut engine = self.engine.borrow_mut();
        for Piece { need, bytes } in pieces {
            if !engine.has(&need) {
                engine
                    .add(&need, &bytes)
                    .map_err(|e| format!("{need}: {e}"))?;
            }
        }
        Ok(())
    }

    /// Runs `f` against the engine, fetching what it reports missing until
    /// it answers.
    pub async fn run<T>(&self, f: impl Fn(&Engine) -> Result<T, EngineError>) -> Result<T, String> {
        loop {
            // Bound first: a borrow in the match would last through `load`,
            // which borrows the engine mutably.
            let answer = f(&self.engine.borrow());
            match answer {
                Ok(v) => return Ok(v),
                Err(EngineError::Missing(needs)) => self.load(needs).await?,
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    /// Loads, once, what the engine would have in hand before a reader's
    /// next queries (`Engine::background`: a mid-sized bundle's record
    /// tables, in one range); asked for once a first list is on screen.
    /// Nothing where the reader asked the browser to save data; what fails
    /// is left to the queries that need it.
    pub async fn load_background(&self) {
        if self.backgrounded.replace(true) || save_data() {
            return;
        }
        let tables = self.engine.borrow().background();
        if !tables.is_empty() {
            // All of them, loaded or not: one range.
            if let Ok(fetched) = self.fetch_pieces(tables, 0).await {
                let _ = self.add_fetched(fetched).await;
            }
        }
    }

    /// Fetches and adds what the engine asked for. Not generic, unlike
    /// [`Bundle::run`], so the wasm has it once, not once per caller.
    ///
    /// Each fetch's pieces are inflated as soon as it is in, and added in
    /// turn, not once all are: a page of results waits for its ten
    /// articles, which come in one by one over several milliseconds, and
    /// the first ones' inflating, decoding and words (see
    /// `Engine::prepare_snippet`) then happen while the last are on their
    /// way instead of after them.
    async fn load(&self, missing: Vec<Need>) -> Result<(), String> {
        let (missing, needed) = self.with_prefetch(missing);
        // In the order asked for: every fetch is under way already.
        for fetch in self.fetches(missing, needed, true) {
            self.add_plain(fetch.await?)?;
        }
        Ok(())
    }

    /// Fetches what of `missing` is not loaded yet (with the engine's
    /// prefetch, on a first load), as stored: deflated pieces are not
    /// inflated yet. A prefetch that cannot be had is left out.
    async fn fetch_needs(&self, missing: Vec<Need>) -> Result<Vec<Piece>, String> {
        let (missing, needed) = self.with_prefetch(missing);
        self.fetch_pieces(missing, needed).await
    }

    /// What of `missing` is not loaded yet, and how many of those: then,
    /// on a first load, the engine's prefetch, in the same wave as the first
    /// query's pieces, once: a small bundle's record tables, so that no
    /// query's articles wait for them later. A help, not a need: if they
    /// cannot be had, the query goes on without them (its articles' tables
    /// are read as needed).
    fn with_prefetch(&self, missing: Vec<Need>) -> (Vec<Need>, usize) {
        let mut missing: Vec<Need> = missing
            .into_iter()
            .filter(|n| !self.engine.borrow().has(n))
            .collect();
        let needed = missing.len();
        if !self.prefetched.replace(true) {
            missing.extend(self.engine.borrow().prefetch());
        }
        (missing, needed)
    }

    /// Fetches `missing` as stored: the first `needed` are needs (one that
    /// fails fails them all), the rest prefetches (left out if they fail).
    async fn fetch_pieces(&self, missing: Vec<Need>, needed: usize) -> Result<Vec<Piece>, String> {
        let mut pieces = Vec::with_capacity(missing.len());
        for fetch in self.fetches(missing, needed, false) {
            pieces.extend(fetch.await?);
        }
        Ok(pieces)
    }

    /// The fetches that bring `missing`, each under way at once (before
    /// it is awaited) and, with `inflate`, inflating what it brings as soon
    /// as it is in: each gives the pieces it brings. The first `needed` of
    /// `missing` are needs (a fetch of one that fails
    /// is an error), the rest prefetches (a fetch of prefetches only that
    /// fails brings none).
    fn fetches(&self, missing: Vec<Need>, needed: usize, inflate: bool) -> Vec<Fetch> {
        // All at once: a result page may need a dozen shards and articles,
        // and one round trip each, in turn, would add up to seconds. Ranges
        // of a file that meet are one request (see `batches`), but never a
        // need's and a prefetch's (the record tables follow the last slug
        // shard): a prefetch that fails must not fail a need, and the
        // service worker keeps the tables under their own range.
        let mut batched = batches(&missing[..needed]);
        batched.extend(batches(&missing[needed..]).into_iter().map(|mut b| {
            b.needs.iter_mut().for_each(|i| *i += needed);
            b
        }));
        let missing = Rc::new(missing);
        (batched.into_iter())
            .map(|batch| {
                let url = format!("{}{}", self.base, batch.file);
                let missing = missing.clone();
                under_way(async move {
                    let bytes = match fetch_shared(url, batch.range).await {
                        Ok(bytes) => bytes,
                        // Prefetches that could not be had: left out.
                        Err(_) if batch.needs.iter().all(|&i| i >= needed) => return Ok(Vec::new()),
                        Err(e) => return Err(e),
                    };
                    // Out of the batch's range, or out of the whole file
                    // from a host that ignores ranges.
                    let mut pieces = (batch.needs.iter())
                        .map(|&i| {
                            let need = &missing[i];
                            let cut = batch.cut(need, &bytes).map_err(|e| e.to_string())?;
                            let bytes = cut.to_vec();
                            let need = need.clone();
                            Ok(Piece { need, bytes })
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                    if inflate {
                        inflate_pieces(&mut pieces).await?;
                    }
                    Ok(pieces)
                })
            })
            .collect()
    }

    /// Adds pieces as [`Bundle::fetch_needs`] had them (this bundle's, or
    /// another one's over the same files): inflates the deflated ones, all
    /// at once, not one after the other; skips what is loaded meanwhile.
    pub async fn add_fetched(&self, mut fetched: Vec<Piece>) -> Result<(), String> {
        inflate_pieces(&mut fetched).await?;
        self.add_plain(fetched)
    }

    /// Adds pieces inflated, and works out each article's words for its
    /// snippet as it is added (see [`Bundle::load`]); skips what is loaded
    /// meanwhile. Not [`Bundle::adopt`]'s way: the worker adopting the
    /// page's articles would work out words no query waits for while the
    /// next one waits for the worker.
    fn add_plain(&self, pieces: Vec<Piece>) -> Result<(), String> {
        for Piece { need, bytes } in pieces {
            // What another query loaded meanwhile.
            if self.engine.borrow().has(&need) {
                continue;
            }
            self.engine
                .borrow_mut()
                .add(&need, &bytes)
                .map_err(|e| format!("{need}: {e}"))?;
            self.engine.borrow().prepare_snippet(&need);
            if let Some(recorded) = self.recorded.borrow_mut().as_mut() {
                recorded.push(Piece { need, bytes });
            }
        }
        Ok(())
    }
}

/// A fetch under way (see [`Bundle::fetches`]): the pieces it brings.
type Fetch = futures::future::LocalBoxFuture<'static, Result<Vec<Piece>, String>>;

/// Runs `work` from now on, whether or not (or when) it is awaited: a
/// fetch's request goes out, and its answer is inflated when it comes in,
/// while the caller takes up the fetches before it.
#[cfg(target_arch = "wasm32")]
fn under_way(
    work: impl std::future::Future<Output = Result<Vec<Piece>, String>> + 'static,
) -> Fetch {
    use futures::FutureExt;
    let (done, result) = futures::channel::oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = done.send(work.await);
    });
    async move {
        result
            .await
            .unwrap_or_else(|_| Err("a fetch was dropped".to_string()))
    }
    .boxed_local()
}

#[cfg(not(target_arch = "wasm32"))]
fn under_way(
    work: impl std::future::Future<Output = Result<Vec<Piece>, String>> + 'static,
) -> Fetch {
    use futures::FutureExt;
    work.boxed_local()
}

/// Inflates the deflated ones of `pieces` in place, all at once, not one
/// after the other.
async fn inflate_pieces(pieces: &mut [Piece]) -> Result<(), String> {
    let deflated: Vec<usize> = (0..pieces.len())
        .filter(|&i| pieces[i].need.deflated())
        .collect();
    if deflated.is_empty() {
        return Ok(());
    }
    let raw: Vec<Vec<u8>> = (deflated.iter())
        .map(|&i| std::mem::take(&mut pieces[i].bytes))
        .collect();
    let records = deflated.iter().zip(raw).map(|(&i, r)| (&pieces[i].need, r));
    let inflated = inflate_all(records.collect()).await;
    for (&i, plain) in deflated.iter().zip(inflated) {
        let piece = &mut pieces[i];
        piece.bytes = plain.map_err(|e| format!("{}: {e}", piece.need))?;
    }
    Ok(())
}

/// Whether the reader asked the browser to save data (`Save-Data`,
/// Chromium's `navigator.connection.saveData`; other browsers say nothing).
#[cfg(target_arch = "wasm32")]
pub(crate) fn save_data() -> bool {
    crate::global_path(&["navigator", "connection", "saveData"]).is_some_and(|s| s.is_truthy())
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn save_data() -> bool {
    false
}

/// Fetches a URL's bytes, or a range of them (see [`fetch_range`]). One
/// already on its way (asked for by an earlier keystroke's query) is not
/// fetched again: its request is awaited.
#[cfg(target_arch = "wasm32")]
async fn fetch_shared(url: String, range: Option<(u64, u64)>) -> Result<Vec<u8>, String> {
    use wasm_bindgen::JsValue;
    thread_local! {
        static IN_FLIGHT: RefCell<std::collections::HashMap<String, js_sys::Promise>> =
            RefCell::default();
    }
    let key = match range {
        Some((start, end)) => format!("{url}#{start}-{end}"),
        None => url.clone(),
    };
    let promise = IN_FLIGHT.with_borrow_mut(|in_flight| {
        in_flight
            .entry(key.clone())
            .or_insert_with(|| {
                let url = url.clone();
                wasm_bindgen_futures::future_to_promise(async move {
                    let fetched = fetch_range(&url, range).await;
                    IN_FLIGHT.with_borrow_mut(|f| f.remove(&key));
                    // Errors travel as values, as the promise is shared.
                    Ok(match fetched {
                        Ok(bytes) => js_sys::Uint8Array::from(&bytes[..]).into(),
                        Err(e) => JsValue::from_str(&e),
                    })
                })
            })
            .clone()
    });
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(v) => match v.as_string() {
            Some(e) => Err(e),
            None => Ok(js_sys::Uint8Array::new(&v).to_vec()),
        },
        Err(_) => Err(format!("could not load {url}")),
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn fetch_shared(url: String, range: Option<(u64, u64)>) -> Result<Vec<u8>, String> {
    fetch_range(&url, range).await
}

/// Inflates raw-deflated pack records and index pieces with the browser's
/// own `DecompressionStream`, so that the wasm carries no inflater; all at
/// once, each in its own stream.
#[cfg(target_arch = "wasm32")]
async fn inflate_all(records: Vec<(&Need, Vec<u8>)>) -> Vec<Result<Vec<u8>, String>> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    if records.is_empty() {
        return Vec::new();
    }
    // A stream that cannot start is a rejected promise like any other.
    let promises: js_sys::Array = records
        .iter()
        .map(|(_, r)| inflate(r).unwrap_or_else(|e| js_sys::Promise::reject(&e.into())))
        .collect();
    // Settled, not all: one damaged record does not hide the others.
    let settled = JsFuture::from(js_sys::Promise::all_settled(&promises)).await;
    let settled = settled.map(|v| js_sys::Array::from(&v)).unwrap_or_default();
    let field = |o: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok();
    (0..records.len() as u32)
        .map(|i| {
            let outcome = settled.get(i);
            match field(&outcome, "value") {
                Some(buf) if buf.is_instance_of::<js_sys::ArrayBuffer>() => {
                    Ok(js_sys::Uint8Array::new(&buf).to_vec())
                }
                _ => Err(field(&outcome, "reason")
                    .and_then(|r| r.as_string())
                    .unwrap_or_else(|| "damaged bundle file: not raw deflate".to_string())),
            }
        })
        .collect()
}

/// Starts inflating one record: a promise of its inflated `ArrayBuffer`.
#[cfg(target_arch = "wasm32")]
fn inflate(bytes: &[u8]) -> Result<js_sys::Promise, String> {
    use wasm_bindgen::prelude::*;
    // web-sys has it behind `web_sys_unstable_apis`; it has been in every
    // engine since 2023 (Chrome 103, Firefox 113, Safari 16.4).
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(extends = js_sys::Object)]
        type DecompressionStream;
        #[wasm_bindgen(constructor, catch)]
        fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    }
    let stream = DecompressionStream::new("deflate-raw")
        .map_err(|_| "this browser cannot inflate (no DecompressionStream)".to_string())?;
    let input = web_sys::Response::new_with_opt_u8_array(Some(&mut bytes.to_vec()))
        .map_err(|_| "no Response".to_string())?;
    let body = input.body().ok_or("no body")?;
    // A transform stream is a readable/writable pair.
    let inflated = body.pipe_through(stream.unchecked_ref());
    let output = web_sys::Response::new_with_opt_readable_stream(Some(&inflated))
        .map_err(|_| "no Response".to_string())?;
    output
        .array_buffer()
        .map_err(|_| "damaged bundle file: not raw deflate".to_string())
}

#[cfg(not(target_arch = "wasm32"))]
async fn inflate_all(records: Vec<(&Need, Vec<u8>)>) -> Vec<Result<Vec<u8>, String>> {
    records
        .iter()
        .map(|(need, r)| need.inflate(r).map_err(|e| e.to_string()))
        .collect()
}

/// Fetches a URL's bytes, retrying transient failures.
pub async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    fetch_range(url, None).await
}

/// Fetches a URL's bytes, or the bytes `start..end` of it, retrying
/// transient failures. A host that ignores the range answers with the whole
/// file; the caller cuts it.
pub async fn fetch_range(url: &str, range: Option<(u64, u64)>) -> Result<Vec<u8>, String> {
    let mut last = String::new();
    for attempt in 0..FETCH_ATTEMPTS {
        match fetch_once(url, range).await {
            Ok(b) => return Ok(b),
            Err(e) => last = e,
        }
        if attempt + 1 < FETCH_ATTEMPTS {
            sleep_ms(200 * (attempt + 1)).await;
        }
    }
    Err(format!("could not load {url}: {last}"))
}

/// A page written by `build --single-file` carries every file inline, as
/// base64 in `<script type="application/octet-stream" id="bs:NAME">`: such a
/// page works from `file://`, where nothing can be fetched but `data:` URLs.
#[cfg(target_arch = "wasm32")]
fn inline_url(url: &str) -> Option<String> {
    // Only a page has them; a worker has no document.
    let document = web_sys::window()?.document()?;
    let element = document.get_element_by_id(&format!("bs:{url}"))?;
    let base64 = element.text_content()?;
    Some(format!(
        "data:application/octet-stream;base64,{}",
        base64.trim()
    ))
}

#[cfg(target_arch = "wasm32")]
async fn fetch_once(url: &str, range: Option<(u64, u64)>) -> Result<Vec<u8>, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let inline = inline_url(url);
    let url = inline.clone().unwrap_or_else(|| url.to_string());
    let init = web_sys::RequestInit::new();
    if let (Some((start, end)), None) = (range, &inline) {
        // A single range `bytes=a-b` is a CORS-safelisted header: an
        // embedding page on another origin needs no preflight for it.
        let headers = web_sys::Headers::new().map_err(|_| "no Headers".to_string())?;
        headers
            .set("Range", &format!("bytes={start}-{}", end.saturating_sub(1)))
            .map_err(|_| "bad Range header".to_string())?;
        init.set_headers(&headers);
        // Past the browser's HTTP cache: Chromium lets one request at a
        // time through to a URL it may cache, so the ranges of one pack or
        // index file a page asks for together (ten results' articles) went
        // out one after another, a round trip each (ten ranges of one file
        // took 455 ms at a 40 ms round trip, 94 ms like this). The page
        // keeps what it loaded, and the service worker keeps every range it
        // passes on (sw.js), which a cached range would have been for.
        init.set_cache(web_sys::RequestCache::NoStore);
    }
    // On the page or in the search worker: whichever global this is.
    let global = js_sys::global();
    let request = match global.dyn_ref::<web_sys::Window>() {
        Some(window) => window.fetch_with_str_and_init(&url, &init),
        None => global
            .unchecked_into::<web_sys::WorkerGlobalScope>()
            .fetch_with_str_and_init(&url, &init),
    };
    let resp = JsFuture::from(request)
        .await
        .map_err(|_| "network error".to_string())?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "not a response".to_string())?;
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let buf = resp
        .array_buffer()
        .map_err(|_| "unreadable body".to_string())?;
    let buf = JsFuture::from(buf)
        .await
        .map_err(|_| "body read failed".to_string())?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

#[cfg(not(target_arch = "wasm32"))]
async fn fetch_once(_url: &str, _range: Option<(u64, u64)>) -> Result<Vec<u8>, String> {
    Err("fetching is only available in the browser".into())
}

#[cfg(target_arch = "wasm32")]
pub(crate) async fn sleep_ms(ms: u32) {
    use wasm_bindgen::JsCast;
    // `setTimeout` of whichever global this is (page or worker).
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(set_timeout) = set_timeout {
            let _ = set_timeout.call2(&global, &resolve, &ms.into());
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) async fn sleep_ms(_ms: u32) {}
