//! The engine in a Web Worker, so that no keystroke waits for shard
//! decoding or ranking: the page sends [`Request`]s, the worker answers with
//! [`Reply`]s, both postcard-encoded in transferred buffers.
//!
//! The worker is the app's own module (`app-HASH.js`) started as a module
//! worker: the same wasm, so the same engine, loaded from the HTTP cache. In
//! a worker, [`crate::start`] finds no window and calls [`serve`]. Messages
//! are `[id, bytes]`; the worker first posts `[READY]` once it listens, since
//! a message sent before that would be lost.
//!
//! Where no worker can start (another origin's page embedding the viewer, a
//! page opened from `file://`), [`Source::open`] falls back to running the
//! engine on the page, with the same [`queries`].

use crate::data::Bundle;
use crate::queries::{self, Loaded, Page};
use crate::route::ListState;
use broadsheet_core::search::FacetCounts;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// What the page asks the worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Opens the bundle at `data` from its manifest, which the page has
    /// already fetched (its `<link rel=preload>` is the page's, not the
    /// worker's).
    Open {
        data: String,
        manifest: Vec<u8>,
    },
    Page {
        state: ListState,
        limit: usize,
    },
    Facets {
        state: ListState,
    },
    Article {
        slug: String,
        q: String,
    },
}

/// The worker's answer to a [`Request`] of the same kind.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Opened(Result<(), String>),
    Page(Result<Page, String>),
    Facets(Result<Vec<FacetCounts>, String>),
    Article(Result<Loaded, String>),
}

/// Where queries run: in a worker or on the page.
#[derive(Clone)]
pub enum Source {
    Worker(Rc<Remote>),
    Local(Bundle),
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Source::Worker(a), Source::Worker(b)) => Rc::ptr_eq(a, b),
            (Source::Local(a), Source::Local(b)) => a == b,
            _ => false,
        }
    }
}

impl Source {
    /// Fetches the manifest at `data` and opens the bundle in a worker
    /// started from `script` (the app module's URL), or on the page when
    /// there is no script or the worker cannot start.
    pub async fn open(data: String, script: Option<String>) -> Result<Source, String> {
        let manifest =
            crate::data::fetch(&format!("{data}{}", broadsheet_core::bundle::MANIFEST_FILE))
                .await?;
        if let Some(script) = script {
            match Remote::start(&script, &data, manifest.clone()).await {
                Ok(remote) => return Ok(Source::Worker(Rc::new(remote))),
                // A bundle the worker found damaged is damaged here too.
                Err(StartError::Bundle(e)) => return Err(e),
                Err(StartError::NoWorker) => {}
            }
        }
        Ok(Source::Local(Bundle::from_manifest(data, &manifest)?))
    }

    /// The first `limit` entries of the list `state` describes.
    pub async fn page(&self, state: &ListState, limit: usize) -> Result<Page, String> {
        match self {
            Source::Local(b) => queries::page(b, state, limit, &|| false).await,
            Source::Worker(w) => {
                let request = Request::Page {
                    state: state.clone(),
                    limit,
                };
                match w.call(&request).await? {
                    Reply::Page(page) => page,
                    other => Err(unexpected(&other)),
                }
            }
        }
    }

    /// The facet counts of the list `state` describes.
    pub async fn facets(&self, state: &ListState) -> Result<Vec<FacetCounts>, String> {
        match self {
            Source::Local(b) => queries::facets(b, state, &|| false).await,
            Source::Worker(w) => {
                let request = Request::Facets {
                    state: state.clone(),
                };
                match w.call(&request).await? {
                    Reply::Facets(facets) => facets,
                    other => Err(unexpected(&other)),
                }
            }
        }
    }

    /// The article at `slug`, with the words of `q` it matches.
    pub async fn article(&self, slug: &str, q: &str) -> Result<Loaded, String> {
        match self {
            Source::Local(b) => queries::article(b, slug, q).await,
            Source::Worker(w) => {
                let request = Request::Article {
                    slug: slug.to_string(),
                    q: q.to_string(),
                };
                match w.call(&request).await? {
                    Reply::Article(a) => a,
                    other => Err(unexpected(&other)),
                }
            }
        }
    }
}

fn unexpected(reply: &Reply) -> String {
    format!("the search worker answered out of turn ({reply:?})")
}

/// Why a worker did not take over.
pub enum StartError {
    /// No worker here (not allowed, failed to load): run on the page.
    NoWorker,
    /// The worker could not open the bundle.
    Bundle(String),
}

#[cfg(target_arch = "wasm32")]
pub use imp::{serve, Remote};

#[cfg(not(target_arch = "wasm32"))]
pub use native::Remote;

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use js_sys::{Array, Function, Promise, Uint8Array};
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::{spawn_local, JsFuture};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        postcard::to_allocvec(value).expect("serialising to a Vec cannot fail")
    }

    /// The id of the worker's first message: it listens now.
    const READY: u32 = u32::MAX;

    /// Answers one request against the worker's bundle; a list request
    /// gives up once `stale()`.
    async fn answer(
        bundle: &std::cell::RefCell<Option<Bundle>>,
        request: Request,
        stale: &dyn Fn() -> bool,
    ) -> Reply {
        let open = || {
            bundle
                .borrow()
                .clone()
                .ok_or("the bundle is not open".to_string())
        };
        match request {
            Request::Open { data, manifest } => Reply::Opened(
                Bundle::from_manifest(data, &manifest).map(|b| *bundle.borrow_mut() = Some(b)),
            ),
            Request::Page { state, limit } => Reply::Page(match open() {
                Ok(b) => queries::page(&b, &state, limit, stale).await,
                Err(e) => Err(e),
            }),
            Request::Facets { state } => Reply::Facets(match open() {
                Ok(b) => queries::facets(&b, &state, stale).await,
                Err(e) => Err(e),
            }),
            Request::Article { slug, q } => Reply::Article(match open() {
                Ok(b) => queries::article(&b, &slug, &q).await,
                Err(e) => Err(e),
            }),
        }
    }

    /// Runs in the worker: answers the page's requests, each as soon as it
    /// is done (a page request may wait for files while an article request
    /// is answered). A list request (a page, or facet counts) that a newer
    /// page request arrived after gives up at its next step: the page shows
    /// only the newest list anyway. Facet requests never overtake a page
    /// request: they are sent for the list on screen, which may already be
    /// an older one than the page being searched for.
    pub fn serve() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let bundle: Rc<RefCell<Option<Bundle>>> = Rc::default();
        // The number of page requests received, and so the newest one's.
        let pages: Rc<Cell<u64>> = Rc::default();
        let reply_to = scope.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let message = Array::from(&e.data());
            let id = message.get(0);
            let bytes = Uint8Array::new(&message.get(1)).to_vec();
            let (bundle, scope, pages) = (bundle.clone(), reply_to.clone(), pages.clone());
            spawn_local(async move {
                let reply = match postcard::from_bytes::<Request>(&bytes) {
                    Ok(request) => {
                        if matches!(request, Request::Page { .. }) {
                            pages.set(pages.get() + 1);
                        }
                        let list = matches!(request, Request::Page { .. } | Request::Facets { .. });
                        let mine = pages.get();
                        let stale = move || list && pages.get() != mine;
                        answer(&bundle, request, &stale).await
                    }
                    Err(e) => Reply::Opened(Err(format!("unreadable request: {e}"))),
                };
                let out = Uint8Array::from(&encode(&reply)[..]);
                let transfer = Array::of1(&out.buffer());
                let _ = scope.post_message_with_transfer(&Array::of2(&id, &out), &transfer);
            });
        });
        scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        let _ = scope.post_message(&Array::of2(&READY.into(), &JsValue::NULL));
    }

    /// The page's handle on its worker.
    pub struct Remote {
        worker: Worker,
        /// Resolvers of the requests awaiting an answer, by id.
        pending: Rc<RefCell<HashMap<u32, Function>>>,
        next: Cell<u32>,
        _onmessage: Closure<dyn FnMut(MessageEvent)>,
        _onerror: Closure<dyn FnMut(web_sys::Event)>,
    }

    impl Drop for Remote {
        fn drop(&mut self) {
            self.worker.terminate();
        }
    }

    impl Remote {
        pub async fn start(
            script: &str,
            data: &str,
            manifest: Vec<u8>,
        ) -> Result<Remote, StartError> {
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            // Refused synchronously for another origin's script.
            let worker =
                Worker::new_with_options(script, &options).map_err(|_| StartError::NoWorker)?;
            let pending: Rc<RefCell<HashMap<u32, Function>>> = Rc::default();
            let onmessage = {
                let pending = pending.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                    let message = Array::from(&e.data());
                    let Some(id) = message.get(0).as_f64() else {
                        return;
                    };
                    if let Some(resolve) = pending.borrow_mut().remove(&(id as u32)) {
                        let _ = resolve.call1(&JsValue::NULL, &message.get(1));
                    }
                })
            };
            // A worker that fails to load or dies fails every open request
            // (`undefined` instead of bytes).
            let onerror = {
                let pending = pending.clone();
                Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                    e.prevent_default();
                    for (_, resolve) in pending.borrow_mut().drain() {
                        let _ = resolve.call0(&JsValue::NULL);
                    }
                })
            };
            worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
            worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
            let remote = Remote {
                worker,
                pending,
                next: Cell::new(0),
                _onmessage: onmessage,
                _onerror: onerror,
            };
            if remote.answer(READY).await.is_none() {
                return Err(StartError::NoWorker);
            }
            let open = Request::Open {
                data: data.to_string(),
                manifest,
            };
            match remote.call(&open).await {
                Ok(Reply::Opened(Ok(()))) => Ok(remote),
                Ok(Reply::Opened(Err(e))) => Err(StartError::Bundle(e)),
                _ => Err(StartError::NoWorker),
            }
        }

        /// Registers for the message with this id (at once, so that it
        /// cannot be missed) and waits for it: `None` if the worker failed.
        fn answer(&self, id: u32) -> impl std::future::Future<Output = Option<JsValue>> {
            let pending = self.pending.clone();
            let promise = Promise::new(&mut |resolve, _| {
                pending.borrow_mut().insert(id, resolve);
            });
            async move {
                let value = JsFuture::from(promise).await.ok()?;
                (!value.is_undefined()).then_some(value)
            }
        }

        /// Sends a request and waits for its reply.
        pub async fn call(&self, request: &Request) -> Result<Reply, String> {
            let id = self.next.get();
            self.next.set(id.wrapping_add(1) % READY);
            let answer = self.answer(id);
            let bytes = Uint8Array::from(&encode(request)[..]);
            let transfer = Array::of1(&bytes.buffer());
            if self
                .worker
                .post_message_with_transfer(&Array::of2(&id.into(), &bytes), &transfer)
                .is_err()
            {
                self.pending.borrow_mut().remove(&id);
                return Err("the search worker is gone".into());
            }
            let reply = answer.await.ok_or("the search worker stopped")?;
            postcard::from_bytes(&Uint8Array::new(&reply).to_vec())
                .map_err(|e| format!("unreadable answer from the search worker: {e}"))
        }
    }
}

/// Natively (unit tests of the app crate) there is no worker.
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;

    pub struct Remote;

    impl Remote {
        pub async fn start(_: &str, _: &str, _: Vec<u8>) -> Result<Remote, StartError> {
            Err(StartError::NoWorker)
        }

        pub async fn call(&self, _: &Request) -> Result<Reply, String> {
            Err("no worker here".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests and replies survive the trip through postcard, which is
    /// what crosses between page and worker.
    #[test]
    fn messages_round_trip() {
        let request = Request::Page {
            state: ListState {
                q: "Cao Bằng".into(),
                lang: Some("de".into()),
                ..ListState::default()
            },
            limit: 20,
        };
        let back: Request =
            postcard::from_bytes(&postcard::to_allocvec(&request).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{request:?}"));
        let reply = Reply::Article(Err("no such article".into()));
        let back: Reply = postcard::from_bytes(&postcard::to_allocvec(&reply).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{reply:?}"));
    }
}
