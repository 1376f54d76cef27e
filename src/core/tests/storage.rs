//! Applying responses and what is stored: cookies, storage, the record, refusals by the
//! browser, the shared keys of the official SDK.

use super::*;

#[test]
fn apply_stores_tells_schedules_and_fires_each_event_once() {
    let mut tab = Tab::new(json!({}));
    tab.start();
    let effects = tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    // The session token goes to its cookie, the refresh token and the record to storage.
    let put = put_cookie(&effects);
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
        let put = put_cookie(&effects);
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

/// A signed-in tab whose refresh rotates while the browser refuses to write `key`: the call
/// reports a storage error.
fn rotate_with_storage_refusing(key: &str) -> (Tab, Vec<Effect>) {
    let mut tab = Tab::signed_in(json!({}));
    tab.env.full.push(key.into());
    let (_, request) = due_refresh(&mut tab);
    let (result, effects) = tab.step_with_result(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, T0)))),
    ));
    assert_eq!(result.unwrap_err().code, ErrorCode::Storage);
    (tab, effects)
}

#[test]
fn a_storage_write_the_browser_refuses_leaves_no_stale_token_and_is_reported() {
    // The quota is used up: the rotated refresh token cannot be written.
    let (tab, effects) = rotate_with_storage_refusing("DSR");
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
    let (tab, _) = rotate_with_storage_refusing("DSM");
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
    tab.at(T0 + 10.0).hear_logout(T0 + 5.0, 0);
    assert_eq!(tab.s.session_token(), None);
    assert_eq!(shared(&tab, "DSLI"), Some(later));
    // Its own session's indicator it removes.
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    let own = ((T0 + 600_000.0) / 1000.0).floor().to_string();
    assert_eq!(shared(&tab, "DSLI"), Some(own));
    tab.at(T0 + 10.0).hear_logout(T0 + 5.0, 0);
    assert_eq!(shared(&tab, "DSLI"), None);
}

#[test]
fn the_refresh_cookie_name_is_kept_and_sent_back() {
    let mut tab = signed_in_with_cookie_name();
    assert_eq!(
        tab.env.items.borrow().get("DSRCN").map(String::as_str),
        Some("acme_r")
    );
    // An answer without a refresh token (the server keeps it in its httpOnly cookie) and
    // without a cookie name keeps the name stored; the name is recorded once however often
    // it comes.
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(3, T0 + 600_000.0),
        "cookieName": "acme_r",
    })))));
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(4, T0 + 600_000.0),
    })))));
    assert_eq!(
        tab.env.items.borrow().get("DSRCN").map(String::as_str),
        Some("acme_r")
    );
    let record = tab.env.items.borrow().get("DSM").cloned().unwrap();
    let names = Meta::decode(&record, T0).unwrap().names;
    assert_eq!(
        names.iter().filter(|n| *n == "acme_r").count(),
        1,
        "{names:?}"
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
    assert_eq!(events(&effects), [&Event::User(Some(user.clone()))]);
    // Told once more without a user (a tab that never had it): the user stays.
    let effects = tab.step(Input::Message(sync(None).encode()));
    assert_eq!(tab.s.user(), Some(user.as_str()));
    assert!(events(&effects).is_empty());
}

#[test]
fn a_zero_or_absurd_expiry_writes_no_logged_in_indicator() {
    for expiration in [json!(0), json!(-5), json!(1e13)] {
        let mut tab = Tab::new(json!({}));
        tab.start();
        tab.step(Input::Apply(Box::new(reply(json!({
            "sessionJwt": session_jwt(1, T0 + 600_000.0),
            "refreshJwt": "R1",
            "sessionExpiration": expiration,
        })))));
        assert_eq!(shared(&tab, "DSLI"), None, "{expiration}");
    }
    // A usable one is written, in epoch seconds.
    let mut tab = Tab::new(json!({}));
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in_with_user(1, T0))));
    let seconds = ((T0 + 600_000.0) / 1000.0).floor();
    assert_eq!(shared(&tab, "DSLI"), Some((seconds as u64).to_string()));
}

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

#[test]
fn the_record_keeps_what_each_answer_says() {
    let mut tab = Tab::new(json!({}));
    tab.start();
    let record = |tab: &Tab| {
        let text = tab.env.items.borrow().get("DSM").cloned().unwrap();
        Meta::decode(&text, T0 + 10_000.0).unwrap()
    };
    // Cookie names the server used, up to the bound, oldest first.
    for (n, name) in ["c1", "c2", "c3"].into_iter().enumerate() {
        tab.step(Input::Apply(Box::new(reply(json!({
            "sessionJwt": session_jwt(n as u32 + 1, T0 + 600_000.0),
            "refreshJwt": "R1",
            "cookieName": name,
            "nextRefreshSeconds": 0,
        })))));
    }
    let names = record(&tab).names;
    for name in ["c1", "c2", "c3"] {
        assert!(names.iter().any(|n| n == name), "{names:?}");
    }
    // `nextRefreshSeconds: 0` does not mark the session as one the server refreshes on idle.
    assert!(!record(&tab).idle);
    // A cookie name too long to send back is not kept for the header.
    tab.step(Input::Apply(Box::new(reply(json!({
        "sessionJwt": session_jwt(9, T0 + 600_000.0),
        "refreshJwt": "R9",
        "cookieName": "n".repeat(65),
    })))));
    assert_eq!(tab.env.items.borrow().get("DSRCN"), None);
}

#[test]
fn a_sign_in_starts_a_new_session_strictly_after_the_last_logout() {
    // A new sign-in over a session held: a new version, born now.
    let mut tab = Tab::signed_in(json!({}));
    tab.at(T0 + 1_000.0)
        .step(Input::Apply(Box::new(sign_in(2, T0 + 1_000.0))));
    assert_eq!(tab.s.version(), (T0 + 1_000.0, 0));
    // A sign-in in the millisecond of a logout this tab heard ranks after it: that logout told
    // again does not end it.
    let mut tab = Tab::signed_in(json!({}));
    tab.at(T0 + 500.7).hear_logout(T0 + 500.0, 0);
    tab.step(Input::Apply(Box::new(sign_in(3, T0 + 500.7))));
    assert_eq!(tab.s.version().0, T0 + 501.0);
    tab.hear_logout(T0 + 500.0, 0);
    assert!(tab.s.session_token().is_some());
}

#[test]
fn a_tab_with_storage_of_its_own_keeps_a_copy_of_adopted_tokens_except_those_in_cookies() {
    // Tab A signs in: its session token goes to a cookie, its refresh token to its storage.
    let (_, b) = told_pair(json!({
        "persist": "sessionStorage",
        "sessionTokenViaCookie": {"secure": false},
    }));
    assert_eq!(b.s.refresh_token(), Some("R1"));
    // B keeps the refresh token for its reloads; the session token is in the origin's cookie.
    assert_eq!(b.env.item("DSR").as_deref(), Some("R1"));
    assert_eq!(
        b.env.item("DS"),
        None,
        "a cookie's token is not copied to storage"
    );
}
