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
//! In a small bundle the page answers the first request itself, and starts
//! the worker only once that answer is out: a worker costs a cold load
//! about a fifth of its time (starting it, and compiling the engine's wasm
//! functions a second time), and started earlier it competes with the
//! page's first render for the CPU (see BENCHMARKS.md). The pieces of the
//! bundle the page loaded go to the worker with the bundle's manifest, so
//! the worker starts warm; every later request waits for the worker.
//!
//! In a large bundle (see [`WORKER_FIRST_DOCS`]) the first search would be
//! the page's longest task, so the worker starts at once and answers the
//! first request too; the page meanwhile fetches what that request asks
//! for first and hands it over as fetched (the worker inflates and decodes
//! it): the requests go out as early as the page's own would.
//!
//! Where no worker can start (another origin's page embedding the viewer, a
//! page opened from `file://`), the page goes on answering, with the same
//! [`queries`].

use crate::data::{Bundle, Piece};
use crate::inflight::InFlight;
use crate::queries::{self, Item, Loaded, Page};
use crate::route::ListState;
use broadsheet_core::search::{FacetCounts, Recent};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::{Rc, Weak};

/// What the page asks the worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Opens the bundle at `data` from its manifest, which the page has
    /// already fetched (its `<link rel=preload>` is the page's, not the
    /// worker's), with the pieces the page has loaded so far, and those it
    /// fetched for the worker's first answer, as fetched (see
    /// `Bundle::add_fetched`).
    Open {
        data: String,
        #[serde(with = "serde_bytes")]
        manifest: Vec<u8>,
        pieces: Vec<Piece>,
        fetched: Vec<Piece>,
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
    Related {
        slug: String,
        n: usize,
    },
}

/// The worker's answer to a [`Request`] of the same kind, or why it could
/// not answer at all.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Opened(Result<(), String>),
    Page(Result<Page, String>),
    Facets(Result<Vec<FacetCounts>, String>),
    Article(Result<Loaded, String>),
    Related(Result<Vec<Item>, String>),
    /// An unreadable request, or one that came before the bundle was open.
    Refused(String),
}

impl Reply {
    /// The error for a reply of the wrong kind. It names the kind only:
    /// formatting the whole reply compiled a `Debug` of every type a reply
    /// holds into the wasm.
    fn unexpected(self) -> String {
        let kind = match self {
            Reply::Refused(why) => return why,
            Reply::Opened(_) => "opened",
            Reply::Page(_) => "a page",
            Reply::Facets(_) => "facet counts",
            Reply::Article(_) => "an article",
            Reply::Related(_) => "related articles",
        };
        format!("the search worker answered out of turn ({kind})")
    }
}

/// Answers a query (a list, its facet counts, an article) against
/// `bundle`: the same code on the page and in the worker. A list request
/// gives up once `stale()` (see [`queries`]).
async fn answer(bundle: &Bundle, request: Request, stale: &dyn Fn() -> bool) -> Reply {
    match request {
        Request::Open { .. } => Reply::Refused("the bundle is open already".into()),
        Request::Page { state, limit } => {
            Reply::Page(queries::page(bundle, &state, limit, stale).await)
        }
        Request::Facets { state } => {
            // Facet counts are asked for once a list is on screen (see
            // `ResultList`); so, alongside, is what the next queries would
            // wait for (once, see `Bundle::load_background`).
            #[cfg(target_arch = "wasm32")]
            wasm_bindgen_futures::spawn_local({
                let bundle = bundle.clone();
                async move { bundle.load_background().await }
            });
            Reply::Facets(queries::facets(bundle, &state, stale).await)
        }
        Request::Article { slug, q } => Reply::Article(queries::article(bundle, &slug, &q).await),
        Request::Related { slug, n } => Reply::Related(queries::related(bundle, &slug, n).await),
    }
}

/// Lists (and their facet counts) the page keeps once answered, so that a
/// list asked for again (the reader deletes the word just typed, goes back
/// from an article, types an earlier query once more) is on screen at once:
/// no message to the worker, no ranking, no snippets, only the render. The
/// engine remembers its latest few results too (see `Engine::search`), but as
/// hits, not the page that shows them: answering from them still costs a
/// trip to the worker and back, the snippets and the encoding both ways.
/// A bundle never changes under a running viewer, so an answer stays true
/// for as long as the page keeps it; a page of results is a few kilobytes.
const ANSWERS_KEPT: usize = 16;

/// From how many articles on the search worker answers the first query
/// too. The page answering first saves a small bundle's cold load the
/// worker's start; in a large one the first search is the page's longest
/// task (51 ms at 100,000 articles: the engine's code runs in V8's first
/// tier then), and a keystroke would wait for it.
const WORKER_FIRST_DOCS: u32 = 20_000;

/// Where queries run: on the page until it has answered once, then in the
/// search worker, or on the page for good where no worker starts.
#[derive(Clone)]
pub struct Source(Rc<Inner>);

struct Inner {
    data: String,
    manifest: Vec<u8>,
    /// Its languages' names in themselves, from the manifest.
    lang_names: Vec<(String, String)>,
    /// The site's name, from the manifest.
    name: String,
    /// The app module's URL, to start the worker from; `None`: no worker.
    script: Option<String>,
    /// The page's bundle; dropped once the worker has taken over.
    page: RefCell<Option<Bundle>>,
    /// The latest lists answered, by what was asked (state, limit), and
    /// their facet counts, by query text (see [`ANSWERS_KEPT`]).
    pages: Recent<(ListState, usize), Rc<Page>>,
    facets: Recent<String, Rc<Vec<FacetCounts>>>,
    /// The worker's start, once the page has answered.
    worker: RefCell<Option<Start>>,
    /// Lists being answered, by what was asked: a list asked for again
    /// before its answer is in (the first list, asked for by
    /// [`Source::begin`] and then by the screen) waits for that answer
    /// instead of searching twice.
    pending: InFlight<(ListState, usize), Result<Rc<Page>, String>>,
}

thread_local! {
    /// Bundles [`Source::begin`] opened (or could not), by their data URL,
    /// until a viewer's [`Source::open`] takes them.
    static BEGUN: RefCell<Vec<(String, Result<Source, String>)>> = RefCell::default();
}

/// A worker's start, awaited by every request after the page's first
/// answer: the worker once it has the bundle, `None` when it could not
/// start.
type Start = Shared<LocalBoxFuture<'static, Option<Rc<Remote>>>>;

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The engine a request goes to.
enum Engine {
    Page(Bundle),
    Worker(Rc<Remote>),
}

impl Source {
    /// Opens the bundle at `data` and begins to answer `first` (the list
    /// the viewer opens on, if any), then calls `then` (which renders the
    /// viewer, see `crate::render`): the first query's files are on their
    /// way while the browser lays out and paints the viewer. The viewer's
    /// [`Source::open`] for the same `data` takes the bundle, and its
    /// list's [`Source::page`] joins the answer on its way.
    pub fn begin(
        data: String,
        script: Option<String>,
        first: Option<ListState>,
        then: impl FnOnce() + 'static,
    ) {
        wasm_bindgen_futures::spawn_local(async move {
            let opened = Source::fetch(data.clone(), script, first.as_ref()).await;
            if let (Ok(source), Some(state)) = (&opened, first) {
                let source = source.clone();
                // This task runs once the one here yields, before the
                // render `then` schedules; the requests it makes are sent
                // by futures spawned after that render, so they go out once
                // Yew has built the viewer's DOM, but in the same turn of
                // the event loop: before the browser lays out and paints
                // the viewer. (Rendering after they are asked for instead
                // was no faster: the render then held up the answer's next
                // step, 7 cold runs each, 5 times, at 1,000 articles; so
                // was sending them before the render, 6 ms sooner, 7 cold
                // runs each, 3 times, on loopback and at 40 ms a round
                // trip.)
                wasm_bindgen_futures::spawn_local(async move {
                    // The screen asks for it too, and shows the answer.
                    let _ = source.page(&state, crate::components::PAGE).await;
                });
            }
            BEGUN.with_borrow_mut(|begun| begun.push((data, opened)));
            then();
        });
    }

    /// Drops a bundle [`Source::begin`] opened at `data` for a viewer that
    /// was taken down before it rendered (see `Viewer::destroy`), and with
    /// it the search worker it may have started.
    pub fn abandon(data: &str) {
        let abandoned = BEGUN.with_borrow_mut(|begun| {
            let i = begun.iter().position(|(d, _)| d == data)?;
            Some(begun.remove(i))
        });
        drop(abandoned);
    }

    /// The bundle at `data`, open on the page: the one [`Source::begin`]
    /// opened, or fetched now (see [`Source::fetch`]).
    pub async fn open(data: String, script: Option<String>) -> Result<Source, String> {
        let begun = BEGUN.with_borrow_mut(|begun| {
            let i = begun.iter().position(|(d, _)| *d == data)?;
            Some(begun.remove(i).1)
        });
        match begun {
            Some(opened) => opened,
            None => Source::fetch(data, script, None).await,
        }
    }

    /// Fetches the manifest at `data` and opens the bundle on the page; the
    /// search worker, started from `script` (the app module's URL), takes
    /// over after the first answer, or from the start in a large bundle
    /// (see [`WORKER_FIRST_DOCS`]), the page meanwhile loading what `first`
    /// (the list the viewer opens on) asks for first. With no script, the
    /// page answers all.
    async fn fetch(
        data: String,
        script: Option<String>,
        first: Option<&ListState>,
    ) -> Result<Source, String> {
        let manifest =
            crate::data::fetch(&format!("{data}{}", broadsheet_core::bundle::MANIFEST_FILE))
                .await?;
        let page = match script {
            Some(_) => Bundle::recording(data.clone(), &manifest)?,
            None => Bundle::from_manifest(data.clone(), &manifest)?,
        };
        let worker_first = script.is_some() && page.doc_count() >= WORKER_FIRST_DOCS;
        let source = Source::new(data, manifest, page.clone(), script);
        if worker_first {
            // Polled with the worker's start, which begins once this task
            // yields (so its requests go out as the page's own would: see
            // `begin`), and hands what it fetched over.
            let meanwhile = first.map(|state| {
                let state = state.clone();
                async move {
                    // What fails is fetched again by the worker.
                    let limit = crate::components::PAGE;
                    let fetched = queries::fetch_first(&page, &state, limit).await;
                    fetched.unwrap_or_default()
                }
                .boxed_local()
            });
            source.start_worker(meanwhile, false);
        }
        Ok(source)
    }

    fn new(data: String, manifest: Vec<u8>, page: Bundle, script: Option<String>) -> Source {
        let lang_names = page.lang_names();
        Source(Rc::new(Inner {
            lang_names,
            name: page.name(),
            data,
            manifest,
            script,
            page: RefCell::new(Some(page)),
            pages: Recent::new(ANSWERS_KEPT),
            facets: Recent::new(ANSWERS_KEPT),
            worker: RefCell::default(),
            pending: InFlight::default(),
        }))
    }

    /// The bundle's languages' names in themselves, by code.
    pub fn lang_names(&self) -> &[(String, String)] {
        &self.0.lang_names
    }

    /// The site's name (`broadsheet build --title`).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The engine to ask: the worker once it is started (waiting for it to
    /// be ready), else the page's.
    async fn engine(&self) -> Result<Engine, String> {
        let start = self.0.worker.borrow().clone();
        if let Some(start) = start {
            if let Some(remote) = start.await {
                return Ok(Engine::Worker(remote));
            }
        }
        let page = self.0.page.borrow().clone();
        page.map(Engine::Page)
            .ok_or_else(|| "the search worker stopped".to_string())
    }

    /// The page has answered, or it leaves even the first answer to the
    /// worker: starts the worker (if there is one to start and it is not
    /// started yet), after the answer or the viewer is on screen. The
    /// worker takes the pieces the page loaded once it listens and
    /// `meanwhile` (the page's loads for the worker's first answer) is
    /// done.
    fn start_worker(
        &self,
        meanwhile: Option<LocalBoxFuture<'static, Vec<Piece>>>,
        after_render: bool,
    ) {
        if self.0.script.is_none() || self.0.worker.borrow().is_some() {
            return;
        }
        // Weak: the start is kept in `Inner`; a viewer removed before its
        // start runs is not kept alive by it.
        let inner: Weak<Inner> = Rc::downgrade(&self.0);
        let start = async move {
            // The answer renders first: this task comes after it.
            if after_render {
                crate::data::sleep_ms(0).await;
            }
            let inner = inner.upgrade()?;
            let page = inner.page.borrow().clone()?;
            let started = Remote::start(inner.script.as_deref()?);
            let (remote, fetched) = match meanwhile {
                Some(fetches) => futures::future::join(started, fetches).await,
                None => (started.await, Vec::new()),
            };
            // Taken once the worker listens, so that the pieces loaded while
            // it started go too; recording stops here whether it started or
            // not, so a page that goes on answering keeps no copies.
            let pieces = page.take_recorded();
            let Some(remote) = remote else {
                // The page goes on answering, with what it fetched for the
                // worker.
                let _ = page.add_fetched(fetched).await;
                return None;
            };
            let open = Request::Open {
                data: inner.data.clone(),
                manifest: inner.manifest.clone(),
                pieces,
                fetched,
            };
            match remote.call(&open).await {
                Ok(Reply::Opened(Ok(()))) => {}
                // The page opened the same manifest and added the same
                // pieces, so this is unexpected: the page goes on (and
                // fetches again what it fetched for the worker).
                _ => return None,
            }
            inner.page.borrow_mut().take();
            mark("broadsheet:worker");
            Some(Rc::new(remote))
        }
        .boxed_local()
        .shared();
        *self.0.worker.borrow_mut() = Some(start.clone());
        wasm_bindgen_futures::spawn_local(start.map(drop));
    }

    /// The first `limit` entries of the list `state` describes: from the
    /// page's memory if it was answered lately.
    pub async fn page(&self, state: &ListState, limit: usize) -> Result<Rc<Page>, String> {
        let asked = (state.clone(), limit);
        if let Some(page) = self.0.pages.get(&asked) {
            return Ok(page);
        }
        let source = self.clone();
        let work = || async move { source.answer_page(&asked).await };
        self.0.pending.join(&(state.clone(), limit), work).await
    }

    /// Answers `asked` (a list and how many of its entries) where queries
    /// run now, and keeps a complete answer.
    async fn answer_page(&self, asked: &(ListState, usize)) -> Result<Rc<Page>, String> {
        let request = Request::Page {
            state: asked.0.clone(),
            limit: asked.1,
        };
        let page = match self.ask(request).await? {
            Reply::Page(page) => Rc::new(page?),
            other => return Err(other.unexpected()),
        };
        // Entries that show listing excerpts for want of their articles
        // (offline) are answered again, with snippets, once they can be.
        // A list of its best entries alone is answered again, whole, once
        // the words' tails are in (see `ResultList`).
        if page.complete() && !page.more {
            self.0.pages.put(asked.clone(), page.clone());
        }
        Ok(page)
    }

    /// The facet counts of the list `state` describes (which depend on
    /// its query text only): from the page's memory if counted lately.
    pub async fn facets(&self, state: &ListState) -> Result<Rc<Vec<FacetCounts>>, String> {
        if let Some(counts) = self.0.facets.get(&state.q) {
            return Ok(counts);
        }
        let request = Request::Facets {
            state: state.clone(),
        };
        let counts = match self.ask(request).await? {
            Reply::Facets(counts) => Rc::new(counts?),
            other => return Err(other.unexpected()),
        };
        self.0.facets.put(state.q.clone(), counts.clone());
        Ok(counts)
    }

    /// The article at `slug`, with the words of `q` it matches.
    pub async fn article(&self, slug: &str, q: &str) -> Result<Loaded, String> {
        let request = Request::Article {
            slug: slug.to_string(),
            q: q.to_string(),
        };
        match self.ask(request).await? {
            Reply::Article(article) => article,
            other => Err(other.unexpected()),
        }
    }

    /// At most `n` articles like the one at `slug`, as list entries.
    pub async fn related(&self, slug: &str, n: usize) -> Result<Vec<Item>, String> {
        mark("broadsheet:related");
        let request = Request::Related {
            slug: slug.to_string(),
            n,
        };
        match self.ask(request).await? {
            Reply::Related(related) => related,
            other => Err(other.unexpected()),
        }
    }

    /// Answers `request` where queries run now (see [`Source::engine`]);
    /// an answer on the page then starts the worker.
    async fn ask(&self, request: Request) -> Result<Reply, String> {
        match self.engine().await? {
            Engine::Page(b) => {
                let reply = answer(&b, request, &|| false).await;
                self.start_worker(None, true);
                Ok(reply)
            }
            Engine::Worker(w) => w.call(&request).await,
        }
    }
}

/// A performance mark, for tests and the browser's tools.
fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
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
                    Ok(Request::Open {
                        data,
                        manifest,
                        pieces,
                        fetched,
                    }) => Reply::Opened(
                        async {
                            let b = Bundle::from_manifest(data, &manifest)?;
                            b.adopt(pieces)?;
                            b.add_fetched(fetched).await?;
                            *bundle.borrow_mut() = Some(b);
                            Ok(())
                        }
                        .await,
                    ),
                    Ok(request) => {
                        if matches!(request, Request::Page { .. }) {
                            pages.set(pages.get() + 1);
                        }
                        let list = matches!(request, Request::Page { .. } | Request::Facets { .. });
                        let mine = pages.get();
                        let stale = {
                            let pages = pages.clone();
                            move || list && pages.get() != mine
                        };
                        // Not borrowed across the answer, which waits for
                        // fetches while other requests are answered.
                        let open = bundle.borrow().clone();
                        match open {
                            Some(b) => answer(&b, request, &stale).await,
                            None => Reply::Refused("the bundle is not open".into()),
                        }
                    }
                    Err(e) => Reply::Refused(format!("unreadable request: {e}")),
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
        /// Starts a worker from `script` and waits until it listens; `None`
        /// where none can start or it fails to load.
        pub async fn start(script: &str) -> Option<Remote> {
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            // Refused synchronously for another origin's script.
            let worker = Worker::new_with_options(script, &options).ok()?;
            // The worker's first message: the page's compiled module, which
            // it instantiates instead of compiling the wasm again (see the
            // app module's start in build.rs).
            if worker.post_message(&wasm_bindgen::module()).is_err() {
                worker.terminate();
                return None;
            }
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
            remote.answer(READY).await?;
            Some(remote)
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
        pub async fn start(_: &str) -> Option<Remote> {
            None
        }

        pub async fn call(&self, _: &Request) -> Result<Reply, String> {
            Err("no worker here".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal is the worker's own reason; a reply of another kind is
    /// named by its kind.
    #[test]
    fn a_reply_out_of_turn_is_named() {
        assert_eq!(Reply::Refused("not open".into()).unexpected(), "not open");
        assert_eq!(
            Reply::Facets(Ok(Vec::new())).unexpected(),
            "the search worker answered out of turn (facet counts)"
        );
    }

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

    /// Polls a future that must not wait. Natively a fetch fails at once,
    /// so a bundle that has to fetch answers with an error, never pending.
    fn now<T>(f: impl std::future::Future<Output = T>) -> T {
        use std::task::{Context, Poll, Waker};
        match std::pin::pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the bundle waited for something"),
        }
    }

    /// The seed articles' bundle, in small term shards so that a query
    /// needs some of them, not all: its files by name, and its manifest.
    fn seed_site() -> (std::collections::HashMap<String, Vec<u8>>, Vec<u8>) {
        use broadsheet_core::bundle::MANIFEST_FILE;
        use broadsheet_core::index::{build, BuildOptions};

        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
        let mut paths: Vec<_> = std::fs::read_dir(seeds)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let articles: Vec<_> = paths
            .iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_str().unwrap();
                broadsheet_core::ingest::parse(&std::fs::read(p).unwrap(), name).unwrap()
            })
            .collect();
        let options = BuildOptions {
            term_shard_bytes: 256,
            ..BuildOptions::default()
        };
        let files: std::collections::HashMap<_, _> = build(&articles, &options)
            .files
            .into_iter()
            .map(|f| (f.name, f.bytes))
            .collect();
        let manifest = files[MANIFEST_FILE].clone();
        (files, manifest)
    }

    /// What a result page for `q` loads of the bundle, kept as
    /// `Bundle::load` keeps it (articles inflated): the term shards, the
    /// first ten results' listing entries and, with `articles`, their
    /// articles (record tables and records); with the results and, with
    /// `articles`, their snippets.
    fn page_pieces(
        files: &std::collections::HashMap<String, Vec<u8>>,
        manifest: &[u8],
        q: &broadsheet_core::search::Query,
        articles: bool,
    ) -> (
        Vec<Piece>,
        broadsheet_core::search::Results,
        Vec<broadsheet_core::search::Snippet>,
    ) {
        use broadsheet_core::bundle::pack;
        use broadsheet_core::search::{Engine, Need};

        let mut page = Engine::open(manifest).unwrap();
        let mut pieces = Vec::new();
        let mut load = |need: &Need| -> Result<Vec<u8>, ()> {
            let bytes = need.cut(&files[&need.file]).unwrap().to_vec();
            let plain = match need.deflated() {
                true => pack::inflate(&bytes).unwrap(),
                false => bytes.clone(),
            };
            pieces.push(Piece {
                need: need.clone(),
                bytes: plain,
            });
            Ok(bytes)
        };
        let results = page.resolve(&mut load, |e| e.search(q)).unwrap();
        let docs: Vec<u32> = results.hits.iter().take(10).map(|h| h.doc).collect();
        page.resolve(&mut load, |e| e.need_docs(&docs, articles))
            .unwrap();
        let snippets = match articles {
            true => page
                .resolve(&mut load, |e| e.snippets(&docs, &results.matched))
                .unwrap(),
            false => Vec::new(),
        };
        (pieces, results, snippets)
    }

    /// What the page hands over lets the worker answer the page's first
    /// query (results, their articles and snippets) without fetching a
    /// thing: the pieces survive postcard, loaded ones and those passed on
    /// as fetched (articles deflated) alike, and the worker's engine takes
    /// them as its own.
    #[test]
    fn the_pages_pieces_answer_its_query_in_the_worker() {
        use broadsheet_core::search::Query;

        let (files, manifest) = seed_site();
        let manifest = &manifest[..];
        let q = Query::parse("Bac Ninh");
        let (pieces, results, snippets) = page_pieces(&files, manifest, &q, true);
        let docs: Vec<u32> = results.hits.iter().take(10).map(|h| h.doc).collect();
        assert!(!results.hits.is_empty());
        assert!(pieces.iter().any(|p| p.need.deflated()), "articles loaded");
        // Articles as the page fetched them, the rest as it loaded them.
        let (raw, pieces): (Vec<Piece>, Vec<Piece>) =
            pieces.into_iter().partition(|p| p.need.deflated());
        let fetched = (raw.into_iter())
            .map(|p| Piece {
                bytes: p.need.cut(&files[&p.need.file]).unwrap().to_vec(),
                need: p.need,
            })
            .collect();

        // The worker, from the message.
        let open = Request::Open {
            data: "data/".into(),
            manifest: manifest.to_vec(),
            pieces,
            fetched,
        };
        let Request::Open {
            data,
            manifest,
            pieces,
            fetched,
        } = postcard::from_bytes(&postcard::to_allocvec(&open).unwrap()).unwrap()
        else {
            panic!("not an Open request");
        };
        let worker = Bundle::from_manifest(data.clone(), &manifest).unwrap();
        worker.adopt(pieces).unwrap();
        now(worker.add_fetched(fetched)).unwrap();
        assert_eq!(now(worker.run(|e| e.search(&q))).unwrap(), results);
        now(worker.run(|e| e.need_docs(&docs, true))).unwrap();
        let again = now(worker.run(|e| e.snippets(&docs, &results.matched))).unwrap();
        assert_eq!(format!("{again:?}"), format!("{snippets:?}"));

        // Without them the worker would have had to fetch (and natively
        // cannot).
        let cold = Bundle::from_manifest(data, &manifest).unwrap();
        assert!(now(cold.run(|e| e.search(&q))).is_err());
    }

    /// A viewer over the seed bundle that holds what a result page for `q`
    /// loads (see [`page_pieces`]) and can fetch nothing more (natively a
    /// fetch fails at once), and the list of `q`.
    fn viewer(q: &str, articles: bool) -> (Source, ListState) {
        let (files, manifest) = seed_site();
        let (pieces, ..) = page_pieces(
            &files,
            &manifest,
            &broadsheet_core::search::Query::parse(q),
            articles,
        );
        let bundle = Bundle::from_manifest("data/".into(), &manifest).unwrap();
        bundle.adopt(pieces).unwrap();
        let state = ListState {
            q: q.into(),
            ..ListState::default()
        };
        (Source::new("data/".into(), manifest, bundle, None), state)
    }

    /// A list asked for again is the page's own answer, not worked out
    /// anew; another limit or another order is another list.
    #[test]
    fn a_list_asked_for_again_is_answered_from_the_pages_memory() {
        let (source, state) = viewer("Bac Ninh", true);
        let first = now(source.page(&state, 10)).unwrap();
        assert!(!first.items.is_empty() && first.complete());
        let again = now(source.page(&state, 10)).unwrap();
        assert!(Rc::ptr_eq(&first, &again), "answered again");

        let fewer = now(source.page(&state, 1)).unwrap();
        assert!(!Rc::ptr_eq(&first, &fewer));
        assert_eq!(fewer.items[..], first.items[..1]);
        let newest = ListState {
            sort: crate::route::Sort::Newest,
            ..state.clone()
        };
        let other = now(source.page(&newest, 10)).unwrap();
        assert!(!Rc::ptr_eq(&first, &other));
        assert!(Rc::ptr_eq(&first, &now(source.page(&state, 10)).unwrap()));
    }

    /// Entries that show their listing excerpts because their articles
    /// could not be had (offline) are not kept: asked again, the list is
    /// worked out again, with snippets once the articles can be fetched.
    #[test]
    fn a_list_without_its_snippets_is_not_kept() {
        let (source, state) = viewer("Bac Ninh", false);
        let first = now(source.page(&state, 10)).unwrap();
        assert!(!first.items.is_empty());
        assert!(first.items.iter().all(|i| i.snippet.is_none()));
        assert!(!first.complete());
        let again = now(source.page(&state, 10)).unwrap();
        assert!(!Rc::ptr_eq(&first, &again), "worked out again");
        assert_eq!(first, again);
    }
}
