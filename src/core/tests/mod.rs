//! The session's rules as tables of (state, input) → effects, natively, by subject; this
//! module is their kit (a fake page, a tab, answers and effect readers). One tab at a time;
//! the simulator (`tests/sim/`) runs many tabs against a strict server.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::claims::Claims;
use super::error::{ErrorCode, SessionError};
use super::fields::JwtFields;
use super::io::{
    Effect, Env, Event, Expect, Grant, JwtReply, PutCookie, Reply, Request, Signal, Value,
};
use super::layout::{Meta, MAX_EPOCH_MS};
use super::message::Message;
use super::options::Config;
use super::session::{Call, Input, Page, Session, Tenants, HOLD_AFTER_ROTATION_MS, LOCK_ANSWER_MS};

/// The effects that match `pattern`, as `out`, in order.
macro_rules! pick {
    ($effects:expr, $pattern:pat => $out:expr) => {
        $effects
            .iter()
            .filter_map(|e| match e {
                $pattern => Some($out),
                _ => None,
            })
            .collect()
    };
}

mod adoption;
mod cookies;
mod crosstab;
mod helpers;
mod logout;
mod refresh;
mod rocketchat;
mod storage;

const T0: f64 = 1_700_000_000_000.0;

/// Storage and cookies of one page; cookies by name only (the clearing tests read the
/// effects themselves).
#[derive(Default)]
struct Fake {
    items: RefCell<BTreeMap<String, String>>,
    jar: RefCell<BTreeMap<String, String>>,
    /// Cookies the "browser" refuses, by name.
    refuse: Vec<String>,
    /// Storage keys the "browser" refuses to write (quota).
    full: Vec<String>,
    /// localStorage's keys shared with the official SDK (whatever `persist` says).
    shared: RefCell<BTreeMap<String, String>>,
}

impl Env for Fake {
    fn item(&self, key: &str) -> Option<String> {
        self.items.borrow().get(key).cloned()
    }
    fn cookies(&self) -> String {
        let jar = self.jar.borrow();
        let pairs: Vec<String> = jar
            .iter()
            .map(|(k, v)| [k.as_str(), "=", v].concat())
            .collect();
        pairs.join("; ")
    }
    fn claims(&self, payload: &str) -> Option<Claims> {
        crate::core::testing::claims(payload)
    }
    fn shared(&self, key: &str) -> Option<String> {
        self.shared.borrow().get(key).cloned()
    }
    fn login(&self, user: &str) -> Option<(String, Option<String>)> {
        crate::core::testing::login(user)
    }
}

impl Fake {
    fn cookie(&self, text: &str) {
        let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
        let (name, value) = pair.split_once('=').unwrap();
        if attrs.contains("Max-Age=0") {
            self.jar.borrow_mut().remove(name);
        } else {
            self.jar.borrow_mut().insert(name.into(), value.into());
        }
    }
}

struct Tab {
    s: Session,
    env: Fake,
    now: f64,
}

fn config(extra: Json) -> Config {
    let mut options = json!({"projectId": "P1", "baseUrl": "https://api.test"});
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Config::read(&options).unwrap()
}

/// A JWT-shaped token whose payload is `claims`.
fn jwt(claims: Json) -> String {
    crate::core::testing::jwt(&claims.to_string())
}

fn session_jwt(n: u32, exp_ms: f64) -> String {
    jwt(json!({"exp": (exp_ms / 1000.0).floor(), "jti": n}))
}

fn reply(fields: Json) -> JwtReply {
    JwtReply {
        fields: JwtFields::read(&fields).unwrap(),
        user: fields.get("user").map(|u| u.to_string()),
    }
}

/// A sign-in: session S<n> valid 10 min, refresh R<n>, refresh due in 5 min.
fn sign_in(n: u32, now: f64) -> JwtReply {
    reply(json!({
        "sessionJwt": session_jwt(n, now + 600_000.0),
        "refreshJwt": (["R", &n.to_string()].concat()),
        "nextRefreshSeconds": 300,
        "user": {"name": "Ada"},
    }))
}

impl Tab {
    fn new(extra: Json) -> Tab {
        Tab::on(extra, "app.example.com", "/")
    }

    fn on(extra: Json, host: &str, path: &str) -> Tab {
        let page = Page {
            host: host.into(),
            path: path.into(),
        };
        Tab {
            s: Session::new(config(extra), page, 7),
            env: Fake::default(),
            now: T0,
        }
    }

    /// Feeds an input, performs its effects as the browser shell does, and feeds back what they
    /// report (a cookie read back, a refused storage write); answers every effect in order.
    fn step(&mut self, input: Input) -> Vec<Effect> {
        self.step_with_result(input).1
    }

    fn step_with_result(&mut self, input: Input) -> (Result<(), SessionError>, Vec<Effect>) {
        let mut result = self.s.handle(self.now, input, &self.env);
        let mut effects = self.s.drain();
        let mut done = 0;
        loop {
            let mut reports = Vec::new();
            for e in &effects[done..] {
                self.perform(e, &mut reports);
            }
            done = effects.len();
            if reports.is_empty() {
                return (result, effects);
            }
            for report in reports {
                let reported = self.s.handle(self.now, report, &self.env);
                if result.is_ok() {
                    result = reported;
                }
                effects.extend(self.s.drain());
            }
        }
    }

    fn perform(&self, e: &Effect, reports: &mut Vec<Input>) {
        {
            match e {
                Effect::Set(k, _) if self.env.full.contains(k) => {
                    reports.push(Input::StorageRefused(k.clone()));
                }
                Effect::Set(k, v) => {
                    self.env.items.borrow_mut().insert(k.clone(), v.clone());
                }
                Effect::Remove(k) => {
                    self.env.items.borrow_mut().remove(k);
                }
                Effect::Cookie(text) => self.env.cookie(text),
                Effect::Shared(k, v) => {
                    let mut shared = self.env.shared.borrow_mut();
                    match v {
                        Some(v) => shared.insert(k.clone(), v.clone()),
                        None => shared.remove(k),
                    };
                }
                Effect::PutCookie(put) => {
                    let kept = !self.env.refuse.contains(&put.name);
                    if kept {
                        self.env.cookie(&put.text);
                    }
                    reports.push(Input::Cookie {
                        kind: put.kind,
                        kept,
                    });
                }
                _ => {}
            }
        }
    }

    fn start(&mut self) -> Vec<Effect> {
        self.step(Input::Start {
            online: true,
            channel: true,
        })
    }

    /// Hears another tab's logout: cleared at `cleared_at`, of the refresh token hashed `token`
    /// (`0`: whichever).
    fn hear_logout(&mut self, cleared_at: f64, token: u64) -> Vec<Effect> {
        self.step(Input::Message(Message::Logout(cleared_at, token).encode()))
    }

    fn at(&mut self, now: f64) -> &mut Tab {
        self.now = now;
        self
    }

    fn signed_in(extra: Json) -> Tab {
        let mut tab = Tab::new(extra);
        tab.start();
        tab.step(Input::Apply(Box::new(sign_in(1, T0))));
        tab
    }
}

fn sends(effects: &[Effect]) -> Vec<&Request> {
    pick!(effects, Effect::Send(r) => r)
}

fn events(effects: &[Effect]) -> Vec<&Event> {
    pick!(effects, Effect::Emit(ev) => ev)
}

fn settled(effects: &[Effect]) -> Vec<(u32, &Result<Value, SessionError>)> {
    pick!(effects, Effect::Settle(id, r) => (*id, r))
}

fn lock_of(effects: &[Effect]) -> Option<u32> {
    effects.iter().find_map(|e| match e {
        Effect::Lock(id, _) => Some(*id),
        _ => None,
    })
}

fn posts(effects: &[Effect]) -> Vec<&str> {
    pick!(effects, Effect::Post(m) => m.as_str())
}

fn http(status: u16) -> SessionError {
    SessionError::http(status, None)
}

/// The automatic refresh's due time, and the lock it asks for then.
fn lock_at_due(tab: &mut Tab) -> (f64, u32) {
    let due = tab.s.next_refresh_at().unwrap();
    let lock = lock_of(&tab.at(due).step(Input::Timer)).expect("a lock request when due");
    (due, lock)
}

/// Runs the automatic refresh at its due time up to the request; answers the lock id (`0`
/// when the tab still held the cycle's lock from its last attempt) and the request.
fn due_refresh(tab: &mut Tab) -> (u32, Request) {
    let due = tab.s.next_refresh_at().expect("a refresh is planned");
    let mut effects = tab.at(due).step(Input::Timer);
    let lock = lock_of(&effects);
    if let Some(lock) = lock {
        effects = tab.step(Input::Lock(lock, Grant::Granted));
    }
    let request = sends(&effects)
        .first()
        .cloned()
        .cloned()
        .expect("a refresh request");
    (lock.unwrap_or(0), request)
}

/// Whether the tab started a turn: asked for the lock, or sent with the lock it kept.
fn takes_turn(effects: &[Effect]) -> bool {
    lock_of(effects).is_some() || !sends(effects).is_empty()
}

/// A started tab with per-tab storage whose session (`DS`, refresh `R1`) came from cookies
/// alone, without its record.
fn cookie_only_tab() -> Tab {
    cookie_only_tab_with(true)
}

/// [`cookie_only_tab`], started with a cross-tab channel or without one.
fn cookie_only_tab_with(channel: bool) -> Tab {
    let mut tab = Tab::new(json!({
        "persist": "sessionStorage",
        "refreshTokenViaCookie": {"secure": false},
    }));
    let mut jar = tab.env.jar.borrow_mut();
    jar.insert("DS".into(), session_jwt(1, T0 + 600_000.0));
    jar.insert("DSR".into(), "R1".into());
    drop(jar);
    tab.step(Input::Start {
        online: true,
        channel,
    });
    tab
}

/// Another tab's news of its tokens: the Sync message of `session` and `refresh`, ranked at
/// `(born, gen)`, without a user.
fn told(born: f64, gen: u64, session: &str, refresh: &str) -> String {
    Message::Sync {
        meta: Meta {
            born,
            gen,
            ..Meta::default()
        },
        session: session.into(),
        refresh: Some(refresh.into()),
        user: None,
    }
    .encode()
}

/// Stores another client's tokens (no record of this package): refresh `R<n>` in
/// localStorage, session `S<n>` in its cookie.
fn store_foreign(tab: &Tab, n: u32, exp_ms: f64) {
    let refresh = ["R", &n.to_string()].concat();
    tab.env.items.borrow_mut().insert("DSR".into(), refresh);
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), session_jwt(n, exp_ms));
}

/// A started tab (localStorage) that took another client's tokens `R<n>` from storage.
fn foreign_tab(n: u32) -> Tab {
    let mut tab = Tab::new(json!({}));
    tab.start();
    store_foreign(&tab, n, T0 + 600_000.0);
    tab.step(Input::StorageChanged);
    tab
}

/// The first token cookie an input's effects write.
fn put_cookie(effects: &[Effect]) -> &PutCookie {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::PutCookie(p) => Some(p),
            _ => None,
        })
        .expect("a token cookie written")
}

/// A started tab signed in with a response whose refresh cookie is named `acme_r`.
fn signed_in_with_cookie_name() -> Tab {
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(1, T0 + 600_000.0),
        "refreshJwt": "R1",
        "cookieName": "acme_r",
    })))));
    tab
}

/// A tab whose logged-in indicator says a session lives in an httpOnly cookie, started: the
/// lock it asks for `try-refresh`.
fn try_refresh_asked() -> (Tab, u32) {
    let mut tab = Tab::new(json!({}));
    tab.env
        .shared
        .borrow_mut()
        .insert("DSLI".into(), "1700000600".into());
    let lock = lock_of(&tab.start()).unwrap();
    (tab, lock)
}

/// [`try_refresh_asked`], the lock granted: answers the request.
fn try_refresh_at_start() -> (Tab, Request) {
    let (mut tab, lock) = try_refresh_asked();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    (tab, request)
}

/// Two started tabs with `options`: A signed in (S1/R1 at T0), B told of it by A's messages.
fn told_pair(options: Json) -> (Tab, Tab) {
    let mut a = Tab::new(options.clone());
    a.start();
    let effects = a.step(Input::Apply(Box::new(sign_in(1, T0))));
    let mut b = Tab::new(options);
    b.start();
    for text in posts(&effects) {
        b.step(Input::Message(text.to_string()));
    }
    (a, b)
}

fn shared(tab: &Tab, key: &str) -> Option<String> {
    tab.env.shared.borrow().get(key).cloned()
}

/// A sign-in answer with a user (login id and name) and `sessionExpiration`.
fn sign_in_with_user(n: u32, now: f64) -> JwtReply {
    reply(json!({
        "sessionJwt": session_jwt(n, now + 600_000.0),
        "refreshJwt": (["R", &n.to_string()].concat()),
        "nextRefreshSeconds": 300,
        "sessionExpiration": ((now + 600_000.0) / 1000.0).floor(),
        "user": {"name": "Ada", "loginIds": ["ada@example.com"]},
    }))
}
