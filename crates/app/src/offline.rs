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

/// The worker is registered once the first screen is shown (see
/// [`first_screen_shown`]), or this many milliseconds after start-up if
/// that never comes (an error, a reader who never looks).
const REGISTER_LATEST_MS: u32 = 10_000;

thread_local! {
    /// Whether a list of results or an article has been shown.
    static SHOWN: Cell<bool> = const { Cell::new(false) };
    /// The registration waiting for the first screen.
    static PENDING: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
}

/// Tells the worker's registration that the first screen (a list of
/// results or an article) is on show. Registering starts the worker's
/// install, which downloads the app and, for a small site, the index: it
/// waits for this, so that the first screen and query have the network to
/// themselves however long they take, and it starts no later than needed
/// (a fixed delay was both: too soon on a slow network, idle on a fast one).
pub fn first_screen_shown() {
    if SHOWN.replace(true) {
        return;
    }
    if let Some(start) = PENDING.with(|p| p.borrow_mut().take()) {
        // After the browser has painted the screen just built.
        gloo::timers::callback::Timeout::new(0, start).forget();
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
        // Registered once the first screen is shown (see
        // `first_screen_shown`), or at the latest after REGISTER_LATEST_MS.
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
            if SHOWN.get() {
                start();
            } else {
                PENDING.with(|p| *p.borrow_mut() = Some(Box::new(start)));
                gloo::timers::callback::Timeout::new(REGISTER_LATEST_MS, || {
                    if let Some(start) = PENDING.with(|p| p.borrow_mut().take()) {
                        start();
                    }
                })
                .forget();
            }
        }
        Some(Worker {
            container,
            _listeners: vec![on_message, on_controller, on_visible],
        })
    }

    /// Asks the worker to cache every file of the site.
    pub fn save_all(&self) {
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
