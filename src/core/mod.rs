//! The pure core: every decision of the package, as plain Rust over plain data, with no
//! browser API in it (no `wasm-bindgen`, `web-sys`, `js-sys` or `gloo`). It builds and is
//! tested natively, and the simulator in `tests/sim/` runs whole worlds of tabs on it.
//!
//! - [`Session`] (Descope) and [`RcSession`] (Rocket.Chat) are state machines: fed
//!   [`Input`](session::Input)s with the time, they read storage through an [`Env`] and queue
//!   [`Effect`]s for the driver to perform (see [`io`]).
//! - Their parts: [`claims`] (JWT payloads), [`cookie`] (cookie strings, the domain rule),
//!   [`clear`] (where a cookie could be), [`meta`] (storage layout), [`message`] (cross-tab
//!   messages), [`schedule`] (refresh timing, backoff), [`options`], [`fields`] (wire fields),
//!   [`obj`] (reading JSON-like values), [`error`].

pub mod claims;
pub mod clear;
pub mod cookie;
pub mod error;
pub mod fields;
pub mod io;
pub mod message;
pub mod meta;
pub mod obj;
pub mod options;
pub mod rc;
pub mod schedule;
pub mod session;
#[cfg(test)]
mod tests;

pub use io::{
    Effect, Env, Event, Expect, Grant, JwtReply, Kind, PutCookie, Reply, Request, Signal, Value,
};
pub use rc::{RcCall, RcInput, RcSession};
pub use session::{Call, Input, Page, Session};
