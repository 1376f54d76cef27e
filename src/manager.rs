//! `SessionManager`, the JS facade of the Descope [`Session`]: it translates JS values into the
//! core's inputs (reading them before the core is borrowed) and its effects into promises and
//! events (through the [`Driver`]).

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;

use crate::core::claims::{authorization_items, Authz};
use crate::core::error::{Result, SessionError};
use crate::core::fields::{check_security_questions_request, JwtFields};
use crate::core::io::{Effect, Env, Grant, JwtReply, Kind, Reply, Signal};
use crate::core::layout::usable_token;
use crate::core::obj::Obj;
use crate::core::options::Config;
use crate::core::session::{channel_name, Call, Input, Session, Tenants};
use crate::shell::web::{self, Channel, Listener, Store};
use crate::shell::{js, Driver, Machine, On, Plumbing};

impl Machine for Session {
    type Input = Input;
    fn handle(&mut self, now: f64, input: Input, env: &dyn Env) -> Result<()> {
        Session::handle(self, now, input, env)
    }
    fn drain(&mut self) -> Vec<Effect> {
        Session::drain(self)
    }
    fn answer(id: u32, reply: Result<Reply>) -> Input {
        Input::Answer(id, reply)
    }
    fn timer() -> Input {
        Input::Timer
    }
    fn lock(id: u32, grant: Grant) -> Option<Input> {
        Some(Input::Lock(id, grant))
    }
    fn cookie(kind: Kind, kept: bool) -> Option<Input> {
        Some(Input::Cookie { kind, kept })
    }
    fn storage_refused(key: String) -> Input {
        Input::StorageRefused(key)
    }
    fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        // A loop, not `flatten`: no iterator adapter instantiated for two values.
        for token in [self.session_token(), self.refresh_token()] {
            let Some(token) = token else { continue };
            out.push(token.to_owned());
        }
        out
    }
}

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
    d: Rc<Driver<Session>>,
    /// `subscribe` and `getSnapshot` as functions that work unbound, and stay the same
    /// functions (React compares them between renders).
    store: (Function, Function),
}

fn rejected(err: SessionError) -> Promise {
    Promise::reject(&js::error(&err))
}

fn invalid(message: &'static str) -> Promise {
    rejected(SessionError::invalid_argument(message))
}

/// The `JWTResponse` fields and user of a JS object, read before the core is borrowed (a
/// getter or `toJSON` in it may call back into the package).
fn reply(response: &JsValue) -> Result<JwtReply> {
    if !Obj::is_object(response) {
        return Err(SessionError::invalid_response("not a JWTResponse"));
    }
    Ok(JwtReply {
        fields: JwtFields::read(response)?,
        user: response.field("user").and_then(|u| js::stringify(&u)),
    })
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
        let mut cfg = Config::read(&options)?;
        let plumbing = plumbing(&options, cfg.take_headers())?;
        let store = Store::open(cfg.persist);
        let (cross_tab, auto_refresh) = (cfg.cross_tab, cfg.auto_refresh);
        let channel = channel_name(&cfg.project_id, &cfg.prefix);
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let d = Driver::new(Session::new(cfg, web::page(), seed), store, plumbing);
        d.snapshot_of.set(Some(snapshot));
        listen(&d, cross_tab, auto_refresh, &channel);
        let online = web::online();
        let channel = d.has_channel();
        d.input(Input::Start { online, channel })?;
        let store = store_functions(&d);
        Ok(SessionManager { d, store })
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
        let reply = reply(&response)?;
        self.d.input(Input::Apply(Box::new(reply)))
    }

    /// Resolves when the start-up refresh (if one was due) has settled. Never rejects.
    ///
    /// ```js
    /// await session.ready();
    /// if (!session.isAuthenticated) showLoginPage();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn ready(&self) -> Promise {
        self.call(Call::Ready)
    }

    /// `POST /v1/auth/refresh`, then applies the response. Joins a refresh already running;
    /// when another tab has just rotated the tokens, takes those instead.
    ///
    /// ```js
    /// const { sessionJwt } = await session.refresh();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<JWTResponse>")]
    pub fn refresh(&self) -> Promise {
        self.call(Call::Refresh)
    }

    /// `POST /v1/auth/logout`. Clears everything first; rejects after clearing when the call
    /// fails.
    ///
    /// ```js
    /// await session.logout().catch(console.warn); // signed out locally either way
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        self.call(Call::Logout)
    }

    /// `POST /v1/auth/logoutall`: signs the user out of every device. Clears everything first.
    ///
    /// ```js
    /// await session.logoutAll();
    /// ```
    #[wasm_bindgen(js_name = logoutAll, unchecked_return_type = "Promise<void>")]
    pub fn logout_all(&self) -> Promise {
        self.call(Call::LogoutAll)
    }

    /// `GET /v1/auth/me`; updates `user`.
    ///
    /// ```js
    /// const user = await session.me();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<User>")]
    pub fn me(&self) -> Promise {
        self.call(Call::Me)
    }

    /// `GET /v1/auth/me/history`.
    ///
    /// ```js
    /// const logins = await session.history();
    /// logins.forEach(({ loginTime, city }) => console.log(new Date(loginTime * 1000), city));
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<UserHistory[]>")]
    pub fn history(&self) -> Promise {
        self.call(Call::History)
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
        let Some(tenant) = tenant_id.as_string().filter(|t| !t.trim_ascii().is_empty()) else {
            return invalid("invalid tenantId");
        };
        self.call(Call::SelectTenant(tenant))
    }

    /// `POST /v1/auth/validate` with the session JWT: the server's view of it.
    ///
    /// ```js
    /// const { parsedJWT } = await session.validate();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<ValidateResponse>")]
    pub fn validate(&self) -> Promise {
        self.call(Call::Validate)
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
            return rejected(err);
        }
        match js::stringify(&request) {
            Some(body) => self.call(Call::Verify(body)),
            None => rejected(SessionError::invalid_argument("invalid request")),
        }
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
            return invalid("invalid accessKey");
        };
        let options = match login_options {
            Some(options) => match js::stringify(&options) {
                Some(json) => Some(json),
                None => return invalid("invalid loginOptions"),
            },
            None => None,
        };
        self.call(Call::Exchange(key, options))
    }

    /// Stops timers and listeners; storage is left untouched.
    ///
    /// ```js
    /// session.dispose(); // e.g. when the app unmounts
    /// ```
    pub fn dispose(&self) {
        let _ = self.d.input(Input::Dispose);
        self.d.stop();
    }

    /// The session JWT.
    ///
    /// ```js
    /// const headers = { Authorization: `Bearer ${session.sessionToken}` };
    /// ```
    #[wasm_bindgen(getter, js_name = sessionToken, unchecked_return_type = "string | undefined")]
    pub fn js_session_token(&self) -> JsValue {
        self.js_text(Text::Session)
    }

    /// The refresh JWT (absent when the server keeps it in an httpOnly cookie).
    ///
    /// ```js
    /// const refreshJwt = session.refreshToken; // undefined with an httpOnly refresh cookie
    /// ```
    #[wasm_bindgen(getter, js_name = refreshToken, unchecked_return_type = "string | undefined")]
    pub fn js_refresh_token(&self) -> JsValue {
        self.js_text(Text::Refresh)
    }

    /// The signed-in user.
    ///
    /// ```js
    /// const name = session.user?.name;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "User | undefined")]
    pub fn user(&self) -> JsValue {
        let user = self.text(Text::User);
        self.d.users.object(user.as_deref())
    }

    /// Whether a non-expired session token is held.
    ///
    /// ```js
    /// if (!session.isAuthenticated) showLoginPage();
    /// ```
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        let now = js_sys::Date::now();
        self.d.with(|c| c.is_authenticated(now)).unwrap_or(false)
    }

    /// The decoded payload of the session JWT.
    ///
    /// ```js
    /// const subject = session.claims?.sub;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown> | undefined")]
    pub fn claims(&self) -> JsValue {
        let token = self.text(Text::Session);
        self.d.claims_of(token.as_deref())
    }

    /// The tenant ids in the session JWT (`tenants` claim); `undefined` without a session.
    ///
    /// ```js
    /// if (session.tenants?.length > 1) showTenantPicker(session.tenants);
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "string[] | undefined")]
    pub fn tenants(&self) -> JsValue {
        let claims = self.claims();
        if claims.is_undefined() {
            return claims;
        }
        // The keys as JS made them (a frozen claims object: no getter runs), without a copy
        // through wasm memory.
        match claims.field("tenants") {
            Some(tenants) if Obj::is_object(&tenants) => {
                Object::keys(tenants.unchecked_ref::<Object>()).into()
            }
            _ => Array::new().into(),
        }
    }

    /// `POST /v1/auth/me/tenants`: the current tenant (`true`) or these tenants, as the
    /// official SDK's `myTenants`.
    ///
    /// ```js
    /// const { tenants } = await session.myTenants(true);
    /// ```
    #[wasm_bindgen(js_name = myTenants, unchecked_return_type = "Promise<TenantsResponse>")]
    pub fn my_tenants(
        &self,
        #[wasm_bindgen(unchecked_param_type = "true | string[]")] tenants: JsValue,
    ) -> Promise {
        if let Some(dct) = tenants.as_bool() {
            return self.call(Call::MyTenants(Tenants::Current(dct)));
        }
        let Some(items) = tenants.items() else {
            return invalid("invalid tenants");
        };
        let mut ids = Vec::new();
        for id in &items {
            match id.string() {
                Some(id) => ids.push(id),
                None => return invalid("invalid tenants"),
            }
        }
        self.call(Call::MyTenants(Tenants::Ids(ids)))
    }

    /// With `autoRefresh: { customActivityTracking: true }`: the user is active. A refresh
    /// skipped while the user was idle runs now; activity in any tab counts for all.
    ///
    /// ```js
    /// window.addEventListener("pointerdown", () => session.markUserActive());
    /// ```
    #[wasm_bindgen(js_name = markUserActive)]
    pub fn mark_user_active(&self) {
        let _ = self.d.input(Input::Active);
    }

    /// The state for UI frameworks: `{ isAuthenticated, user, claims, currentTenant,
    /// expiresAt }` (no tokens). The same object until something in it changes, as React's
    /// `useSyncExternalStore` requires. Works unbound.
    ///
    /// ```js
    /// const { isAuthenticated, user } = session.getSnapshot();
    /// ```
    #[wasm_bindgen(getter, js_name = getSnapshot, unchecked_return_type = "() => SessionSnapshot")]
    pub fn get_snapshot(&self) -> Function {
        self.store.1.clone()
    }

    /// Calls `callback` at once with the current snapshot, then with each new one. Returns the
    /// unsubscribe function; `{ subscribe }` is a Svelte store. Works unbound.
    ///
    /// ```js
    /// const state = useSyncExternalStore(session.subscribe, session.getSnapshot); // React
    /// ```
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "(callback: (snapshot: SessionSnapshot) => void) => () => void"
    )]
    pub fn subscribe(&self) -> Function {
        self.store.0.clone()
    }

    /// The selected tenant (`dct` claim).
    ///
    /// ```js
    /// const tenantId = session.currentTenant; // undefined before a tenant is selected
    /// ```
    #[wasm_bindgen(getter, js_name = currentTenant, unchecked_return_type = "string | undefined")]
    pub fn js_current_tenant(&self) -> JsValue {
        self.js_text(Text::Tenant)
    }

    /// When the session JWT expires, epoch ms.
    ///
    /// ```js
    /// if (session.expiresAt) console.log("session ends", new Date(session.expiresAt));
    /// ```
    #[wasm_bindgen(getter, js_name = expiresAt, unchecked_return_type = "number | undefined")]
    pub fn js_expires_at(&self) -> JsValue {
        self.time(false)
    }

    /// When the next refresh is planned, epoch ms.
    ///
    /// ```js
    /// if (session.nextRefreshAt) console.log("refresh at", new Date(session.nextRefreshAt));
    /// ```
    #[wasm_bindgen(getter, js_name = nextRefreshAt, unchecked_return_type = "number | undefined")]
    pub fn js_next_refresh_at(&self) -> JsValue {
        self.time(true)
    }

    /// Roles from the session JWT: project-level, or in `tenantId`.
    ///
    /// ```js
    /// const isAdmin = session.roles("T2abc").includes("admin");
    /// ```
    #[wasm_bindgen(js_name = roles, unchecked_return_type = "string[]")]
    pub fn js_roles(
        &self,
        #[wasm_bindgen(js_name = tenantId, unchecked_optional_param_type = "string | null")]
        tenant_id: Option<js_sys::JsString>,
    ) -> JsValue {
        self.authz(Authz::Roles, tenant_id)
    }

    /// Permissions from the session JWT: project-level, or in `tenantId`.
    ///
    /// ```js
    /// const canWrite = session.permissions().includes("write");
    /// ```
    #[wasm_bindgen(js_name = permissions, unchecked_return_type = "string[]")]
    pub fn js_permissions(
        &self,
        #[wasm_bindgen(js_name = tenantId, unchecked_optional_param_type = "string | null")]
        tenant_id: Option<js_sys::JsString>,
    ) -> JsValue {
        self.authz(Authz::Permissions, tenant_id)
    }

    /// The string items themselves, in a JS array made here: no copy through wasm memory and
    /// back.
    fn authz(&self, which: Authz, tenant: Option<js_sys::JsString>) -> JsValue {
        let tenant = tenant.and_then(|t| t.as_string());
        let items = js_sys::Array::new();
        for item in &self.authz_items(which, tenant.as_deref()) {
            items.push(item);
        }
        items.into()
    }

    /// The roles or permissions, project-level or in `tenant`.
    fn authz_items(&self, which: Authz, tenant: Option<&str>) -> Vec<JsValue> {
        let claims = self.claims();
        if claims.is_undefined() {
            return Vec::new();
        }
        authorization_items(&claims, which, tenant)
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
        self.d.events.token.add(&callback)
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
        self.d.events.user.add(&callback)
    }

    /// Calls `callback` with the claims of each new session token (or `undefined`). Returns the
    /// unsubscribe function.
    ///
    /// ```js
    /// session.onClaimsChange((claims) => console.log("tenant", claims?.dct));
    /// ```
    #[wasm_bindgen(js_name = onClaimsChange, unchecked_return_type = "() => void")]
    pub fn on_claims_change(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "(claims: Record<string, unknown> | undefined) => void"
        )]
        callback: Function,
    ) -> Function {
        self.d.events.claims.add(&callback)
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
        self.d.events.auth.add(&callback)
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
        self.d.events.refresh_error.add(&callback)
    }
}

/// A text the getters answer.
#[derive(Clone, Copy)]
enum Text {
    Session,
    Refresh,
    User,
    Tenant,
}

impl SessionManager {
    /// A getter's text as a JS string, `undefined` when absent: made in JS from the bytes, not
    /// handed over as a Rust string that wasm-bindgen would first shrink to fit. One function
    /// for the getters (each is only its binding).
    #[inline(never)]
    fn js_text(&self, which: Text) -> JsValue {
        match self.text(which) {
            Some(text) => JsValue::from_str(&text),
            None => JsValue::UNDEFINED,
        }
    }

    /// The getters' texts.
    fn text(&self, which: Text) -> Option<String> {
        self.d
            .with(|c| match which {
                Text::Session => c.session_token().map(String::from),
                Text::Refresh => c.refresh_token().map(String::from),
                Text::User => c.user().map(String::from),
                Text::Tenant => c.claims().and_then(|c| c.dct.clone()),
            })
            .flatten()
    }

    /// `nextRefreshAt` (`next`) or `expiresAt`, a JS number or `undefined`.
    #[inline(never)]
    fn time(&self, next: bool) -> JsValue {
        self.time_of(next)
            .map_or(JsValue::UNDEFINED, JsValue::from_f64)
    }

    /// `nextRefreshAt` (`next`) or `expiresAt` (also the Rust API's).
    #[inline(always)]
    fn time_of(&self, next: bool) -> Option<f64> {
        self.d
            .with(|c| match next {
                true => c.next_refresh_at(),
                false => c.expires_at(),
            })
            .flatten()
    }

    /// A new call of the core, settled through its promise.
    fn call(&self, call: Call) -> Promise {
        let (id, promise) = self.d.call();
        if let Err(err) = self.d.input(Input::Call(id, call)) {
            return rejected(err);
        }
        promise
    }
}

/// The headers of every request ([`Config::take_headers`]) and the `hooks` functions of the
/// options.
fn plumbing(options: &JsValue, headers: Vec<(String, String)>) -> Result<Plumbing> {
    let mut plumbing = Plumbing {
        headers,
        ..Plumbing::default()
    };
    if let Some(hooks) = options.field("hooks") {
        let hook = |name| match hooks.field(name) {
            None => Ok(None),
            Some(f) if f.is_function() => Ok(Some(f.unchecked_into::<Function>())),
            Some(_) => Err(SessionError::invalid_argument("invalid hooks")),
        };
        if !Obj::is_object(&hooks) {
            return Err(SessionError::invalid_argument("invalid hooks"));
        }
        plumbing.before = hook("beforeRequest")?;
        plumbing.after = hook("afterRequest")?;
    }
    Ok(plumbing)
}

/// `subscribe` and `getSnapshot` of a session, as plain JS functions.
fn store_functions(d: &Driver<Session>) -> (Function, Function) {
    (
        d.function(On::Subscribe).unchecked_into(),
        d.function(On::Snapshot).unchecked_into(),
    )
}

/// `{ isAuthenticated, user, claims, currentTenant, expiresAt }` of the session now.
fn snapshot(d: &Driver<Session>) -> JsValue {
    let now = js_sys::Date::now();
    let (token, user, auth, tenant, expires) = d
        .with(|c| {
            (
                c.session_token().map(String::from),
                c.user().map(String::from),
                c.is_authenticated(now),
                c.claims().and_then(|c| c.dct.clone()),
                c.expires_at(),
            )
        })
        .unwrap_or_default();
    let out: JsValue = Object::new().into();
    js::set(&out, "isAuthenticated", &auth.into());
    js::set(&out, "user", &d.users.object(user.as_deref()));
    js::set(&out, "claims", &d.claims_of(token.as_deref()));
    js::set(
        &out,
        "currentTenant",
        &tenant.map_or(JsValue::UNDEFINED, JsValue::from),
    );
    js::set(
        &out,
        "expiresAt",
        &expires.map_or(JsValue::UNDEFINED, JsValue::from),
    );
    Object::freeze(out.unchecked_ref::<Object>());
    out
}

/// Opens the cross-tab channel and listens to the page signals that can make a due refresh
/// run, and to storage changes of other tabs.
fn listen(d: &Rc<Driver<Session>>, cross_tab: bool, auto_refresh: bool, channel: &str) {
    let window = web::window();
    if !window.is_object() {
        return;
    }
    let mut listeners = Vec::new();
    let mut on = |target: &JsValue, kind: &'static str, input: fn(&JsValue) -> Option<Input>| {
        listeners.push(Listener::new(target, kind, d.function(On::Input(input))));
    };
    if cross_tab {
        let message = d.function(On::Input(|event| {
            web::member(event, "data").as_string().map(Input::Message)
        }));
        d.channel.set(Channel::open(channel, &message));
        on(&window, "storage", |_| Some(Input::StorageChanged));
    }
    if auto_refresh {
        let document = web::member(&window, "document");
        if document.is_object() {
            on(&document, "visibilitychange", |_| {
                Some(Input::Signal(if web::hidden() {
                    Signal::Hidden
                } else {
                    Signal::Visible
                }))
            });
        }
        on(&window, "focus", |_| Some(Input::Signal(Signal::Focus)));
        on(&window, "online", |_| Some(Input::Signal(Signal::Online)));
        on(&window, "offline", |_| Some(Input::Signal(Signal::Offline)));
        on(&window, "pageshow", |_| {
            Some(Input::Signal(Signal::PageShow))
        });
    }
    // The driver is new: it has no listeners yet.
    d.listeners.set(listeners);
}

/// The state for Rust callers (feature `rust`: the Rust API, `session_keeper::rust`, and the
/// browser tests): the getters and `roles`/`permissions` with Rust types. The JS bindings make
/// JS values instead, which costs less glue than handing Rust strings and vectors over.
#[cfg(feature = "rust")]
impl SessionManager {
    /// The session JWT (`sessionToken`).
    pub fn session_token(&self) -> Option<String> {
        self.text(Text::Session)
    }

    /// The refresh JWT (`refreshToken`).
    pub fn refresh_token(&self) -> Option<String> {
        self.text(Text::Refresh)
    }

    /// The selected tenant (`currentTenant`).
    pub fn current_tenant(&self) -> Option<String> {
        self.text(Text::Tenant)
    }

    /// When the session JWT expires, epoch ms (`expiresAt`).
    pub fn expires_at(&self) -> Option<f64> {
        self.time_of(false)
    }

    /// When the next refresh is planned, epoch ms (`nextRefreshAt`).
    pub fn next_refresh_at(&self) -> Option<f64> {
        self.time_of(true)
    }

    /// Roles from the session JWT, project-level or in `tenant_id` (`roles`).
    pub fn roles(&self, tenant_id: Option<String>) -> Vec<JsValue> {
        self.authz_items(Authz::Roles, tenant_id.as_deref())
    }

    /// Permissions from the session JWT, project-level or in `tenant_id` (`permissions`).
    pub fn permissions(&self, tenant_id: Option<String>) -> Vec<JsValue> {
        self.authz_items(Authz::Permissions, tenant_id.as_deref())
    }
}
