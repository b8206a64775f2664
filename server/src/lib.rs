//! The `attune` server: configuration, storage, HTTP, and the command line's work.

pub mod config;
pub mod customer;
pub mod decide;
pub mod demo;
pub mod http;
pub mod inbound;
pub mod links;
pub mod mail;
pub mod staff;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod webhooks;
pub mod words;
