//! The session engine behind `SessionManager`: state, applying responses, the refresh cycle
//! with its cross-tab turn, clearing, and events. Decisions come from the pure modules
//! ([`crate::schedule`], [`crate::cookie`], [`crate::storage`], [`crate::claims`]); this module
//! performs them in the browser.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_net::http::Method;
use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::claims::{payload_json, Claims};
use crate::crosstab::{
    channel_name, deferred, lock_name, try_lock, Channel, Listener, Lock, LockGuard,
    HOLD_AFTER_ROTATION_MS,
};
use crate::error::{ErrorCode, Result, SessionError};
use crate::events::Listeners;
use crate::http::{descope_error, send, Answer, Call};
use crate::obj::Obj;
use crate::options::{Config, Persist};
use crate::schedule::{
    catch_up, classify, due_after_response, due_on_restore, retry_at, retry_delay, Failure,
};
use crate::storage::{usable_token, MemoryStore, Meta, Store, WebStore};
use crate::timer::WallTimer;
use crate::vault::{Kind, Vault};
use crate::wire::JwtFields;

fn now() -> f64 {
    js_sys::Date::now()
}

#[derive(Default)]
struct State {
    session: Option<String>,
    refresh: Option<String>,
    claims: Claims,
    /// The decoded payload as a JS object, for the `claims` getter.
    claims_js: JsValue,
    user: JsValue,
    /// Generation, where cookies went, and when the next refresh attempt is planned.
    meta: Meta,
    /// Bumped by every change of the tokens in this tab.
    seq: u64,
    /// Failed attempts since the last success (drives the backoff).
    attempt: u32,
    /// When the last logout this tab saw (its own or another tab's) happened, epoch ms.
    cleared_at: f64,
}

impl State {
    fn has_session(&self) -> bool {
        self.session.is_some() || self.refresh.is_some()
    }

    fn expires_at(&self) -> Option<f64> {
        self.session.as_ref().and(self.claims.expires_at_ms())
    }

    fn authenticated(&self, now: f64) -> bool {
        self.session.is_some() && self.expires_at().is_none_or(|exp| exp > now)
    }

    /// The token that identifies the current cycle for the cross-tab lock.
    fn cycle_token(&self) -> &str {
        self.refresh
            .as_deref()
            .or(self.session.as_deref())
            .unwrap_or("")
    }
}

/// What the events last reported, so that each change fires exactly once.
#[derive(Default)]
struct Emitted {
    token: Option<String>,
    authenticated: bool,
    user: Option<String>,
}

/// The event callbacks.
#[derive(Default)]
pub struct Events {
    /// `onSessionTokenChange`
    pub token: Listeners,
    /// `onUserChange`
    pub user: Listeners,
    /// `onIsAuthenticatedChange`
    pub authenticated: Listeners,
    /// `onRefreshError`
    pub refresh_error: Listeners,
}

/// Whose turn it is to call the server for a rotating request.
enum Turn {
    /// Another tab rotated the token meanwhile; this is the outcome.
    Adopted(Result<JsValue>),
    /// Go ahead (holding the cross-tab lock when there is one).
    Go(Option<LockGuard>),
}

/// The session engine.
pub struct Engine {
    cfg: Config,
    vault: Vault,
    st: RefCell<State>,
    /// Event subscriptions.
    pub events: Events,
    emitted: RefCell<Emitted>,
    timer: RefCell<Option<WallTimer>>,
    expiry: RefCell<Option<WallTimer>>,
    /// The running refresh: a promise that resolves with the response or the error object.
    inflight: RefCell<Option<Promise>>,
    ready: RefCell<Option<Promise>>,
    channel: RefCell<Option<Channel>>,
    wake: RefCell<Vec<Listener>>,
    held: RefCell<Vec<(f64, LockGuard)>>,
    waiters: RefCell<Vec<Function>>,
    disposed: Cell<bool>,
}

impl Engine {
    /// Builds the engine and restores the session from storage, without starting anything.
    pub fn new(cfg: Config) -> Rc<Engine> {
        let store: Box<dyn Store> = match cfg.persist {
            Persist::LocalStorage => WebStore::open(true).map(|s| Box::new(s) as Box<dyn Store>),
            Persist::SessionStorage => WebStore::open(false).map(|s| Box::new(s) as Box<dyn Store>),
            Persist::Memory => None,
        }
        .unwrap_or_else(|| Box::new(MemoryStore::default()));
        let vault = Vault::new(
            cfg.prefix.clone(),
            store,
            cfg.session_cookie.clone(),
            cfg.refresh_cookie.clone(),
        );
        let stored = vault.load();
        let mut st = State {
            refresh: stored.refresh,
            user: stored.user,
            meta: stored.meta,
            ..State::default()
        };
        if let Some(session) = stored.session {
            if let Some((claims, claims_js)) = decode(&session) {
                st.session = Some(session);
                st.claims = claims;
                st.claims_js = claims_js;
            }
        }
        let emitted = Emitted {
            token: st.session.clone(),
            authenticated: st.authenticated(now()),
            user: user_json(&st.user),
        };
        Rc::new(Engine {
            cfg,
            vault,
            st: RefCell::new(st),
            events: Events::default(),
            emitted: RefCell::new(emitted),
            timer: RefCell::new(None),
            expiry: RefCell::new(None),
            inflight: RefCell::new(None),
            ready: RefCell::new(None),
            channel: RefCell::new(None),
            wake: RefCell::new(Vec::new()),
            held: RefCell::new(Vec::new()),
            waiters: RefCell::new(Vec::new()),
            disposed: Cell::new(false),
        })
    }

    /// Opens the cross-tab channel, listens for wake-up signals, and schedules the next
    /// refresh, or starts it at once when it is already due.
    pub fn start(self: &Rc<Self>) {
        if self.cfg.cross_tab {
            let weak = Rc::downgrade(self);
            let name = channel_name(&self.cfg.project_id, &self.cfg.prefix);
            *self.channel.borrow_mut() = Channel::open(&name, move |message| {
                if let Some(engine) = weak.upgrade() {
                    engine.on_message(&message);
                }
            });
            if self.channel.borrow().is_none() {
                self.listen_storage();
            }
        }
        if self.cfg.auto_refresh {
            self.listen_wake();
        }
        let due_now = {
            let mut st = self.st.borrow_mut();
            let due = match (&st.session, &st.refresh) {
                (Some(_), _) if st.authenticated(now()) => {
                    due_on_restore(st.meta.due_at, st.claims.expires_at_ms())
                }
                (None, None) => None,
                // An expired session, or only a refresh token: refresh at once.
                _ => Some(now()),
            };
            st.meta.due_at = due;
            due.is_some_and(|due| due <= now())
        };
        if self.cfg.auto_refresh && due_now {
            let run = self.refresh_shared();
            *self.ready.borrow_mut() = Some(run);
        } else {
            self.reschedule();
        }
    }

    /// Resolves when the start-up refresh (if any) has settled.
    pub fn ready(&self) -> Promise {
        let run = self.ready.borrow().clone();
        to_promise(async move {
            if let Some(run) = run {
                let _ = JsFuture::from(run).await;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Stops timers, listeners, the channel and held locks. Storage is left as it is.
    pub fn dispose(&self) {
        self.disposed.set(true);
        self.timer.borrow_mut().take();
        self.expiry.borrow_mut().take();
        self.channel.borrow_mut().take();
        self.wake.borrow_mut().clear();
        self.held.borrow_mut().clear();
        self.release_waiters();
    }

    // ---- state for the getters -------------------------------------------------------------

    /// The session JWT.
    pub fn session_token(&self) -> Option<String> {
        self.st.borrow().session.clone()
    }

    /// The refresh JWT (absent when the server keeps it in an httpOnly cookie).
    pub fn refresh_token(&self) -> Option<String> {
        self.st.borrow().refresh.clone()
    }

    /// The user object.
    pub fn user(&self) -> JsValue {
        self.st.borrow().user.clone()
    }

    /// A non-expired session token is held.
    pub fn is_authenticated(&self) -> bool {
        self.st.borrow().authenticated(now())
    }

    /// The decoded claims object.
    pub fn claims(&self) -> JsValue {
        let st = self.st.borrow();
        if st.session.is_some() {
            st.claims_js.clone()
        } else {
            JsValue::UNDEFINED
        }
    }

    /// Reads the decoded claims.
    pub fn with_claims<T>(&self, f: impl FnOnce(Option<&Claims>) -> T) -> T {
        let st = self.st.borrow();
        f(st.session.as_ref().map(|_| &st.claims))
    }

    /// Session expiry, epoch ms.
    pub fn expires_at(&self) -> Option<f64> {
        self.st.borrow().expires_at()
    }

    /// The next planned refresh attempt, epoch ms.
    pub fn next_refresh_at(&self) -> Option<f64> {
        let st = self.st.borrow();
        if self.cfg.auto_refresh && st.has_session() && !self.disposed.get() {
            st.meta.due_at
        } else {
            None
        }
    }

    // ---- applying responses ----------------------------------------------------------------

    /// Stores the tokens of a JWT response, tells the other tabs, reschedules and fires events.
    /// A response that cannot be used changes nothing. `fresh`: a new sign-in (not a rotation
    /// of the current session).
    pub fn apply(self: &Rc<Self>, raw: &JsValue, fresh: bool) -> Result<()> {
        let response = JwtFields::read(raw)?;
        let session = response
            .session_jwt
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or(SessionError::invalid_response(
                "the response carries no sessionJwt",
            ))?;
        if !usable_token(&session) {
            return Err(SessionError::invalid_response(
                "the sessionJwt is not a usable token",
            ));
        }
        let (claims, claims_js) = decode(&session).ok_or(SessionError::invalid_response(
            "the sessionJwt is not a decodable JWT",
        ))?;
        let refresh = match response.refresh_jwt.clone().filter(|r| !r.is_empty()) {
            Some(r) if !usable_token(&r) => {
                return Err(SessionError::invalid_response(
                    "the refreshJwt is not a usable token",
                ))
            }
            other => other,
        };
        let due = due_after_response(
            now(),
            response.next_refresh_seconds,
            claims.expires_at_ms(),
            response.session_expiration,
        );
        let saved = {
            let mut st = self.st.borrow_mut();
            if let Some(user) = raw.field("user").filter(Obj::is_object) {
                st.user = user;
            }
            st.meta.due_at = due;
            if fresh || st.meta.born <= 0.0 {
                // Strictly after the last logout seen, even within the same millisecond.
                st.meta.born = now().max(st.cleared_at + 1.0);
            }
            st.seq += 1;
            st.attempt = 0;
            let mut meta = st.meta.clone();
            let saved = self
                .vault
                .save(&session, refresh.as_deref(), &response, &mut meta)
                .and(self.vault.save_user(&st.user));
            st.meta = meta;
            st.session = Some(session);
            st.refresh = refresh;
            st.claims = claims;
            st.claims_js = claims_js;
            saved
        };
        self.broadcast_sync();
        self.after_change();
        saved
    }

    /// Takes over tokens another tab rotated (from a message or from shared storage).
    fn adopt(
        self: &Rc<Self>,
        session: String,
        refresh: Option<String>,
        user: JsValue,
        meta: Meta,
    ) -> bool {
        let Some((claims, claims_js)) = decode(&session) else {
            return false;
        };
        {
            let mut st = self.st.borrow_mut();
            // A session from before the last logout seen, or older than the one held: stale.
            if meta.born <= st.cleared_at || (st.has_session() && meta.born < st.meta.born) {
                return false;
            }
            if st.session.as_deref() == Some(&session) && st.refresh == refresh {
                st.meta = meta;
                return false;
            }
            if Obj::is_object(&user) {
                st.user = user;
            }
            st.session = Some(session);
            st.refresh = refresh;
            st.claims = claims;
            st.claims_js = claims_js;
            st.meta = meta;
            st.seq += 1;
            st.attempt = 0;
            if !self.vault.shared() {
                self.vault.save_adopted(
                    st.session.as_deref(),
                    st.refresh.as_deref(),
                    &st.user,
                    &st.meta,
                );
            }
        }
        self.after_change();
        true
    }

    /// When the other tabs share this tab's token storage, follows what they stored: adopts
    /// tokens they rotated or signed in with, or signs out when they removed the refresh token
    /// this tab had there. Answers `Some` when this tab's session changed that way.
    fn adopt_from_storage(self: &Rc<Self>) -> Option<Result<JsValue>> {
        let (session, refresh, refresh_shared) = {
            let st = self.st.borrow();
            let shared = self.vault.shared_for(Kind::Refresh, &st.meta);
            (st.session.clone(), st.refresh.clone(), shared)
        };
        if !self.vault.shared() && !refresh_shared && self.st.borrow().meta.session_cookie.is_none()
        {
            return None;
        }
        let stored = self.vault.load();
        if stored.session == session && stored.refresh == refresh {
            return None;
        }
        match stored.session {
            Some(theirs) if stored.refresh.is_some() || refresh.is_none() => self
                .adopt(theirs, stored.refresh, stored.user, stored.meta)
                .then(|| self.current_response()),
            _ if refresh.is_some() && refresh_shared && stored.refresh.is_none() => {
                // Another tab signed out: follow without calling the server.
                self.clear(false, None);
                Some(Err(SessionError::new(
                    ErrorCode::Unauthorized,
                    "the session was signed out in another tab",
                )))
            }
            _ => None,
        }
    }

    /// `{sessionJwt, refreshJwt, user}` of the current state.
    fn current_response(&self) -> Result<JsValue> {
        let st = self.st.borrow();
        let Some(session) = &st.session else {
            return Err(SessionError::new(
                ErrorCode::Unauthorized,
                "there is no session",
            ));
        };
        let out = Object::new();
        set(&out, "sessionJwt", &session.into());
        if let Some(refresh) = &st.refresh {
            set(&out, "refreshJwt", &refresh.into());
        }
        if Obj::is_object(&st.user) {
            set(&out, "user", &st.user);
        }
        Ok(out.into())
    }

    /// Forgets the session: cookies and storage (only when `own`: this tab decided it; a tab
    /// that follows another one's logout leaves the shared storage to it), timers, held locks.
    /// Records when it happened (`at`, default now) so that late answers and messages from
    /// before it are recognised, and tells the other tabs.
    pub fn clear(self: &Rc<Self>, own: bool, at: Option<f64>) {
        let at = {
            let mut st = self.st.borrow_mut();
            if own {
                self.vault.clear(&st.meta);
            } else if !self.vault.shared() {
                self.vault.clear_store();
            }
            let at = at.unwrap_or_else(now).max(st.cleared_at);
            let seq = st.seq + 1;
            *st = State {
                seq,
                cleared_at: at,
                ..State::default()
            };
            at
        };
        self.held.borrow_mut().clear();
        if own {
            self.post(&message("logout", at));
        }
        self.after_change();
    }

    fn after_change(self: &Rc<Self>) {
        self.reschedule();
        self.release_waiters();
        self.notify();
    }

    fn release_waiters(&self) {
        let waiters = self.waiters.take();
        for resolve in waiters {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// Fires the events whose value changed since they last fired.
    pub fn notify(&self) {
        let (token, authenticated, user) = {
            let st = self.st.borrow();
            (
                st.session.clone(),
                st.authenticated(now()),
                user_json(&st.user),
            )
        };
        let (token_changed, auth_changed, user_changed) = {
            let mut e = self.emitted.borrow_mut();
            let changes = (
                e.token != token,
                e.authenticated != authenticated,
                e.user != user,
            );
            *e = Emitted {
                token,
                authenticated,
                user,
            };
            changes
        };
        if token_changed {
            self.events.token.dispatch(&|| {
                self.st
                    .borrow()
                    .session
                    .clone()
                    .map_or(JsValue::UNDEFINED, JsValue::from)
            });
        }
        if user_changed {
            self.events.user.dispatch(&|| {
                let user = self.st.borrow().user.clone();
                if Obj::is_object(&user) {
                    user
                } else {
                    JsValue::UNDEFINED
                }
            });
        }
        if auth_changed {
            self.events
                .authenticated
                .dispatch(&|| JsValue::from_bool(self.is_authenticated()));
        }
    }

    // ---- scheduling -------------------------------------------------------------------------

    fn reschedule(self: &Rc<Self>) {
        let (due, expiry) = {
            let st = self.st.borrow();
            let due = st.meta.due_at.filter(|_| st.has_session());
            (due, st.expires_at().filter(|exp| *exp > now()))
        };
        let live = !self.disposed.get();
        let timer = due.filter(|_| live && self.cfg.auto_refresh).map(|due| {
            let weak = Rc::downgrade(self);
            WallTimer::at(due, move || {
                if let Some(engine) = weak.upgrade() {
                    engine.auto_refresh();
                }
            })
        });
        let unchanged =
            matches!((&*self.timer.borrow(), &timer), (Some(a), Some(b)) if a.due() == b.due());
        if !unchanged {
            *self.timer.borrow_mut() = timer;
        }
        // isAuthenticated turns false at expiry even when nothing refreshes it.
        let expiry = expiry.filter(|_| live).map(|exp| {
            let weak: Weak<Engine> = Rc::downgrade(self);
            WallTimer::at(exp, move || {
                if let Some(engine) = weak.upgrade() {
                    engine.notify();
                }
            })
        });
        *self.expiry.borrow_mut() = expiry;
    }

    fn auto_refresh(self: &Rc<Self>) {
        if !self.disposed.get() && self.inflight.borrow().is_none() {
            let _ = self.refresh_shared();
        }
    }

    fn listen_wake(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let document = window.document();
        let mut listeners = Vec::new();
        let targets: [(Option<web_sys::EventTarget>, &'static str); 4] = [
            (document.map(Into::into), "visibilitychange"),
            (Some(window.clone().into()), "focus"),
            (Some(window.clone().into()), "online"),
            (Some(window.into()), "pageshow"),
        ];
        for (target, kind) in targets {
            let Some(target) = target else { continue };
            let weak = Rc::downgrade(self);
            listeners.extend(Listener::new(&target, kind, move |_| {
                if let Some(engine) = weak.upgrade() {
                    engine.wake();
                }
            }));
        }
        self.wake.borrow_mut().extend(listeners);
    }

    /// A wake-up signal: adopt what other tabs did meanwhile, and run a refresh that is due.
    fn wake(self: &Rc<Self>) {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden());
        if self.disposed.get() || hidden || self.inflight.borrow().is_some() {
            return;
        }
        let _ = self.adopt_from_storage();
        let due = {
            let st = self.st.borrow();
            st.meta.due_at.filter(|_| st.has_session())
        };
        if catch_up(now(), due, false) {
            self.auto_refresh();
        }
    }

    // ---- cross-tab messages -----------------------------------------------------------------

    fn post(&self, message: &JsValue) {
        if let Some(channel) = self.channel.borrow().as_ref() {
            channel.post(message);
        }
    }

    fn broadcast_sync(&self) {
        if self.channel.borrow().is_none() {
            return;
        }
        let st = self.st.borrow();
        let Some(session) = &st.session else { return };
        let msg = message("sync", st.meta.born);
        set(&msg, "s", &session.into());
        if let Some(refresh) = &st.refresh {
            set(&msg, "r", &refresh.into());
        }
        if Obj::is_object(&st.user) {
            set(&msg, "u", &st.user);
        }
        set(&msg, "m", &st.meta.encode().into());
        drop(st);
        self.post(&msg);
    }

    fn on_message(self: &Rc<Self>, msg: &JsValue) {
        if self.disposed.get() {
            return;
        }
        let field = |key: &str| Reflect::get(msg, &key.into()).unwrap_or_default();
        let Some(at) = field("g").as_f64().filter(|g| g.is_finite() && *g > 0.0) else {
            return;
        };
        match field("t").as_string().as_deref() {
            Some("logout") => {
                let (born, has_session) = {
                    let st = self.st.borrow();
                    (st.meta.born, st.has_session())
                };
                if has_session && at >= born {
                    self.clear(false, Some(at));
                } else {
                    // A logout older than the session held, or nothing to clear: remember it.
                    let mut st = self.st.borrow_mut();
                    st.cleared_at = st.cleared_at.max(at);
                }
            }
            Some("sync") => {
                let session = field("s").as_string().filter(|s| usable_token(s));
                let refresh = field("r").as_string().filter(|r| usable_token(r));
                let meta = field("m").as_string().and_then(|m| Meta::decode(&m));
                if let (Some(session), Some(meta)) = (session, meta) {
                    self.adopt(session, refresh, field("u"), Meta { born: at, ..meta });
                }
            }
            _ => {}
        }
    }

    /// Where there is no BroadcastChannel, the `storage` event tells of other tabs' changes.
    fn listen_storage(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(self);
        let listener = Listener::new(&window.into(), "storage", move |_| {
            if let Some(engine) = weak.upgrade() {
                if !engine.disposed.get() {
                    let _ = engine.adopt_from_storage();
                }
            }
        });
        self.wake.borrow_mut().extend(listener);
    }

    // ---- network ----------------------------------------------------------------------------

    /// One request to the Descope API with `Authorization: Bearer <projectId>[:<token>]`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&JsValue>,
    ) -> Result<JsValue> {
        let url = [self.cfg.base_url.as_str(), path].concat();
        let bearer = match token {
            Some(token) => ["Bearer ", &self.cfg.project_id, ":", token].concat(),
            None => ["Bearer ", &self.cfg.project_id].concat(),
        };
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ];
        match send(Call {
            method,
            url: &url,
            headers: &headers,
            body,
            timeout_ms: self.cfg.timeout_ms,
            include_credentials: true,
        })
        .await?
        {
            Answer::Ok(body) => Ok(body),
            Answer::Refused(refusal) => Err(descope_error(refusal)),
        }
    }

    /// Starts a refresh, or joins the one running. The promise always resolves: with the
    /// response, or with the `SessionError` object.
    pub fn refresh_shared(self: &Rc<Self>) -> Promise {
        if let Some(running) = self.inflight.borrow().clone() {
            return running;
        }
        let engine = self.clone();
        let run = to_promise(async move {
            let result = engine.clone().refresh_cycle().await;
            engine.inflight.borrow_mut().take();
            Ok(result.unwrap_or_else(JsValue::from))
        });
        *self.inflight.borrow_mut() = Some(run.clone());
        run
    }

    async fn refresh_cycle(self: Rc<Self>) -> Result<JsValue> {
        let guard = match self.turn().await {
            Turn::Adopted(outcome) => return outcome,
            Turn::Go(guard) => guard,
        };
        let (token, seq, born) = self.snapshot();
        let body = Object::new().into();
        let outcome = self
            .call(
                Method::POST,
                "/v1/auth/refresh",
                token.as_deref(),
                Some(&body),
            )
            .await;
        let outcome = match outcome {
            Ok(response) => self.accept(&response, seq, born),
            Err(err) => Err(err),
        };
        match outcome {
            Ok(response) => {
                self.hold(guard);
                Ok(response)
            }
            Err(err) => {
                drop(guard);
                Err(self.refresh_failed(err, seq))
            }
        }
    }

    fn snapshot(&self) -> (Option<String>, u64, f64) {
        let st = self.st.borrow();
        (st.refresh.clone(), st.seq, st.meta.born)
    }

    /// Applies the answer of a rotating request, unless the session changed while it was in
    /// flight. After a logout (here or in another tab) the answer is thrown away and its new
    /// refresh token revoked, so nothing is left behind; when another tab rotated meanwhile,
    /// its tokens win (revoking ours would revoke the whole family).
    fn accept(self: &Rc<Self>, response: &JsValue, seq: u64, born: f64) -> Result<JsValue> {
        let ended = || {
            SessionError::new(
                ErrorCode::Unauthorized,
                "the session ended while the request was in flight",
            )
        };
        let (now_seq, now_born, has_session) = {
            let st = self.st.borrow();
            (st.seq, st.meta.born, st.has_session())
        };
        if self.disposed.get() {
            return Err(ended());
        }
        if now_seq != seq {
            if has_session && now_born == born {
                return self.current_response();
            }
            if !has_session {
                self.revoke(response);
            }
            return Err(ended());
        }
        match self.adopt_from_storage() {
            Some(Err(_)) => {
                self.revoke(response);
                return Err(ended());
            }
            Some(Ok(adopted)) => return Ok(adopted),
            None => {}
        }
        self.apply(response, false)
            .map(|()| response.clone())
            .or_else(|err| {
                if err.code == ErrorCode::Storage {
                    Ok(response.clone())
                } else {
                    Err(err)
                }
            })
    }

    fn revoke(self: &Rc<Self>, response: &JsValue) {
        let token = Reflect::get(response, &"refreshJwt".into())
            .ok()
            .and_then(|t| t.as_string())
            .filter(|t| usable_token(t));
        if let Some(token) = token {
            let engine = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let body = Object::new().into();
                let _ = engine
                    .call(Method::POST, "/v1/auth/logout", Some(&token), Some(&body))
                    .await;
            });
        }
    }

    fn hold(&self, guard: Option<LockGuard>) {
        if let Some(guard) = guard {
            let t = now();
            let until = t + HOLD_AFTER_ROTATION_MS;
            let mut held = self.held.borrow_mut();
            held.retain(|(until, _)| *until > t);
            if !self.disposed.get() {
                held.push((until, guard));
            }
        }
    }

    /// Handles a failed refresh attempt: reports it, then retries with backoff, or ends the
    /// session when the server refused the token (unless another tab rotated it meanwhile).
    fn refresh_failed(self: &Rc<Self>, err: SessionError, seq: u64) -> SessionError {
        self.events
            .refresh_error
            .dispatch(&|| JsValue::from(err.clone()));
        if self.st.borrow().seq != seq {
            return err;
        }
        let failure = classify(&err);
        if failure == Failure::Ended {
            let had_session = self.st.borrow().has_session();
            if self.adopt_from_storage().is_none() && had_session {
                self.clear(true, None);
            }
            return err;
        }
        let planned = {
            let mut st = self.st.borrow_mut();
            let delay = retry_delay(failure, st.attempt, js_sys::Math::random()).unwrap_or(0.0);
            st.attempt = st.attempt.saturating_add(1);
            let t = now();
            let next = retry_at(t, delay, st.expires_at());
            // Past expiry no timer is armed, but a wake-up signal after the delay still tries.
            st.meta.due_at = Some(next.unwrap_or(t + delay));
            let _ = self.vault.save_meta(&st.meta);
            next.is_some()
        };
        if planned {
            self.reschedule();
        } else {
            self.timer.borrow_mut().take();
        }
        err
    }

    /// Decides whether this tab may send a rotating request now (see [`crate::crosstab`]).
    async fn turn(self: &Rc<Self>) -> Turn {
        let (_, seq, _) = self.snapshot();
        if let Some(outcome) = self.adopt_from_storage() {
            return Turn::Adopted(outcome);
        }
        if !self.cfg.cross_tab {
            return Turn::Go(None);
        }
        let name = {
            let st = self.st.borrow();
            lock_name(&self.cfg.project_id, &self.cfg.prefix, st.cycle_token())
        };
        match try_lock(&name).await {
            Lock::Unsupported => Turn::Go(None),
            Lock::Acquired(guard) => match self.changed_since(seq) {
                Some(outcome) => Turn::Adopted(outcome),
                None => Turn::Go(Some(guard)),
            },
            Lock::Busy => {
                // Another tab is rotating this token: wait for its result, bounded.
                self.wait_for_change(self.cfg.timeout_ms.saturating_add(1_000))
                    .await;
                if let Some(outcome) = self.changed_since(seq) {
                    return Turn::Adopted(outcome);
                }
                // Nothing came. If the other tab released the lock, take it; if it still holds
                // it after the bound, go on without it rather than hang.
                match try_lock(&name).await {
                    Lock::Acquired(guard) => Turn::Go(Some(guard)),
                    _ => Turn::Go(None),
                }
            }
        }
    }

    fn changed_since(self: &Rc<Self>, seq: u64) -> Option<Result<JsValue>> {
        if self.st.borrow().seq != seq {
            return Some(self.current_response());
        }
        self.adopt_from_storage()
    }

    async fn wait_for_change(&self, ms: u32) {
        let Some((changed, resolve)) = deferred() else {
            return;
        };
        self.waiters.borrow_mut().push(resolve.clone());
        let _timeout = Timeout::new(ms, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let _ = JsFuture::from(changed).await;
    }

    /// Runs a request that rotates the refresh token (tenant select) in this tab's turn.
    pub async fn rotating_call(
        self: Rc<Self>,
        path: &'static str,
        body: JsValue,
    ) -> Result<JsValue> {
        let guard = match self.turn().await {
            Turn::Go(guard) => guard,
            // Tokens were adopted: one more turn with them.
            Turn::Adopted(Ok(_)) => match self.turn().await {
                Turn::Go(guard) => guard,
                Turn::Adopted(outcome) => outcome.map(|_| None)?,
            },
            Turn::Adopted(Err(err)) => return Err(err),
        };
        let (token, seq, born) = self.snapshot();
        let response = self
            .call(Method::POST, path, token.as_deref(), Some(&body))
            .await?;
        let response = self.accept(&response, seq, born)?;
        self.hold(guard);
        Ok(response)
    }

    /// Signs out: clears everything now, then tells the server (`path` is logout or
    /// logout-all). The promise rejects with the server's error, after clearing.
    pub fn sign_out(self: &Rc<Self>, path: &'static str) -> Promise {
        let token = self.st.borrow().refresh.clone();
        self.clear(true, None);
        let engine = self.clone();
        to_promise(async move {
            let body = Object::new().into();
            engine
                .call(Method::POST, path, token.as_deref(), Some(&body))
                .await
                .map(|_| JsValue::UNDEFINED)
        })
    }

    /// `GET /v1/auth/me`; updates `user`.
    pub async fn me(self: Rc<Self>) -> Result<JsValue> {
        let token = self.st.borrow().refresh.clone();
        let user = self
            .call(Method::GET, "/v1/auth/me", token.as_deref(), None)
            .await?;
        if !Obj::is_object(&user) {
            return Err(SessionError::invalid_response("the user is not an object"));
        }
        let stored = {
            let mut st = self.st.borrow_mut();
            if st.has_session() {
                st.user = user.clone();
                self.vault.save_user(&st.user)
            } else {
                Ok(())
            }
        };
        self.notify();
        stored.map(|()| user)
    }
}

/// Turns a future into a JS promise through one boxed future type, so that only one copy of
/// the promise glue is compiled (every `future_to_promise` instance adds its own).
pub fn to_promise(future: impl std::future::Future<Output = Result<JsValue>> + 'static) -> Promise {
    boxed_promise(Box::pin(future))
}

fn boxed_promise(
    future: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue>>>>,
) -> Promise {
    future_to_promise(async move { future.await.map_err(JsValue::from) })
}

fn decode(session: &str) -> Option<(Claims, JsValue)> {
    let json = payload_json(session).ok()?;
    let claims_js = JSON::parse(&json).ok().filter(Obj::is_object)?;
    Some((Claims::read(&claims_js), claims_js))
}

fn user_json(user: &JsValue) -> Option<String> {
    if Obj::is_object(user) {
        JSON::stringify(user).ok().and_then(|s| s.as_string())
    } else {
        None
    }
}

fn message(kind: &str, at: f64) -> JsValue {
    let msg = Object::new();
    set(&msg, "t", &kind.into());
    set(&msg, "g", &at.into());
    msg.into()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &key.into(), value);
}
