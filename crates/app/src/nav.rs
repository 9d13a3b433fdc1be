//! Where the current screen ([`Route`]) lives.
//!
//! A viewer that is the page keeps it in the URL hash, so links, reload and
//! the back button work on any static host. An embedded viewer must not
//! fight its host page over the URL: it keeps the screen in its element's
//! `route` attribute (same syntax as the hash), which the host can read and
//! set, and turns its own link clicks into attribute changes.

use crate::route::Route;
use web_sys::Element;

#[derive(Clone, PartialEq)]
pub enum Nav {
    /// The page's URL hash.
    Hash,
    /// The `route` attribute of the `<broadsheet-viewer>` element `host`,
    /// which shows the site at `site`.
    Host { host: Element, site: String },
}

/// The attribute an embedded viewer keeps its screen in.
pub const ROUTE_ATTRIBUTE: &str = "route";

impl Nav {
    /// The screen to show now.
    pub fn current(&self) -> Route {
        Route::parse(&self.raw())
    }

    fn raw(&self) -> String {
        match self {
            Nav::Hash => gloo::utils::window().location().hash().unwrap_or_default(),
            Nav::Host { host, .. } => host.get_attribute(ROUTE_ATTRIBUTE).unwrap_or_default(),
        }
    }

    /// Moves to `route`: a new history entry, or with `replace` (while
    /// typing) a replacement of the current one.
    pub fn go(&self, route: &Route, replace: bool) {
        let hash = route.to_hash();
        match self {
            Nav::Hash => {
                if let Ok(h) = gloo::utils::window().history() {
                    let null = wasm_bindgen::JsValue::NULL;
                    let _ = if replace {
                        h.replace_state_with_url(&null, "", Some(&hash))
                    } else {
                        h.push_state_with_url(&null, "", Some(&hash))
                    };
                }
            }
            Nav::Host { host, .. } => {
                let _ = host.set_attribute(ROUTE_ATTRIBUTE, &hash);
            }
        }
    }

    /// Calls `f` when the screen is changed from outside: the back button or
    /// a typed URL, or the host page setting the attribute.
    pub fn listen(&self, f: impl Fn(Route) + 'static) -> gloo::events::EventListener {
        let nav = self.clone();
        let callback = move |_: &web_sys::Event| f(nav.current());
        match self {
            Nav::Hash => {
                gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", callback)
            }
            // `embed.js` fires this from attributeChangedCallback.
            Nav::Host { host, .. } => {
                gloo::events::EventListener::new(host, "broadsheet-route", callback)
            }
        }
    }

    /// The address of `href` (an in-app link, `#/…`) outside this viewer:
    /// for an embedded viewer, the page of the site itself.
    pub fn outside(&self, href: &str) -> String {
        match self {
            Nav::Hash => href.to_string(),
            Nav::Host { site, .. } => format!("{site}{href}"),
        }
    }
}

/// Whether this viewer is the page (its screen in the URL hash), not one
/// embedded in another page: only then are the page's title and scroll
/// position its to change.
#[yew::hook]
pub fn use_own_page() -> bool {
    yew::use_context::<crate::Config>().is_none_or(|c| c.nav == Nav::Hash)
}

thread_local! {
    /// The page's own title (`index.html`'s `<title>`), as it was before
    /// any screen named itself in it.
    static SITE_TITLE: std::cell::OnceCell<String> = const { std::cell::OnceCell::new() };
}

/// Names the screen in the page's title, before the site's own title
/// (`Cao Bang · Broadsheet`; the site's title alone for `None`), so that
/// the tab, the history list and bookmarks say which screen each is. Only
/// for a viewer that is the page: an embedded one leaves its host's title
/// alone.
pub fn set_page_title(screen: Option<&str>) {
    let document = gloo::utils::document();
    let site = SITE_TITLE.with(|t| t.get_or_init(|| document.title()).clone());
    match screen.map(str::trim).filter(|s| !s.is_empty()) {
        Some(screen) => document.set_title(&format!("{screen} · {site}")),
        None => document.set_title(&site),
    }
}
