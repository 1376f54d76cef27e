//! [`Session`]: the Rust handle of one Descope session. It drives the JS facade
//! [`SessionManager`] itself (the same core, shell and rules), converting values at the edge:
//! no second driver.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::data::*;
use super::options::{HookFunctions, Options};
use super::wire::{self, Wire};
use crate::core::error::SessionError;
use crate::core::obj::Obj;
use crate::manager::SessionManager;

/// One Descope session: tokens in cookies and storage, refreshed before they expire, shared by
/// the origin's tabs, cleared everywhere on logout (API.md §2, §3, §6; every rule holds as for
/// the JS `SessionManager`, which it drives).
///
/// `Clone` gives another handle to the same session; it is not `Send` (the browser's main
/// thread). Dropping the last handle stops it as [`Session::dispose`] does; keep one for as
/// long as the page uses the session.
///
/// The calls start when they are called, as in JS (not when first polled): awaiting gives
/// their outcome, and dropping the future does not cancel them.
///
/// ```no_run
/// use session_keeper::{Options, Session, SessionError};
/// async fn sign_out(session: &Session) -> Result<(), SessionError> {
///     session.logout().await // clears everything first, in every tab
/// }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Rc<Inner>,
}

struct Inner {
    manager: SessionManager,
    _hooks: HookFunctions,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.manager.dispose();
    }
}

/// Awaits a call of the facade: its value, or its rejection as a [`SessionError`].
pub(super) async fn settle(promise: Promise) -> Result<JsValue, SessionError> {
    JsFuture::from(promise).await.map_err(|e| wire::error(&e))
}

/// Awaits a call and reads what it resolves with as `T`.
pub(super) async fn call<T>(
    promise: Promise,
    read: fn(&JsValue) -> Option<T>,
    what: &'static str,
) -> Result<T, SessionError> {
    let value = settle(promise).await?;
    read(&value).ok_or_else(|| wire::unexpected(what))
}

/// Awaits a call that resolves with a JWT response (refresh, tenant select, verify).
fn jwt_response(
    promise: Promise,
) -> impl Future<Output = Result<JwtResponse, SessionError>> + 'static {
    call(promise, wire::read, "not a JWTResponse")
}

impl Session {
    /// Restores the session from cookies and storage and, with auto refresh, schedules the
    /// next refresh (or starts it at once when it is due). An `invalid_argument` error for bad
    /// options.
    ///
    /// ```no_run
    /// use session_keeper::{Options, Session};
    /// let session = Session::new(Options::new("P2abc")).expect("valid options");
    /// ```
    pub fn new(options: Options) -> Result<Session, SessionError> {
        let (js, hooks) = options.to_js();
        let manager = SessionManager::new(js)?;
        Ok(Session {
            inner: Rc::new(Inner {
                manager,
                _hooks: hooks,
            }),
        })
    }

    fn m(&self) -> &SessionManager {
        &self.inner.manager
    }

    /// Stores the tokens of a sign-in, verify or refresh response, schedules the next refresh
    /// and tells subscribers and other tabs. Changes nothing and answers an error when the
    /// response cannot be used.
    ///
    /// ```no_run
    /// # fn signed_in(session: &session_keeper::Session, response: &session_keeper::JwtResponse)
    /// # -> Result<(), session_keeper::SessionError> {
    /// session.apply(response)?;
    /// assert!(session.is_authenticated());
    /// # Ok(()) }
    /// ```
    pub fn apply(&self, response: &JwtResponse) -> Result<(), SessionError> {
        self.m().apply(response.to_js())
    }

    /// The state for UI frameworks, without tokens.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let snapshot = session.snapshot();
    /// let name = snapshot.user.and_then(|u| u.name);
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        let get = self.m().get_snapshot();
        wire::snapshot(&get.call0(&JsValue::UNDEFINED).unwrap_or_default())
    }

    /// Calls `callback` at once with the current snapshot, then once with each new one (once
    /// per change, as JS `subscribe`). Dropping the [`Subscription`] unsubscribes. The callback
    /// may call the session; it must not panic.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let subscription = session.subscribe(|snapshot| {
    ///     web_sys::console::log_1(&snapshot.is_authenticated.into());
    /// });
    /// drop(subscription); // no more calls
    /// ```
    pub fn subscribe(&self, callback: impl Fn(&Snapshot) + 'static) -> Subscription {
        let subscribe = self.m().subscribe();
        listen(
            |f| subscribe.call1(&JsValue::UNDEFINED, f).ok(),
            wire::snapshot,
            callback,
        )
    }

    /// Calls `callback` with each new session token (`None` when it goes).
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let _subscription = session.on_session_token_change(|token| {
    ///     let signed_in = token.is_some();
    /// });
    /// ```
    pub fn on_session_token_change(
        &self,
        callback: impl Fn(Option<&str>) + 'static,
    ) -> Subscription {
        let add = |f: &Function| Some(self.m().on_session_token_change(f.clone()).into());
        listen(add, JsValue::as_string, move |t: &Option<String>| {
            callback(t.as_deref())
        })
    }

    /// Calls `callback` with each new user (`None` when it goes).
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let _subscription = session.on_user_change(|user| {
    ///     let name = user.and_then(|u| u.name.clone());
    /// });
    /// ```
    pub fn on_user_change(&self, callback: impl Fn(Option<&User>) + 'static) -> Subscription {
        let add = |f: &Function| Some(self.m().on_user_change(f.clone()).into());
        listen(add, wire::read::<User>, move |u: &Option<User>| {
            callback(u.as_ref())
        })
    }

    /// Calls `callback` with the claims of each new session token (`None` when it goes).
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let _subscription = session.on_claims_change(|claims| {
    ///     let tenant = claims.and_then(|c| c.get("dct")).and_then(|t| t.as_str());
    /// });
    /// ```
    pub fn on_claims_change(&self, callback: impl Fn(Option<&Claims>) + 'static) -> Subscription {
        let add = |f: &Function| Some(self.m().on_claims_change(f.clone()).into());
        listen(add, wire::read::<Claims>, move |c: &Option<Claims>| {
            callback(c.as_ref())
        })
    }

    /// Calls `callback` whenever [`Session::is_authenticated`] changes.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let _subscription = session.on_is_authenticated_change(|signed_in| {
    ///     if !signed_in { /* show the sign-in page */ }
    /// });
    /// ```
    pub fn on_is_authenticated_change(&self, callback: impl Fn(bool) + 'static) -> Subscription {
        let add = |f: &Function| Some(self.m().on_is_authenticated_change(f.clone()).into());
        let flag = |v: &JsValue| v.as_bool().unwrap_or(false);
        listen(add, flag, move |b: &bool| callback(*b))
    }

    /// Calls `callback` with the error of each failed refresh attempt.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let _subscription = session.on_refresh_error(|error| {
    ///     web_sys::console::warn_1(&error.to_string().into());
    /// });
    /// ```
    pub fn on_refresh_error(&self, callback: impl Fn(&SessionError) + 'static) -> Subscription {
        let add = |f: &Function| Some(self.m().on_refresh_error(f.clone()).into());
        listen(add, wire::error, callback)
    }

    /// The session JWT, for an `Authorization` header of the app's own API.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let header = session.session_token().map(|t| format!("Bearer {t}"));
    /// ```
    pub fn session_token(&self) -> Option<String> {
        self.m().session_token()
    }

    /// The refresh JWT (`None` when the server keeps it in an httpOnly cookie).
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let held = session.refresh_token().is_some();
    /// ```
    pub fn refresh_token(&self) -> Option<String> {
        self.m().refresh_token()
    }

    /// Whether a non-expired session token is held.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// if !session.is_authenticated() { /* show the sign-in page */ }
    /// ```
    pub fn is_authenticated(&self) -> bool {
        self.m().is_authenticated()
    }

    /// The signed-in user.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let email = session.user().and_then(|u| u.email);
    /// ```
    pub fn user(&self) -> Option<User> {
        wire::read(&self.m().user())
    }

    /// The decoded payload of the session JWT.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let subject = session.claims().and_then(|c| c.get("sub").and_then(|s| s.as_str()).map(String::from));
    /// ```
    pub fn claims(&self) -> Option<Claims> {
        wire::read(&self.m().claims())
    }

    /// The tenant ids in the session JWT (`tenants` claim); `None` without a session.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let several = session.tenants().is_some_and(|t| t.len() > 1);
    /// ```
    pub fn tenants(&self) -> Option<Vec<String>> {
        wire::read(&self.m().tenants())
    }

    /// The selected tenant (`dct` claim).
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let tenant = session.current_tenant();
    /// ```
    pub fn current_tenant(&self) -> Option<String> {
        self.m().current_tenant()
    }

    /// When the session JWT expires, epoch ms.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let expires_at = session.expires_at();
    /// ```
    pub fn expires_at(&self) -> Option<f64> {
        self.m().expires_at()
    }

    /// When the next refresh is planned, epoch ms.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let next = session.next_refresh_at();
    /// ```
    pub fn next_refresh_at(&self) -> Option<f64> {
        self.m().next_refresh_at()
    }

    /// Roles from the session JWT: project-level (`None`), or in a tenant.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let is_admin = session.roles(Some("T2abc")).iter().any(|r| r == "admin");
    /// ```
    pub fn roles(&self, tenant_id: Option<&str>) -> Vec<String> {
        strings(self.m().roles(tenant_id.map(String::from)))
    }

    /// Permissions from the session JWT: project-level (`None`), or in a tenant.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// let can_write = session.permissions(None).iter().any(|p| p == "write");
    /// ```
    pub fn permissions(&self, tenant_id: Option<&str>) -> Vec<String> {
        strings(self.m().permissions(tenant_id.map(String::from)))
    }

    /// Settles when the start-up refresh (if one was due) has settled. Never fails.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) {
    /// session.ready().await;
    /// let signed_in = session.is_authenticated();
    /// # }
    /// ```
    pub fn ready(&self) -> impl Future<Output = ()> + 'static {
        let promise = self.m().ready();
        async move {
            let _ = JsFuture::from(promise).await;
        }
    }

    /// `POST /v1/auth/refresh`, then applies the response. Joins a refresh already running;
    /// when another tab has just rotated the tokens, takes those instead.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// let response = session.refresh().await?;
    /// # Ok(()) }
    /// ```
    pub fn refresh(&self) -> impl Future<Output = Result<JwtResponse, SessionError>> + 'static {
        jwt_response(self.m().refresh())
    }

    /// `POST /v1/auth/logout`. Clears everything first (in every tab); fails after clearing
    /// when the call fails.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) {
    /// let _ = session.logout().await; // signed out locally either way
    /// # }
    /// ```
    pub fn logout(&self) -> impl Future<Output = Result<(), SessionError>> + 'static {
        call(self.m().logout(), |_| Some(()), "")
    }

    /// `POST /v1/auth/logoutall`: signs the user out of every device. Clears everything first.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// session.logout_all().await?;
    /// # Ok(()) }
    /// ```
    pub fn logout_all(&self) -> impl Future<Output = Result<(), SessionError>> + 'static {
        call(self.m().logout_all(), |_| Some(()), "")
    }

    /// `GET /v1/auth/me`; updates [`Session::user`].
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// let user = session.me().await?;
    /// # Ok(()) }
    /// ```
    pub fn me(&self) -> impl Future<Output = Result<User, SessionError>> + 'static {
        call(self.m().me(), wire::read, "not a user")
    }

    /// `GET /v1/auth/me/history`: the user's sign-ins.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// let cities: Vec<_> = session.history().await?.into_iter().filter_map(|h| h.city).collect();
    /// # Ok(()) }
    /// ```
    pub fn history(
        &self,
    ) -> impl Future<Output = Result<Vec<UserHistory>, SessionError>> + 'static {
        call(self.m().history(), wire::read, "not a history")
    }

    /// `POST /v1/auth/tenant/select`; applies the response (its session JWT carries `dct`).
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// session.select_tenant("T2abc").await?;
    /// assert_eq!(session.current_tenant().as_deref(), Some("T2abc"));
    /// # Ok(()) }
    /// ```
    pub fn select_tenant(
        &self,
        tenant_id: &str,
    ) -> impl Future<Output = Result<JwtResponse, SessionError>> + 'static {
        jwt_response(self.m().select_tenant(tenant_id.into()))
    }

    /// `POST /v1/auth/validate` with the session JWT: the claims the server validated
    /// (`parsedJWT`).
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// let claims = session.validate().await?;
    /// # Ok(()) }
    /// ```
    pub fn validate(&self) -> impl Future<Output = Result<Claims, SessionError>> + 'static {
        let parsed = |v: &JsValue| wire::read(&v.field("parsedJWT")?);
        call(self.m().validate(), parsed, "not a validate answer")
    }

    /// `POST /v1/auth/me/tenants`: the selected tenant, or these tenants, as the official SDK's
    /// `myTenants`.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// use session_keeper::rust::TenantQuery;
    /// let tenants = session.my_tenants(TenantQuery::Current).await?;
    /// # Ok(()) }
    /// ```
    pub fn my_tenants(
        &self,
        query: TenantQuery,
    ) -> impl Future<Output = Result<Vec<Tenant>, SessionError>> + 'static {
        let argument = match query {
            TenantQuery::Current => JsValue::TRUE,
            TenantQuery::Ids(ids) => ids.write(),
        };
        let tenants = |v: &JsValue| wire::read(&v.field("tenants")?);
        call(
            self.m().my_tenants(argument),
            tenants,
            "not a tenants answer",
        )
    }

    /// `POST /v1/auth/security-questions/verify`; applies the response.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session) -> Result<(), session_keeper::SessionError> {
    /// use session_keeper::rust::{SecurityAnswer, SecurityQuestions};
    /// let answers = vec![SecurityAnswer { question_id: "q1".into(), answer: "Rex".into() }];
    /// let request = SecurityQuestions { answers, ..SecurityQuestions::default() };
    /// session.verify_security_questions(&request).await?;
    /// # Ok(()) }
    /// ```
    pub fn verify_security_questions(
        &self,
        request: &SecurityQuestions,
    ) -> impl Future<Output = Result<JwtResponse, SessionError>> + 'static {
        jwt_response(self.m().verify_security_questions(request.write()))
    }

    /// `POST /v1/auth/accesskey/exchange` with the access key as bearer. Stores nothing.
    ///
    /// ```no_run
    /// # async fn f(session: session_keeper::Session, key: &str) -> Result<(), session_keeper::SessionError> {
    /// let exchanged = session.exchange_access_key(key, None).await?;
    /// # Ok(()) }
    /// ```
    pub fn exchange_access_key(
        &self,
        access_key: &str,
        login_options: Option<&LoginOptions>,
    ) -> impl Future<Output = Result<AccessKeyExchange, SessionError>> + 'static {
        let options = login_options.map(LoginOptions::write);
        let promise = self.m().exchange_access_key(access_key.into(), options);
        call(promise, AccessKeyExchange::read, "not an access key answer")
    }

    /// With [`Options::custom_activity_tracking`]: the user is active. A refresh skipped while
    /// the user was idle runs now; activity in any tab counts for all.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// session.mark_user_active(); // e.g. on pointerdown
    /// ```
    pub fn mark_user_active(&self) {
        self.m().mark_user_active()
    }

    /// Stops timers and listeners, fires no more events, starts no request. The stored
    /// session stays usable: the next page or the next `Session` goes on with it.
    ///
    /// ```no_run
    /// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
    /// session.dispose(); // e.g. when the app unmounts
    /// ```
    pub fn dispose(&self) {
        self.m().dispose()
    }
}

/// The strings of a JS array the facade made.
fn strings(items: Vec<JsValue>) -> Vec<String> {
    items.iter().filter_map(JsValue::as_string).collect()
}

/// A callback slot: emptied when its [`Subscription`] is dropped, so the callback (and what it
/// holds) goes at once, while the JS function that calls it goes when JS lets it go.
type Slot<T> = Rc<RefCell<Option<Rc<dyn Fn(&T)>>>>;

/// Subscribes `callback` through `add` (which answers the unsubscribe function), converting
/// each JS value with `convert`.
fn listen<T: 'static>(
    add: impl FnOnce(&Function) -> Option<JsValue>,
    convert: fn(&JsValue) -> T,
    callback: impl Fn(&T) + 'static,
) -> Subscription {
    let slot: Slot<T> = Rc::new(RefCell::new(Some(Rc::new(callback))));
    let held = slot.clone();
    let function = Closure::<dyn Fn(JsValue)>::new(move |value: JsValue| {
        // Out of the slot before the call: the callback may drop its own subscription.
        let callback = held.borrow().clone();
        if let Some(callback) = callback {
            callback(&convert(&value));
        }
    })
    .into_js_value();
    let unsubscribe = add(function.unchecked_ref()).and_then(|f| f.dyn_into::<Function>().ok());
    let clear = move || {
        slot.borrow_mut().take();
    };
    Subscription {
        unsubscribe,
        clear: Some(Box::new(clear)),
    }
}

/// A subscription to a session's changes ([`Session::subscribe`], `Session::on_*`): dropping
/// it unsubscribes.
///
/// ```no_run
/// # let session = session_keeper::Session::new(session_keeper::Options::new("P2abc")).unwrap();
/// let subscription = session.on_is_authenticated_change(|signed_in| { /* … */ });
/// drop(subscription); // the callback is not called again
/// ```
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    unsubscribe: Option<Function>,
    clear: Option<Box<dyn FnOnce()>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscription")
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(unsubscribe) = self.unsubscribe.take() {
            let _ = unsubscribe.call0(&JsValue::UNDEFINED);
        }
        if let Some(clear) = self.clear.take() {
            clear();
        }
    }
}
