//! session-keeper keeps a browser session alive for web frontends that sign in with Descope or
//! Rocket.Chat. It is compiled to WebAssembly and used from JS as the npm package
//! `session-keeper`; the JS API is [`SessionManager`] (Descope) and [`RocketChatSession`].
//!
//! The crate is a pure core and a thin browser shell:
//! - [`core`]: every decision, as state machines ([`core::Session`], [`core::RcSession`]) fed
//!   with inputs and the time, returning effects. No browser API; tested natively and by the
//!   multi-tab simulator (`tests/sim/`).
//! - `shell` (private): one driver per session that performs the effects with fetch, timers,
//!   storage, cookies, Web Locks and BroadcastChannel, and feeds the results back.
//! - the JS facades [`SessionManager`] and [`RocketChatSession`], and the TypeScript types.
#![deny(missing_docs)]

pub mod core;
mod manager;
pub mod rocketchat;
mod shell;
pub mod types;

pub use crate::core::error::{ErrorCode, Result, SessionError};
pub use manager::SessionManager;
pub use rocketchat::RocketChatSession;
