//! Fetching bundle files for the core engine.
//!
//! The engine answers "missing files" instead of doing I/O; [`Bundle::run`]
//! fetches those files and asks again, which is the asynchronous twin of
//! `Engine::resolve` used by the CLI.

use broadsheet_core::search::{Engine, EngineError};
use std::cell::RefCell;
use std::rc::Rc;

/// The open bundle, shared by all components.
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
    /// Fetches and opens the manifest at `base` (`data/`).
    pub async fn open(base: String) -> Result<Bundle, String> {
        let bytes = fetch(&format!("{base}{}", broadsheet_core::bundle::MANIFEST_FILE)).await?;
        let engine = Engine::open(&bytes).map_err(|e| e.to_string())?;
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
                self.engine
                    .borrow_mut()
                    .add_file(file, &bytes?)
                    .map_err(|e| format!("{file}: {e}"))?;
            }
        }
    }

    /// Read access for synchronous rendering of what is already loaded.
    pub fn with<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        f(&self.engine.borrow())
    }
}

/// Fetches every URL concurrently; results in the same order.
#[cfg(target_arch = "wasm32")]
pub async fn fetch_all(urls: Vec<String>) -> Vec<Result<Vec<u8>, String>> {
    use wasm_bindgen::JsValue;
    let promises = js_sys::Array::new();
    for url in &urls {
        let url = url.clone();
        promises.push(&wasm_bindgen_futures::future_to_promise(async move {
            // Errors travel as values, so one failure does not hide the rest.
            Ok(match fetch(&url).await {
                Ok(bytes) => js_sys::Uint8Array::from(&bytes[..]).into(),
                Err(e) => JsValue::from_str(&e),
            })
        }));
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
    let element = gloo::utils::document().get_element_by_id(&format!("bs:{url}"))?;
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
    let window = gloo::utils::window();
    let url = inline_url(url).unwrap_or_else(|| url.to_string());
    let resp = JsFuture::from(window.fetch_with_str(&url))
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
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = gloo::utils::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(not(target_arch = "wasm32"))]
async fn sleep_ms(_ms: u32) {}
