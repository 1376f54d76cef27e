//! `RocketChatSession`: a Rocket.Chat login (user id and auth token) kept in storage, login,
//! logout, and logging out other sessions with Rocket.Chat's two-factor flow.
//!
//! The decisions live in [`rules`] (tested natively) and [`sha256`]; this module is the thin
//! browser shell that performs them.
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

pub mod rules;
pub mod sha256;

use std::rc::Rc;

use gloo_net::http::Method;
use js_sys::{Object, Promise, Reflect};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::engine::to_promise;
use crate::error::{ErrorCode, Result, SessionError};
use crate::http::{send, Answer, Call};
use crate::obj::Obj;
use crate::options::Persist;
use crate::storage::{MemoryStore, Store, WebStore};
use rules::{
    classify, logged_out, read_session_id, read_two_factor, request_headers, Credentials, RcConfig,
    TwoFactorCode, TwoFactorMethod, AUTH_TOKEN_KEY, USER_ID_KEY,
};

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

/// The `details` of a `two_factor_required` error: the server's object, passed through.
///
/// ```js
/// try { await rc.logoutSession(sessionId); } catch (e) {
///   if (e.code === "two_factor_required" && e.details.codeGenerated) askForTheEmailedCode();
/// }
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorDetails {
    /// The method the server wants a code for.
    #[tsify(optional)]
    pub method: Option<TwoFactorMethod>,
    /// Whether the server has just sent a code (the `email` method).
    #[tsify(optional)]
    pub code_generated: Option<bool>,
    /// The methods the user has.
    #[tsify(optional)]
    pub available_methods: Option<Vec<TwoFactorMethod>>,
}

/// Keeps a Rocket.Chat login (user id and auth token) and makes Rocket.Chat's session calls.
///
/// ```js
/// const rc = new RocketChatSession({ baseUrl: "https://chat.example.com" });
/// if (!rc.isAuthenticated) await rc.login("alice", "secret");
/// ```
#[wasm_bindgen]
pub struct RocketChatSession {
    inner: Rc<Inner>,
}

struct Inner {
    config: RcConfig,
    store: Box<dyn Store>,
    user_id_key: String,
    token_key: String,
}

impl Inner {
    fn credentials(&self) -> Option<Credentials> {
        Credentials::from_parts(
            self.store.get(&self.user_id_key),
            self.store.get(&self.token_key),
        )
    }

    fn save(&self, login: &Credentials) -> Result<()> {
        let saved = self
            .store
            .set(&self.user_id_key, &login.user_id)
            .and_then(|()| self.store.set(&self.token_key, &login.auth_token));
        if saved.is_err() {
            self.clear();
        }
        saved
    }

    fn clear(&self) {
        self.store.remove(&self.user_id_key);
        self.store.remove(&self.token_key);
    }

    /// `POST <baseUrl><path>` with a JSON body; an error answer is classified, and a 401
    /// forgets `login` unless another login has replaced it meanwhile.
    async fn post(
        &self,
        path: &str,
        login: Option<&Credentials>,
        two_factor: Option<&TwoFactorCode>,
        body: &JsValue,
    ) -> Result<JsValue> {
        let url = [self.config.base_url.as_str(), path].concat();
        let (headers, n) = request_headers(login, two_factor);
        let refusal = match send(Call {
            method: Method::POST,
            url: &url,
            headers: headers.get(..n).unwrap_or_default(),
            body: Some(body),
            timeout_ms: self.config.timeout_ms,
            include_credentials: false,
        })
        .await?
        {
            Answer::Ok(answer) => return Ok(answer),
            Answer::Refused(refusal) => refusal,
        };
        let refused = classify(refusal.status, &refusal.body);
        if refused.clear && login.is_some() && self.credentials().as_ref() == login {
            self.clear();
        }
        let mut err = SessionError::http(refusal.status, refusal.retry_after);
        err.code = refused.code;
        if let Some(message) = refused.message {
            err.message = message.into();
        }
        err.error_code = refused.error_type;
        if refused.code == ErrorCode::TwoFactorRequired {
            err.details = Some(refused.details.unwrap_or_else(|| Object::new().into()));
        }
        Err(err)
    }
}

fn reject(err: SessionError) -> Promise {
    to_promise(async move { Err(err) })
}

fn object(key: &str, value: JsValue) -> Object {
    let obj = Object::new();
    let _ = Reflect::set(&obj, &JsValue::from_str(key), &value);
    obj
}

fn string_or_undefined(value: Option<String>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from)
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
        let store: Box<dyn Store> = match config.persist {
            Persist::LocalStorage => WebStore::open(true).map(|s| Box::new(s) as Box<dyn Store>),
            Persist::SessionStorage => WebStore::open(false).map(|s| Box::new(s) as Box<dyn Store>),
            Persist::Memory => None,
        }
        .unwrap_or_else(|| Box::new(MemoryStore::default()));
        let key = |suffix| [config.prefix.as_str(), suffix].concat();
        Ok(RocketChatSession {
            inner: Rc::new(Inner {
                user_id_key: key(USER_ID_KEY),
                token_key: key(AUTH_TOKEN_KEY),
                config,
                store,
            }),
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
        self.inner.save(&login)
    }

    /// The stored user id.
    ///
    /// ```js
    /// const userId = rc.userId; // undefined when no login is stored
    /// ```
    #[wasm_bindgen(getter, js_name = userId, unchecked_return_type = "string | undefined")]
    pub fn user_id(&self) -> JsValue {
        string_or_undefined(self.inner.credentials().map(|c| c.user_id))
    }

    /// The stored auth token.
    ///
    /// ```js
    /// const headers = { "X-User-Id": rc.userId, "X-Auth-Token": rc.authToken };
    /// ```
    #[wasm_bindgen(getter, js_name = authToken, unchecked_return_type = "string | undefined")]
    pub fn auth_token(&self) -> JsValue {
        string_or_undefined(self.inner.credentials().map(|c| c.auth_token))
    }

    /// Whether a login is stored.
    ///
    /// ```js
    /// if (!rc.isAuthenticated) showLoginForm();
    /// ```
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.inner.credentials().is_some()
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
        let user = user.as_string().filter(|u| !u.trim().is_empty());
        let password = password.as_string().filter(|p| !p.is_empty());
        let (Some(user), Some(password)) = (user, password) else {
            return reject(SessionError::invalid_argument(
                "user and password must be non-empty strings",
            ));
        };
        let body = object("user", user.into());
        let _ = Reflect::set(&body, &JsValue::from_str("password"), &password.into());
        let inner = self.inner.clone();
        to_promise(async move {
            let answer = inner.post("/api/v1/login", None, None, &body).await?;
            let data = answer.field("data").unwrap_or(JsValue::UNDEFINED);
            let login = Credentials::read(&data).ok_or(SessionError::invalid_response(
                "the login answer has no usable data.userId and data.authToken",
            ))?;
            inner.save(&login).map(|()| data)
        })
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
        let Some(login) = self.inner.credentials() else {
            return reject(SessionError::new(
                ErrorCode::Unauthorized,
                "there is no stored login",
            ));
        };
        let inner = self.inner.clone();
        to_promise(async move {
            let body = object("sessionId", session_id.into()).into();
            let answer = inner
                .post(
                    "/api/v1/sessions/logout",
                    Some(&login),
                    two_factor.as_ref(),
                    &body,
                )
                .await?;
            if logged_out(&answer) {
                Ok(answer)
            } else {
                Err(SessionError::invalid_response(
                    "the answer does not say success: true",
                ))
            }
        })
    }

    /// `POST /api/v1/logout`. The stored login is forgotten first, even when the request then
    /// fails (the promise rejects after that). Without a login it resolves without a request.
    ///
    /// ```js
    /// await rc.logout().catch(console.warn); // rc.isAuthenticated is false either way
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        let login = self.inner.credentials();
        self.inner.clear();
        let inner = self.inner.clone();
        to_promise(async move {
            if let Some(login) = login {
                let body = Object::new().into();
                inner
                    .post("/api/v1/logout", Some(&login), None, &body)
                    .await?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }
}
