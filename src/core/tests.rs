//! The session's rules as tables of (state, input) → effects, natively. One tab at a time; the
//! simulator (`tests/sim/`) runs many tabs against a strict server.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::claims::Claims;
use super::error::{ErrorCode, SessionError};
use super::fields::JwtFields;
use super::io::{Effect, Env, Event, Expect, Grant, JwtReply, Reply, Request, Signal, Value};
use super::layout::{Meta, MAX_EPOCH_MS};
use super::message::Message;
use super::options::Config;
use super::session::{Call, Input, Page, Session, HOLD_AFTER_ROTATION_MS};

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
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn events(effects: &[Effect]) -> Vec<&Event> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

fn settled(effects: &[Effect]) -> Vec<(u32, &Result<Value, SessionError>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Settle(id, r) => Some((*id, r)),
            _ => None,
        })
        .collect()
}

fn lock_of(effects: &[Effect]) -> Option<u32> {
    effects.iter().find_map(|e| match e {
        Effect::Lock(id, _) => Some(*id),
        _ => None,
    })
}

fn posts(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Post(m) => Some(m.as_str()),
            _ => None,
        })
        .collect()
}

fn http(status: u16) -> SessionError {
    SessionError::http(status, None)
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

// ---- applying -----------------------------------------------------------------------------

#[test]
fn apply_stores_tells_schedules_and_fires_each_event_once() {
    let mut tab = Tab::new(json!({}));
    tab.start();
    let effects = tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    // The session token goes to its cookie, the refresh token and the record to storage.
    let put = effects
        .iter()
        .find_map(|e| match e {
            Effect::PutCookie(p) => Some(p),
            _ => None,
        })
        .unwrap();
    assert_eq!(put.name, "DS");
    assert!(
        put.text.starts_with("DS=e30.") && put.text.contains("; Path=/; SameSite=Strict; Secure")
    );
    assert!(effects.contains(&Effect::Set("DSR".into(), "R1".into())));
    assert!(effects.contains(&Effect::Set("DSU".into(), "{\"name\":\"Ada\"}".into())));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Set(k, _) if k == "DSM")));
    assert_eq!(posts(&effects).len(), 1);
    assert_eq!(
        events(&effects),
        [
            &Event::Token(Some(session_jwt(1, T0 + 600_000.0))),
            &Event::User(Some("{\"name\":\"Ada\"}".into())),
            &Event::Auth(true),
        ]
    );
    assert!(effects.contains(&Effect::Timer(Some(T0 + 300_000.0))));
    assert_eq!(tab.s.next_refresh_at(), Some(T0 + 300_000.0));
    // The getters show what the session JWT says.
    let exp = ((T0 + 600_000.0) / 1000.0).floor();
    assert_eq!(tab.s.claims().and_then(|c| c.exp), Some(exp));
    assert_eq!(tab.s.expires_at(), Some(exp * 1000.0));
    // The same response again changes no event.
    let effects = tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    assert!(events(&effects).is_empty());
}

#[test]
fn a_response_that_cannot_be_used_changes_nothing() {
    let mut tab = Tab::signed_in(json!({}));
    for bad in [
        json!({}),
        json!({"sessionJwt": ""}),
        json!({"sessionJwt": "not a token"}),
        json!({"sessionJwt": "abc"}),
        json!({"sessionJwt": jwt(json!({"exp": 1})), "refreshJwt": "has space"}),
    ] {
        let result = tab.s.handle(
            tab.now,
            Input::Apply(Box::new(reply(bad.clone()))),
            &tab.env,
        );
        assert_eq!(
            result.unwrap_err().code,
            ErrorCode::InvalidResponse,
            "{bad}"
        );
        let effects = tab.s.drain();
        assert!(
            effects.iter().all(|e| matches!(e, Effect::Timer(_))),
            "{bad}: {effects:?}"
        );
    }
    assert_eq!(tab.s.refresh_token(), Some("R1"));
}

#[test]
fn a_response_without_refresh_jwt_keeps_the_refresh_token_held() {
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab.step(Input::Apply(Box::new(reply(
        json!({"sessionJwt": session_jwt(2, T0 + 600_000.0)}),
    ))));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::Remove(k) if k == "DSR")));
    assert_eq!(tab.env.item("DSR").as_deref(), Some("R1"));
}

#[test]
fn the_session_cookie_domain_falls_back_to_cookie_domain() {
    let cases = [
        (
            json!({}),
            json!({"cookieDomain": "example.com"}),
            Some("example.com"),
        ),
        (
            json!({}),
            json!({"cookieDomain": "example.com", "sessionCookieDomain": "app.example.com"}),
            Some("app.example.com"),
        ),
        (
            json!({"sessionTokenViaCookie": {"domain": "app.example.com"}}),
            json!({"cookieDomain": "example.com"}),
            Some("app.example.com"),
        ),
        // A foreign domain is never used: host-only.
        (json!({}), json!({"cookieDomain": "evil.com"}), None),
        // Descope's answer for a project without a session cookie domain: `""` is absent.
        (
            json!({}),
            json!({"cookieDomain": "example.com", "sessionCookieDomain": ""}),
            Some("example.com"),
        ),
    ];
    for (options, fields, want) in cases {
        let mut tab = Tab::new(options);
        tab.start();
        let mut response =
            json!({"sessionJwt": session_jwt(1, T0 + 600_000.0), "refreshJwt": "R1"});
        for (k, v) in fields.as_object().unwrap() {
            response[k] = v.clone();
        }
        let effects = tab.step(Input::Apply(Box::new(reply(response))));
        let put = effects
            .iter()
            .find_map(|e| match e {
                Effect::PutCookie(p) => Some(p),
                _ => None,
            })
            .unwrap();
        let domain = put.text.split("; ").find_map(|a| a.strip_prefix("Domain="));
        assert_eq!(domain, want, "{fields}");
    }
}

#[test]
fn a_refused_cookie_is_recorded_as_not_in_a_cookie() {
    let mut tab = Tab::new(json!({}));
    tab.env.refuse.push("DS".into());
    tab.start();
    let effects = tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    // The core decides the fallback: the cookie expired again, the token in storage, the
    // record without the cookie's place.
    assert_eq!(tab.env.item("DS").as_deref(), tab.s.session_token());
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Cookie(text) if text.starts_with("DS=;"))));
    let meta = effects.iter().rev().find_map(|e| match e {
        Effect::Set(k, v) if k == "DSM" => Meta::decode(v, T0),
        _ => None,
    });
    assert_eq!(meta.unwrap().session_cookie, None);
    // A kept cookie needs no copy in storage.
    let mut tab = Tab::new(json!({}));
    tab.env
        .items
        .borrow_mut()
        .insert("DS".into(), "stale".into());
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    assert_eq!(tab.env.item("DS"), None);
    assert!(tab.env.jar.borrow().contains_key("DS"));
}

#[test]
fn a_storage_write_the_browser_refuses_leaves_no_stale_token_and_is_reported() {
    let mut tab = Tab::signed_in(json!({}));
    // The quota is used up: the rotated refresh token cannot be written.
    tab.env.full.push("DSR".into());
    let (_, request) = due_refresh(&mut tab);
    let (result, effects) = tab.step_with_result(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert_eq!(result.unwrap_err().code, ErrorCode::Storage);
    // The spent token is not left behind for a reload to present; the session goes on here.
    assert_eq!(tab.env.item("DSR"), None);
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert!(posts(&effects).iter().any(|m| m.starts_with("S\n")), "told");
    // Only that key goes: the record and the user stay.
    assert!(tab.env.item("DSM").is_some() && tab.env.item("DSU").is_some());
    // Another tab does not take the missing token for a logout.
    let mut other = Tab::new(json!({}));
    *other.env.items.borrow_mut() = tab.env.items.borrow().clone();
    *other.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
    other.start();
    let mut follower = Tab::signed_in(json!({}));
    *follower.env.items.borrow_mut() = tab.env.items.borrow().clone();
    let effects = follower.step(Input::StorageChanged);
    assert!(follower.s.refresh_token().is_some(), "{effects:?}");
    assert!(!posts(&effects).iter().any(|m| m.starts_with("L\n")));
    // Apply reports it too.
    let mut tab = Tab::new(json!({}));
    tab.env.full.push("DSR".into());
    tab.start();
    let (result, _) = tab.step_with_result(Input::Apply(Box::new(sign_in(1, T0))));
    assert_eq!(result.unwrap_err().code, ErrorCode::Storage);
    assert!(tab.s.is_authenticated(T0));
    // When the record itself cannot be written, the tokens and the user go with the old
    // record: a tab that opens now asks the others instead of ranking a stale record.
    let mut tab = Tab::signed_in(json!({}));
    tab.env.full.push("DSM".into());
    let (_, request) = due_refresh(&mut tab);
    let (result, _) = tab.step_with_result(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert_eq!(result.unwrap_err().code, ErrorCode::Storage);
    for key in ["DSM", "DSR", "DSU"] {
        assert_eq!(tab.env.item(key), None, "{key}");
    }
    assert_eq!(tab.s.refresh_token(), Some("R2"));
}

#[test]
fn a_stored_user_that_is_not_an_object_is_not_restored() {
    for (stored, restored) in [
        ("{\"name\":\"Ada\"}", Some("{\"name\":\"Ada\"}")),
        ("{\"name\":\"Ada\"", None),
        ("\"name\"}", None),
        ("[1]", None),
    ] {
        let first = Tab::signed_in(json!({}));
        let mut tab = Tab::new(json!({}));
        *tab.env.items.borrow_mut() = first.env.items.borrow().clone();
        *tab.env.jar.borrow_mut() = first.env.jar.borrow().clone();
        tab.env
            .items
            .borrow_mut()
            .insert("DSU".into(), stored.into());
        tab.start();
        assert!(tab.s.session_token().is_some(), "{stored}");
        assert_eq!(tab.s.user(), restored, "{stored}");
    }
}

#[test]
fn absurd_times_schedule_finitely_and_restore_without_refreshing() {
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": jwt(json!({"exp": 1e300})),
        "refreshJwt": "R1",
        "nextRefreshSeconds": 1e300,
    })))));
    let due = tab.s.next_refresh_at().unwrap();
    assert!(due.is_finite() && due <= MAX_EPOCH_MS);
    assert!(tab.s.expires_at().unwrap().is_finite());
    // A reload: same storage, no refresh at once.
    let mut reloaded = Tab::new(json!({}));
    reloaded.env = std::mem::take(&mut tab.env);
    let effects = reloaded.at(T0 + 1_000.0).start();
    assert!(lock_of(&effects).is_none() && sends(&effects).is_empty());
    assert!(reloaded.s.is_authenticated(reloaded.now));
    assert_eq!(reloaded.s.next_refresh_at(), Some(due));
}

// ---- the refresh cycle ----------------------------------------------------------------------

#[test]
fn a_due_refresh_takes_the_lock_rotates_holds_and_tells() {
    let mut tab = Tab::signed_in(json!({}));
    let (lock, request) = due_refresh(&mut tab);
    assert_eq!(request.url, "https://api.test/v1/auth/refresh");
    assert_eq!(
        request.headers,
        [("Authorization", "Bearer P1:R1".to_string())]
    );
    assert_eq!(request.expect, Expect::Jwt);
    let answer = sign_in(2, tab.now);
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert_eq!(posts(&effects).len(), 1);
    assert!(
        !effects.contains(&Effect::Unlock(lock)),
        "the lock is held after a rotation"
    );
    assert_eq!(
        events(&effects).len(),
        1,
        "a new token, nothing else: {effects:?}"
    );
    // Released when its time is up, not later.
    let effects = tab.at(tab.now + HOLD_AFTER_ROTATION_MS).step(Input::Timer);
    assert!(effects.contains(&Effect::Unlock(lock)));
}

#[test]
fn a_busy_lock_waits_for_the_other_tab_and_adopts_its_tokens() {
    let mut tab = Tab::signed_in(json!({}));
    let due = tab.s.next_refresh_at().unwrap();
    let lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    let effects = tab.step(Input::Lock(lock, Grant::Busy));
    assert!(sends(&effects).is_empty());
    // The other tab's result arrives.
    let meta = Meta {
        born: T0,
        gen: 1,
        due_at: Some(due + 300_000.0),
        ..Meta::default()
    };
    let message = Message::Sync {
        meta,
        session: session_jwt(2, due + 600_000.0),
        refresh: Some("R2".into()),
        user: None,
    };
    let effects = tab.step(Input::Message(message.encode()));
    assert!(sends(&effects).is_empty());
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert_eq!(tab.s.next_refresh_at(), Some(due + 300_000.0));
}

#[test]
fn a_grant_after_another_tab_rotated_waits_for_its_message_where_storage_is_per_tab() {
    let issued = |n: u32, at: f64| {
        jwt(
            json!({"exp": ((at + 600_000.0) / 1000.0).floor(), "iat": (at / 1000.0).floor(), "jti": n}),
        )
    };
    let mut tab = Tab::new(json!({"persist": "sessionStorage"}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": issued(1, T0),
        "refreshJwt": "R1",
        "nextRefreshSeconds": 300,
    })))));
    let due = tab.s.next_refresh_at().unwrap();
    // Another tab rotated just before and closed (its lock released): its session cookie is
    // there, its message not yet.
    let theirs = issued(2, due - 50.0);
    tab.env.jar.borrow_mut().insert("DS".into(), theirs.clone());
    let lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    let effects = tab.step(Input::Lock(lock, Grant::Granted));
    assert!(sends(&effects).is_empty(), "presented a rotated token");
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Unlock(id) if *id == lock)));
    // The message comes: its tokens are taken, without a request.
    let message = Message::Sync {
        meta: Meta {
            born: T0,
            gen: 1,
            due_at: Some(due + 300_000.0),
            ..Meta::default()
        },
        session: theirs,
        refresh: Some("R2".into()),
        user: None,
    };
    let effects = tab.step(Input::Message(message.encode()));
    assert!(sends(&effects).is_empty());
    assert_eq!(tab.s.refresh_token(), Some("R2"));

    // Without a message, the tab asks again after a short wait and then goes on.
    let mut tab = Tab::new(json!({"persist": "sessionStorage"}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": issued(1, T0),
        "refreshJwt": "R1",
        "nextRefreshSeconds": 300,
    })))));
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), issued(3, due - 50.0));
    let mut now = due;
    let mut sent = Vec::new();
    for _ in 0..3 {
        let effects = tab.at(now).step(Input::Timer);
        if let Some(lock) = lock_of(&effects) {
            sent = sends(&tab.step(Input::Lock(lock, Grant::Granted)))
                .into_iter()
                .cloned()
                .collect();
            if !sent.is_empty() {
                break;
            }
        }
        now += 1_600.0;
    }
    assert_eq!(sent.len(), 1, "the refresh is not held up for good");
    assert!(now - due <= 4_000.0, "waited {} ms", now - due);
}

#[test]
fn a_lock_still_held_after_two_bounded_waits_is_gone_around() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let due = tab.s.next_refresh_at().unwrap();
    let mut lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    // Two rounds: each waits the request timeout + 1 s (+ up to 0.5 s, spread), then asks
    // again; a holder that still has it after both is frozen.
    for round in 0..2 {
        let effects = tab.step(Input::Lock(lock, Grant::Busy));
        assert!(sends(&effects).is_empty(), "round {round}");
        let until = effects
            .iter()
            .find_map(|e| match e {
                Effect::Timer(Some(at)) => Some(*at),
                _ => None,
            })
            .expect("a timer for the end of the wait");
        let waited = until - tab.now;
        assert!((3_000.0..=3_500.0).contains(&waited), "{waited}");
        assert!(lock_of(&tab.at(until - 1.0).step(Input::Timer)).is_none());
        lock = lock_of(&tab.at(until).step(Input::Timer)).expect("asks again");
    }
    let effects = tab.step(Input::Lock(lock, Grant::Busy));
    assert_eq!(sends(&effects).len(), 1, "goes on without the lock");
}

#[test]
fn a_huge_request_timeout_does_not_wrap_the_wait() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2_147_483_647.0}));
    let due = tab.s.next_refresh_at().unwrap();
    let lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    let effects = tab.step(Input::Lock(lock, Grant::Busy));
    // No wait wraps to a short one: the next wake-up is the session's expiry.
    let exp = tab.s.expires_at().unwrap();
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Timer(Some(at)) if *at < exp)),
        "{effects:?}"
    );
    for later in [10_000.0, 600_000.0, 3_600_000.0] {
        let effects = tab.at(due + later).step(Input::Timer);
        assert!(
            sends(&effects).is_empty() && lock_of(&effects).is_none(),
            "{later}"
        );
    }
}

#[test]
fn a_project_without_rotation_keeps_no_lock_between_cycles() {
    let mut tab = Tab::signed_in(json!({}));
    let (lock, request) = due_refresh(&mut tab);
    let answer =
        reply(json!({"sessionJwt": session_jwt(2, tab.now + 600_000.0), "nextRefreshSeconds": 30}));
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    // No token was spent: the lock is released at once, so that another tab's refresh() of
    // the same token is not held up by a lock that guards nothing.
    assert!(effects.contains(&Effect::Unlock(lock)));
    assert_eq!(tab.s.pending(), (0, 0, 0));
    // 30 s later the same token is due again: the turn is taken anew.
    let (lock, request) = due_refresh(&mut tab);
    assert!(lock > 0, "the lock is asked for again");
    assert_eq!(request.headers[0].1, "Bearer P1:R1");
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(reply(
            json!({"sessionJwt": session_jwt(3, tab.now + 600_000.0)}),
        )))),
    ));
    assert!(effects.contains(&Effect::Unlock(lock)));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
}

#[test]
fn transient_failures_back_off_and_keep_the_session() {
    let mut tab = Tab::signed_in(json!({}));
    let (lock, request) = due_refresh(&mut tab);
    // One job, its request in flight, no hold yet.
    assert_eq!(tab.s.pending(), (1, 1, 0));
    assert_eq!(tab.s.attempts(), 0);
    let failed_at = tab.now;
    let effects = tab.step(Input::Answer(request.id, Err(http(503))));
    assert!(matches!(events(&effects)[..], [Event::RefreshError(_)]));
    assert_eq!(tab.s.attempts(), 1);
    let next = tab.s.next_refresh_at().unwrap();
    assert!(
        (failed_at + 750.0..=failed_at + 1_250.0).contains(&next),
        "{}",
        next - failed_at
    );
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    // The tab keeps the cycle across its retries, and tells the others when it tries again.
    assert!(!effects.contains(&Effect::Unlock(lock)));
    assert_eq!(posts(&effects), [Message::Turn(next).encode()]);
    // Its next attempt takes the lock it kept.
    let (again, request) = due_refresh(&mut tab);
    assert_eq!(again, 0, "no new lock request");
    let effects = tab.step(Input::Answer(
        request.id,
        Err(SessionError::new(ErrorCode::Network, "x")),
    ));
    assert!(!effects.contains(&Effect::Unlock(lock)));
    assert_eq!(tab.s.attempts(), 2);
    // Retry-After is honoured.
    let (_, request) = due_refresh(&mut tab);
    let mut limited = http(429);
    limited.retry_after = Some(30.0);
    tab.step(Input::Answer(request.id, Err(limited)));
    let wait = tab.s.next_refresh_at().unwrap() - tab.now;
    assert!((30_000.0..=33_000.0).contains(&wait), "{wait}");
}

#[test]
fn retries_spread_by_a_jitter_that_changes_from_one_failure_to_the_next() {
    // The contract's ±25 % spread only helps when each retry draws anew: a jitter stuck at one
    // value would bring every tab back in step.
    let mut tab = Tab::signed_in(json!({}));
    let mut jitters = Vec::new();
    for attempt in 0..6 {
        let (_, request) = due_refresh(&mut tab);
        tab.step(Input::Answer(request.id, Err(http(503))));
        let delay = tab.s.next_refresh_at().unwrap() - tab.now;
        if attempt > 0 {
            let base = 1_000.0 * f64::from(1u32 << attempt);
            let jitter = (delay / base - 0.75) / 0.5;
            assert!((0.0..=1.0).contains(&jitter), "{attempt}: {delay}");
            jitters.push((jitter * 1e6).round() as i64);
        }
    }
    jitters.sort_unstable();
    jitters.dedup();
    assert!(jitters.len() >= 4, "{jitters:?}");
}

#[test]
fn a_definitive_refusal_clears_everything_once() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    let effects = tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.session_token(), None);
    assert!(tab.env.items.borrow().is_empty());
    assert!(tab.env.jar.borrow().is_empty());
    assert_eq!(posts(&effects).len(), 1, "the other tabs are told");
    assert!(matches!(
        events(&effects)[..],
        [
            Event::RefreshError(_),
            Event::Token(None),
            Event::User(None),
            Event::Auth(false)
        ]
    ));
    assert_eq!(tab.s.next_refresh_at(), None);
}

#[test]
fn offline_spends_no_attempt_and_online_retries_at_once() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    tab.step(Input::Answer(
        request.id,
        Err(SessionError::new(ErrorCode::Network, "x")),
    ));
    tab.step(Input::Signal(Signal::Offline));
    let failed = tab.now;
    // The backoff passes while offline: nothing is sent, no timer spins.
    let effects = tab.at(failed + 120_000.0).step(Input::Timer);
    assert!(lock_of(&effects).is_none() && sends(&effects).is_empty());
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::Timer(Some(at)) if *at <= failed + 120_000.0)));
    let effects = tab.step(Input::Signal(Signal::Online));
    assert!(lock_of(&effects).is_some(), "online retries at once");
}

#[test]
fn a_wake_signal_during_backoff_retries_at_once_but_not_in_a_loop() {
    let mut tab = Tab::signed_in(json!({}));
    for _ in 0..4 {
        let (_, request) = due_refresh(&mut tab);
        tab.step(Input::Answer(request.id, Err(http(503))));
    }
    let failed = tab.now;
    assert!(tab.s.next_refresh_at().unwrap() - failed >= 6_000.0);
    // Within a second of the last attempt a focus only moves the retry to that second.
    let effects = tab.at(failed + 200.0).step(Input::Signal(Signal::Focus));
    assert!(!takes_turn(&effects));
    assert_eq!(tab.s.next_refresh_at(), Some(failed + 1_000.0));
    let effects = tab.at(failed + 1_000.0).step(Input::Timer);
    assert!(takes_turn(&effects));
}

#[test]
fn requests_time_out_by_the_core() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 5000}));
    let (_, request) = due_refresh(&mut tab);
    let sent = tab.now;
    let effects = tab.at(sent + 5_000.0).step(Input::Timer);
    assert!(effects.contains(&Effect::Abort(request.id)));
    match events(&effects)[..] {
        [Event::RefreshError(e)] => assert_eq!(e.code, ErrorCode::Timeout),
        ref other => panic!("{other:?}"),
    }
    // A late answer is ignored.
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(9, sent)))),
    ));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    assert!(sends(&effects).is_empty());
}

#[test]
fn refresh_calls_join_the_running_refresh() {
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab.step(Input::Call(1, Call::Refresh));
    let lock = lock_of(&effects).unwrap();
    tab.step(Input::Call(2, Call::Refresh));
    let effects = tab.step(Input::Lock(lock, Grant::Granted));
    let request = sends(&effects)[0].clone();
    assert_eq!(sends(&effects).len(), 1);
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    let ids: Vec<u32> = settled(&effects).iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [1, 2]);
    assert!(settled(&effects)
        .iter()
        .all(|(_, r)| matches!(r, Ok(Value::Body))));
}

// ---- logout and late answers --------------------------------------------------------------

#[test]
fn logout_clears_first_then_calls_the_server() {
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab.step(Input::Call(1, Call::Logout));
    let request = sends(&effects)[0];
    assert_eq!(request.url, "https://api.test/v1/auth/logout");
    assert_eq!(request.headers[0].1, "Bearer P1:R1");
    assert!(tab.env.items.borrow().is_empty() && tab.env.jar.borrow().is_empty());
    assert!(posts(&effects)[0].starts_with("L\n"));
    let id = request.id;
    let effects = tab.step(Input::Answer(id, Err(http(500))));
    assert!(matches!(settled(&effects)[..], [(1, Err(_))]));
    assert_eq!(tab.s.session_token(), None);
}

#[test]
fn a_follower_holding_another_refresh_token_than_the_logout_presented_revokes_it() {
    let presented = |effects: &[Effect]| {
        let post = posts(effects)[0].to_string();
        match Message::decode(&post, T0 + 10.0) {
            Some(Message::Logout(_, hash)) => hash,
            other => panic!("{other:?}"),
        }
    };
    // The logging-out tab tells which token it presented.
    let mut leader = Tab::signed_in(json!({}));
    let r1 = presented(&leader.at(T0 + 10.0).step(Input::Call(1, Call::Logout)));
    assert_ne!(r1, 0);
    // A tab holding the same token only forgets it.
    let mut same = Tab::signed_in(json!({}));
    let effects = same
        .at(T0 + 10.0)
        .step(Input::Message(Message::Logout(T0 + 10.0, r1).encode()));
    assert_eq!(same.s.session_token(), None);
    assert!(sends(&effects).is_empty());
    // A tab that rotated R1 into R2 after the other tab read R1 (a tenant selection) ends R2
    // at the server before forgetting it; the server never heard of it from the other tab.
    let mut rotated = Tab::signed_in(json!({}));
    let mut rotation = sign_in(2, T0);
    rotation.fields.refresh_jwt = Some("R2".into());
    rotated.step(Input::Apply(Box::new(rotation)));
    let effects = rotated
        .at(T0 + 10.0)
        .step(Input::Message(Message::Logout(T0 + 10.0, r1).encode()));
    assert_eq!(rotated.s.session_token(), None);
    let revoke = sends(&effects);
    assert_eq!(revoke.len(), 1);
    assert_eq!(revoke[0].url, "https://api.test/v1/auth/logout");
    assert_eq!(revoke[0].headers[0].1, "Bearer P1:R2");
}

#[test]
fn every_rotating_answer_after_a_logout_is_discarded_and_revoked() {
    for call in [
        None,
        Some(Call::SelectTenant("{\"tenant\":\"T1\"}".into())),
        Some(Call::Verify("{}".into())),
    ] {
        let mut tab = Tab::signed_in(json!({}));
        let effects = match &call {
            None => tab.step(Input::Call(1, Call::Refresh)),
            Some(call) => tab.step(Input::Call(1, call.clone())),
        };
        let request = match lock_of(&effects) {
            Some(lock) => sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone(),
            None => sends(&effects)[0].clone(),
        };
        // Another tab logs out while the request is out.
        tab.at(T0 + 10.0)
            .step(Input::Message(Message::Logout(T0 + 10.0, 0).encode()));
        let effects = tab.at(T0 + 20.0).step(Input::Answer(
            request.id,
            Ok(Reply::Jwt(Box::new(sign_in(7, T0)))),
        ));
        assert_eq!(tab.s.session_token(), None, "{call:?}");
        assert!(tab.env.items.borrow().is_empty(), "{call:?}");
        let revoke = sends(&effects);
        assert_eq!(revoke.len(), 1, "{call:?}");
        assert_eq!(revoke[0].url, "https://api.test/v1/auth/logout");
        assert_eq!(revoke[0].headers[0].1, "Bearer P1:R7");
        assert!(events(&effects).is_empty(), "{call:?}: {effects:?}");
    }
}

/// A started tab with per-tab storage whose session (`DS`, refresh `R1`) came from cookies
/// alone, without its record.
fn cookie_only_tab() -> Tab {
    let mut tab = Tab::new(json!({
        "persist": "sessionStorage",
        "refreshTokenViaCookie": {"secure": false},
    }));
    let mut jar = tab.env.jar.borrow_mut();
    jar.insert("DS".into(), session_jwt(1, T0 + 600_000.0));
    jar.insert("DSR".into(), "R1".into());
    drop(jar);
    tab.start();
    tab
}

#[test]
fn a_rotation_read_late_still_ends_with_a_logout_made_after_it_left() {
    // A tab took its session from cookies (no record), sent a refresh and froze; it reads the
    // answer, then a logout made after the request left, when it wakes.
    let mut tab = cookie_only_tab();
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    let lock = lock_of(&tab.step(Input::Call(1, Call::Refresh))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    tab.at(T0 + 30_000.0).step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    tab.step(Input::Message(Message::Logout(T0 + 5_000.0, 0).encode()));
    assert_eq!(tab.s.session_token(), None);
    assert_eq!(tab.s.refresh_token(), None);
}

#[test]
fn a_rotation_sent_before_the_record_arrived_is_kept() {
    // A new tab took its session from cookies (no record) and sent a refresh at once; the
    // other tabs then told it the same tokens with their record. The answer is the session's
    // rotation all the same: kept, and its new refresh token not revoked (the old one is
    // spent at the server).
    let mut tab = cookie_only_tab();
    let session = tab.s.session_token().unwrap().to_owned();
    let lock = lock_of(&tab.step(Input::Call(1, Call::Refresh))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let told = Message::Sync {
        meta: Meta {
            born: T0 - 60_000.0,
            gen: 2,
            ..Meta::default()
        },
        session,
        refresh: Some("R1".into()),
        user: None,
    };
    let effects = tab.at(T0 + 10.0).step(Input::Message(told.encode()));
    assert!(sends(&effects).is_empty());
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    let effects = tab.at(T0 + 500.0).step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert!(sends(&effects).is_empty(), "nothing revoked: {effects:?}");
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Settle(1, Ok(_)))));
    // A sign-in elsewhere in between (other tokens) still throws the answer away.
    let mut tab = cookie_only_tab();
    let lock = lock_of(&tab.step(Input::Call(1, Call::Refresh))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let other = Message::Sync {
        meta: Meta {
            born: T0 + 5.0,
            gen: 0,
            ..Meta::default()
        },
        session: session_jwt(3, T0 + 600_000.0),
        refresh: Some("R3".into()),
        user: None,
    };
    // (The tab that signed in wrote its cookies before it told.)
    tab.env.jar.borrow_mut().insert("DSR".into(), "R3".into());
    tab.at(T0 + 10.0).step(Input::Message(other.encode()));
    assert_eq!(tab.s.refresh_token(), Some("R3"));
    let effects = tab.at(T0 + 500.0).step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert_eq!(tab.s.refresh_token(), Some("R3"));
    assert_eq!(
        sends(&effects).len(),
        1,
        "the answer's refresh token is revoked"
    );
}

#[test]
fn a_follower_that_told_of_a_session_after_its_logout_tells_the_logout_again() {
    // A plain follower does not repeat the logout.
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab
        .at(T0 + 20.0)
        .step(Input::Message(Message::Logout(T0 + 10.0, 0).encode()));
    assert_eq!(tab.s.session_token(), None);
    assert!(posts(&effects).is_empty());
    // A frozen tab reads its rotation's answer (and tells the others) before the logout
    // message that came first: it repeats the logout for tabs that adopted what it told.
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    let logout = tab.now - 5.0;
    let effects = tab.at(logout + 30.0).step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert!(posts(&effects).iter().any(|m| m.starts_with("S\n")));
    let effects = tab.step(Input::Message(Message::Logout(logout, 0).encode()));
    assert_eq!(tab.s.session_token(), None);
    assert_eq!(
        posts(&effects),
        [Message::Logout(logout.floor(), 0).encode()]
    );
}

#[test]
fn a_logout_message_ends_older_sessions_only_and_is_validated() {
    let mut tab = Tab::signed_in(json!({}));
    // From before the session began: remembered, nothing cleared.
    tab.at(T0 + 5.0)
        .step(Input::Message(Message::Logout(T0 - 5.0, 0).encode()));
    assert!(tab.s.session_token().is_some());
    // Garbage and times from the future are ignored.
    for text in [
        "L\n1e300",
        "L\n",
        "L\n99999999999999999999",
        "S\ngarbage",
        "",
    ] {
        tab.step(Input::Message(text.into()));
    }
    tab.step(Input::Message(Message::Logout(T0 + 60_000.0, 0).encode()));
    assert!(tab.s.session_token().is_some());
    // A real one: cleared, cookies and storage included (this tab follows).
    let effects = tab
        .at(T0 + 10.0)
        .step(Input::Message(Message::Logout(T0 + 10.0, 0).encode()));
    assert_eq!(tab.s.session_token(), None);
    assert!(tab.env.items.borrow().is_empty() && tab.env.jar.borrow().is_empty());
    assert!(posts(&effects).is_empty(), "a follower does not tell again");
    // A sign-in after it works, and a later stale sync is refused.
    tab.at(T0 + 20.0)
        .step(Input::Apply(Box::new(sign_in(2, T0 + 20.0))));
    let stale = Message::Sync {
        meta: Meta {
            born: T0,
            gen: 5,
            ..Meta::default()
        },
        session: session_jwt(1, T0 + 600_000.0),
        refresh: Some("R1".into()),
        user: None,
    };
    tab.step(Input::Message(stale.encode()));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
}

#[test]
fn clearing_expires_every_place_a_token_cookie_could_be() {
    let mut tab = Tab::on(
        json!({"sessionTokenViaCookie": {"name": "app_s"}}),
        "a.b.example.com",
        "/app/page",
    );
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(1, T0 + 600_000.0),
        "refreshJwt": "R1",
        "cookiePath": "/app",
        "cookieDomain": "example.com",
    })))));
    // Cookies other writers left: the official SDK's `DS` and `DSR`.
    tab.env.cookie("DS=x");
    tab.env.cookie("DSR=y");
    let effects = tab.step(Input::Call(1, Call::Logout));
    let expired: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Cookie(text) if text.contains("Max-Age=0") => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for name in ["app_s", "DS", "DSR"] {
        for domain in [
            "",
            "; Domain=a.b.example.com",
            "; Domain=b.example.com",
            "; Domain=example.com",
        ] {
            for path in ["/", "/app", "/app/", "/app/page"] {
                let want = [name, "=; Path=", path, domain, "; Max-Age=0"].concat();
                assert!(
                    expired.iter().any(|t| t.starts_with(&want)),
                    "{want} missing"
                );
            }
        }
    }
    assert!(
        !expired.iter().any(|t| t.contains("Domain=com;")),
        "no public suffix"
    );
    assert!(tab.env.jar.borrow().is_empty());
}

// ---- events ---------------------------------------------------------------------------------

#[test]
fn expiry_turns_is_authenticated_false_once() {
    let mut tab = Tab::new(json!({"autoRefresh": false}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(
        json!({"sessionJwt": session_jwt(1, T0 + 60_000.0), "refreshJwt": "R1"}),
    ))));
    let effects = tab.at(T0 + 60_000.0).step(Input::Timer);
    assert_eq!(events(&effects), [&Event::Auth(false)]);
    assert!(events(&tab.at(T0 + 70_000.0).step(Input::Timer)).is_empty());
}

#[test]
fn a_long_lived_tab_holds_a_bounded_number_of_locks_and_requests() {
    let mut tab = Tab::signed_in(json!({}));
    // A day of one refresh a minute.
    for n in 2..1_442u32 {
        let (_, request) = due_refresh(&mut tab);
        let answer = reply(json!({
            "sessionJwt": session_jwt(n, tab.now + 600_000.0),
            "refreshJwt": (["R", &n.to_string()].concat()),
            "nextRefreshSeconds": 60,
        }));
        tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
        let (jobs, requests, holds) = tab.s.pending();
        assert_eq!((jobs, requests), (0, 0));
        // The last rotation's lock, and the one before until its minute is up.
        assert!(holds <= 2, "{holds} locks held");
    }
    assert_eq!(tab.s.refresh_token(), Some("R1441"));
}

// ---- Descope-config parity: activity, the shared keys, try-refresh, tenants ---------------

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

#[test]
fn with_activity_tracking_an_idle_user_gets_no_refresh_until_active() {
    let mut tab = Tab::signed_in(json!({"autoRefresh": {"customActivityTracking": true}}));
    let due = tab.s.next_refresh_at().unwrap();
    // Due, but no activity since the sign-in: skipped, nothing planned, nothing sent.
    let effects = tab.at(due).step(Input::Timer);
    assert!(lock_of(&effects).is_none() && sends(&effects).is_empty());
    assert_eq!(tab.s.next_refresh_at(), None);
    // A wake signal while the session is still valid does not count as activity.
    let effects = tab.at(due + 1_000.0).step(Input::Signal(Signal::Focus));
    assert!(lock_of(&effects).is_none());
    // The user becomes active: the others are told once, and the refresh runs now.
    let effects = tab.at(due + 2_000.0).step(Input::Active);
    assert_eq!(posts(&effects), [Message::Active(due + 2_000.0).encode()]);
    let lock = lock_of(&effects).expect("the skipped refresh runs");
    let effects = tab.step(Input::Active);
    assert!(posts(&effects).is_empty(), "told once per period");
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, due)))),
    ));
    // A new period: idle again until the next activity, which may come from another tab.
    let due = tab.s.next_refresh_at().unwrap();
    assert!(lock_of(&tab.at(due).step(Input::Timer)).is_none());
    let effects = tab
        .at(due + 10.0)
        .step(Input::Message(Message::Active(due + 5.0).encode()));
    assert!(
        lock_of(&effects).is_some(),
        "activity in another tab counts"
    );
    assert!(posts(&effects).is_empty());
}

#[test]
fn activity_before_the_tokens_changed_does_not_count_and_expiry_still_refreshes() {
    let mut tab = Tab::signed_in(json!({"autoRefresh": {"customActivityTracking": true}}));
    let due = tab.s.next_refresh_at().unwrap();
    // Activity reported from before the last change of the tokens is stale.
    let effects = tab
        .at(due)
        .step(Input::Message(Message::Active(T0 - 1.0).encode()));
    assert!(lock_of(&effects).is_none());
    // A tab that comes back after the session expired refreshes even when idle.
    let expired = tab.s.expires_at().unwrap() + 1.0;
    let effects = tab.at(expired).step(Input::Signal(Signal::Visible));
    assert!(lock_of(&effects).is_some());
}

#[test]
fn without_tracking_or_without_an_idle_timeout_the_refresh_runs_as_planned() {
    // Tracking off.
    let mut tab = Tab::signed_in(json!({}));
    let due = tab.s.next_refresh_at().unwrap();
    assert!(lock_of(&tab.at(due).step(Input::Timer)).is_some());
    // Tracking on, but the server set no nextRefreshSeconds (no inactivity timeout).
    let mut tab = Tab::new(json!({"autoRefresh": {"customActivityTracking": true}}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(1, T0 + 600_000.0),
        "refreshJwt": "R1",
    })))));
    let due = tab.s.next_refresh_at().unwrap();
    assert!(lock_of(&tab.at(due).step(Input::Timer)).is_some());
    // markUserActive() without tracking does nothing.
    let mut tab = Tab::signed_in(json!({}));
    assert!(tab.step(Input::Active).is_empty());
}

#[test]
fn the_logged_in_indicator_and_the_last_user_follow_the_official_sdk() {
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in_with_user(1, T0))));
    let expiry = ((T0 + 600_000.0) / 1000.0).floor().to_string();
    assert_eq!(shared(&tab, "DSLI"), Some(expiry));
    assert_eq!(
        shared(&tab, "dls_last_user_login_id").as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(
        shared(&tab, "dls_last_user_display_name").as_deref(),
        Some("Ada")
    );
    // Logout removes them all.
    tab.step(Input::Call(1, Call::Logout));
    assert!(tab.env.shared.borrow().is_empty());

    // keepLastAuthenticatedUserAfterLogout keeps the last user, not the indicator.
    let mut tab = Tab::new(json!({"keepLastAuthenticatedUserAfterLogout": true}));
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in_with_user(1, T0))));
    tab.step(Input::Call(1, Call::LogoutAll));
    assert_eq!(shared(&tab, "DSLI"), None);
    assert!(shared(&tab, "dls_last_user_login_id").is_some());

    // storeLastAuthenticatedUser: false writes no last user.
    let mut tab = Tab::new(json!({"storeLastAuthenticatedUser": false}));
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in_with_user(1, T0))));
    assert!(shared(&tab, "DSLI").is_some());
    assert_eq!(shared(&tab, "dls_last_user_login_id"), None);

    // A refused refresh removes the indicator, but not the last user (as the official SDK).
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in_with_user(1, T0))));
    let (_, request) = due_refresh(&mut tab);
    tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(shared(&tab, "DSLI"), None);
    assert!(shared(&tab, "dls_last_user_login_id").is_some());
}

#[test]
fn a_follower_leaves_a_newer_sessions_indicator_alone() {
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    // A third tab signed in later and wrote its (later) expiry.
    let later = ((T0 + 3_600_000.0) / 1000.0).floor().to_string();
    tab.env
        .shared
        .borrow_mut()
        .insert("DSLI".into(), later.clone());
    tab.at(T0 + 10.0)
        .step(Input::Message(Message::Logout(T0 + 5.0, 0).encode()));
    assert_eq!(tab.s.session_token(), None);
    assert_eq!(shared(&tab, "DSLI"), Some(later));
    // Its own session's indicator it removes.
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    let own = ((T0 + 600_000.0) / 1000.0).floor().to_string();
    assert_eq!(shared(&tab, "DSLI"), Some(own));
    tab.at(T0 + 10.0)
        .step(Input::Message(Message::Logout(T0 + 5.0, 0).encode()));
    assert_eq!(shared(&tab, "DSLI"), None);
}

#[test]
fn the_refresh_cookie_name_is_kept_and_sent_back() {
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(1, T0 + 600_000.0),
        "refreshJwt": "R1",
        "cookieName": "acme_r",
    })))));
    assert_eq!(
        tab.env.items.borrow().get("DSRCN").map(String::as_str),
        Some("acme_r")
    );
    let (_, request) = due_refresh(&mut tab);
    assert!(request
        .headers
        .contains(&("x-descope-refresh-cookie-name", "acme_r".into())));
    // A new refresh token without a cookie name drops the stale one.
    tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert_eq!(tab.env.items.borrow().get("DSRCN"), None);
    let (_, request) = due_refresh(&mut tab);
    assert!(!request
        .headers
        .iter()
        .any(|(name, _)| *name == "x-descope-refresh-cookie-name"));
    // The option wins over what the server said, on every request.
    let mut tab = Tab::signed_in(json!({"refreshCookieName": "mine"}));
    let effects = tab.step(Input::Call(1, Call::Me));
    let lock = lock_of(&effects).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    assert!(request
        .headers
        .contains(&("x-descope-refresh-cookie-name", "mine".into())));
}

#[test]
fn start_up_tries_refresh_only_with_a_logged_in_indicator() {
    // No indicator: nothing is sent.
    let mut tab = Tab::new(json!({}));
    let effects = tab.start();
    assert!(lock_of(&effects).is_none() && sends(&effects).is_empty());
    let ready = tab.step(Input::Call(1, Call::Ready));
    assert_eq!(settled(&ready).len(), 1);

    // The indicator, but no readable token: one try-refresh, taking a turn; `{}` restores
    // nothing and ready() resolves.
    for (key, value) in [
        ("DSLI", "1700000600"),
        ("dls_last_user_login_id", "ada@example.com"),
    ] {
        let mut tab = Tab::new(json!({}));
        tab.env.shared.borrow_mut().insert(key.into(), value.into());
        let effects = tab.start();
        let lock = lock_of(&effects).expect("a turn for try-refresh");
        tab.step(Input::Call(1, Call::Ready));
        let effects = tab.step(Input::Lock(lock, Grant::Granted));
        let request = sends(&effects)[0].clone();
        assert!(request.url.ends_with("/v1/auth/try-refresh") && request.post);
        assert_eq!(request.expect, super::io::Expect::MaybeJwt);
        let effects = tab.step(Input::Answer(request.id, Ok(Reply::Data)));
        assert_eq!(settled(&effects), [(1, &Ok(Value::Undefined))]);
        assert_eq!(tab.s.session_token(), None);
        assert!(events(&effects).is_empty());
    }

    // The server finds the session an httpOnly cookie holds: it is restored.
    let mut tab = Tab::new(json!({}));
    tab.env
        .shared
        .borrow_mut()
        .insert("DSLI".into(), "1700000600".into());
    let lock = lock_of(&tab.start()).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let found = reply(json!({"sessionJwt": session_jwt(1, T0 + 600_000.0)}));
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(found)))));
    assert!(tab.s.is_authenticated(T0));
    assert_eq!(tab.s.refresh_token(), None);
    assert!(matches!(
        events(&effects)[..],
        [Event::Token(Some(_)), Event::Auth(true)]
    ));

    // A readable session: no try-refresh.
    let tab = Tab::signed_in(json!({}));
    let mut again = Tab::new(json!({}));
    *again.env.items.borrow_mut() = tab.env.items.borrow().clone();
    *again.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
    *again.env.shared.borrow_mut() = tab.env.shared.borrow().clone();
    assert!(lock_of(&again.start()).is_none());
}

#[test]
fn my_tenants_takes_a_turn_and_posts_its_body() {
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab.step(Input::Call(1, Call::MyTenants("{\"dct\":true}".into())));
    let lock = lock_of(&effects).expect("presents the refresh token: takes the turn");
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    assert!(request.url.ends_with("/v1/auth/me/tenants") && request.post);
    assert_eq!(request.body.as_deref(), Some("{\"dct\":true}"));
    assert_eq!(request.headers[0].1, "Bearer P1:R1");
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Data)));
    assert_eq!(settled(&effects), [(1, &Ok(Value::Body))]);
    assert!(effects.contains(&Effect::Unlock(lock)));
}

#[test]
fn a_logout_with_per_tab_storage_also_removes_the_tokens_another_client_keeps_in_local_storage() {
    let mut tab = Tab::signed_in(json!({"persist": "memory", "storagePrefix": "app."}));
    // The official SDK, on the same origin, keeps its tokens in localStorage.
    for key in ["app.DS", "app.DSR", "app.DSRCN", "other"] {
        tab.env
            .shared
            .borrow_mut()
            .insert(key.into(), "x.y.z".into());
    }
    tab.step(Input::Call(1, Call::Logout));
    let left: Vec<String> = tab.env.shared.borrow().keys().cloned().collect();
    assert_eq!(left, ["other"]);
    // A follower leaves localStorage to the tab that logged out.
    let mut tab = Tab::signed_in(json!({"persist": "memory"}));
    tab.env
        .shared
        .borrow_mut()
        .insert("DSR".into(), "x.y.z".into());
    tab.at(T0 + 10.0)
        .step(Input::Message(Message::Logout(T0 + 5.0, 0).encode()));
    assert!(shared(&tab, "DSR").is_some());
}

#[test]
fn a_user_that_arrives_after_its_tokens_is_taken() {
    // Another tab's sign-in reaches this one key by key: tokens first, the user later.
    let other = Tab::signed_in(json!({}));
    let mut tab = Tab::new(json!({}));
    tab.start();
    for key in ["DSR", "DSM"] {
        let value = other.env.items.borrow().get(key).cloned().unwrap();
        tab.env.items.borrow_mut().insert(key.into(), value);
    }
    *tab.env.jar.borrow_mut() = other.env.jar.borrow().clone();
    tab.step(Input::StorageChanged);
    assert!(tab.s.session_token().is_some());
    assert_eq!(tab.s.user(), None);
    let user = other.env.items.borrow().get("DSU").cloned().unwrap();
    tab.env
        .items
        .borrow_mut()
        .insert("DSU".into(), user.clone());
    let effects = tab.step(Input::StorageChanged);
    assert_eq!(tab.s.user(), Some(user.as_str()));
    assert_eq!(events(&effects), [&Event::User(Some(user.clone()))]);

    // By message: the same tokens told again with the user.
    let mut tab = Tab::new(json!({"persist": "sessionStorage"}));
    tab.start();
    let sync = |user: Option<String>| Message::Sync {
        meta: Meta {
            born: T0,
            ..Meta::default()
        },
        session: other.s.session_token().unwrap().into(),
        refresh: Some("R1".into()),
        user,
    };
    tab.step(Input::Message(sync(None).encode()));
    assert_eq!(tab.s.user(), None);
    let effects = tab.step(Input::Message(sync(Some(user.clone())).encode()));
    assert_eq!(tab.s.user(), Some(user.as_str()));
    assert_eq!(events(&effects), [&Event::User(Some(user))]);
}

// ---- the cycle's turn across retries (hardening round 3, item 12) -------------------------

#[test]
fn a_waiter_never_goes_around_a_holder_that_tells_it_retries() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let due = tab.s.next_refresh_at().unwrap();
    let mut lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    // The holder fails again and again under a flaky network; each time it tells when it
    // tries next. The waiter keeps finding the lock busy, long past two bounded waits.
    let mut retry_at = due;
    for round in 0..8 {
        let effects = tab.step(Input::Lock(lock, Grant::Busy));
        assert!(sends(&effects).is_empty(), "round {round}: went around");
        retry_at += 3_000.0;
        tab.step(Input::Message(Message::Turn(retry_at).encode()));
        let until = tab.now + 3_600.0;
        let mut asked = None;
        while asked.is_none() && tab.now < until {
            let now = tab.now + 100.0;
            asked = lock_of(&tab.at(now).step(Input::Timer));
        }
        lock = asked.expect("asks again after a bounded wait");
    }
    // The holder closes its tab (its lock goes) before its next attempt: the grant comes,
    // but nothing is sent before the holder's backoff is over.
    retry_at = tab.now + 20_000.0;
    tab.step(Input::Message(Message::Turn(retry_at).encode()));
    let effects = tab.step(Input::Lock(lock, Grant::Granted));
    assert!(
        sends(&effects).is_empty(),
        "sent inside the holder's backoff"
    );
    assert!(effects.contains(&Effect::Unlock(lock)));
    let effects = tab.at(retry_at).step(Input::Timer);
    let lock = lock_of(&effects).expect("asks when the backoff is over");
    let effects = tab.step(Input::Lock(lock, Grant::Granted));
    assert_eq!(sends(&effects).len(), 1);
}

#[test]
fn a_holder_that_says_nothing_is_gone_around_after_the_bound() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let due = tab.s.next_refresh_at().unwrap();
    let lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    // Retry news for a time long past counts for nothing.
    tab.step(Input::Message(Message::Turn(due - 60_000.0).encode()));
    let mut lock = Some(lock);
    let mut sent_at = None;
    while sent_at.is_none() && tab.now < due + 20_000.0 {
        if let Some(id) = lock.take() {
            if !sends(&tab.step(Input::Lock(id, Grant::Busy))).is_empty() {
                sent_at = Some(tab.now);
            }
        }
        let now = tab.now + 100.0;
        lock = lock_of(&tab.at(now).step(Input::Timer)).or(lock);
    }
    let waited = sent_at.expect("goes on without the lock") - due;
    assert!((6_000.0..=7_500.0).contains(&waited), "{waited}");
}

// ---- hardening round 3 --------------------------------------------------------------------

/// Item 5: a response that names both cookies the same keeps the refresh token in storage,
/// and a reload never reads the refresh token as the session token.
#[test]
fn the_refresh_token_never_shares_the_session_cookie() {
    let mut tab = Tab::new(json!({"refreshTokenViaCookie": true}));
    tab.start();
    let session = session_jwt(1, T0 + 600_000.0);
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session,
        "refreshJwt": "R1",
        "sessionCookieName": "auth",
        "cookieName": "auth",
    })))));
    assert_eq!(tab.env.jar.borrow().get("auth"), Some(&session));
    assert_eq!(
        tab.env.items.borrow().get("DSR").map(String::as_str),
        Some("R1")
    );
    let mut again = Tab::new(json!({"refreshTokenViaCookie": true}));
    *again.env.items.borrow_mut() = tab.env.items.borrow().clone();
    *again.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
    again.start();
    assert_eq!(again.s.session_token(), Some(session.as_str()));
    assert_eq!(again.s.refresh_token(), Some("R1"));

    // A refresh cookie named like the session's default cookie (the session token kept in
    // storage): the session is never read from the refresh cookie.
    let mut tab = Tab::new(json!({
        "sessionTokenViaCookie": false,
        "refreshTokenViaCookie": {"name": "DS", "secure": false}
    }));
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    assert_eq!(
        tab.env.jar.borrow().get("DS").map(String::as_str),
        Some("R1")
    );
    let mut again = Tab::new(json!({
        "sessionTokenViaCookie": false,
        "refreshTokenViaCookie": {"name": "DS", "secure": false}
    }));
    *again.env.items.borrow_mut() = tab.env.items.borrow().clone();
    *again.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
    again.start();
    assert_eq!(again.s.refresh_token(), Some("R1"));
    assert_ne!(again.s.session_token(), Some("R1"));
    assert_eq!(again.s.session_token(), tab.s.session_token());
}

/// Item 7: a 401 after another client rotated the tokens (no record of this package) adopts
/// what is stored instead of signing the user out.
#[test]
fn a_refusal_after_another_client_rotated_adopts_the_stored_tokens() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    // The official SDK, in another tab, rotated R1 meanwhile: it wrote DSR and the DS cookie,
    // and left this package's record as it was.
    let theirs = session_jwt(9, tab.now + 600_000.0);
    tab.env.items.borrow_mut().insert("DSR".into(), "R9".into());
    tab.env.jar.borrow_mut().insert("DS".into(), theirs.clone());
    let effects = tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.refresh_token(), Some("R9"));
    assert_eq!(tab.s.session_token(), Some(theirs.as_str()));
    assert!(tab.s.is_authenticated(tab.now));
    assert!(
        !events(&effects).contains(&&Event::Auth(false)),
        "{effects:?}"
    );
    assert!(
        !posts(&effects).iter().any(|m| m.starts_with("L\n")),
        "no logout is told"
    );
    // Their own expiry plans their refresh; then the same refresh token as the one refused
    // ends the session.
    let exp = tab.s.expires_at().unwrap();
    assert_eq!(tab.s.next_refresh_at(), Some(exp - 20_000.0));
    let (_, request) = due_refresh(&mut tab);
    assert_eq!(request.headers[0].1, "Bearer P1:R9");
    tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.refresh_token(), None);
    assert_eq!(tab.env.items.borrow().get("DSR"), None);
}

/// Item 8: logout and logoutAll carry `x-descope-refresh-cookie-name` too; a stored name that
/// is not a short HTTP token is ignored.
#[test]
fn logout_sends_the_refresh_cookie_name_and_long_names_are_ignored() {
    for call in [Call::Logout, Call::LogoutAll] {
        let mut tab = Tab::new(json!({}));
        tab.start();
        tab.step(Input::Apply(Box::new(reply(json!({
            "sessionJwt": session_jwt(1, T0 + 600_000.0),
            "refreshJwt": "R1",
            "cookieName": "acme_r",
        })))));
        // A reload restores the name from storage.
        let mut again = Tab::new(json!({}));
        *again.env.items.borrow_mut() = tab.env.items.borrow().clone();
        *again.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
        again.start();
        let effects = again.step(Input::Call(1, call.clone()));
        let request = sends(&effects)[0].clone();
        assert!(
            request
                .headers
                .contains(&("x-descope-refresh-cookie-name", "acme_r".into())),
            "{call:?}: {:?}",
            request.headers
        );
    }
    let mut tab = Tab::signed_in(json!({}));
    let planted = "a".repeat(20_000);
    tab.env.items.borrow_mut().insert("DSRCN".into(), planted);
    let mut again = Tab::new(json!({}));
    *again.env.items.borrow_mut() = tab.env.items.borrow().clone();
    *again.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
    again.start();
    let effects = again.step(Input::Call(1, Call::Logout));
    assert!(!sends(&effects)[0]
        .headers
        .iter()
        .any(|(name, _)| *name == "x-descope-refresh-cookie-name"));
    let _ = &mut tab;
}

/// Item 9: a 4xx answer to the start-up `try-refresh` removes the logged-in indicator.
#[test]
fn a_refused_try_refresh_removes_the_indicator() {
    for (status, kept) in [(401, false), (400, false), (503, true)] {
        let mut tab = Tab::new(json!({}));
        tab.env
            .shared
            .borrow_mut()
            .insert("DSLI".into(), "1700000600".into());
        let lock = lock_of(&tab.start()).unwrap();
        let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
        tab.step(Input::Answer(request.id, Err(http(status))));
        assert_eq!(shared(&tab, "DSLI").is_some(), kept, "{status}");
    }
}

/// Item 10: `dispose()` while a refresh is out: the answer is stored and told, never revoked;
/// no events, timers or requests follow.
#[test]
fn a_refresh_answered_after_dispose_is_stored_and_told_never_revoked() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    tab.step(Input::Dispose);
    let answer = sign_in(2, tab.now);
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
    assert!(sends(&effects).is_empty(), "revoked or sent: {effects:?}");
    assert!(events(&effects).is_empty(), "{effects:?}");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Timer(Some(_)))));
    assert_eq!(
        tab.env.items.borrow().get("DSR").map(String::as_str),
        Some("R2")
    );
    assert!(
        posts(&effects).iter().any(|m| m.starts_with("S\n")),
        "the other tabs are told"
    );
    // The next instance (a reload, React StrictMode's second mount) goes on with it.
    let mut again = Tab::new(json!({}));
    *again.env.items.borrow_mut() = tab.env.items.borrow().clone();
    *again.env.jar.borrow_mut() = tab.env.jar.borrow().clone();
    again.start();
    assert_eq!(again.s.refresh_token(), Some("R2"));

    // A logout that came first (told by another tab after dispose) still wins: revoked.
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    tab.step(Input::Dispose);
    // (A logout removes every key of the package.)
    tab.env.items.borrow_mut().clear();
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, tab.now)))),
    ));
    assert!(sends(&effects)
        .iter()
        .any(|r| r.url.ends_with("/v1/auth/logout") && r.headers[0].1 == "Bearer P1:R2"));
    assert_eq!(tab.env.items.borrow().get("DSR"), None);
}

/// Item 7, before any request: a refresh token another client stored without this package's
/// record is waited for (the rest of a write may be on its way), then adopted instead of
/// presenting the token it replaced.
#[test]
fn a_rotation_another_client_stored_is_adopted_before_presenting() {
    let mut tab = Tab::signed_in(json!({}));
    let theirs = session_jwt(9, T0 + 900_000.0);
    tab.env.items.borrow_mut().insert("DSR".into(), "R9".into());
    tab.env.jar.borrow_mut().insert("DS".into(), theirs.clone());
    let due = tab.s.next_refresh_at().unwrap();
    let mut effects = tab.at(due).step(Input::Timer);
    let mut sent = Vec::new();
    for _ in 0..6 {
        if let Some(lock) = lock_of(&effects) {
            effects = tab.step(Input::Lock(lock, Grant::Granted));
            sent.extend(sends(&effects).into_iter().cloned());
        }
        if tab.s.refresh_token() == Some("R9") {
            break;
        }
        let now = tab.now + 1_600.0;
        effects = tab.at(now).step(Input::Timer);
    }
    assert!(sent.is_empty(), "presented a replaced token: {sent:?}");
    assert_eq!(tab.s.refresh_token(), Some("R9"));
    assert_eq!(tab.s.session_token(), Some(theirs.as_str()));
    assert!(tab.now - due <= 4_000.0, "waited {} ms", tab.now - due);
    assert_eq!(tab.s.next_refresh_at(), Some(T0 + 900_000.0 - 20_000.0));
}

/// A logout heard while a rotation is out ends its session only when it came after the
/// session began: a tab that wakes tells old logouts again (found by the strict simulator).
#[test]
fn an_old_logout_heard_during_a_refresh_does_not_revoke_its_answer() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    // A logout from before this session began.
    tab.step(Input::Message(Message::Logout(T0 - 60_000.0, 0).encode()));
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, tab.now)))),
    ));
    assert!(
        !sends(&effects)
            .iter()
            .any(|r| r.url.ends_with("/v1/auth/logout")),
        "revoked: {effects:?}"
    );
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    // One made after it began ends it: the answer is revoked.
    let (_, request) = due_refresh(&mut tab);
    let now = tab.now;
    tab.step(Input::Message(Message::Logout(now, 0).encode()));
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(3, now)))),
    ));
    assert!(sends(&effects)
        .iter()
        .any(|r| r.url.ends_with("/v1/auth/logout") && r.headers[0].1 == "Bearer P1:R3"));
    assert_eq!(tab.s.refresh_token(), None);
}

/// A tab that took tokens from storage before their record was written (a write arriving key
/// by key) learns their record later; a logout told before the browser shows this tab the
/// storage the logging-out tab cleared is believed once storage shows it.
#[test]
fn a_logout_told_before_storage_shows_it_is_followed_when_it_does() {
    let mut writer = Tab::signed_in(json!({}));
    let mut tab = Tab::new(json!({}));
    tab.start();
    // The tokens are there, the record not yet.
    for key in ["DSR", "DSU"] {
        if let Some(v) = writer.env.items.borrow().get(key) {
            tab.env.items.borrow_mut().insert(key.into(), v.clone());
        }
    }
    *tab.env.jar.borrow_mut() = writer.env.jar.borrow().clone();
    tab.step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    // The record arrives.
    *tab.env.items.borrow_mut() = writer.env.items.borrow().clone();
    tab.step(Input::StorageChanged);
    // The writer logs out; its message comes before this tab's storage shows the removal.
    let effects = writer.at(T0 + 1_000.0).step(Input::Call(1, Call::Logout));
    let logout = posts(&effects)
        .into_iter()
        .find(|m| m.starts_with("L\n"))
        .unwrap()
        .to_owned();
    tab.at(T0 + 1_001.0).step(Input::Message(logout.clone()));
    assert_eq!(
        tab.s.refresh_token(),
        None,
        "the record was known: followed at once"
    );

    // Without the record ever seen (another library's tokens): the logout waits for storage.
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.env.items.borrow_mut().insert("DSR".into(), "R7".into());
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), session_jwt(7, T0 + 600_000.0));
    tab.step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), Some("R7"));
    tab.at(T0 + 1_001.0).step(Input::Message(logout));
    assert_eq!(tab.s.refresh_token(), Some("R7"), "storage still shows it");
    tab.env.items.borrow_mut().clear();
    tab.env.jar.borrow_mut().clear();
    tab.at(T0 + 1_050.0).step(Input::StorageChanged);
    assert_eq!(
        tab.s.refresh_token(),
        None,
        "followed once storage shows it"
    );
}

/// A new tab that found only the refresh cookie sends a refresh at once; the other tabs tell it
/// the session (the same refresh token, with the record) before the answer comes. The answer is
/// still this session's rotation: applied, not revoked (found by the strict simulator).
#[test]
fn a_rotation_of_a_refresh_token_told_meanwhile_with_its_record_is_kept() {
    let mut tab = Tab::new(json!({
        "persist": "sessionStorage",
        "refreshTokenViaCookie": {"secure": false},
    }));
    tab.env.jar.borrow_mut().insert("DSR".into(), "R1".into());
    let effects = tab.start();
    let lock = lock_of(&effects).expect("refreshes at once");
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let told = Message::Sync {
        meta: Meta {
            born: T0 - 60_000.0,
            gen: 3,
            ..Meta::default()
        },
        session: session_jwt(1, T0 + 600_000.0),
        refresh: Some("R1".into()),
        user: None,
    };
    tab.at(T0 + 10.0).step(Input::Message(told.encode()));
    let effects = tab.at(T0 + 300.0).step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert!(sends(&effects).is_empty(), "revoked: {effects:?}");
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert_eq!(tab.s.version(), (T0 - 60_000.0, 4));
}
