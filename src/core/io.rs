//! What goes into a session machine and what comes out of it.
//!
//! A machine ([`Session`](super::Session), [`RcSession`](super::RcSession)) is fed
//! [`Input`](super::Input)s with the time, reads the browser's storage through an [`Env`], and queues
//! [`Effect`]s that the driver (the browser shell, or the simulator) performs in order. Writes
//! are always effects; the machine never sees its own writes before they were performed.

use super::claims::Claims;
use super::error::SessionError;
use super::fields::JwtFields;

/// Read-only access to what the page shares with other tabs, and JSON decoding.
pub trait Env {
    /// `storage.getItem(key)` of the store the options chose.
    fn item(&self, key: &str) -> Option<String>;
    /// `document.cookie`.
    fn cookies(&self) -> String;
    /// Decodes a JWT payload (JSON text) into the claims the session acts on.
    fn claims(&self, payload_json: &str) -> Option<Claims>;
    /// `localStorage.getItem(key)`, whatever store the options chose: the keys shared with
    /// `@descope/web-js-sdk` (`DSLI`, the last user's) live there.
    fn shared(&self, key: &str) -> Option<String>;
    /// The first login id and the name of a user object (JSON text).
    fn login(&self, user_json: &str) -> Option<(String, Option<String>)>;
}

/// What [`Env::claims`] answers for a parsed payload: the claims of an object, else nothing.
pub fn claims_of<O: super::obj::Obj>(payload: &O) -> Option<Claims> {
    payload.is_object().then(|| Claims::read(payload))
}

/// What [`Env::login`] answers for a parsed user: its first login id and its name.
///
/// ```
/// use session_keeper::core::{io::login_of, testing::parse};
/// let user = parse(r#"{"loginIds": ["ada@example.com"], "name": "Ada"}"#);
/// assert_eq!(login_of(&user), Some(("ada@example.com".into(), Some("Ada".into()))));
/// assert_eq!(login_of(&parse(r#"{"loginIds": []}"#)), None);
/// ```
pub fn login_of<O: super::obj::Obj>(user: &O) -> Option<(String, Option<String>)> {
    let login_id = user.field("loginIds")?.items()?.first()?.string()?;
    Some((login_id, user.field("name").and_then(|n| n.string())))
}

/// How the driver decodes the answer of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A Descope JWTResponse.
    Jwt,
    /// A JWTResponse, or `{}` when the server found no session (`try-refresh`).
    MaybeJwt,
    /// A Descope user object.
    User,
    /// A JSON array.
    List,
    /// A JSON object.
    Object,
    /// `{keyId, sessionJwt, expiration?}`.
    AccessKey,
    /// Anything (logout); Descope errors.
    Any,
    /// Rocket.Chat's login answer: `data.userId` and `data.authToken`.
    RcLogin,
    /// Rocket.Chat's `{success: true}`.
    RcSuccess,
    /// Anything; Rocket.Chat errors.
    RcAny,
}

impl Expect {
    /// Rocket.Chat requests omit credentials and decode Rocket.Chat's error bodies.
    pub fn rocket_chat(self) -> bool {
        matches!(self, Expect::RcLogin | Expect::RcSuccess | Expect::RcAny)
    }
}

/// One HTTP request to perform.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Its number; the answer comes back as [`Input::Answer`](super::Input::Answer) with it.
    pub id: u32,
    /// Absolute URL.
    pub url: String,
    /// Request headers besides `Content-Type: application/json`.
    pub headers: Vec<(&'static str, String)>,
    /// JSON body.
    pub body: Option<String>,
    /// How to decode the answer.
    pub expect: Expect,
}

impl Request {
    /// `POST` (else `GET`): every POST of the APIs carries a JSON body, every GET none.
    pub fn post(&self) -> bool {
        self.body.is_some()
    }
}

/// A decoded successful answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A JWTResponse: the fields acted on and the user as JSON text.
    Jwt(Box<JwtReply>),
    /// A user object as JSON text.
    User(String),
    /// A body of the expected shape, passed to the caller as it is.
    Data,
    /// Rocket.Chat credentials (`data.userId`, `data.authToken`).
    RcLogin(String, String),
}

/// The parts of a JWTResponse the session stores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JwtReply {
    /// The fields acted on.
    pub fields: JwtFields,
    /// `user`, as JSON text, when it is an object.
    pub user: Option<String>,
}

/// A signal of the page's life that can make a due refresh run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// `visibilitychange` to visible.
    Visible,
    /// `visibilitychange` to hidden.
    Hidden,
    /// `focus`.
    Focus,
    /// `online`.
    Online,
    /// `offline`.
    Offline,
    /// `pageshow` (restored from the back-forward cache).
    PageShow,
}

/// The outcome of asking for a Web Lock without waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// This tab holds it until [`Effect::Unlock`].
    Granted,
    /// Another tab holds it.
    Busy,
    /// The browser has no Web Locks.
    Unsupported,
    /// The browser refused the request (a sandboxed frame, blocked site data, invalid
    /// options): this tab cannot take part in the turn.
    Denied,
}

/// Which token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The session JWT.
    Session,
    /// The refresh JWT.
    Refresh,
}

/// A cookie to write and read back ([`Input::Cookie`](crate::core::session::Input::Cookie)
/// tells the session what reading it back showed).
#[derive(Clone, Debug, PartialEq)]
pub struct PutCookie {
    /// Which token.
    pub kind: Kind,
    /// The `document.cookie` text that writes it.
    pub text: String,
    /// Cookie name, to read it back.
    pub name: String,
    /// The token.
    pub value: String,
}

/// A change to report to the page's callbacks.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `onSessionTokenChange`
    Token(Option<String>),
    /// `onUserChange` (user JSON)
    User(Option<String>),
    /// `onIsAuthenticatedChange`
    Auth(bool),
    /// `onRefreshError`
    RefreshError(SessionError),
}

/// What a settled call resolves with.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `undefined`
    Undefined,
    /// The body of the answer being handled, as it came.
    Body,
    /// `{sessionJwt, refreshJwt?, user?}` of the tokens now held (boxed: a result moves as
    /// a pointer).
    Tokens(Box<Tokens>),
}

/// The tokens a call resolves with.
#[derive(Clone, Debug, PartialEq)]
pub struct Tokens {
    /// The session JWT.
    pub session: String,
    /// The refresh JWT.
    pub refresh: Option<String>,
    /// The user as JSON.
    pub user: Option<String>,
}

/// What the driver must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send a request; answer with [`Input::Answer`](super::Input::Answer).
    Send(Request),
    /// Abort request `id`; its answer is no longer wanted.
    Abort(u32),
    /// Call back with [`Input::Timer`](super::Input::Timer) at this epoch-ms time (replacing the last one), or never.
    Timer(Option<f64>),
    /// `storage.setItem(key, value)`; answer [`Input::StorageRefused`](super::Input) when the
    /// browser refuses.
    Set(String, String),
    /// `storage.removeItem(key)`.
    Remove(String),
    /// `localStorage.setItem(key, value)` (or `removeItem` without a value), whatever store
    /// the options chose; best effort.
    Shared(String, Option<String>),
    /// `document.cookie = text`.
    Cookie(String),
    /// `document.cookie = text` for a token cookie, then read it back and answer
    /// [`Input::Cookie`](super::Input) (kept or refused).
    PutCookie(Box<PutCookie>),
    /// Post a message to the other tabs.
    Post(String),
    /// Ask for Web Lock `name` without waiting; answer with [`Input::Lock`](super::Input::Lock).
    Lock(u32, String),
    /// Release Web Lock `id`.
    Unlock(u32),
    /// Tell the page's callbacks.
    Emit(Event),
    /// Settle the promise of call `id`.
    Settle(u32, Result<Value, SessionError>),
}
