//! The Rocket.Chat session: credentials in storage, requests with their deadlines, and what a
//! refusal forgets.

use super::*;
use crate::core::options::Persist;
use crate::core::rc::rules::{Credentials, RcConfig};
use crate::core::rc::{RcCall, RcInput, RcSession};

fn rc() -> RcSession {
    RcSession::new(RcConfig {
        base_url: "https://chat.test".into(),
        prefix: String::new(),
        persist: Persist::LocalStorage,
        timeout_ms: 10_000,
    })
}

fn login(user: &str) -> Credentials {
    Credentials {
        user_id: user.into(),
        auth_token: ["tok-", user].concat(),
    }
}

/// Performs the storage effects on the fake page, as the driver does.
fn step(session: &mut RcSession, env: &Fake, now: f64, input: RcInput) -> Vec<Effect> {
    session.handle(now, input, env).unwrap();
    let effects = session.drain();
    for effect in &effects {
        match effect {
            Effect::Set(key, value) => {
                env.items.borrow_mut().insert(key.clone(), value.clone());
            }
            Effect::Remove(key) => {
                env.items.borrow_mut().remove(key);
            }
            _ => {}
        }
    }
    effects
}

/// `logoutSession("s1")` as call `id`: its request.
fn logout_session(session: &mut RcSession, env: &Fake, id: u32) -> Request {
    let body = "{\"sessionId\":\"s1\"}".to_string();
    let effects = step(
        session,
        env,
        T0,
        RcInput::Call(id, RcCall::LogoutSession(body, None)),
    );
    sends(&effects)[0].clone()
}

#[test]
fn a_request_times_out_at_its_deadline_and_not_before() {
    let env = Fake::default();
    let mut session = rc();
    let effects = step(
        &mut session,
        &env,
        T0,
        RcInput::Call(1, RcCall::Login("{}".into())),
    );
    let request = sends(&effects)[0].clone();
    assert_eq!(request.url, "https://chat.test/api/v1/login");
    assert!(effects.contains(&Effect::Timer(Some(T0 + 10_000.0))));
    let early = step(&mut session, &env, T0 + 9_999.0, RcInput::Timer);
    assert!(settled(&early).is_empty());
    let due = step(&mut session, &env, T0 + 10_000.0, RcInput::Timer);
    assert!(due.contains(&Effect::Abort(request.id)));
    assert!(matches!(
        settled(&due)[..],
        [(1, Err(ref err))] if err.code == ErrorCode::Timeout
    ));
    assert!(
        due.contains(&Effect::Timer(None)),
        "nothing left to wait for"
    );
}

#[test]
fn a_401_forgets_the_credentials_it_was_sent_with_only() {
    // Any other failure keeps them.
    let env = Fake::default();
    let mut session = rc();
    step(&mut session, &env, T0, RcInput::Apply(login("ada")));
    step(&mut session, &env, T0, RcInput::Call(1, RcCall::Logout));
    assert_eq!(session.credentials(&env), None, "logout forgets first");
    step(&mut session, &env, T0, RcInput::Apply(login("ada")));
    let request = logout_session(&mut session, &env, 2);
    step(
        &mut session,
        &env,
        T0 + 10.0,
        RcInput::Answer(request.id, Err(http(503))),
    );
    assert!(session.credentials(&env).is_some());
    for replaced in [false, true] {
        let env = Fake::default();
        let mut session = rc();
        step(&mut session, &env, T0, RcInput::Apply(login("ada")));
        let request = logout_session(&mut session, &env, 1);
        if replaced {
            // Another tab logged in as someone else meanwhile.
            step(&mut session, &env, T0 + 5.0, RcInput::Apply(login("bob")));
        }
        step(
            &mut session,
            &env,
            T0 + 10.0,
            RcInput::Answer(request.id, Err(http(401))),
        );
        let left = session.credentials(&env).map(|c| c.user_id);
        let expected = if replaced {
            Some("bob".to_string())
        } else {
            None
        };
        assert_eq!(left, expected, "replaced: {replaced}");
    }
}

#[test]
fn authenticated_requests_carry_the_login_and_a_two_factor_answer_in_headers() {
    use crate::core::rc::rules::{TwoFactorCode, TwoFactorMethod};
    let env = Fake::default();
    let mut session = rc();
    step(&mut session, &env, T0, RcInput::Apply(login("ada")));
    let code = TwoFactorCode {
        method: TwoFactorMethod::Totp,
        code: "123456".into(),
    };
    let body = "{\"sessionId\":\"s1\"}".to_string();
    let effects = step(
        &mut session,
        &env,
        T0,
        RcInput::Call(1, RcCall::LogoutSession(body, Some(code))),
    );
    let owned = |h: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        h.iter().map(|(n, v)| (*n, v.to_string())).collect()
    };
    assert_eq!(
        sends(&effects)[0].headers,
        owned(&[
            ("X-User-Id", "ada"),
            ("X-Auth-Token", "tok-ada"),
            ("X-2fa-Code", "123456"),
            ("X-2fa-Method", "totp"),
        ])
    );
    let effects = step(&mut session, &env, T0, RcInput::Call(2, RcCall::Logout));
    assert_eq!(
        sends(&effects)[0].headers,
        owned(&[("X-User-Id", "ada"), ("X-Auth-Token", "tok-ada")])
    );
}
