//! HTTP pieces outside the Leptos pages: operations endpoints and request guards.

pub mod api;
pub mod cidr;
pub mod client_ip;
pub mod contacts;
pub mod decisions;
pub mod endpoints;
pub mod error;
pub mod extract;
pub mod feed;
pub mod form;
pub mod idempotency;
pub mod language;
pub mod listener;
pub mod ops;
pub mod page_error;
pub mod preferences;
pub mod security;
pub mod site;
