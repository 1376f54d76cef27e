//! session-keeper keeps a browser session alive for web frontends that sign in with Descope or
//! Rocket.Chat. It is compiled to WebAssembly and used from JS as the npm package
//! `session-keeper`; the JS API is [`SessionManager`] (Descope) and `RocketChatSession`.
//!
//! The crate is split into a pure core, tested natively, and a thin browser shell:
//! - pure: [`claims`] (JWT payloads), [`cookie`] (cookie strings and the domain rule),
//!   [`storage`] (key names, the meta record), [`schedule`] (refresh timing, backoff,
//!   failure classification), [`options`] (validation), [`error`];
//! - browser (private): `http` (fetch), `vault` (cookies and storage), `timer`, `events`,
//!   `crosstab` (Web Locks, BroadcastChannel), `engine`, and the JS facades
//!   [`SessionManager`] and [`RocketChatSession`].
#![deny(missing_docs)]

pub mod claims;
pub mod cookie;
mod crosstab;
mod engine;
pub mod error;
mod events;
mod http;
mod manager;
pub mod obj;
pub mod options;
pub mod rocketchat;
pub mod schedule;
pub mod storage;
mod timer;
mod vault;
pub mod wire;

pub use error::{ErrorCode, Result, SessionError};
pub use manager::SessionManager;
pub use rocketchat::RocketChatSession;
