//! The refresh cycle of one tab: backoff, offline and wake signals, timeouts, activity
//! tracking, start-up, dispose.

use super::*;

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
        assert!(request.url.ends_with("/v1/auth/try-refresh") && request.post());
        assert_eq!(request.expect, Expect::MaybeJwt);
        let effects = tab.step(Input::Answer(request.id, Ok(Reply::Data)));
        assert_eq!(settled(&effects), [(1, &Ok(Value::Undefined))]);
        assert_eq!(tab.s.session_token(), None);
        assert!(events(&effects).is_empty());
    }

    // The server finds the session an httpOnly cookie holds: it is restored.
    let (mut tab, request) = try_refresh_at_start();
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
    let effects = tab.step(Input::Call(1, Call::MyTenants(Tenants::Current(true))));
    let lock = lock_of(&effects).expect("presents the refresh token: takes the turn");
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    assert!(request.url.ends_with("/v1/auth/me/tenants") && request.post());
    assert_eq!(request.body.as_deref(), Some("{\"dct\":true}"));
    assert_eq!(request.headers[0].1, "Bearer P1:R1");
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Data)));
    assert_eq!(settled(&effects), [(1, &Ok(Value::Body))]);
    assert!(effects.contains(&Effect::Unlock(lock)));
}

#[test]
fn request_bodies_are_built_where_their_paths_are() {
    // selectTenant: the tenant id, escaped.
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab.step(Input::Call(1, Call::SelectTenant("T\"1".into())));
    let lock = lock_of(&effects).expect("takes the turn");
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    assert!(request.url.ends_with("/v1/auth/tenant/select"));
    assert_eq!(request.body.as_deref(), Some(r#"{"tenant":"T\"1"}"#));
    // myTenants with ids.
    let mut tab = Tab::signed_in(json!({}));
    let ids = Tenants::Ids(vec!["T1".into(), "T2".into()]);
    let lock = lock_of(&tab.step(Input::Call(1, Call::MyTenants(ids)))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    assert_eq!(request.body.as_deref(), Some(r#"{"ids":["T1","T2"]}"#));
    // exchangeAccessKey: the key as bearer, the login options as given, or nothing.
    for (options, body) in [
        (
            Some(r#"{"customClaims":{"a":1}}"#),
            r#"{"loginOptions":{"customClaims":{"a":1}}}"#,
        ),
        (None, "{}"),
    ] {
        let mut tab = Tab::signed_in(json!({}));
        let call = Call::Exchange("K1".into(), options.map(str::to_string));
        let effects = tab.step(Input::Call(1, call));
        let request = sends(&effects)[0].clone();
        assert!(request.url.ends_with("/v1/auth/accesskey/exchange"));
        assert_eq!(request.headers[0].1, "Bearer P1:K1");
        assert_eq!(request.body.as_deref(), Some(body));
    }
}

/// Item 9: a 4xx answer to the start-up `try-refresh` removes the logged-in indicator.
#[test]
fn a_refused_try_refresh_removes_the_indicator() {
    for (status, kept) in [(401, false), (400, false), (503, true)] {
        let (mut tab, request) = try_refresh_at_start();
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

#[test]
fn the_lock_is_held_after_a_rotation_until_its_time_and_no_shorter() {
    let mut tab = Tab::signed_in(json!({}));
    let (lock, request) = due_refresh(&mut tab);
    let answer = sign_in(2, tab.now);
    tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
    let rotated = tab.now;
    let effects = tab
        .at(rotated + HOLD_AFTER_ROTATION_MS - 1.0)
        .step(Input::Timer);
    assert!(!effects.contains(&Effect::Unlock(lock)), "released early");
    let effects = tab.at(rotated + HOLD_AFTER_ROTATION_MS).step(Input::Timer);
    assert!(effects.contains(&Effect::Unlock(lock)));
}

#[test]
fn a_refresh_answered_without_a_jwt_response_fails_and_a_plain_call_settles_with_its_body() {
    let mut tab = Tab::signed_in(json!({}));
    let lock = lock_of(&tab.step(Input::Call(1, Call::Refresh))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Data)));
    let failed = settled(&effects);
    assert!(
        matches!(failed[..], [(1, Err(e))] if e.code == ErrorCode::InvalidResponse),
        "{effects:?}"
    );
    // validate() is the caller's own request: it settles with the body.
    let effects = tab.step(Input::Call(2, Call::Validate));
    let request = sends(&effects)[0].clone();
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Data)));
    assert_eq!(settled(&effects), [(2, &Ok(Value::Body))]);
}

#[test]
fn a_refused_tenant_selection_ends_nothing_and_a_disposed_session_starts_nothing() {
    // A definitive 401 clears the session on refresh only (API.md, Clearing).
    let mut tab = Tab::signed_in(json!({}));
    let lock = lock_of(&tab.step(Input::Call(1, Call::SelectTenant("T1".into())))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let effects = tab.step(Input::Answer(request.id, Err(http(401))));
    assert!(
        matches!(settled(&effects)[..], [(1, Err(_))]),
        "{effects:?}"
    );
    assert_eq!(
        tab.s.refresh_token(),
        Some("R1"),
        "only a refresh ends the session"
    );
    // Disposed: calls settle at once with an error and send nothing; ready() still answers.
    tab.step(Input::Dispose);
    let effects = tab.step(Input::Call(2, Call::Me));
    assert!(sends(&effects).is_empty() && lock_of(&effects).is_none());
    assert!(
        matches!(settled(&effects)[..], [(2, Err(e))] if e.code == ErrorCode::InvalidArgument),
        "{effects:?}"
    );
    let effects = tab.step(Input::Call(3, Call::Ready));
    assert!(matches!(settled(&effects)[..], [(3, Ok(_))]), "{effects:?}");
}

#[test]
fn refresh_errors_are_told_for_refreshes_and_the_start_up_try_not_for_other_calls() {
    let told = |effects: &[Effect]| {
        events(effects)
            .iter()
            .any(|e| matches!(e, Event::RefreshError(_)))
    };
    let (mut tab, request) = try_refresh_at_start();
    assert!(told(&tab.step(Input::Answer(request.id, Err(http(401))))));
    let mut tab = Tab::signed_in(json!({}));
    let lock = lock_of(&tab.step(Input::Call(1, Call::SelectTenant("T1".into())))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    assert!(!told(&tab.step(Input::Answer(request.id, Err(http(503))))));
}

#[test]
fn refresh_waits_for_the_servers_retry_after_and_goes_out_when_it_ends() {
    let limited_tab = || {
        let mut tab = Tab::signed_in(json!({}));
        let (_, request) = due_refresh(&mut tab);
        let mut limited = http(429);
        limited.retry_after = Some(30.0);
        tab.step(Input::Answer(request.id, Err(limited)));
        let until = tab.now + 30_000.0;
        (tab, until)
    };
    let (mut tab, until) = limited_tab();
    let effects = tab.at(until - 1.0).step(Input::Call(1, Call::Refresh));
    assert!(
        sends(&effects).is_empty() && lock_of(&effects).is_none(),
        "{effects:?}"
    );
    let (mut tab, until) = limited_tab();
    // (It kept the cycle's lock across the retry: the request goes out at once.)
    let effects = tab.at(until).step(Input::Call(1, Call::Refresh));
    assert_eq!(sends(&effects).len(), 1, "{effects:?}");
}

#[test]
fn a_tab_refused_without_a_refresh_token_waits_for_a_wake_up_not_its_timer() {
    // A new tab that only sees the session cookie: its refresh presents no token and is
    // refused; it keeps the session token, asks the other tabs, and parks.
    let mut tab = Tab::new(json!({}));
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), session_jwt(1, T0 + 600_000.0));
    tab.start();
    let (_, request) = due_refresh(&mut tab);
    assert!(request.headers.iter().all(|(_, v)| !v.contains(":R")));
    let effects = tab.step(Input::Answer(request.id, Err(http(401))));
    assert!(tab.s.session_token().is_some());
    assert!(posts(&effects).iter().any(|m| m.starts_with("H\n")));
    // Its timers (the session's expiry, a stray one) start nothing.
    let now = tab.now;
    for later in [2_000.0, 5_000.0] {
        let effects = tab.at(now + later).step(Input::Timer);
        assert!(
            lock_of(&effects).is_none() && sends(&effects).is_empty(),
            "{effects:?}"
        );
    }
    // The user comes back to the tab: it tries again.
    let effects = tab.at(now + 6_000.0).step(Input::Signal(Signal::Visible));
    assert!(lock_of(&effects).is_some() || !sends(&effects).is_empty());
}

/// A tab whose refresh token is an httpOnly cookie (it presents none) sends its refresh; while
/// it is in flight another tab tells the same tokens with a newer record. The tokens held did
/// not change, so the answer is to the session held: it is kept, never thrown away (with a
/// refresh token in its body, throwing it away would revoke the only live one).
#[test]
fn an_answer_to_the_tokens_still_held_is_kept_when_their_record_changed_meanwhile() {
    let answer_after_a_new_record = |refresh: Option<&str>| {
        let mut tab = Tab::new(json!({}));
        tab.start();
        tab.step(Input::Apply(Box::new(reply(json!({
            "sessionJwt": session_jwt(1, T0 + 600_000.0),
            "nextRefreshSeconds": 300,
        })))));
        assert_eq!(tab.s.refresh_token(), None);
        let (_, request) = due_refresh(&mut tab);
        let held = tab.s.session_token().unwrap().to_string();
        let (born, gen) = tab.s.version();
        let told = Message::Sync {
            meta: Meta {
                born: born + 5.0,
                gen,
                ..Meta::default()
            },
            session: held,
            refresh: None,
            user: None,
        };
        tab.at(tab.now + 10.0).step(Input::Message(told.encode()));
        assert_eq!(tab.s.version(), (born + 5.0, gen), "the record is taken");
        let mut fields = json!({
            "sessionJwt": session_jwt(2, tab.now + 600_000.0),
            "nextRefreshSeconds": 300,
        });
        if let Some(r) = refresh {
            fields["refreshJwt"] = json!(r);
        }
        let effects = tab.at(tab.now + 20.0).step(Input::Answer(
            request.id,
            Ok(Reply::Jwt(Box::new(reply(fields)))),
        ));
        assert!(sends(&effects).is_empty(), "nothing revoked: {effects:?}");
        tab
    };
    let tab = answer_after_a_new_record(None);
    assert_eq!(
        tab.s.session_token(),
        Some(session_jwt(2, T0 + 300_010.0 + 600_000.0).as_str())
    );
    let tab = answer_after_a_new_record(Some("R2"));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
}

#[test]
fn an_automatic_refresh_queued_for_tokens_a_sign_in_replaced_is_dropped() {
    // The refresh comes due while a tenant selection holds the cycle; a sign-in then replaces
    // the tokens it was due for. When the selection ends, the queued refresh goes with nothing
    // sent: the new tokens plan their own. (A timeout past the due time: the selection is
    // still out then.)
    let mut tab = Tab::signed_in(json!({"requestTimeoutMs": 600_000}));
    let lock = lock_of(&tab.step(Input::Call(1, Call::SelectTenant("T1".into())))).unwrap();
    let select = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let due = tab.s.next_refresh_at().unwrap();
    let effects = tab.at(due).step(Input::Timer);
    assert!(
        !takes_turn(&effects),
        "queued behind the selection: {effects:?}"
    );
    let now = tab.now;
    tab.step(Input::Apply(Box::new(sign_in(2, now))));
    let effects = tab.step(Input::Answer(select.id, Err(http(503))));
    // (The selection settles as its answer and the new session decide.)
    assert!(matches!(settled(&effects)[..], [(1, _)]), "{effects:?}");
    assert!(
        !takes_turn(&effects),
        "the refresh for replaced tokens: {effects:?}"
    );
    assert_eq!(tab.s.pending().0, 0, "no job left");
    assert_eq!(tab.s.next_refresh_at(), Some(now + 300_000.0));
}
