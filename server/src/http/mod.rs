//! HTTP pieces outside the Leptos pages: operations endpoints and request guards.

pub mod ops;
pub mod security;
