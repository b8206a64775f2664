//! Attune's web front end: compiled into the server for rendering (feature `ssr`) and to
//! WebAssembly for hydration (feature `hydrate`). Shared domain types live in [`domain`].

pub mod api;
pub mod app;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod pages;

/// The browser entry point: attaches the interactive app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
