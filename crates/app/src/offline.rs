//! The page's side of the service worker (`sw.js`, written per build).
//!
//! The worker caches the app and the index on install and articles as they
//! are read; this module registers it, asks it for the size of the whole
//! site, tells it to save everything, and reports what it answers. Messages
//! are plain objects with a `type` field, the protocol `sw.js` documents.

use gloo::events::EventListener;
use js_sys::{Object, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::ServiceWorkerContainer;

/// The worker is registered once a screen (a list of results or an
/// article) has been in front of the reader this long with no new one (see
/// [`screen_shown`])…
const QUIET_MS: u32 = 2_000;
/// …or this long after start-up, whichever comes first (an error screen, a
/// reader who keeps typing).
const REGISTER_LATEST_MS: u32 = 15_000;

thread_local! {
    /// Whether a screen has been shown yet.
    static SHOWN: Cell<bool> = const { Cell::new(false) };
    /// The registration, while it waits.
    static PENDING: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
    /// The countdown to it, restarted by every screen shown.
    static COUNTDOWN: RefCell<Option<gloo::timers::callback::Timeout>> =
        const { RefCell::new(None) };
}

/// Tells the worker's registration that a screen (a list of results or an
/// article) is on show. Registering starts the worker's install, which
/// downloads the app and, for a small site, the whole index: it waits until
/// the reader has had a screen for [`QUIET_MS`], so that neither the first
/// screen, however long it takes, nor the queries typed right after it
/// share the network and the processor with it.
pub fn screen_shown() {
    SHOWN.set(true);
    if PENDING.with(|p| p.borrow().is_none()) {
        return;
    }
    // Replacing the countdown cancels the previous one.
    let countdown = gloo::timers::callback::Timeout::new(QUIET_MS, register_now);
    COUNTDOWN.with(|c| *c.borrow_mut() = Some(countdown));
}

/// Starts the waiting registration, if it has not started.
fn register_now() {
    if let Some(start) = PENDING.with(|p| p.borrow_mut().take()) {
        start();
    }
}

/// What the worker reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The whole site is `bytes` long; `saved` if all of it is cached.
    Status {
        bytes: f64,
        saved: bool,
    },
    /// Saving everything: `done` of `total` bytes.
    Progress {
        done: f64,
        total: f64,
    },
    Saved,
    Failed(String),
    /// A new build's worker took over: this page shows the old build.
    Updated,
}

/// A registered worker and the listeners that report on it.
pub struct Worker {
    container: ServiceWorkerContainer,
    _listeners: Vec<EventListener>,
}

impl Worker {
    /// Registers the worker at `url`. `None` where service workers are not
    /// available (insecure origins, `file://`, old browsers).
    pub fn register(url: &str, report: impl Fn(Event) + 'static) -> Option<Worker> {
        let window = gloo::utils::window();
        let navigator = window.navigator();
        let supported = window.is_secure_context()
            && Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
        if !supported {
            return None;
        }
        let container = navigator.service_worker();
        let report = Rc::new(report);
        // A page that had a worker when it loaded and sees another take over
        // is showing an older build.
        let had_controller = Rc::new(Cell::new(container.controller().is_some()));

        let on_message = {
            let report = report.clone();
            EventListener::new(&container, "message", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                if let Some(event) = parse(&e.data()) {
                    report(event);
                }
            })
        };
        let on_controller = {
            let container = container.clone();
            EventListener::new(&container.clone(), "controllerchange", move |_| {
                if had_controller.replace(true) {
                    report(Event::Updated);
                } else {
                    post(&container, "status");
                }
            })
        };
        // Browsers look for a new worker on navigation; a reader who keeps
        // the tab open should hear of a new build when they come back to it.
        let on_visible = {
            let container = container.clone();
            EventListener::new(&gloo::utils::document(), "visibilitychange", move |_| {
                if gloo::utils::document().visibility_state() == web_sys::VisibilityState::Visible {
                    let _ = update(&container);
                }
            })
        };
        // Registered once a screen has been shown for a while (see
        // `screen_shown`), or at the latest after REGISTER_LATEST_MS.
        {
            let container = container.clone();
            let url = url.to_string();
            let start = move || {
                let promise = container.register(&url);
                wasm_bindgen_futures::spawn_local(async move {
                    if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                        post(&container, "status");
                    }
                });
            };
            PENDING.with(|p| *p.borrow_mut() = Some(Box::new(start)));
            gloo::timers::callback::Timeout::new(REGISTER_LATEST_MS, register_now).forget();
            if SHOWN.get() {
                screen_shown();
            }
        }
        Some(Worker {
            container,
            _listeners: vec![on_message, on_controller, on_visible],
        })
    }

    /// Asks the worker to cache every file of the site.
    pub fn save_all(&self) {
        persist();
        post(&self.container, "save");
    }
}

fn update(container: &ServiceWorkerContainer) -> Option<()> {
    let promise = container.get_registration();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(reg) = wasm_bindgen_futures::JsFuture::from(promise).await {
            if let Some(reg) = reg.dyn_ref::<web_sys::ServiceWorkerRegistration>() {
                let _ = reg.update();
            }
        }
    });
    Some(())
}

/// Asks the browser to keep this site's storage under pressure
/// (`navigator.storage.persist()`): what the reader saved for offline
/// reading would otherwise be the first to go when the disk runs low.
/// The browser decides (Chromium grants it to sites a reader uses or
/// installed, without asking); saving goes ahead either way.
/// (`navigator.storage` is missing outside secure contexts: nothing is
/// asked there.)
fn persist() {
    let storage = crate::global_path(&["navigator", "storage"]);
    let persist = storage.as_ref().and_then(|s| {
        let f = Reflect::get(s, &"persist".into()).ok()?;
        f.dyn_into::<js_sys::Function>().ok()
    });
    if let (Some(storage), Some(persist)) = (storage, persist) {
        let _ = persist.call0(&storage);
    }
}

/// Sends `{type}` to the worker that controls this page, if any yet.
fn post(container: &ServiceWorkerContainer, kind: &str) {
    let Some(worker) = container.controller() else {
        return;
    };
    let message = Object::new();
    let _ = Reflect::set(&message, &"type".into(), &kind.into());
    let _ = worker.post_message(&message);
}

fn parse(data: &JsValue) -> Option<Event> {
    let get = |key: &str| Reflect::get(data, &JsValue::from_str(key)).ok();
    let number = |key: &str| get(key).and_then(|v| v.as_f64()).unwrap_or(0.0);
    Some(match get("type")?.as_string()?.as_str() {
        "status" => Event::Status {
            bytes: number("bytes"),
            saved: get("saved").and_then(|v| v.as_bool()).unwrap_or(false),
        },
        "progress" => Event::Progress {
            done: number("done"),
            total: number("total"),
        },
        "saved" => Event::Saved,
        "error" => Event::Failed(get("message")?.as_string().unwrap_or_default()),
        _ => return None,
    })
}
