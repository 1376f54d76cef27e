//! [`RocketChatSession`]: the Rust handle of a Rocket.Chat login (API.md §4, features `rust`
//! and `rocketchat`). It drives the JS facade [`crate::RocketChatSession`] itself — the same
//! core, shell and storage layout — converting values at the edge.

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::JsValue;

use super::data::{camel_case, debug_redacted, redacted};
use super::options::{persist_name, setters};
use super::session::call;
use super::wire::{self, Wire};
use super::wire_struct::wire_struct;
use crate::core::error::SessionError;
use crate::core::obj::Obj;
use crate::rocketchat::RocketChatSession as Facade;
use crate::shell::js::set;
use crate::types::{Persist, TwoFactorMethod};

/// The options of a [`RocketChatSession`]: the server, and where the login is kept.
///
/// ```
/// use session_keeper::rust::RocketChatOptions;
/// use session_keeper::Persist;
/// let options = RocketChatOptions::new("https://chat.example.com")
///     .storage_prefix("app.")
///     .persist(Persist::SessionStorage)
///     .request_timeout_ms(5_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RocketChatOptions {
    base_url: String,
    storage_prefix: Option<String>,
    persist: Option<Persist>,
    request_timeout_ms: Option<u32>,
}

impl RocketChatOptions {
    /// `baseUrl`: the Rocket.Chat server, e.g. `https://chat.example.com` (required; a
    /// trailing slash is ignored).
    ///
    /// ```
    /// use session_keeper::rust::RocketChatOptions;
    /// let options = RocketChatOptions::new("https://chat.example.com/");
    /// ```
    pub fn new(base_url: impl Into<String>) -> RocketChatOptions {
        RocketChatOptions {
            base_url: base_url.into(),
            storage_prefix: None,
            persist: None,
            request_timeout_ms: None,
        }
    }

    setters! { RocketChatOptions:
        /// `storagePrefix`: prefixes the storage keys (`<prefix>RC_UID`, `<prefix>RC_TOKEN`).
        ///
        /// ```
        /// use session_keeper::rust::RocketChatOptions;
        /// let options = RocketChatOptions::new("https://chat.example.com").storage_prefix("app.");
        /// ```
        storage_prefix(prefix: impl Into<String>) => storage_prefix = prefix.into();

        /// `persist`: where the login is kept (default [`Persist::LocalStorage`]).
        ///
        /// ```
        /// use session_keeper::{rust::RocketChatOptions, Persist};
        /// let options = RocketChatOptions::new("https://chat.example.com").persist(Persist::Memory);
        /// ```
        persist(persist: Persist) => persist = persist;

        /// `requestTimeoutMs`: per-request timeout (default 10000; 0 is refused).
        ///
        /// ```
        /// use session_keeper::rust::RocketChatOptions;
        /// let options = RocketChatOptions::new("https://chat.example.com").request_timeout_ms(5_000);
        /// ```
        request_timeout_ms(ms: u32) => request_timeout_ms = ms;
    }

    /// The JS options object the facade reads.
    fn to_js(&self) -> JsValue {
        let out: JsValue = Object::new().into();
        set(&out, "baseUrl", &self.base_url.write());
        if let Some(prefix) = &self.storage_prefix {
            set(&out, "storagePrefix", &prefix.write());
        }
        if let Some(persist) = self.persist {
            set(&out, "persist", &persist_name(persist).into());
        }
        if let Some(ms) = self.request_timeout_ms {
            set(&out, "requestTimeoutMs", &f64::from(ms).into());
        }
        out
    }
}

camel_case! {
    /// A Rocket.Chat login: what [`RocketChatSession::apply`] stores and sends as `X-User-Id` and
    /// `X-Auth-Token`. `{:?}` does not print the token.
    ///
    /// ```
    /// use session_keeper::rust::RocketChatCredentials;
    /// let login = RocketChatCredentials::new("RCadmin", "tok_1");
    /// assert!(!format!("{login:?}").contains("tok_1"));
    /// ```
    #[derive(Clone, PartialEq, Eq)]
    pub struct RocketChatCredentials {
        /// `userId`
        pub user_id: String,
        /// `authToken`
        pub auth_token: String,
    }
}

impl RocketChatCredentials {
    /// A login from its two parts.
    ///
    /// ```
    /// use session_keeper::rust::RocketChatCredentials;
    /// assert_eq!(RocketChatCredentials::new("RCadmin", "tok_1").user_id, "RCadmin");
    /// ```
    pub fn new(user_id: impl Into<String>, auth_token: impl Into<String>) -> Self {
        RocketChatCredentials {
            user_id: user_id.into(),
            auth_token: auth_token.into(),
        }
    }
}

debug_redacted!(RocketChatCredentials {
    user_id,
    auth_token: redacted
});

camel_case! {
    /// The `data` of a successful `POST /api/v1/login`, as [`RocketChatSession::login`] answers
    /// it (the login is stored by then). `{:?}` does not print the token.
    ///
    /// ```
    /// use session_keeper::rust::{RocketChatLogin, RocketChatUser};
    /// let data = RocketChatLogin {
    ///     user_id: "RCadmin".into(),
    ///     auth_token: "tok_1".into(),
    ///     me: RocketChatUser { username: Some("rc-admin".into()), ..RocketChatUser::default() },
    /// };
    /// assert_eq!(data.credentials().user_id, "RCadmin");
    /// ```
    #[derive(Clone, PartialEq)]
    pub struct RocketChatLogin {
        /// `userId`
        pub user_id: String,
        /// `authToken`
        pub auth_token: String,
        /// `me`: the signed-in user (empty when the answer had none).
        #[cfg_attr(feature = "serde", serde(default))]
        pub me: RocketChatUser,
    }
}

impl RocketChatLogin {
    /// The login it holds, as [`RocketChatSession::apply`] takes it.
    ///
    /// ```
    /// use session_keeper::rust::{RocketChatLogin, RocketChatUser};
    /// let data = RocketChatLogin {
    ///     user_id: "RCadmin".into(),
    ///     auth_token: "tok_1".into(),
    ///     me: RocketChatUser::default(),
    /// };
    /// assert_eq!(data.credentials().auth_token, "tok_1");
    /// ```
    pub fn credentials(&self) -> RocketChatCredentials {
        RocketChatCredentials::new(self.user_id.clone(), self.auth_token.clone())
    }
}

debug_redacted!(RocketChatLogin {
    user_id,
    auth_token: redacted,
    me
});

wire_struct! {
    /// The user in a login answer. Rocket.Chat sends many more members than these; they are kept
    /// in `extra`.
    ///
    /// ```
    /// use session_keeper::rust::RocketChatUser;
    /// let me = RocketChatUser { name: Some("RC Admin".into()), ..RocketChatUser::default() };
    /// assert_eq!(me.name.as_deref(), Some("RC Admin"));
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct RocketChatUser {
        /// `_id`: the user id.
        pub id: Option<String> = "_id",
        /// `username`
        pub username: Option<String> = "username",
        /// `name`: the display name.
        pub name: Option<String> = "name",
    }
    /// The other members (`emails`, `roles`, `settings`, …), as they came.
    extra
}

/// The second factor of [`RocketChatSession::logout_session`]. `{:?}` does not print the code.
///
/// ```
/// use session_keeper::rust::{TwoFactor, TwoFactorMethod};
/// let code = TwoFactor::new(TwoFactorMethod::Totp, "123456");
/// assert!(!format!("{code:?}").contains("123456"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TwoFactor {
    /// Which method the code belongs to.
    pub method: TwoFactorMethod,
    /// The code from the authenticator app or the email; for
    /// [`TwoFactorMethod::Password`] the password itself (only its SHA-256 is sent).
    pub code: String,
}

impl TwoFactor {
    /// A code of `method`.
    ///
    /// ```
    /// use session_keeper::rust::{TwoFactor, TwoFactorMethod};
    /// let factor = TwoFactor::new(TwoFactorMethod::Email, "424242");
    /// assert_eq!(factor.method, TwoFactorMethod::Email);
    /// ```
    pub fn new(method: TwoFactorMethod, code: impl Into<String>) -> TwoFactor {
        TwoFactor {
            method,
            code: code.into(),
        }
    }

    /// `{method, code}`, as the facade takes it.
    fn to_js(&self) -> Object {
        let out = Object::new();
        set(&out, "method", &self.method.as_str().into());
        set(&out, "code", &self.code.write());
        out
    }
}

debug_redacted!(TwoFactor {
    method,
    code: redacted
});

camel_case! {
    /// The answer of [`RocketChatSession::logout_session`].
    ///
    /// ```
    /// use session_keeper::rust::LogoutSessionResult;
    /// let done = LogoutSessionResult { session_id: "s1".into(), success: true };
    /// assert!(done.success);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct LogoutSessionResult {
        /// `sessionId`: the session logged out.
        pub session_id: String,
        /// `success`: `true`.
        pub success: bool,
    }
}

/// A Rocket.Chat login (user id and auth token) kept in storage, and Rocket.Chat's session
/// calls: login, logout, and logging out another session with Rocket.Chat's two-factor flow
/// (API.md §4; every rule holds as for the JS `RocketChatSession`, which it drives).
///
/// Storage is the source of truth: the getters read it, so a login or logout in another tab
/// (or by a JS `RocketChatSession` with the same prefix) is seen at once. `Clone` gives
/// another handle to the same session; it is not `Send`. The calls start when called.
///
/// ```no_run
/// use session_keeper::rust::{RocketChatOptions, RocketChatSession, TwoFactor, TwoFactorMethod};
/// use session_keeper::{ErrorCode, SessionError};
///
/// async fn end(session_id: &str, ask: impl Fn(&str) -> String) -> Result<(), SessionError> {
///     let rc = RocketChatSession::new(RocketChatOptions::new("https://chat.example.com"))?;
///     if !rc.is_authenticated() {
///         rc.login("alice", "secret").await?;
///     }
///     // Without a second factor the server answers with its challenge; ask for the code.
///     match rc.logout_session(session_id, None).await {
///         Err(err) if err.code() == ErrorCode::TwoFactorRequired => {
///             let method = err.details.as_ref().and_then(|d| d.method.as_deref());
///             let method = match method {
///                 Some("email") => TwoFactorMethod::Email,
///                 Some("password") => TwoFactorMethod::Password,
///                 _ => TwoFactorMethod::Totp,
///             };
///             let code = TwoFactor::new(method, ask("code?"));
///             rc.logout_session(session_id, Some(&code)).await?;
///         }
///         other => {
///             other?;
///         }
///     }
///     rc.logout().await
/// }
/// ```
#[derive(Clone)]
pub struct RocketChatSession {
    facade: Rc<Facade>,
}

impl fmt::Debug for RocketChatSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RocketChatSession")
            .field("user_id", &self.user_id())
            .finish_non_exhaustive()
    }
}

impl RocketChatSession {
    /// Opens the storage `persist` names; a login stored there is used at once. An
    /// `invalid_argument` error for bad options.
    ///
    /// ```no_run
    /// use session_keeper::rust::{RocketChatOptions, RocketChatSession};
    /// let rc = RocketChatSession::new(RocketChatOptions::new("https://chat.example.com"))?;
    /// # Ok::<(), session_keeper::SessionError>(())
    /// ```
    pub fn new(options: RocketChatOptions) -> Result<RocketChatSession, SessionError> {
        let facade = Facade::new(options.to_js())?;
        Ok(RocketChatSession {
            facade: Rc::new(facade),
        })
    }

    /// Stores a login (e.g. one the app got from its own `/api/v1/login` call). An
    /// `invalid_argument` error, and nothing changed, for empty parts or parts with spaces.
    ///
    /// ```no_run
    /// # let rc = session_keeper::rust::RocketChatSession::new(
    /// #     session_keeper::rust::RocketChatOptions::new("https://chat.example.com")).unwrap();
    /// use session_keeper::rust::RocketChatCredentials;
    /// rc.apply(&RocketChatCredentials::new("RCadmin", "tok_1"))?;
    /// assert!(rc.is_authenticated());
    /// # Ok::<(), session_keeper::SessionError>(())
    /// ```
    pub fn apply(&self, credentials: &RocketChatCredentials) -> Result<(), SessionError> {
        let js: JsValue = Object::new().into();
        set(&js, "userId", &credentials.user_id.write());
        set(&js, "authToken", &credentials.auth_token.write());
        self.facade.apply(js)
    }

    /// The stored login.
    ///
    /// ```no_run
    /// # let rc = session_keeper::rust::RocketChatSession::new(
    /// #     session_keeper::rust::RocketChatOptions::new("https://chat.example.com")).unwrap();
    /// if let Some(login) = rc.credentials() {
    ///     let headers = [("X-User-Id", login.user_id), ("X-Auth-Token", login.auth_token)];
    /// }
    /// ```
    pub fn credentials(&self) -> Option<RocketChatCredentials> {
        let user_id = self.facade.user_id().as_string()?;
        let auth_token = self.facade.auth_token().as_string()?;
        Some(RocketChatCredentials {
            user_id,
            auth_token,
        })
    }

    /// The stored user id.
    ///
    /// ```no_run
    /// # let rc = session_keeper::rust::RocketChatSession::new(
    /// #     session_keeper::rust::RocketChatOptions::new("https://chat.example.com")).unwrap();
    /// let user_id = rc.user_id(); // None when no login is stored
    /// ```
    pub fn user_id(&self) -> Option<String> {
        self.facade.user_id().as_string()
    }

    /// The stored auth token.
    ///
    /// ```no_run
    /// # let rc = session_keeper::rust::RocketChatSession::new(
    /// #     session_keeper::rust::RocketChatOptions::new("https://chat.example.com")).unwrap();
    /// let token = rc.auth_token();
    /// ```
    pub fn auth_token(&self) -> Option<String> {
        self.facade.auth_token().as_string()
    }

    /// Whether a login is stored.
    ///
    /// ```no_run
    /// # let rc = session_keeper::rust::RocketChatSession::new(
    /// #     session_keeper::rust::RocketChatOptions::new("https://chat.example.com")).unwrap();
    /// if !rc.is_authenticated() { /* show the login form */ }
    /// ```
    pub fn is_authenticated(&self) -> bool {
        self.facade.is_authenticated()
    }

    /// `POST /api/v1/login`; stores the login and answers the answer's `data`. A wrong
    /// password (`unauthorized`) leaves a stored login alone; empty arguments are refused
    /// (`invalid_argument`) without a request.
    ///
    /// ```no_run
    /// # async fn f(rc: session_keeper::rust::RocketChatSession) -> Result<(), session_keeper::SessionError> {
    /// let data = rc.login("alice", "secret").await?;
    /// let name = data.me.name;
    /// # Ok(()) }
    /// ```
    pub fn login(
        &self,
        user: &str,
        password: &str,
    ) -> impl Future<Output = Result<RocketChatLogin, SessionError>> + 'static {
        let promise = self.facade.login(user.into(), password.into());
        call(promise, read_login, "not a login answer")
    }

    /// `POST /api/v1/sessions/logout`: logs out another session. Without `two_factor` the
    /// server answers with its challenge: a `two_factor_required` error whose `details` say
    /// the method (for `email` the server has just sent the code); call again with the code.
    /// A 401 clears the stored login; bad arguments, or no stored login, fail without a
    /// request.
    ///
    /// ```no_run
    /// # async fn f(rc: session_keeper::rust::RocketChatSession) -> Result<(), session_keeper::SessionError> {
    /// use session_keeper::rust::{TwoFactor, TwoFactorMethod};
    /// let code = TwoFactor::new(TwoFactorMethod::Totp, "123456");
    /// let done = rc.logout_session("tTouumJMrHMjnedWf", Some(&code)).await?;
    /// assert!(done.success);
    /// # Ok(()) }
    /// ```
    pub fn logout_session(
        &self,
        session_id: &str,
        two_factor: Option<&TwoFactor>,
    ) -> impl Future<Output = Result<LogoutSessionResult, SessionError>> + 'static {
        let promise = self
            .facade
            .logout_session(session_id.into(), two_factor.map(TwoFactor::to_js));
        let sent = session_id.to_owned();
        async move {
            let value = super::session::settle(promise).await?;
            Ok(LogoutSessionResult {
                // The id sent, when the answer does not repeat it.
                session_id: value
                    .field("sessionId")
                    .and_then(|id| id.as_string())
                    .unwrap_or(sent),
                success: value
                    .field("success")
                    .and_then(|s| s.as_bool())
                    .unwrap_or(true),
            })
        }
    }

    /// `POST /api/v1/logout`. The stored login is forgotten first, even when the request then
    /// fails (the error comes after that). Without a login it succeeds without a request.
    ///
    /// ```no_run
    /// # async fn f(rc: session_keeper::rust::RocketChatSession) {
    /// let _ = rc.logout().await; // logged out locally either way
    /// assert!(!rc.is_authenticated());
    /// # }
    /// ```
    pub fn logout(&self) -> impl Future<Output = Result<(), SessionError>> + 'static {
        call(self.facade.logout(), |_| Some(()), "")
    }
}

/// The login `data` the facade resolves with: both parts required, `me` as far as it goes.
fn read_login(v: &JsValue) -> Option<RocketChatLogin> {
    let text = |key: &str| v.field(key)?.as_string();
    Some(RocketChatLogin {
        user_id: text("userId")?,
        auth_token: text("authToken")?,
        me: v
            .field("me")
            .and_then(|me| wire::read::<RocketChatUser>(&me))
            .unwrap_or_default(),
    })
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;
    use crate::rust::Value;

    #[test]
    fn a_login_answer_decodes_with_the_user_kept() {
        let text = r#"{"userId": "RCadmin", "authToken": "tok_1",
            "me": {"_id": "RCadmin", "username": "rc-admin", "roles": ["admin"], "active": true}}"#;
        let data: RocketChatLogin = serde_json::from_str(text).unwrap();
        assert_eq!(
            data.credentials(),
            RocketChatCredentials::new("RCadmin", "tok_1")
        );
        assert_eq!(data.me.id.as_deref(), Some("RCadmin"));
        assert_eq!(data.me.extra["active"], Value::Bool(true));
        assert!(!format!("{data:?}").contains("tok_1"));
        let again = serde_json::to_value(&data).unwrap();
        assert_eq!(again["me"]["roles"][0], "admin");
        assert_eq!(again["authToken"], "tok_1");
    }

    #[test]
    fn rocket_chat_wire_names_are_the_serde_names() {
        let me = RocketChatUser {
            id: Some(String::new()),
            username: Some(String::new()),
            name: Some(String::new()),
            extra: Default::default(),
        };
        let value = serde_json::to_value(&me).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        let mut wire = RocketChatUser::WIRE_NAMES.to_vec();
        wire.sort();
        assert_eq!(keys, wire);
    }

    #[test]
    fn credentials_and_results_use_the_wire_names() {
        let login = RocketChatCredentials::new("RCadmin", "tok_1");
        let text = serde_json::to_string(&login).unwrap();
        assert_eq!(text, r#"{"userId":"RCadmin","authToken":"tok_1"}"#);
        let done: LogoutSessionResult =
            serde_json::from_str(r#"{"sessionId": "s1", "success": true}"#).unwrap();
        assert_eq!(done.session_id, "s1");
        assert!(serde_json::from_str::<RocketChatCredentials>(r#"{"userId": "u"}"#).is_err());
    }
}
