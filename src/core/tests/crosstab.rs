//! Taking turns across tabs: the lock, its bounded waits and holds, and adopting what other
//! tabs and clients rotated.

use super::*;

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
    let (due, lock) = lock_at_due(&mut tab);
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
fn a_lock_outcome_after_the_answer_changes_nothing() {
    // The browser may reject a lock request after its callback ran (the callback threw): the
    // shell feeds that as `Denied` without checking, and the core ignores it.
    for first in [Grant::Granted, Grant::Busy] {
        let mut tab = Tab::signed_in(json!({}));
        let (_, lock) = lock_at_due(&mut tab);
        tab.step(Input::Lock(lock, first));
        let next = tab.s.next_refresh_at();
        let effects = tab.step(Input::Lock(lock, Grant::Denied));
        assert!(effects.is_empty(), "{first:?} then Denied: {effects:?}");
        assert_eq!(tab.s.next_refresh_at(), next);
        assert_eq!(tab.s.refresh_token(), Some("R1"));
    }
}

/// A session token issued at `at`, valid 10 min.
fn issued(n: u32, at: f64) -> String {
    jwt(json!({"exp": ((at + 600_000.0) / 1000.0).floor(), "iat": (at / 1000.0).floor(), "jti": n}))
}

/// A tab with storage of its own, signed in at T0.
fn per_tab_signed_in() -> Tab {
    let mut tab = Tab::new(json!({"persist": "sessionStorage"}));
    tab.start();
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": issued(1, T0),
        "refreshJwt": "R1",
        "nextRefreshSeconds": 300,
    })))));
    tab
}

#[test]
fn a_grant_after_another_tab_rotated_waits_for_its_message_where_storage_is_per_tab() {
    let signed_in = per_tab_signed_in;
    let mut tab = signed_in();
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
    let mut tab = signed_in();
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
    let (_, mut lock) = lock_at_due(&mut tab);
    // Two rounds: each waits the request timeout + 1 s (+ up to 0.5 s, spread), then asks
    // again; a holder that still has it after both is frozen.
    for round in 0..2 {
        let effects = tab.step(Input::Lock(lock, Grant::Busy));
        assert!(sends(&effects).is_empty(), "round {round}");
        // Who holds it is asked once per wait.
        let asked = posts(&effects).iter().any(|m| m.starts_with("Q\n"));
        assert_eq!(asked, round == 0, "round {round}: {effects:?}");
        let until = wait_end(&effects);
        let waited = until - tab.now;
        assert!((3_000.0..=3_500.0).contains(&waited), "{waited}");
        assert!(lock_of(&tab.at(until - 1.0).step(Input::Timer)).is_none());
        lock = lock_of(&tab.at(until).step(Input::Timer)).expect("asks again");
    }
    goes_around(&mut tab, lock);
}

#[test]
fn a_huge_request_timeout_does_not_wrap_the_wait() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2_147_483_647.0}));
    let (due, lock) = lock_at_due(&mut tab);
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
    tab.hear_logout(T0 + 5_000.0, 0);
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
    let message = told(T0 - 60_000.0, 2, &session, "R1");
    let effects = tab.at(T0 + 10.0).step(Input::Message(message));
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
fn a_waiter_never_goes_around_a_holder_that_tells_it_retries() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let (due, mut lock) = lock_at_due(&mut tab);
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

/// Answers every lock request Busy and fires the timer every `step` ms until the tab sends
/// its request (before `limit`): when it went around the holder.
fn busy_until_sent(tab: &mut Tab, mut lock: Option<u32>, step: f64, limit: f64) -> f64 {
    while tab.now < limit {
        if let Some(id) = lock.take() {
            if !sends(&tab.step(Input::Lock(id, Grant::Busy))).is_empty() {
                return tab.now;
            }
        }
        let now = tab.now + step;
        lock = lock_of(&tab.at(now).step(Input::Timer)).or(lock);
    }
    panic!("never went on without the lock");
}

#[test]
fn a_holder_that_says_nothing_is_gone_around_after_the_bound() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let (due, lock) = lock_at_due(&mut tab);
    // Retry news for a time long past counts for nothing.
    tab.step(Input::Message(Message::Turn(due - 60_000.0).encode()));
    let waited = busy_until_sent(&mut tab, Some(lock), 100.0, due + 20_000.0) - due;
    assert!((6_000.0..=7_500.0).contains(&waited), "{waited}");
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

#[test]
fn a_call_made_while_a_refresh_waits_for_its_retry_gives_the_turn_back() {
    let mut tab = Tab::signed_in(json!({}));
    let (lock, request) = due_refresh(&mut tab);
    let mut limited = http(429);
    limited.retry_after = Some(30.0);
    tab.step(Input::Answer(request.id, Err(limited)));
    assert_eq!(tab.s.pending().2, 1, "the lock is kept for the retry");
    // me() borrows the turn the refresh keeps, and gives it back when it is done.
    let effects = tab.at(T0 + 1_000.0).step(Input::Call(1, Call::Me));
    let me = sends(&effects)[0].clone();
    assert_eq!(me.url, "https://api.test/v1/auth/me");
    assert!(
        !me.post() && me.body.is_none(),
        "me() is a GET without a body"
    );
    let effects = tab.step(Input::Answer(
        me.id,
        Ok(Reply::User("{\"name\":\"Ada\"}".into())),
    ));
    assert!(matches!(settled(&effects)[..], [(1, Ok(_))]));
    assert!(!effects.contains(&Effect::Unlock(lock)), "{effects:?}");
    assert_eq!(tab.s.pending().2, 1);
    // Another tab that asks hears when the retry comes.
    let effects = tab.step(Input::Message(Message::Ask(T0 + 1_000.0).encode()));
    let next = tab.s.next_refresh_at().unwrap();
    assert_eq!(posts(&effects), [Message::Turn(next).encode()]);
    // The retry takes the lock it kept.
    let (again, _) = due_refresh(&mut tab);
    assert_eq!(again, 0, "no new lock request");
}

#[test]
fn lock_and_channel_names_are_stable_and_never_hold_the_token() {
    use crate::core::session::{channel_name, fingerprint, lock_name};
    assert_eq!(channel_name("P1", "app."), "session-keeper:P1:app.");
    // FNV-1a (64 bit) test vectors.
    assert_eq!(fingerprint(""), "cbf29ce484222325");
    assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
    let name = lock_name("P1", "app.", "R1.secret");
    assert_eq!(
        name,
        ["session-keeper:P1:app.:", &fingerprint("R1.secret")].concat()
    );
    assert!(!name.contains("secret"));
}

#[test]
fn a_lock_granted_for_tokens_filled_in_meanwhile_is_given_back_for_the_lock_of_the_new_ones() {
    // A tab holds a session token without its refresh token (the other tab's write of it was
    // refused) and asks for the lock of a refresh(); before the grant, the same version is
    // told again with its refresh token (a tab that wakes works through what it missed).
    let mut tab = Tab::new(json!({}));
    tab.start();
    let told = |refresh: Option<&str>| Message::Sync {
        meta: Meta {
            born: T0,
            gen: 0,
            ..Meta::default()
        },
        session: session_jwt(2, T0 + 600_000.0),
        refresh: refresh.map(str::to_string),
        user: None,
    };
    tab.step(Input::Message(told(None).encode()));
    assert!(tab.s.session_token().is_some());
    let effects = tab.step(Input::Call(1, Call::Refresh));
    let first = lock_of(&effects).expect("a lock asked for");
    tab.step(Input::Message(told(Some("R2")).encode()));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    let effects = tab.step(Input::Lock(first, Grant::Granted));
    assert!(
        sends(&effects).is_empty(),
        "R2 presented under the lock asked for without it: {effects:?}"
    );
    assert!(effects.contains(&Effect::Unlock(first)));
    let name = crate::core::session::lock_name("P1", "", "R2");
    let second = effects
        .iter()
        .find_map(|e| match e {
            Effect::Lock(id, n) if *n == name => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the lock of R2 asked for: {effects:?}"));
    let effects = tab.step(Input::Lock(second, Grant::Granted));
    let request = sends(&effects)[0].clone();
    assert_eq!(
        request.headers,
        [("Authorization", "Bearer P1:R2".to_string())]
    );
}

/// The end of a lock wait, from the timer the effects set.
fn wait_end(effects: &[Effect]) -> f64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Timer(Some(at)) => Some(*at),
            _ => None,
        })
        .expect("a timer for the end of the wait")
}

/// A Busy answer after the bound: the tab goes on without the lock.
fn goes_around(tab: &mut Tab, lock: u32) {
    let effects = tab.step(Input::Lock(lock, Grant::Busy));
    assert_eq!(
        sends(&effects).len(),
        1,
        "went on without the lock: {effects:?}"
    );
    // Holding no lock, it tells the waiting tabs of no turn of its own.
    assert!(
        !posts(&effects).iter().any(|m| m.starts_with("T\n")),
        "{effects:?}"
    );
}

/// Answers the lock request Busy and wakes the tab when its wait ends: the next lock request.
fn wait_out(tab: &mut Tab, lock: u32) -> u32 {
    let until = wait_end(&tab.step(Input::Lock(lock, Grant::Busy)));
    lock_of(&tab.at(until).step(Input::Timer)).expect("asks again")
}

#[test]
fn a_tab_whose_wait_ended_more_than_a_second_late_waits_anew_for_a_busy_holder() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let (due, lock) = lock_at_due(&mut tab);
    let until = wait_end(&tab.step(Input::Lock(lock, Grant::Busy)));
    // Frozen past the whole bound: it heard nothing because it listened to nothing.
    let late = until + 5_000.0;
    assert!(late >= due + 2.0 * 3_000.0);
    let lock = lock_of(&tab.at(late).step(Input::Timer)).expect("asks again");
    let effects = tab.step(Input::Lock(lock, Grant::Busy));
    assert!(sends(&effects).is_empty(), "waits anew: {effects:?}");
    // Its new bound counts from the wake-up.
    let lock = lock_of(&tab.at(wait_end(&effects)).step(Input::Timer)).unwrap();
    let lock = wait_out(&mut tab, lock);
    goes_around(&mut tab, lock);
}

#[test]
fn a_wait_that_ended_one_second_late_keeps_its_bound() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let (due, lock) = lock_at_due(&mut tab);
    let lock = wait_out(&mut tab, lock);
    let until = wait_end(&tab.step(Input::Lock(lock, Grant::Busy)));
    // A timer a second late is a busy page, not a frozen one: the bound still counts from
    // the first Busy, and is over.
    let lock = lock_of(&tab.at(until + 1_000.0).step(Input::Timer)).unwrap();
    assert!(tab.now >= due + 2.0 * 3_000.0);
    goes_around(&mut tab, lock);
}

#[test]
fn a_lock_request_the_browser_never_answers_is_taken_as_denied() {
    let mut tab = Tab::signed_in(json!({}));
    let due = tab.s.next_refresh_at().unwrap();
    let effects = tab.at(due).step(Input::Timer);
    let lock = lock_of(&effects).unwrap();
    assert_eq!(
        wait_end(&effects),
        due + LOCK_ANSWER_MS,
        "woken when the answer is overdue"
    );
    assert!(sends(&tab.at(due + LOCK_ANSWER_MS - 1.0).step(Input::Timer)).is_empty());
    let effects = tab.at(due + LOCK_ANSWER_MS).step(Input::Timer);
    assert_eq!(sends(&effects).len(), 1, "goes on without the lock");
    // The grant that comes after all is given back.
    let effects = tab.step(Input::Lock(lock, Grant::Granted));
    assert!(effects.contains(&Effect::Unlock(lock)), "{effects:?}");
}

#[test]
fn a_grant_after_another_tab_rotated_asks_again_after_one_to_one_and_a_half_seconds() {
    let mut tab = per_tab_signed_in();
    let due = tab.s.next_refresh_at().unwrap();
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), issued(2, due - 50.0));
    let lock = lock_of(&tab.at(due).step(Input::Timer)).unwrap();
    let until = wait_end(&tab.step(Input::Lock(lock, Grant::Granted)));
    assert!(
        (1_000.0..1_500.0).contains(&(until - due)),
        "{}",
        until - due
    );
    assert!(lock_of(&tab.at(until - 1.0).step(Input::Timer)).is_none());
    assert!(lock_of(&tab.at(until).step(Input::Timer)).is_some());
}

#[test]
fn the_last_two_rotated_tokens_stay_guarded_and_the_oldest_is_released() {
    let mut tab = Tab::signed_in(json!({}));
    let mut locks = Vec::new();
    for n in 2..=4 {
        let lock = lock_of(&tab.step(Input::Call(n, Call::Refresh))).unwrap();
        let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
        let effects = tab.step(Input::Answer(
            request.id,
            Ok(Reply::Jwt(Box::new(sign_in(n, tab.now)))),
        ));
        let released: Vec<u32> = pick!(effects, Effect::Unlock(id) => *id);
        // Two rotations are guarded at a time: the third releases the first.
        let want: &[u32] = if locks.len() == 2 { &locks[..1] } else { &[] };
        assert_eq!(released, want, "rotation {n}");
        locks.push(lock);
    }
}

#[test]
fn a_turn_told_for_a_far_time_holds_a_waiter_for_ten_backoff_caps_at_most() {
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 2000}));
    let due = tab.s.next_refresh_at().unwrap();
    let lock = lock_of(&tab.at(due).step(Input::Timer));
    // The holder says it acts again in a day (a wrong clock, or a lie).
    tab.step(Input::Message(Message::Turn(due + 86_400_000.0).encode()));
    // Ten times the longest backoff (600 s), then the two bounded waits without news.
    let waited = busy_until_sent(&mut tab, lock, 1_000.0, due + 700_000.0) - due;
    assert!((600_000.0..=610_000.0).contains(&waited), "{waited}");
}
