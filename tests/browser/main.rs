//! Browser tests (Chrome and Firefox, with `wasm-pack test`, against the devserver over real
//! HTTP): what only a browser shows — JS values, cookies as the browser stores them, Web
//! Locks, several managers on one page as tabs. One module a subject; the kit they all use
//! is `web`.
//!
//! The devserver's request log does not record request headers: headers are checked where the
//! server acts on them (`x-descope-refresh-cookie-name` picks the refresh cookie it reads) and
//! otherwise through what `hooks.beforeRequest` is shown.
// Browser tests only: natively (cargo test, cargo-mutants) the target is empty.
#![cfg(target_arch = "wasm32")]

mod web;

mod calls;
mod cookies;
mod crosstab;
mod events;
mod hooks;
mod logout;
mod options;
mod refresh;
mod rocketchat;
#[cfg(feature = "rust")]
mod rust_api;
#[cfg(feature = "rust")]
mod rust_api_rocketchat;
mod storage;
mod tenants;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
