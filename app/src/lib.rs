//! Attune's web front end: compiled into the server for rendering (feature `ssr`) and to
//! WebAssembly for its islands (feature `hydrate`): the pages are server HTML, and only the
//! components marked `#[island]` run in the browser. Shared domain types live in [`domain`].

pub mod api;
#[cfg(feature = "ssr")]
pub mod app;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod i18n;
pub mod pages;

/// The browser entry point: sets up the reactive system; the hydration script then hydrates
/// each island on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
