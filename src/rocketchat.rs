//! `RocketChatSession`: a Rocket.Chat login (user id and auth token) kept in storage, login,
//! logout, and logging out other sessions with Rocket.Chat's two-factor flow.
//!
//! The decisions live in the core ([`RcSession`], its `rules` and `sha256`, tested natively);
//! this module translates JS values into its inputs and its effects into promises.
//!
//! Storage layout: `<storagePrefix>RC_UID` holds the user id and `<storagePrefix>RC_TOKEN` the
//! auth token, in `localStorage`, `sessionStorage` or memory as `persist` says. Storage is the
//! source of truth: the getters read it, so a login or logout in another tab sharing
//! `localStorage` is seen at once.
//!
//! ```no_run
//! use session_keeper::RocketChatSession;
//! let options = js_sys::JSON::parse(r#"{"baseUrl": "https://chat.example.com"}"#).unwrap();
//! let rc = RocketChatSession::new(options).unwrap();
//! // Resolves with the answer's `data`; the login is stored.
//! let _data = rc.login("alice".into(), "secret".into());
//! // Without a second factor the server answers with its challenge (`two_factor_required`,
//! // `details.method`); the caller then asks the user for the code and calls again:
//! let two_factor = js_sys::JSON::parse(r#"{"method": "totp", "code": "123456"}"#).unwrap();
//! let _done = rc.logout_session("tTouumJMrHMjnedWf".into(), Some(two_factor.into()));
//! ```

use std::rc::Rc;

use js_sys::{Object, Promise};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::core::error::{Result, SessionError};
use crate::core::io::{Effect, Env, Grant, Kind, Reply};
use crate::core::rc::rules::{read_session_id, read_two_factor, Credentials, RcConfig};
use crate::core::rc::{RcCall, RcInput, RcSession};
use crate::shell::web::Store;
use crate::shell::{js, Driver, Machine, Plumbing};
use crate::types::{Persist, TwoFactorMethod};

/// The options of `new RocketChatSession(options)`.
///
/// ```js
/// const rc = new RocketChatSession({ baseUrl: "https://chat.example.com", persist: "sessionStorage" });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RocketChatSessionOptions {
    /// The Rocket.Chat server, e.g. `https://chat.example.com`. Required; a trailing slash is
    /// ignored.
    pub base_url: String,
    /// Prefix of the storage keys (`<prefix>RC_UID`, `<prefix>RC_TOKEN`). Default empty.
    #[tsify(optional)]
    pub storage_prefix: Option<String>,
    /// Where the login is kept. Default `"localStorage"`.
    #[tsify(optional)]
    pub persist: Option<Persist>,
    /// Per-request timeout in ms. Default 10000.
    #[tsify(optional)]
    pub request_timeout_ms: Option<f64>,
}

/// A Rocket.Chat login, as `POST /api/v1/login` answers it in `data`.
///
/// ```js
/// rc.apply({ userId: "RCadmin", authToken: token });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RocketChatCredentials {
    /// Sent as `X-User-Id`.
    pub user_id: String,
    /// Sent as `X-Auth-Token`.
    pub auth_token: String,
}

/// The `data` of a successful `POST /api/v1/login`.
///
/// ```js
/// const { userId, authToken, me } = await rc.login("alice", "secret");
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RocketChatLoginData {
    /// The user id.
    pub user_id: String,
    /// The auth token.
    pub auth_token: String,
    /// The signed-in user.
    pub me: RocketChatUser,
}

/// The user in a login answer (Rocket.Chat sends more members than these).
///
/// ```js
/// const { me } = await rc.login("alice", "secret");
/// console.log(me._id, me.username, me.name);
/// ```
#[derive(Clone, Debug, Tsify)]
pub struct RocketChatUser {
    /// The user id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The username.
    #[tsify(optional)]
    pub username: Option<String>,
    /// The display name.
    #[tsify(optional)]
    pub name: Option<String>,
}

/// The second factor for `logoutSession`.
///
/// ```js
/// await rc.logoutSession(sessionId, { method: "totp", code: "123456" });
/// ```
#[derive(Clone, Debug, Tsify)]
pub struct TwoFactor {
    /// Which method the code belongs to.
    pub method: TwoFactorMethod,
    /// The code from the authenticator app or the email; for `"password"` the password itself
    /// (only its SHA-256 is sent).
    pub code: String,
}

/// The answer of `logoutSession`.
///
/// ```js
/// const { sessionId, success } = await rc.logoutSession(id, { method: "totp", code: "123456" });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct LogoutSessionResult {
    /// The session logged out.
    pub session_id: String,
    /// `true`.
    pub success: bool,
}

/// Keeps a Rocket.Chat login (user id and auth token) and makes Rocket.Chat's session calls.
///
/// ```js
/// const rc = new RocketChatSession({ baseUrl: "https://chat.example.com" });
/// if (!rc.isAuthenticated) await rc.login("alice", "secret");
/// ```
#[wasm_bindgen]
pub struct RocketChatSession {
    d: Rc<Driver<RcSession>>,
}

impl Machine for RcSession {
    type Input = RcInput;
    fn handle(&mut self, now: f64, input: RcInput, env: &dyn Env) -> Result<()> {
        RcSession::handle(self, now, input, env)
    }
    fn drain(&mut self) -> Vec<Effect> {
        RcSession::drain(self)
    }
    fn answer(id: u32, reply: Result<Reply>) -> RcInput {
        RcInput::Answer(id, reply)
    }
    fn timer() -> RcInput {
        RcInput::Timer
    }
    fn lock(_: u32, _: Grant) -> Option<RcInput> {
        None
    }
    fn cookie(_: Kind, _: bool) -> Option<RcInput> {
        None
    }
    fn storage_refused(key: String) -> RcInput {
        RcInput::StorageRefused(key)
    }
}

fn reject(err: SessionError) -> Promise {
    Promise::reject(&js::error(&err))
}

fn string_or_undefined(value: Option<String>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from)
}

impl RocketChatSession {
    fn credentials(&self) -> Option<Credentials> {
        self.d.with(|c| c.credentials(&self.d.store)).flatten()
    }

    fn call(&self, call: RcCall) -> Promise {
        let (id, promise) = self.d.call();
        if let Err(err) = self.d.input(RcInput::Call(id, call)) {
            return reject(err);
        }
        promise
    }
}

#[wasm_bindgen]
impl RocketChatSession {
    /// Opens the storage `persist` names; a login stored there is used at once. Throws a
    /// `SessionError` (`invalid_argument`) for bad options.
    ///
    /// ```js
    /// const rc = new RocketChatSession({ baseUrl: "https://chat.example.com", storagePrefix: "app." });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "RocketChatSessionOptions")] options: JsValue,
    ) -> Result<RocketChatSession> {
        let config = RcConfig::read(&options)?;
        let store = Store::open(config.persist);
        Ok(RocketChatSession {
            d: Driver::new(RcSession::new(config), store, Plumbing::default()),
        })
    }

    /// Stores a login; other members are ignored, so a login answer's `data` fits. Throws a
    /// `SessionError` (`invalid_argument`, `storage`) and changes nothing when it cannot.
    ///
    /// ```js
    /// const answer = await fetch(`${server}/api/v1/login`, request).then((r) => r.json());
    /// rc.apply(answer.data); // { userId, authToken, me, ... }
    /// ```
    pub fn apply(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RocketChatCredentials")] credentials: JsValue,
    ) -> Result<()> {
        let login = Credentials::read(&credentials).ok_or(SessionError::invalid_argument(
            "credentials must be {userId, authToken}: non-empty strings without spaces",
        ))?;
        self.d.input(RcInput::Apply(login))
    }

    /// The stored user id.
    ///
    /// ```js
    /// const userId = rc.userId; // undefined when no login is stored
    /// ```
    #[wasm_bindgen(getter, js_name = userId, unchecked_return_type = "string | undefined")]
    pub fn user_id(&self) -> JsValue {
        string_or_undefined(self.credentials().map(|c| c.user_id))
    }

    /// The stored auth token.
    ///
    /// ```js
    /// const headers = { "X-User-Id": rc.userId, "X-Auth-Token": rc.authToken };
    /// ```
    #[wasm_bindgen(getter, js_name = authToken, unchecked_return_type = "string | undefined")]
    pub fn auth_token(&self) -> JsValue {
        string_or_undefined(self.credentials().map(|c| c.auth_token))
    }

    /// Whether a login is stored.
    ///
    /// ```js
    /// if (!rc.isAuthenticated) showLoginForm();
    /// ```
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.credentials().is_some()
    }

    /// `POST /api/v1/login`; stores the login and resolves the answer's `data`. A wrong
    /// password (`unauthorized`) leaves a stored login alone.
    ///
    /// ```js
    /// await rc.login("alice", "secret"); // rc.isAuthenticated is now true
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<RocketChatLoginData>")]
    pub fn login(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] user: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] password: JsValue,
    ) -> Promise {
        let user = user.as_string().filter(|u| !u.trim_ascii().is_empty());
        let password = password.as_string().filter(|p| !p.is_empty());
        let (Some(user), Some(password)) = (user, password) else {
            return reject(SessionError::invalid_argument(
                "user and password must be non-empty strings",
            ));
        };
        let body: JsValue = Object::new().into();
        js::set(&body, "user", &user.into());
        js::set(&body, "password", &password.into());
        match js::stringify(&body) {
            Some(body) => self.call(RcCall::Login(body)),
            None => reject(SessionError::invalid_argument(
                "user and password must be non-empty strings",
            )),
        }
    }

    /// `POST /api/v1/sessions/logout`: logs out another session. Without `twoFactor` the
    /// server answers with its challenge (`two_factor_required`, see `details`); call again
    /// with the code. Bad arguments, or no stored login, reject without a request.
    ///
    /// ```js
    /// try { await rc.logoutSession(sessionId); } catch (e) {
    ///   if (e.code !== "two_factor_required") throw e;
    ///   await rc.logoutSession(sessionId, { method: e.details.method, code: prompt("Code?") });
    /// }
    /// ```
    #[wasm_bindgen(
        js_name = logoutSession,
        unchecked_return_type = "Promise<LogoutSessionResult>"
    )]
    pub fn logout_session(
        &self,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(js_name = twoFactor, unchecked_optional_param_type = "TwoFactor")]
        two_factor: Option<Object>,
    ) -> Promise {
        let checked = read_session_id(&session_id)
            .and_then(|id| Ok((id, read_two_factor(two_factor.map(JsValue::from).as_ref())?)));
        let (session_id, two_factor) = match checked {
            Ok(checked) => checked,
            Err(err) => return reject(err),
        };
        let body: JsValue = Object::new().into();
        js::set(&body, "sessionId", &session_id.into());
        match js::stringify(&body) {
            Some(body) => self.call(RcCall::LogoutSession(body, two_factor)),
            None => reject(SessionError::invalid_argument(
                "sessionId must be a non-empty string",
            )),
        }
    }

    /// `POST /api/v1/logout`. The stored login is forgotten first, even when the request then
    /// fails (the promise rejects after that). Without a login it resolves without a request.
    ///
    /// ```js
    /// await rc.logout().catch(console.warn); // rc.isAuthenticated is false either way
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        self.call(RcCall::Logout)
    }
}
