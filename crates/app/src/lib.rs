//! Broadsheet's viewer: a Yew app that loads a bundle lazily and lists,
//! searches and displays its articles, entirely in the browser.
//!
//! All search logic lives in `broadsheet-core`; this crate only fetches the
//! bundle files the core asks for ([`data`]), keeps the URL in sync
//! ([`route`]) and renders ([`components`]).

pub mod components;
pub mod data;
pub mod route;

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let document = gloo::utils::document();
    let root = document
        .get_element_by_id("broadsheet")
        .unwrap_or_else(|| document.body().expect("page has a body").into());
    yew::Renderer::<components::App>::with_root(root).render();
}
