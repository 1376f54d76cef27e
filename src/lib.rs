//! session-keeper keeps a browser session alive for web frontends that sign in with Descope or
//! Rocket.Chat: tokens in cookies and storage, refreshed before they expire, one refresh per
//! cycle across the origin's tabs, cleared everywhere on logout. It is compiled to WebAssembly
//! and used from JS as the npm package `session-keeper` (the JS API is [`SessionManager`] for
//! Descope and [`RocketChatSession`]), and from Rust frontends through the feature `rust`.
//!
#![cfg_attr(feature = "rust", doc = include_str!("rust/guide.md"))]
//!
//! The crate is a pure core and a thin browser shell:
//! - [`core`]: every decision, as state machines ([`core::Session`], [`core::RcSession`]) fed
//!   with inputs and the time, returning effects. No browser API; tested natively and by the
//!   multi-tab simulator (`tests/sim/`).
//! - `shell` (private): one driver per session that performs the effects with fetch, timers,
//!   storage, cookies, Web Locks and BroadcastChannel, and feeds the results back.
//! - the JS facades [`SessionManager`] (feature `descope`) and [`RocketChatSession`] (feature
//!   `rocketchat`), and the TypeScript types. The npm package builds each facade into its own
//!   wasm, so that an app downloads only the one it uses; both features are on by default.
//! - `rust` (feature `rust`, off by default and never in the npm package): the typed Rust
//!   API for Rust frontends compiled to wasm32 — `Session`, `Options`, `Snapshot`,
//!   `JwtResponse`, `User` — driving the same facade, shell and core (API.md §7).
#![deny(missing_docs)]

// SAFETY: the wasm module runs on the page's one thread; nothing here shares the heap with a
// worker.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

pub mod core;
#[cfg(feature = "descope")]
mod manager;
#[cfg(feature = "rocketchat")]
pub mod rocketchat;
#[cfg(feature = "rust")]
pub mod rust;
mod shell;
pub mod types;

pub use crate::core::error::{ErrorCode, ErrorFields, Result, SessionError};
#[cfg(feature = "descope")]
pub use manager::SessionManager;
#[cfg(feature = "rocketchat")]
pub use rocketchat::RocketChatSession;
#[cfg(feature = "rust")]
pub use rust::{JwtResponse, Options, Persist, Session, Snapshot, Subscription, User};
