//! The browser shell: one driver per session that feeds the core its inputs and performs the
//! effects it queues, with `gloo-net` (fetch), `gloo-timers`, and `web-sys` (storage, cookies,
//! Web Locks, BroadcastChannel, listeners).
//!
//! The core is borrowed only while it decides ([`Driver::input`]); every effect is performed
//! after the borrow ends, and event callbacks run from one queue after that. So a getter, a
//! `toJSON` or a callback that calls back into the package finds the core free, and its own
//! input is decided, performed and queued the same way: every event still fires once per
//! change, in order.

// The Rocket.Chat entry drives no events, channel or listeners.
#![cfg_attr(not(feature = "descope"), allow(dead_code))]

pub mod events;
pub mod http;
pub mod js;
pub mod spawn;
pub mod web;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use crate::core::answer::{decode, resolved_member, Http};
use crate::core::cookie::read_cookie;
use crate::core::error::{ErrorCode, Result, SessionError};
use crate::core::io::{Effect, Env, Event, Grant, Kind, PutCookie, Reply, Tokens, Value};
use crate::core::obj::Obj;
use crate::core::schedule::{tick, Tick};
use gloo_timers::callback::Timeout;
use web::Store;

/// A core state machine the driver can run.
pub trait Machine: 'static {
    /// What it is fed.
    type Input;
    /// Decides.
    fn handle(&mut self, now: f64, input: Self::Input, env: &dyn Env) -> Result<()>;
    /// What to do.
    fn drain(&mut self) -> Vec<Effect>;
    /// The input for an answer.
    fn answer(id: u32, reply: Result<Reply>) -> Self::Input;
    /// The input for a timer.
    fn timer() -> Self::Input;
    /// The input for a lock outcome (only machines that ask for locks get it).
    fn lock(id: u32, grant: Grant) -> Option<Self::Input>;
    /// The input for a token cookie written and read back (only machines that write cookies
    /// get it).
    fn cookie(kind: Kind, kept: bool) -> Option<Self::Input>;
    /// The input for a storage write the browser refused.
    fn storage_refused(key: String) -> Self::Input;
    /// The tokens it holds (never shown to a hook).
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What every Descope request carries besides what the core decides: `baseHeaders` and this
/// package's name and version, and the `hooks` of the options.
#[derive(Default)]
pub struct Plumbing {
    /// Headers set before the core's own (which win).
    pub headers: Vec<(String, String)>,
    /// `hooks.beforeRequest(config)`
    pub before: Option<Function>,
    /// `hooks.afterRequest(request, response)`
    pub after: Option<Function>,
}

/// The event callbacks of a session.
#[derive(Default)]
pub struct Events {
    /// `onSessionTokenChange`
    pub token: events::Listeners,
    /// `onClaimsChange`
    pub claims: events::Listeners,
    /// `subscribe` (called with the new snapshot after each change)
    pub snapshot: events::Listeners,
    /// `onUserChange`
    pub user: events::Listeners,
    /// `onIsAuthenticatedChange`
    pub auth: events::Listeners,
    /// `onRefreshError`
    pub refresh_error: events::Listeners,
}

/// JS objects made from the core's JSON text, kept so that a getter answers the same object
/// until the text changes.
#[derive(Default)]
pub struct Cache(Cell<Vec<(String, JsValue)>>);

impl Cache {
    /// The object of `json` (parsed once).
    pub fn object(&self, json: Option<&str>) -> JsValue {
        let Some(json) = json else {
            return JsValue::UNDEFINED;
        };
        // Taken and set back: what runs meanwhile (JSON.parse, freezing) calls nothing back.
        let mut cache = self.0.take();
        let found = cache
            .iter()
            .find(|(text, _)| text == json)
            .map(|(_, v)| v.clone());
        let value = match found {
            Some(value) => value,
            None => {
                // Frozen at every depth: what a getter or the snapshot hands out is shared, so
                // no caller's mutation may reach another caller (or look like the session's
                // state).
                let value = js::parse(json);
                js::deep_freeze(&value);
                // The current object and the one before: enough for a getter and an event.
                if cache.len() >= 2 {
                    // Of two entries, `swap_remove(0)` keeps the second first, as `remove(0)`
                    // would.
                    crate::core::take_at(&mut cache, 0);
                }
                cache.push((json.to_owned(), value.clone()));
                value
            }
        };
        self.0.set(cache);
        value
    }
}

/// Runs one machine in the page.
pub struct Driver<M: Machine> {
    core: RefCell<M>,
    /// Where the machine's storage lives; also what it reads.
    pub store: Store,
    me: Weak<Driver<M>>,
    /// The pending `setTimeout` towards the core's next timer (cancelled on drop).
    timer: Cell<Option<Timeout>>,
    /// The pending calls' `resolve` (a rejection is a rejected promise resolved), the
    /// requests' `AbortController`s and the held locks' release functions by id: one table
    /// type for all of them.
    resolves: Table,
    aborts: Table,
    locks: Table,
    /// The cross-tab channel, when there is one.
    pub channel: Cell<Option<web::Channel>>,
    /// DOM listeners, removed on drop.
    pub listeners: Cell<Vec<web::Listener>>,
    queue: Cell<Vec<Event>>,
    dispatching: Cell<bool>,
    /// The body of the answer being handled ([`Value::Body`]).
    body: Cell<JsValue>,
    ids: Cell<u32>,
    /// What performing the effects reported (a cookie read back, a storage write refused):
    /// fed back before the input is done.
    reports: Cell<Vec<M::Input>>,
    /// Event subscriptions.
    pub events: Events,
    /// User objects by JSON text.
    pub users: Cache,
    /// Claims objects by payload JSON text.
    pub claims: Cache,
    /// Headers and hooks of every request.
    plumbing: Rc<Plumbing>,
    /// The current snapshot (`getSnapshot()`), until something in it changes.
    snapshot: Cell<Option<JsValue>>,
    /// Builds the snapshot (the facade knows what is in it).
    pub snapshot_of: Cell<Option<SnapshotOf<M>>>,
    /// The executor of every promise the driver makes ([`On::Executor`]): one function, not
    /// one per promise.
    executor: JsValue,
    /// Where the executor leaves `resolve`.
    resolve: Cell<JsValue>,
}

/// The error of a call made while the core is borrowed (a callback calling back in).
fn busy() -> SessionError {
    SessionError::new(ErrorCode::InvalidArgument, "session busy")
}

impl<M: Machine> Driver<M> {
    /// A driver for `core` with its storage, and what every request carries.
    pub fn new(core: M, store: Store, plumbing: Plumbing) -> Rc<Driver<M>> {
        Rc::new_cyclic(|me| Driver {
            core: RefCell::new(core),
            store,
            me: me.clone(),
            timer: Cell::new(None),
            resolves: Table::default(),
            aborts: Table::default(),
            locks: Table::default(),
            channel: Cell::new(None),
            listeners: Cell::new(Vec::new()),
            queue: Cell::new(Vec::new()),
            dispatching: Cell::new(false),
            body: Cell::new(JsValue::UNDEFINED),
            ids: Cell::new(0),
            reports: Cell::new(Vec::new()),
            events: Events::default(),
            users: Cache::default(),
            claims: Cache::default(),
            plumbing: Rc::new(plumbing),
            snapshot: Cell::new(None),
            snapshot_of: Cell::new(None),
            executor: function(me.clone(), On::Executor),
            resolve: Cell::new(JsValue::UNDEFINED),
        })
    }

    /// Reads the core (for the getters). `None` only while the core decides, which no JS can
    /// observe.
    pub fn with<T>(&self, f: impl FnOnce(&M) -> T) -> Option<T> {
        self.core.try_borrow().ok().map(|core| f(&core))
    }

    /// Feeds one input: decides under the borrow, then performs every effect, feeds back what
    /// performing them reported, and dispatches the events. Answers the input's result, or
    /// the first error a report brought (a storage write the browser refused).
    pub fn input(&self, input: M::Input) -> Result<()> {
        let mut result = self.step(input);
        // In batches: what a report's own effects report comes after the batch, so the order
        // is the order of reporting (a `Vec` taken whole instead of a queue type).
        loop {
            let reports = self.reports.take();
            if reports.is_empty() {
                break;
            }
            for report in reports {
                let reported = self.step(report);
                if result.is_ok() {
                    result = reported;
                }
            }
        }
        self.dispatch_events();
        result
    }

    /// Decides one input under the borrow and performs its effects after it.
    fn step(&self, input: M::Input) -> Result<()> {
        let now = js_sys::Date::now();
        let (result, effects) = {
            let Ok(mut core) = self.core.try_borrow_mut() else {
                return Err(busy());
            };
            let result = core.handle(now, input, &self.store);
            (result, core.drain())
        };
        for effect in effects {
            self.perform(effect);
        }
        result
    }

    /// Feeds `input` back once the effects being performed are done.
    fn report(&self, input: M::Input) {
        push(&self.reports, input);
    }

    /// A new pending call: its id and promise.
    pub fn call(&self) -> (u32, Promise) {
        let id = self.ids.get().wrapping_add(1);
        self.ids.set(id);
        (id, self.promise(&self.resolves, id))
    }

    /// A new promise whose `resolve` is kept under `id` in `table` (the pending calls', or
    /// the held locks' release functions).
    fn promise(&self, table: &Table, id: u32) -> Promise {
        // The executor runs before the promise is made: it leaves `resolve` in the slot.
        let promise = web::promise(&self.executor);
        let resolve = self.resolve.take();
        push(table, (id, resolve));
        promise
    }

    /// A JS function that does `on` with this driver (nothing once it is gone). Every function
    /// the driver hands to JS is of this one closure type (one set of closure shims and one
    /// vtable), freed with its JS function.
    pub fn function(&self, on: On<M>) -> JsValue {
        function(self.me.clone(), on)
    }

    /// What a function of [`Driver::function`] does when JS calls it with `value`.
    fn on(&self, on: &On<M>, value: JsValue) -> JsValue {
        match *on {
            On::Input(input) => {
                if let Some(input) = input(&value) {
                    let _ = self.input(input);
                }
            }
            On::Executor => self.resolve.set(value),
            On::Lock(id) => {
                if value.is_object() {
                    // Returning a pending promise keeps the lock until Unlock resolves it.
                    let hold = self.promise(&self.locks, id);
                    if let Some(input) = M::lock(id, Grant::Granted) {
                        let _ = self.input(input);
                    }
                    return hold.into();
                }
                if let Some(input) = M::lock(id, Grant::Busy) {
                    let _ = self.input(input);
                }
            }
            On::Refused(id) => {
                if let Some(input) = M::lock(id, Grant::Denied) {
                    let _ = self.input(input);
                }
            }
            #[cfg(feature = "descope")]
            On::Subscribe => {
                if value.is_function() {
                    let callback: Function = value.unchecked_into();
                    let unsubscribe = self.events.snapshot.add(&callback);
                    let snapshot = self.snapshot();
                    if let Err(err) = callback.call1(&JsValue::UNDEFINED, &snapshot) {
                        web_sys::console::error_2(&"session-keeper: callback threw".into(), &err);
                    }
                    return unsubscribe.into();
                }
            }
            #[cfg(feature = "descope")]
            On::Snapshot => return self.snapshot(),
        }
        JsValue::UNDEFINED
    }

    /// Performs one effect: a storage, cookie, timer, lock, channel, request or settle call.
    fn perform(&self, effect: Effect) {
        match effect {
            Effect::Send(request) => self.send(request),
            Effect::Abort(id) => {
                let found = take(&self.aborts, id);
                if let Some(controller) = found {
                    controller.unchecked_into::<web::Aborter>().abort();
                }
            }
            Effect::Timer(at) => self.arm(at),
            Effect::Set(key, value) => {
                if self.store.set(&key, &value).is_err() {
                    self.report(M::storage_refused(key));
                }
            }
            Effect::Remove(key) => self.store.remove(&key),
            Effect::Shared(key, value) => {
                if let Some(local) = web::local() {
                    let _ = match value {
                        Some(value) => local.set_item(&key, &value),
                        None => local.remove_item(&key),
                    };
                }
            }
            Effect::Cookie(text) => web::write_cookie(&text),
            Effect::PutCookie(put) => self.put_cookie(*put),
            Effect::Post(message) => {
                peek(&self.channel, |channel| {
                    // (Posting calls no listener synchronously.)
                    if let Some(channel) = channel {
                        channel.post(&message);
                    }
                });
            }
            Effect::Lock(id, name) => self.lock(id, &name),
            Effect::Unlock(id) => {
                let found = take(&self.locks, id);
                if let Some(release) = found {
                    // `resolve(undefined)`: the one call arity the crate binds for a single
                    // argument serves here too.
                    let _ = release
                        .unchecked_into::<Function>()
                        .call1(&JsValue::UNDEFINED, &JsValue::UNDEFINED);
                }
            }
            Effect::Emit(event) => push(&self.queue, event),
            Effect::Settle(id, result) => {
                if let Some(resolve) = take(&self.resolves, id) {
                    let value = match result {
                        Ok(Value::Body) => {
                            let body = self.body.take();
                            self.body.set(body.clone());
                            body
                        }
                        Ok(value) => self.render(&value),
                        // The call's promise adopts the rejection.
                        Err(err) => Promise::reject(&js::error(&err)).into(),
                    };
                    let _ = resolve
                        .unchecked_into::<Function>()
                        .call1(&JsValue::UNDEFINED, &value);
                }
            }
        }
    }

    /// Sets the timer towards epoch-ms `due` (none without), replacing the last one. Each
    /// step waits at most what `setTimeout` accepts and then compares the wall clock with
    /// `due` again ([`tick`]): longer delays are chained, and a timer that wakes late (sleep,
    /// throttling) fires at once. Never fires synchronously.
    fn arm(&self, due: Option<f64>) {
        let timeout = due.map(|due| {
            let wait = match tick(js_sys::Date::now(), due) {
                Tick::Fire => 0,
                Tick::Wait(ms) => ms as u32,
            };
            let me = self.me.clone();
            Timeout::new(wait, move || {
                if let Some(d) = me.upgrade() {
                    d.fired(due);
                }
            })
        });
        // The old timer is dropped (cancelled) outside the borrow.
        drop(self.timer.replace(timeout));
    }

    /// A step of the timer towards `due` ended: the core's timer input when it is due, else
    /// the next step.
    fn fired(&self, due: f64) {
        match tick(js_sys::Date::now(), due) {
            Tick::Fire => {
                // (Kept until the input is done: it is the timeout running now.)
                let finished = self.timer.take();
                let _ = self.input(M::timer());
                drop(finished);
            }
            Tick::Wait(_) => self.arm(Some(due)),
        }
    }

    /// Writes a token cookie and reports whether reading it back shows it.
    fn put_cookie(&self, put: PutCookie) {
        web::write_cookie(&put.text);
        let kept = read_cookie(&web::cookies(), &put.name) == Some(put.value.as_str());
        if let Some(input) = M::cookie(put.kind, kept) {
            self.report(input);
        }
    }

    /// Sends a request on a later microtask and feeds its answer, decoded by the core.
    fn send(&self, request: crate::core::io::Request) {
        let controller = web::Aborter::new();
        let signal = web::member(&controller, "signal");
        push(&self.aborts, (request.id, controller.into()));
        let plumbing = self.plumbing.clone();
        let me = self.me.clone();
        spawn::spawn(async move {
            let answer = http::fetch(&request, &signal, &plumbing).await;
            if let Some(d) = me.upgrade() {
                d.answered(&request, answer, &plumbing);
            }
        });
    }

    /// Feeds the answer of a request, decoded by the core (nothing when it was aborted).
    #[inline(never)]
    #[cfg_attr(not(feature = "descope"), allow(unused_variables))]
    fn answered(
        &self,
        request: &crate::core::io::Request,
        answer: Result<http::Answer>,
        plumbing: &Plumbing,
    ) {
        if take(&self.aborts, request.id).is_none() {
            // Aborted: the core gave up on it already.
            return;
        }
        let (reply, body) = match answer {
            Ok(answer) => {
                let http = Http {
                    status: answer.status,
                    retry_after: answer.retry_after.as_deref(),
                    body: &answer.body,
                    garbled: answer.garbled,
                };
                let reply = decode(request.expect, &http, js_sys::Date::now());
                #[cfg(feature = "descope")]
                self.after_hook(plumbing, request, &answer, &reply);
                let body = match resolved_member(request.expect) {
                    Some(member) => answer.body.field(member).unwrap_or_default(),
                    None => answer.body,
                };
                (reply, body)
            }
            Err(err) => (Err(err), JsValue::UNDEFINED),
        };
        let previous = self.body.replace(body);
        let _ = self.input(M::answer(request.id, reply));
        self.body.replace(previous);
    }

    /// `hooks.afterRequest` with the answer, shown as the core computes it: no token the
    /// session holds or the answer carries, at any depth.
    #[cfg(feature = "descope")]
    fn after_hook(
        &self,
        plumbing: &Plumbing,
        request: &crate::core::io::Request,
        answer: &http::Answer,
        reply: &Result<Reply>,
    ) {
        if plumbing.after.is_none() {
            return;
        }
        let mut secrets = self.with(M::secrets).unwrap_or_default();
        if let Ok(Reply::Jwt(r)) = reply {
            for token in [&r.fields.session_jwt, &r.fields.refresh_jwt] {
                let Some(token) = token else { continue };
                secrets.push(token.clone());
            }
        }
        http::after(plumbing, request, answer.status, &answer.body, &secrets);
    }

    /// Asks for a Web Lock and feeds the outcome: granted, busy, or denied when the request
    /// rejects (a sandboxed frame, blocked site data); unsupported where there are no Web
    /// Locks. The core ignores an outcome for a lock it no longer waits for, so a rejection
    /// after the callback ran needs no guard here.
    fn lock(&self, id: u32, name: &str) {
        let Some(request) = web::request_lock(name, self.function(On::Lock(id))) else {
            if let Some(input) = M::lock(id, Grant::Unsupported) {
                self.report(input);
            }
            return;
        };
        let _ = request.catch(&self.function(On::Refused(id)));
    }

    /// The claims object of a session token (the same object as long as the token is).
    #[cfg(feature = "descope")]
    pub fn claims_of(&self, token: Option<&str>) -> JsValue {
        let payload = token.and_then(|t| crate::core::claims::payload_json(t).ok());
        self.claims.object(payload.as_deref())
    }

    /// The snapshot of the state for UI frameworks: the same object until something in it
    /// changes.
    pub fn snapshot(&self) -> JsValue {
        if let Some(snapshot) = self.snapshot.take() {
            self.snapshot.set(Some(snapshot.clone()));
            return snapshot;
        }
        let Some(build) = self.snapshot_of.get() else {
            return JsValue::UNDEFINED;
        };
        let snapshot = build(self);
        self.snapshot.set(Some(snapshot.clone()));
        snapshot
    }

    /// Delivers queued events in order; a callback's own changes queue behind them. Then the
    /// subscribers get the new snapshot, once per batch that changed it.
    fn dispatch_events(&self) {
        if self.dispatching.replace(true) {
            return;
        }
        loop {
            // In batches, as the reports: a callback's events queue behind the batch.
            let batch = self.queue.take();
            if batch.is_empty() {
                let current = self.snapshot.take();
                let fresh = current.is_some();
                self.snapshot.set(current);
                if fresh || self.events.snapshot.is_empty() {
                    break;
                }
                let snapshot = self.snapshot();
                self.events.snapshot.dispatch(&snapshot);
                continue;
            }
            for event in batch {
                if !matches!(event, Event::RefreshError(_)) {
                    drop(self.snapshot.take());
                }
                // (The Rocket.Chat entry has no claims.)
                #[cfg(feature = "descope")]
                let claims = match &event {
                    Event::Token(token) => Some(self.claims_of(token.as_deref())),
                    _ => None,
                };
                let (listeners, value) = match event {
                    Event::Token(token) => (
                        &self.events.token,
                        token.map_or(JsValue::UNDEFINED, JsValue::from),
                    ),
                    Event::User(user) => (&self.events.user, self.users.object(user.as_deref())),
                    Event::Auth(auth) => (&self.events.auth, JsValue::from_bool(auth)),
                    Event::RefreshError(err) => (&self.events.refresh_error, js::error(&err)),
                };
                listeners.dispatch(&value);
                // The claims change with the token, and only then.
                #[cfg(feature = "descope")]
                if let Some(claims) = claims {
                    self.events.claims.dispatch(&claims);
                }
            }
        }
        self.dispatching.set(false);
    }

    /// The JS value of a call's result (a fresh object each time).
    fn render(&self, value: &Value) -> JsValue {
        match value {
            Value::Tokens(tokens) => {
                let Tokens {
                    session,
                    refresh,
                    user,
                } = &**tokens;
                let out: JsValue = js_sys::Object::new().into();
                js::set(&out, "sessionJwt", &session.into());
                if let Some(refresh) = refresh {
                    js::set(&out, "refreshJwt", &refresh.into());
                }
                if user.is_some() {
                    js::set(&out, "user", &self.users.object(user.as_deref()));
                }
                out
            }
            _ => JsValue::UNDEFINED,
        }
    }

    /// Whether the cross-tab channel is open.
    pub fn has_channel(&self) -> bool {
        peek(&self.channel, Option::is_some)
    }

    /// Stops the timer and listeners, and stops listening on the channel (it stays open to
    /// tell the other tabs of an answer that arrives after `dispose()`; closed on drop).
    pub fn stop(&self) {
        drop(self.timer.take());
        peek(&self.channel, |channel| {
            if let Some(channel) = channel {
                channel.mute();
            }
        });
        drop(self.listeners.take());
    }
}

/// A JS function that does `on` with the driver of `me` (nothing once it is gone).
fn function<M: Machine>(me: Weak<Driver<M>>, on: On<M>) -> JsValue {
    Closure::<dyn Fn(JsValue) -> JsValue>::new(move |value: JsValue| match me.upgrade() {
        Some(d) => d.on(&on, value),
        None => JsValue::UNDEFINED,
    })
    .into_js_value()
}

/// What a JS function made by the driver ([`Driver::function`]) does.
pub enum On<M: Machine> {
    /// Feeds the input made of its argument (a DOM event, a channel message), if any.
    Input(fn(&JsValue) -> Option<M::Input>),
    /// The callback of Web Lock request `id`: the lock, or `null` when another tab holds it.
    Lock(u32),
    /// Web Lock request `id` rejected (a sandboxed frame, blocked site data). The core
    /// ignores an outcome for a lock it no longer waits for, so a rejection after the
    /// callback ran needs no guard here.
    Refused(u32),
    /// The promises' executor (one per driver): leaves the new promise's `resolve` in the
    /// driver's slot.
    Executor,
    /// `subscribe(callback)`: calls it with the current snapshot, then with each new one;
    /// answers the unsubscribe function.
    /// (The Rocket.Chat entry has no store functions.)
    #[cfg(feature = "descope")]
    Subscribe,
    /// `getSnapshot()`
    #[cfg(feature = "descope")]
    Snapshot,
}

/// JS values by id.
type Table = Cell<Vec<(u32, JsValue)>>;

/// Looks at a value kept in a `Cell` (taken and set back, never borrowed: no borrow to fail).
/// `look` must not reach the same cell (no JS that could call back in).
fn peek<T: Default, R>(cell: &Cell<T>, look: impl FnOnce(&T) -> R) -> R {
    let value = cell.take();
    let out = look(&value);
    cell.set(value);
    out
}

/// Appends to a list kept in a `Cell` (taken and set back, never borrowed: no borrow to fail).
fn push<T>(list: &Cell<Vec<T>>, item: T) {
    let mut items = list.take();
    items.push(item);
    list.set(items);
}

/// Removes entry `id` of a table and answers its value.
fn take(table: &Table, id: u32) -> Option<JsValue> {
    let mut entries = table.take();
    let found = match entries.iter().position(|(i, _)| *i == id) {
        Some(at) => crate::core::take_at(&mut entries, at).map(|(_, value)| value),
        None => None,
    };
    table.set(entries);
    found
}

/// How a facade builds its snapshot from the driver.
pub type SnapshotOf<M> = fn(&Driver<M>) -> JsValue;
