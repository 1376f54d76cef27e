//! The Rust API (API.md §7, feature `rust`): the same Descope session as the JS
//! `SessionManager`, for Rust frontends compiled to `wasm32-unknown-unknown` (Leptos, Dioxus,
//! Yew, plain `web-sys`), with Rust types instead of JS values. Not in the npm package.
//!
//! ```toml
//! [dependencies]
//! session-keeper = { path = "../session-keeper", default-features = false, features = ["rust", "serde"] }
//! ```
//!
//! - [`Options`] builds the options of §2 and §6; [`Session::new`] validates them as the JS
//!   constructor does (an `invalid_argument` [`SessionError`] for bad ones).
//! - [`Session`] is a `Clone` handle (not `Send`: the browser's main thread). Its getters
//!   answer at once; every call of §2 and §6 answers a future of
//!   `Result<_, SessionError>` that starts when called.
//! - [`Session::snapshot`] and [`Session::subscribe`] give the [`Snapshot`] (no tokens) for UI
//!   state; dropping the [`Subscription`] unsubscribes.
//! - [`JwtResponse`], [`User`] and the other wire types are plain structs with Descope's
//!   members as snake_case fields; members without a field are kept in `extra`. With the
//!   `serde` feature they are `Serialize`/`Deserialize` with Descope's member names.
//! - [`SessionError`] carries the §5 fields (`code()`, `status()`, `error_code()`, …) and is a
//!   `std::error::Error`.
//!
//! Every rule of §2, §3 and §6 holds unchanged: a `Session` drives the JS facade's own
//! driver, core and shell, so a `Session` and a JS `SessionManager` of the same project on
//! one origin are tabs of one session to each other.
//!
//! ```no_run
//! use session_keeper::{JwtResponse, Options, Persist, Session, SessionError, Snapshot};
//!
//! // `sign_in`: what the app's sign-in flow answered, e.g. decoded with
//! // `serde_json::from_str::<JwtResponse>(&text)` (feature `serde`) or read with
//! // `JwtResponse::from_js(&value)`.
//! async fn start(sign_in: Option<JwtResponse>) -> Result<Session, SessionError> {
//!     let session = Session::new(
//!         Options::new("P2abc")
//!             .base_url("https://auth.example.com")
//!             .persist(Persist::LocalStorage)
//!             .cross_tab(true)
//!             .auto_refresh(true),
//!     )?;
//!     session.ready().await; // a start-up refresh, if one was due, has settled
//!     if let (false, Some(response)) = (session.is_authenticated(), &sign_in) {
//!         session.apply(response)?;
//!     }
//!     // UI state: called at once, then once per change; dropping the guard unsubscribes.
//!     let guard = session.subscribe(|snapshot: &Snapshot| {
//!         let name = snapshot.user.as_ref().and_then(|u| u.name.as_deref());
//!         web_sys::console::log_1(&format!("signed in as {}", name.unwrap_or("-")).into());
//!     });
//!     std::mem::forget(guard); // kept for the page's life
//!     match session.me().await {
//!         Ok(user) => web_sys::console::log_1(&format!("{:?}", user.email).into()),
//!         Err(err) if err.status() == Some(401) => session.logout().await?,
//!         Err(err) => return Err(err),
//!     }
//!     Ok(session)
//! }
//! ```
//!
//! With the `rocketchat` feature too, [`RocketChatSession`] keeps a Rocket.Chat login (§4)
//! the same way, over the JS `RocketChatSession`'s core and storage.
//!
//! Not done: async `before_request` hooks (the JS hook may answer a promise; the Rust one is
//! synchronous).

mod data;
mod options;
#[cfg(feature = "rocketchat")]
mod rocketchat;
mod session;
mod wire;
mod wire_struct;

pub use crate::types::Persist;
pub use data::{
    AccessKeyExchange, Claims, JwtResponse, LoginOptions, SecurityAnswer, SecurityQuestions,
    Snapshot, Tenant, TenantQuery, User, UserHistory, UserTenant, Value,
};
pub use options::{CookieOptions, CookieSetting, Options, RequestConfig, ResponseInfo, SameSite};
#[cfg(feature = "rocketchat")]
pub use rocketchat::{
    LogoutSessionResult, RocketChatCredentials, RocketChatLogin, RocketChatOptions,
    RocketChatSession, RocketChatUser, TwoFactor,
};
pub use session::{Session, Subscription};

pub use crate::core::error::TwoFactorDetails;
#[cfg(feature = "rocketchat")]
pub use crate::types::TwoFactorMethod;

pub use crate::core::error::{ErrorCode, ErrorFields, SessionError};
