//! Fetching bundle files for the core engine.
//!
//! The engine answers "missing files" instead of doing I/O; [`Bundle::run`]
//! fetches those files and asks again, which is the asynchronous twin of
//! `Engine::resolve` used by the CLI.

use broadsheet_core::search::{Engine, EngineError};
use std::cell::RefCell;
use std::rc::Rc;

/// An open bundle: the engine and where its files are. It lives in the
/// search worker, or on the page where no worker can run (see
/// [`crate::worker::Source`]).
#[derive(Clone)]
pub struct Bundle {
    pub base: String,
    engine: Rc<RefCell<Engine>>,
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
        })
    }

    /// Runs `f` against the engine, fetching the files it reports missing
    /// until it answers.
    pub async fn run<T>(&self, f: impl Fn(&Engine) -> Result<T, EngineError>) -> Result<T, String> {
        loop {
            let missing = match f(&self.engine.borrow()) {
                Ok(v) => return Ok(v),
                Err(EngineError::Missing(files)) => files,
                Err(e) => return Err(e.to_string()),
            };
            let missing: Vec<String> = missing
                .into_iter()
                .filter(|f| !self.engine.borrow().is_loaded(f))
                .collect();
            // All at once: a result page may need a dozen shards and packs,
            // and one round trip each, in turn, would add up to seconds.
            let urls: Vec<String> = missing
                .iter()
                .map(|f| format!("{}{f}", self.base))
                .collect();
            let fetched = fetch_all(urls).await;
            for (file, bytes) in missing.iter().zip(fetched) {
                // Another query may have loaded it meanwhile.
                if self.engine.borrow().is_loaded(file) {
                    continue;
                }
                self.engine
                    .borrow_mut()
                    .add_file(file, &bytes?)
                    .map_err(|e| format!("{file}: {e}"))?;
            }
        }
    }
}

/// Fetches every URL concurrently; results in the same order. A URL
/// already on its way (asked for by an earlier keystroke's query) is not
/// fetched again: its request is awaited.
#[cfg(target_arch = "wasm32")]
pub async fn fetch_all(urls: Vec<String>) -> Vec<Result<Vec<u8>, String>> {
    use wasm_bindgen::JsValue;
    thread_local! {
        static IN_FLIGHT: RefCell<std::collections::HashMap<String, js_sys::Promise>> =
            RefCell::default();
    }
    let promises = js_sys::Array::new();
    for url in &urls {
        let promise = IN_FLIGHT.with_borrow_mut(|in_flight| {
            in_flight
                .entry(url.clone())
                .or_insert_with(|| {
                    let url = url.clone();
                    wasm_bindgen_futures::future_to_promise(async move {
                        let fetched = fetch(&url).await;
                        IN_FLIGHT.with_borrow_mut(|f| f.remove(&url));
                        // Errors travel as values, so one failure does not
                        // hide the rest.
                        Ok(match fetched {
                            Ok(bytes) => js_sys::Uint8Array::from(&bytes[..]).into(),
                            Err(e) => JsValue::from_str(&e),
                        })
                    })
                })
                .clone()
        });
        promises.push(&promise);
    }
    let all = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&promises)).await;
    let Ok(all) = all else {
        return urls
            .iter()
            .map(|u| Err(format!("could not load {u}")))
            .collect();
    };
    js_sys::Array::from(&all)
        .iter()
        .map(|v| match v.as_string() {
            Some(e) => Err(e),
            None => Ok(js_sys::Uint8Array::new(&v).to_vec()),
        })
        .collect()
}

#[cfg(not(target_arch = "wasm32"))]
pub async fn fetch_all(urls: Vec<String>) -> Vec<Result<Vec<u8>, String>> {
    let mut out = Vec::new();
    for url in urls {
        out.push(fetch(&url).await);
    }
    out
}

/// Fetches a URL's bytes, retrying transient failures.
pub async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let mut last = String::new();
    for attempt in 0..FETCH_ATTEMPTS {
        match fetch_once(url).await {
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
async fn fetch_once(url: &str) -> Result<Vec<u8>, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let url = inline_url(url).unwrap_or_else(|| url.to_string());
    // On the page or in the search worker: whichever global this is.
    let global = js_sys::global();
    let request = match global.dyn_ref::<web_sys::Window>() {
        Some(window) => window.fetch_with_str(&url),
        None => global
            .unchecked_into::<web_sys::WorkerGlobalScope>()
            .fetch_with_str(&url),
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
async fn fetch_once(_url: &str) -> Result<Vec<u8>, String> {
    Err("fetching is only available in the browser".into())
}

#[cfg(target_arch = "wasm32")]
async fn sleep_ms(ms: u32) {
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
async fn sleep_ms(_ms: u32) {}
