//! Integration tests: one binary, one module per feature. Every test that touches the database
//! runs twice, on SQLite and on Postgres (`both_backends!`).

#[macro_use]
mod helpers;

mod addresses;
mod backup;
mod cli;
mod customer;
mod decision_keys;
mod durability;
mod edges;
mod freshness;
mod grants;
mod hostile;
mod layout;
mod links;
mod mail;
mod pages;
mod people;
mod provider_replays;
mod replies;
mod scale_out;
mod sender_api;
mod smtp;
mod staff;
mod staff_sign_in;
mod store;
mod trust;
mod webhooks;
