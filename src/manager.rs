//! `SessionManager`, the JS facade of the Descope session engine.

use std::rc::Rc;

use gloo_net::http::Method;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::claims::{authorizations, Authz};
use crate::engine::Engine;
use crate::error::{ErrorCode, Result, SessionError};
use crate::options::Config;
use crate::storage::usable_token;
use crate::wire::{check_access_key_response, check_security_questions_request};

#[wasm_bindgen(typescript_custom_section)]
const SESSION_ERROR_TS: &str = r#"
/** The `code` of a {@link SessionError}. */
export type SessionErrorCode = "network" | "timeout" | "unauthorized" | "forbidden" | "rate_limited" | "http" | "invalid_response" | "invalid_argument" | "storage" | "two_factor_required";

/** Every rejected promise and thrown error of this package. Tokens never appear in it. */
export interface SessionError extends Error {
    name: "SessionError";
    code: SessionErrorCode;
    /** HTTP status, when there was an answer. */
    status?: number;
    /** Descope's `errorCode`. */
    errorCode?: string;
    /** Descope's `errorDescription`. */
    errorDescription?: string;
    /** Seconds to wait, from `Retry-After`. */
    retryAfter?: number;
    /** Extra data, e.g. Rocket.Chat's two-factor challenge. */
    details?: TwoFactorDetails | Record<string, unknown>;
}
"#;

/// Keeps a Descope session: tokens in cookies and storage, refreshed before they expire, shared
/// by the origin's tabs, cleared everywhere on logout.
///
/// ```no_run
/// use session_keeper::SessionManager;
/// let options = js_sys::JSON::parse(r#"{"projectId": "P2abc"}"#).unwrap();
/// let session = SessionManager::new(options).unwrap();
/// let _ = session.is_authenticated();
/// ```
#[wasm_bindgen]
pub struct SessionManager {
    engine: Rc<Engine>,
}

use crate::engine::to_promise as promise;

fn invalid(message: &'static str) -> Promise {
    promise(async move { Err(SessionError::invalid_argument(message)) })
}

#[wasm_bindgen]
impl SessionManager {
    /// Restores the session from cookies and storage and, with `autoRefresh`, schedules the
    /// next refresh (or starts it at once when it is due). Throws a `SessionError`
    /// (`invalid_argument`) for bad options.
    ///
    /// ```js
    /// const session = new SessionManager({ projectId: "P2abc" });
    /// await session.ready();
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SessionManagerOptions")] options: JsValue,
    ) -> Result<SessionManager> {
        let engine = Engine::new(Config::read(&options)?);
        engine.start();
        Ok(SessionManager { engine })
    }

    /// Stores the tokens of a sign-in, verify or refresh response, schedules the next refresh
    /// and fires events. Throws a `SessionError` and changes nothing when the response cannot
    /// be used.
    ///
    /// ```js
    /// // `response`: the JWTResponse of a Descope sign-in or verify call
    /// session.apply(response);
    /// ```
    pub fn apply(
        &self,
        #[wasm_bindgen(unchecked_param_type = "JWTResponse")] response: JsValue,
    ) -> Result<()> {
        self.engine.apply(&response, true)
    }

    /// Resolves when the start-up refresh (if one was due) has settled. Never rejects.
    ///
    /// ```js
    /// await session.ready();
    /// if (!session.isAuthenticated) showLoginPage();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn ready(&self) -> Promise {
        self.engine.ready()
    }

    /// `POST /v1/auth/refresh`, then applies the response. Joins a refresh already running;
    /// when another tab has just rotated the tokens, takes those instead.
    ///
    /// ```js
    /// const { sessionJwt } = await session.refresh();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<JWTResponse>")]
    pub fn refresh(&self) -> Promise {
        let running = self.engine.refresh_shared();
        wasm_bindgen_futures::future_to_promise(async move {
            let outcome = wasm_bindgen_futures::JsFuture::from(running).await?;
            if outcome.is_instance_of::<js_sys::Error>() {
                Err(outcome)
            } else {
                Ok(outcome)
            }
        })
    }

    /// `POST /v1/auth/logout`. Clears everything first; rejects after clearing when the call
    /// fails.
    ///
    /// ```js
    /// await session.logout().catch(console.warn); // signed out locally either way
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        self.engine.sign_out("/v1/auth/logout")
    }

    /// `POST /v1/auth/logoutall`: signs the user out of every device. Clears everything first.
    ///
    /// ```js
    /// await session.logoutAll();
    /// ```
    #[wasm_bindgen(js_name = logoutAll, unchecked_return_type = "Promise<void>")]
    pub fn logout_all(&self) -> Promise {
        self.engine.sign_out("/v1/auth/logoutall")
    }

    /// `GET /v1/auth/me`; updates `user`.
    ///
    /// ```js
    /// const user = await session.me();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<User>")]
    pub fn me(&self) -> Promise {
        promise(self.engine.clone().me())
    }

    /// `GET /v1/auth/me/history`.
    ///
    /// ```js
    /// const logins = await session.history();
    /// logins.forEach(({ loginTime, city }) => console.log(new Date(loginTime * 1000), city));
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<UserHistory[]>")]
    pub fn history(&self) -> Promise {
        let engine = self.engine.clone();
        promise(async move {
            let token = engine.refresh_token();
            let list = engine
                .call(Method::GET, "/v1/auth/me/history", token.as_deref(), None)
                .await?;
            if Array::is_array(&list) {
                Ok(list)
            } else {
                Err(SessionError::invalid_response("the history is not a list"))
            }
        })
    }

    /// `POST /v1/auth/tenant/select`; applies the response (its session JWT carries `dct`).
    ///
    /// ```js
    /// await session.selectTenant("T2abc");
    /// console.log(session.currentTenant); // "T2abc"
    /// ```
    #[wasm_bindgen(js_name = selectTenant, unchecked_return_type = "Promise<JWTResponse>")]
    pub fn select_tenant(
        &self,
        #[wasm_bindgen(js_name = tenantId, unchecked_param_type = "string")] tenant_id: JsValue,
    ) -> Promise {
        let Some(tenant) = tenant_id.as_string().filter(|t| !t.trim().is_empty()) else {
            return invalid("tenantId must be a non-empty string");
        };
        let body = Object::new();
        let _ = Reflect::set(&body, &"tenant".into(), &tenant.into());
        promise(
            self.engine
                .clone()
                .rotating_call("/v1/auth/tenant/select", body.into()),
        )
    }

    /// `POST /v1/auth/validate` with the session JWT: the server's view of it.
    ///
    /// ```js
    /// const { parsedJWT } = await session.validate();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<ValidateResponse>")]
    pub fn validate(&self) -> Promise {
        let engine = self.engine.clone();
        promise(async move {
            let Some(session) = engine.session_token() else {
                return Err(SessionError::new(
                    ErrorCode::Unauthorized,
                    "there is no session token to validate",
                ));
            };
            let body = Object::new().into();
            let answer = engine
                .call(
                    Method::POST,
                    "/v1/auth/validate",
                    Some(&session),
                    Some(&body),
                )
                .await?;
            object_or_invalid(answer, "the validate answer is not an object")
        })
    }

    /// `POST /v1/auth/security-questions/verify`; applies the response.
    ///
    /// ```js
    /// await session.verifySecurityQuestions({ answers: [{ questionId: "q1", answer: "Rex" }] });
    /// ```
    #[wasm_bindgen(
        js_name = verifySecurityQuestions,
        unchecked_return_type = "Promise<JWTResponse>"
    )]
    pub fn verify_security_questions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SecurityQuestionsVerifyRequest")] request: JsValue,
    ) -> Promise {
        if let Err(err) = check_security_questions_request(&request) {
            return promise(async move { Err(err) });
        }
        let engine = self.engine.clone();
        promise(async move {
            let token = engine.refresh_token();
            let response = engine
                .call(
                    Method::POST,
                    "/v1/auth/security-questions/verify",
                    token.as_deref(),
                    Some(&request),
                )
                .await?;
            engine.apply(&response, true).map(|()| response)
        })
    }

    /// `POST /v1/auth/accesskey/exchange` with the access key as bearer.
    ///
    /// ```js
    /// const { keyId, sessionJwt, expiration } = await session.exchangeAccessKey(accessKey);
    /// ```
    #[wasm_bindgen(
        js_name = exchangeAccessKey,
        unchecked_return_type = "Promise<AccessKeyExchangeResponse>"
    )]
    pub fn exchange_access_key(
        &self,
        #[wasm_bindgen(js_name = accessKey, unchecked_param_type = "string")] access_key: JsValue,
        #[wasm_bindgen(js_name = loginOptions, unchecked_optional_param_type = "LoginOptions")]
        login_options: Option<Object>,
    ) -> Promise {
        let Some(key) = access_key.as_string().filter(|k| usable_token(k)) else {
            return invalid("accessKey must be a non-empty string without spaces");
        };
        let body = Object::new();
        if let Some(options) = login_options {
            let _ = Reflect::set(&body, &"loginOptions".into(), &options);
        }
        let engine = self.engine.clone();
        promise(async move {
            let answer = engine
                .call(
                    Method::POST,
                    "/v1/auth/accesskey/exchange",
                    Some(&key),
                    Some(&body.into()),
                )
                .await?;
            check_access_key_response(&answer).map(|()| answer)
        })
    }

    /// Stops timers and listeners; storage is left untouched.
    ///
    /// ```js
    /// session.dispose(); // e.g. when the app unmounts
    /// ```
    pub fn dispose(&self) {
        self.engine.dispose();
    }

    /// The session JWT.
    ///
    /// ```js
    /// const headers = { Authorization: `Bearer ${session.sessionToken}` };
    /// ```
    #[wasm_bindgen(getter, js_name = sessionToken)]
    pub fn session_token(&self) -> Option<String> {
        self.engine.session_token()
    }

    /// The refresh JWT (absent when the server keeps it in an httpOnly cookie).
    ///
    /// ```js
    /// const refreshJwt = session.refreshToken; // undefined with an httpOnly refresh cookie
    /// ```
    #[wasm_bindgen(getter, js_name = refreshToken)]
    pub fn refresh_token(&self) -> Option<String> {
        self.engine.refresh_token()
    }

    /// The signed-in user.
    ///
    /// ```js
    /// const name = session.user?.name;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "User | undefined")]
    pub fn user(&self) -> JsValue {
        self.engine.user()
    }

    /// Whether a non-expired session token is held.
    ///
    /// ```js
    /// if (!session.isAuthenticated) showLoginPage();
    /// ```
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.engine.is_authenticated()
    }

    /// The decoded payload of the session JWT.
    ///
    /// ```js
    /// const subject = session.claims?.sub;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown> | undefined")]
    pub fn claims(&self) -> JsValue {
        self.engine.claims()
    }

    /// The selected tenant (`dct` claim).
    ///
    /// ```js
    /// const tenantId = session.currentTenant; // undefined before a tenant is selected
    /// ```
    #[wasm_bindgen(getter, js_name = currentTenant)]
    pub fn current_tenant(&self) -> Option<String> {
        self.engine.with_claims(|c| c.and_then(|c| c.dct.clone()))
    }

    /// When the session JWT expires, epoch ms.
    ///
    /// ```js
    /// if (session.expiresAt) console.log("session ends", new Date(session.expiresAt));
    /// ```
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<f64> {
        self.engine.expires_at()
    }

    /// When the next refresh is planned, epoch ms.
    ///
    /// ```js
    /// if (session.nextRefreshAt) console.log("refresh at", new Date(session.nextRefreshAt));
    /// ```
    #[wasm_bindgen(getter, js_name = nextRefreshAt)]
    pub fn next_refresh_at(&self) -> Option<f64> {
        self.engine.next_refresh_at()
    }

    /// Roles from the session JWT: project-level, or in `tenantId`.
    ///
    /// ```js
    /// const isAdmin = session.roles("T2abc").includes("admin");
    /// ```
    pub fn roles(
        &self,
        #[wasm_bindgen(js_name = tenantId)] tenant_id: Option<String>,
    ) -> Vec<String> {
        self.authz(Authz::Roles, tenant_id)
    }

    /// Permissions from the session JWT: project-level, or in `tenantId`.
    ///
    /// ```js
    /// const canWrite = session.permissions().includes("write");
    /// ```
    pub fn permissions(
        &self,
        #[wasm_bindgen(js_name = tenantId)] tenant_id: Option<String>,
    ) -> Vec<String> {
        self.authz(Authz::Permissions, tenant_id)
    }

    fn authz(&self, which: Authz, tenant: Option<String>) -> Vec<String> {
        let claims = self.engine.claims();
        if claims.is_undefined() {
            return Vec::new();
        }
        authorizations(&claims, which, tenant.as_deref())
    }

    /// Calls `callback` with each new session token (or `undefined`). Returns the unsubscribe
    /// function.
    ///
    /// ```js
    /// const unsubscribe = session.onSessionTokenChange((token) => api.setToken(token));
    /// unsubscribe(); // later
    /// ```
    #[wasm_bindgen(js_name = onSessionTokenChange, unchecked_return_type = "() => void")]
    pub fn on_session_token_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(token: string | undefined) => void")]
        callback: Function,
    ) -> Function {
        self.engine.events.token.add(&callback)
    }

    /// Calls `callback` with each new user (or `undefined`). Returns the unsubscribe function.
    ///
    /// ```js
    /// session.onUserChange((user) => renderHeader(user?.name ?? "Signed out"));
    /// ```
    #[wasm_bindgen(js_name = onUserChange, unchecked_return_type = "() => void")]
    pub fn on_user_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(user: User | undefined) => void")]
        callback: Function,
    ) -> Function {
        self.engine.events.user.add(&callback)
    }

    /// Calls `callback` whenever `isAuthenticated` changes. Returns the unsubscribe function.
    ///
    /// ```js
    /// session.onIsAuthenticatedChange((signedIn) => { if (!signedIn) showLoginPage(); });
    /// ```
    #[wasm_bindgen(js_name = onIsAuthenticatedChange, unchecked_return_type = "() => void")]
    pub fn on_is_authenticated_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(isAuthenticated: boolean) => void")]
        callback: Function,
    ) -> Function {
        self.engine.events.authenticated.add(&callback)
    }

    /// Calls `callback` with the error of each failed refresh attempt. Returns the unsubscribe
    /// function.
    ///
    /// ```js
    /// session.onRefreshError((error) => console.warn("refresh failed:", error.code, error.status));
    /// ```
    #[wasm_bindgen(js_name = onRefreshError, unchecked_return_type = "() => void")]
    pub fn on_refresh_error(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(error: SessionError) => void")] callback: Function,
    ) -> Function {
        self.engine.events.refresh_error.add(&callback)
    }
}

fn object_or_invalid(value: JsValue, message: &'static str) -> Result<JsValue> {
    if value.is_object() && !Array::is_array(&value) {
        Ok(value)
    } else {
        Err(SessionError::invalid_response(message))
    }
}
