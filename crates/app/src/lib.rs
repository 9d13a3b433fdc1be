//! Broadsheet's viewer: a Yew app that loads a bundle lazily and lists,
//! searches and displays its articles, entirely in the browser.
//!
//! All search logic lives in `broadsheet-core`; this crate only fetches the
//! bundle files the core asks for ([`data`]), keeps the screen in the URL or
//! in the embedding element ([`nav`], [`route`]), talks to the service
//! worker ([`offline`]) and renders ([`components`]).
//!
//! Two ways in:
//! * a page of its own (`index.html`, or the `--single-file` page) marks
//!   `<div id="broadsheet">` and `<meta name="broadsheet-data">`; [`start`]
//!   mounts there, with the screen in the URL hash;
//! * `embed.js` defines `<broadsheet-viewer>` and calls [`mount`] for each,
//!   inside its shadow root, with the screen in its `route` attribute.

pub mod components;
pub mod data;
pub mod inflight;
pub mod nav;
pub mod offline;
pub mod queries;
pub mod route;
pub mod worker;

use nav::Nav;

/// Where a viewer gets its data and keeps its state.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// URL prefix of the bundle's files (`data/`).
    pub data: String,
    pub nav: Nav,
    /// The service worker's URL, when this page is the site itself.
    pub service_worker: Option<String>,
    /// The app module's URL, to start the search worker from; `None` runs
    /// the engine on the page.
    pub worker: Option<String>,
}

#[cfg(target_arch = "wasm32")]
fn meta(name: &str) -> Option<String> {
    gloo::utils::document()
        .query_selector(&format!("meta[name={name}]"))
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
}

/// The value at `path` from the global (`["navigator", "storage"]`), on
/// the page or in a worker; `None` where any step is missing. Looked up,
/// not bound: what a browser leaves out (`navigator.storage` outside
/// secure contexts, `navigator.connection` outside Chromium) would make a
/// bound call throw.
pub(crate) fn global_path(path: &[&str]) -> Option<wasm_bindgen::JsValue> {
    path.iter().try_fold(js_sys::global().into(), |of, key| {
        js_sys::Reflect::get(&of, &(*key).into())
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    })
}

/// Mounts the viewer on a page of its own. On any other page (one that
/// loads `embed.js`) it does nothing: `<broadsheet-viewer>` calls [`mount`].
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    if web_sys::window().is_none() {
        // Started as the search worker (see `worker`).
        worker::serve();
        return;
    }
    let Some(data) = meta("broadsheet-data") else {
        return;
    };
    let Some(root) = gloo::utils::document().get_element_by_id("broadsheet") else {
        return;
    };
    let config = Config {
        data,
        nav: Nav::Hash,
        service_worker: meta("broadsheet-sw").filter(|s| !s.is_empty()),
        worker: meta("broadsheet-worker").filter(|s| !s.is_empty()),
    };
    // The page's own viewer lasts as long as the page.
    render(root, config);
}

/// Mounts a viewer of the site at `site` (ending in `/`) into `root`, a node
/// in `host`'s shadow root; `host` is the `<broadsheet-viewer>` element;
/// `module` is the app module's URL, for the search worker (which browsers
/// start only from the page's own origin). `embed.js` destroys the
/// [`Viewer`] once its element has left the page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount(
    root: web_sys::Element,
    host: web_sys::Element,
    site: String,
    module: String,
) -> Viewer {
    let config = Config {
        data: format!("{site}data/"),
        nav: Nav::Host { host, site },
        service_worker: None,
        worker: Some(module),
    };
    Viewer(render(root, config))
}

/// An embedded viewer, as [`mount`] gives it to `embed.js`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub struct Viewer(std::rc::Rc<Mounted>);

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
impl Viewer {
    /// Takes the viewer down: its app, and with it its search worker and
    /// whatever of the bundle it holds in memory. A portal whose pages
    /// come and go without reloading (a client-side router) would
    /// otherwise keep a worker and its decoded index per viewer it ever
    /// showed. A viewer destroyed before it rendered never renders. The
    /// handle is spent (freed) by the call.
    pub fn destroy(self) {
        self.0.destroyed.set(true);
        if let Some(app) = self.0.app.take() {
            app.destroy();
        }
    }
}

/// A viewer's app once rendered (see [`render`]).
#[cfg(target_arch = "wasm32")]
#[derive(Default)]
struct Mounted {
    app: std::cell::Cell<Option<yew::AppHandle<components::App>>>,
    destroyed: std::cell::Cell<bool>,
}

/// Begins to open the bundle and answer the screen's list (see
/// [`worker::Source::begin`]), then renders the viewer into `root`.
///
/// The viewer renders once the bundle is open (or could not be), and the
/// first list's files are asked for right after, in the same turn of the
/// event loop: the browser's first layout and paint of the viewer, which
/// take a cold page 10–30 ms of its main thread, then happen while those
/// files download instead of before they are asked for (the first results
/// show 20–28 ms sooner at 100,000 articles). The
/// manifest is preloaded by the page, so the screen waits for it only
/// where it arrives after the app's wasm, its largest file.
#[cfg(target_arch = "wasm32")]
fn render(root: web_sys::Element, config: Config) -> std::rc::Rc<Mounted> {
    let first = match config.nav.current() {
        route::Route::List(state) => Some(state),
        route::Route::Article { .. } => None,
    };
    let (data, script) = (config.data.clone(), config.worker.clone());
    let mounted = std::rc::Rc::new(Mounted::default());
    let rendered = mounted.clone();
    worker::Source::begin(data.clone(), script, first, move || {
        if rendered.destroyed.get() {
            // The bundle it began to open is nobody's now.
            worker::Source::abandon(&data);
            return;
        }
        let app = yew::Renderer::<components::App>::with_root_and_props(
            root,
            components::AppProps { config },
        )
        .render();
        rendered.app.set(Some(app));
    });
    mounted
}
