//! Logout, here and in other tabs: what is cleared, what is told, what is revoked.

use super::*;

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
    let effects = same.at(T0 + 10.0).hear_logout(T0 + 10.0, r1);
    assert_eq!(same.s.session_token(), None);
    assert!(sends(&effects).is_empty());
    // A tab that rotated R1 into R2 after the other tab read R1 (a tenant selection) ends R2
    // at the server before forgetting it; the server never heard of it from the other tab.
    let mut rotated = Tab::signed_in(json!({}));
    let mut rotation = sign_in(2, T0);
    rotation.fields.refresh_jwt = Some("R2".into());
    rotated.step(Input::Apply(Box::new(rotation)));
    let effects = rotated.at(T0 + 10.0).hear_logout(T0 + 10.0, r1);
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
        Some(Call::SelectTenant("T1".into())),
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
        tab.at(T0 + 10.0).hear_logout(T0 + 10.0, 0);
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

#[test]
fn a_follower_that_told_of_a_session_after_its_logout_tells_the_logout_again() {
    // A plain follower does not repeat the logout.
    let mut tab = Tab::signed_in(json!({}));
    let effects = tab.at(T0 + 20.0).hear_logout(T0 + 10.0, 0);
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
    let effects = tab.hear_logout(logout, 0);
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
    tab.at(T0 + 5.0).hear_logout(T0 - 5.0, 0);
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
    tab.hear_logout(T0 + 60_000.0, 0);
    assert!(tab.s.session_token().is_some());
    // A real one: cleared, cookies and storage included (this tab follows).
    let effects = tab.at(T0 + 10.0).hear_logout(T0 + 10.0, 0);
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
    tab.at(T0 + 10.0).hear_logout(T0 + 5.0, 0);
    assert!(shared(&tab, "DSR").is_some());
}

/// Item 8: logout and logoutAll carry `x-descope-refresh-cookie-name` too; a stored name that
/// is not a short HTTP token is ignored.
#[test]
fn logout_sends_the_refresh_cookie_name_and_long_names_are_ignored() {
    for call in [Call::Logout, Call::LogoutAll] {
        let tab = signed_in_with_cookie_name();
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

/// A logout heard while a rotation is out ends its session only when it came after the
/// session began: a tab that wakes tells old logouts again (found by the strict simulator).
#[test]
fn an_old_logout_heard_during_a_refresh_does_not_revoke_its_answer() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    // A logout from before this session began.
    tab.hear_logout(T0 - 60_000.0, 0);
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
    tab.hear_logout(now, 0);
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
    let mut tab = foreign_tab(7);
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

#[test]
fn an_answer_to_a_call_a_logout_settled_does_not_settle_a_later_call() {
    let mut tab = Tab::signed_in(json!({}));
    let me = |tab: &mut Tab, id: u32| {
        let effects = tab.step(Input::Call(id, Call::Me));
        let lock = lock_of(&effects).expect("me() takes a turn");
        sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone()
    };
    let first = me(&mut tab, 1);
    let effects = tab.step(Input::Call(2, Call::Logout));
    assert!(settled(&effects)
        .iter()
        .any(|(id, r)| *id == 1 && r.is_err()));
    tab.step(Input::Apply(Box::new(sign_in(2, T0))));
    let second = me(&mut tab, 3);
    let user = || Ok(Reply::User("{\"name\":\"Ada\"}".into()));
    let effects = tab.step(Input::Answer(first.id, user()));
    assert!(settled(&effects).is_empty(), "{effects:?}");
    let effects = tab.step(Input::Answer(second.id, user()));
    assert!(matches!(settled(&effects)[..], [(3, Ok(_))]));
}

#[test]
fn a_follower_leaves_a_newer_sign_in_of_a_third_tab_alone() {
    // localStorage: the third tab's record is newer than the logout; its keys stay.
    let mut tab = Tab::signed_in(json!({}));
    let mut third = Tab::new(json!({}));
    third.start();
    third
        .at(T0 + 100.0)
        .step(Input::Apply(Box::new(sign_in(9, T0 + 100.0))));
    *tab.env.items.borrow_mut() = third.env.items.borrow().clone();
    *tab.env.jar.borrow_mut() = third.env.jar.borrow().clone();
    tab.at(T0 + 120.0).hear_logout(T0 + 50.0, 0);
    assert_eq!(tab.s.refresh_token(), None, "its own session ended");
    assert_eq!(tab.env.item("DSR").as_deref(), Some("R9"));
    assert!(tab.env.item("DSM").is_some());
    // Per-tab storage: the cookie of a sign-in issued after the logout is not this tab's.
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    let issued_later = jwt(json!({
        "exp": ((T0 + 700_000.0) / 1000.0).floor(),
        "iat": ((T0 + 100_000.0) / 1000.0).floor(),
        "jti": 9,
    }));
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), issued_later.clone());
    tab.at(T0 + 120_000.0).hear_logout(T0 + 50.0, 0);
    assert_eq!(tab.s.refresh_token(), None, "its own session ended");
    assert_eq!(tab.env.jar.borrow().get("DS"), Some(&issued_later));
}

#[test]
fn a_session_taken_from_a_lone_cookie_after_a_logout_ends_when_that_logout_is_told_again() {
    let mut tab = Tab::signed_in(json!({}));
    tab.at(T0 + 100.0).hear_logout(T0 + 50.0, 0);
    assert_eq!(tab.s.session_token(), None);
    // Another tab's late answer writes a session cookie after the logout it has not heard of
    // yet: with nothing else stored, this tab takes it for a sign-in it did not hear of.
    let late = session_jwt(7, T0 + 600_000.0);
    tab.env.jar.borrow_mut().insert("DS".into(), late.clone());
    tab.at(T0 + 120.0).step(Input::StorageChanged);
    assert_eq!(tab.s.session_token(), Some(late.as_str()));
    // That tab hears the logout, expires its cookie and tells the logout again.
    tab.env.jar.borrow_mut().remove("DS");
    tab.at(T0 + 200.0).hear_logout(T0 + 50.0, 0);
    assert_eq!(tab.s.session_token(), None);
    // A session this tab ranks by its record is not ended by an older logout told again.
    let mut tab = Tab::signed_in(json!({}));
    tab.at(T0 + 300.0).hear_logout(T0 - 1.0, 0);
    assert!(tab.s.session_token().is_some());
}

#[test]
fn a_doubted_logout_is_followed_when_storage_shows_another_sign_in_and_leaves_it_stored() {
    // Another library's tokens (no record): a logout told while storage still shows them is
    // doubted; storage then shows other tokens without a record, a sign-in made after the
    // logout (another client's, or one whose record storage refused).
    let mut tab = foreign_tab(7);
    tab.hear_logout(T0 + 1_000.0, 0);
    assert_eq!(tab.s.refresh_token(), Some("R7"), "storage still shows it");
    store_foreign(&tab, 8, T0 + 900_000.0);
    let effects = tab.at(T0 + 2_000.0).step(Input::StorageChanged);
    // This tab's session ended with the logout; the other sign-in's tokens stay where they
    // are (they are not this tab's to remove), and this tab follows them.
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Remove(_))),
        "another sign-in's keys removed: {effects:?}"
    );
    assert_eq!(tab.env.item("DSR").as_deref(), Some("R8"));
    assert_eq!(tab.s.refresh_token(), Some("R8"));
}

#[test]
fn a_verification_answered_after_a_logout_is_kept_only_when_the_logout_came_first() {
    let verify = r#"{"answers":[{"questionId":"q1","answer":"Rex"}]}"#;
    let run = |logout_at: f64| {
        let mut tab = Tab::signed_in(json!({}));
        let effects = tab
            .at(T0 + 10_000.0)
            .step(Input::Call(1, Call::Verify(verify.into())));
        let request = match lock_of(&effects) {
            Some(lock) => sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone(),
            None => sends(&effects)[0].clone(),
        };
        tab.at(T0 + 10_500.0).hear_logout(logout_at, 0);
        let answer = sign_in(3, tab.now);
        let effects = tab
            .at(T0 + 11_000.0)
            .step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
        (tab.s.refresh_token().map(str::to_string), effects)
    };
    // A logout made before the request left (its message came late): the verification is a
    // sign-in after it.
    let (held, _) = run(T0 + 5_000.0);
    assert_eq!(held.as_deref(), Some("R3"));
    // A logout made after the request left ends what it brings: revoked, not kept.
    let (held, effects) = run(T0 + 10_200.0);
    assert_eq!(held, None);
    assert!(
        sends(&effects)
            .iter()
            .any(|r| r.url.ends_with("/v1/auth/logout")),
        "{effects:?}"
    );
}

#[test]
fn a_rotation_answered_after_an_older_logout_was_told_again_is_kept() {
    // A tab that woke tells a logout from before this session began while the refresh is out:
    // it ends nothing, and the rotation is kept (the token presented is spent).
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    tab.hear_logout(T0 - 5_000.0, 0);
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    let answer = sign_in(2, tab.now);
    let effects = tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert!(sends(&effects).is_empty(), "nothing revoked: {effects:?}");
}

#[test]
fn a_follower_expires_the_cookies_holding_the_tokens_it_adopted() {
    // Both tokens in cookies; the tab signed in (and wrote S1/R1), then adopted another
    // tab's rotation S2/R2, whose cookies that tab wrote. The tokens carry no `iat`: only
    // holding them makes them this tab's.
    let (mut tab, s2) = both_cookies_then_adopted();
    let mut jar = tab.env.jar.borrow_mut();
    jar.insert("DS".into(), s2);
    jar.insert("DSR".into(), "R2".into());
    drop(jar);
    follow_logout_and_check_cookies(&mut tab);
}

/// Signed in with both tokens in cookies (S1/R1 written), then told of another tab's
/// rotation S2/R2 (taken); answers S2.
fn both_cookies_then_adopted() -> (Tab, String) {
    let cookies = json!({
        "sessionTokenViaCookie": {"secure": false},
        "refreshTokenViaCookie": {"secure": false},
    });
    let mut tab = Tab::signed_in(cookies);
    let s2 = session_jwt(2, T0 + 900_000.0);
    tab.step(Input::Message(told(T0, 1, &s2, "R2")));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    (tab, s2)
}

/// Another tab's logout: the follower ends its session and leaves no token cookie.
fn follow_logout_and_check_cookies(tab: &mut Tab) {
    tab.at(T0 + 5_000.0).hear_logout(T0 + 4_000.0, 0);
    assert_eq!(tab.s.refresh_token(), None);
    let jar = tab.env.jar.borrow();
    assert_eq!(jar.get("DS"), None, "the session cookie stayed");
    assert_eq!(jar.get("DSR"), None, "the refresh cookie stayed");
}

#[test]
fn a_follower_expires_the_cookies_of_tokens_it_wrote_and_no_longer_holds() {
    // As above, but the cookies still show what this tab wrote (S1/R1) before it adopted.
    let s1 = session_jwt(1, T0 + 600_000.0);
    let (mut tab, _) = both_cookies_then_adopted();
    assert_eq!(tab.env.jar.borrow().get("DS"), Some(&s1));
    assert_eq!(
        tab.env.jar.borrow().get("DSR").map(String::as_str),
        Some("R1")
    );
    follow_logout_and_check_cookies(&mut tab);
}

/// A tab that woke late applied its refresh's answer (writing the session cookie and the
/// refresh token in localStorage after another tab's logout it had not heard of), then was
/// told of a later sign-in and of the logouts: storage shows its own write, no newer session,
/// and the follower leaves none of it behind.
#[test]
fn a_follower_removes_what_it_wrote_to_storage_after_the_logout_it_follows() {
    let mut tab = Tab::signed_in(json!({}));
    assert_eq!(tab.env.item("DSR").as_deref(), Some("R1"));
    let s2 = session_jwt(2, T0 + 900_000.0);
    tab.step(Input::Message(told(T0 + 100.0, 0, &s2, "R2")));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    tab.at(T0 + 5_000.0).hear_logout(T0 + 4_000.0, 0);
    assert_eq!(tab.s.refresh_token(), None);
    assert_eq!(
        tab.env.item("DSR"),
        None,
        "the refresh token it wrote stayed"
    );
    assert_eq!(tab.env.item("DSM"), None, "its record stayed");
    assert_eq!(
        tab.env.jar.borrow().get("DS"),
        None,
        "the session cookie stayed"
    );
}

/// A `try-refresh` (no session held: the refresh token is an httpOnly cookie) answered after
/// another tab's logout: a logout from after the request left ends its answer, one from before
/// does not.
#[test]
fn a_try_refresh_answered_after_a_logout_is_kept_only_when_the_logout_came_first() {
    for (cleared_at, kept) in [
        (T0 + 5.0, false),
        (T0, false),
        (T0 - 1.0, true),
        (T0 - 60_000.0, true),
    ] {
        let (mut tab, request) = try_refresh_at_start();
        tab.at(T0 + 10.0).hear_logout(cleared_at, 0);
        let answer = reply(json!({
            "sessionJwt": session_jwt(2, T0 + 600_000.0),
            "nextRefreshSeconds": 300,
        }));
        let effects = tab
            .at(T0 + 20.0)
            .step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
        assert_eq!(
            tab.s.session_token().is_some(),
            kept,
            "{cleared_at}: {effects:?}"
        );
        if !kept {
            assert!(tab.env.items.borrow().is_empty(), "{cleared_at}");
            assert!(tab.env.jar.borrow().is_empty(), "{cleared_at}");
        }
    }
}

#[test]
fn a_late_answer_from_before_a_logout_leaves_the_next_sessions_refresh_alone() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, old) = due_refresh(&mut tab);
    // Another tab logs out; this one signs in again and refreshes.
    let sent = tab.now;
    tab.at(sent + 10.0).hear_logout(sent, 0);
    tab.at(sent + 20.0)
        .step(Input::Apply(Box::new(sign_in(5, sent + 20.0))));
    let lock = lock_of(&tab.step(Input::Call(1, Call::Refresh))).unwrap();
    let new = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    // The old answer: revoked, and nothing of the new refresh is touched.
    let effects = tab.step(Input::Answer(
        old.id,
        Ok(Reply::Jwt(Box::new(sign_in(2, tab.now)))),
    ));
    assert!(!effects.contains(&Effect::Unlock(lock)), "{effects:?}");
    assert!(settled(&effects).is_empty(), "{effects:?}");
    assert_eq!(tab.s.refresh_token(), Some("R5"));
    let effects = tab.step(Input::Answer(
        new.id,
        Ok(Reply::Jwt(Box::new(sign_in(6, tab.now)))),
    ));
    assert_eq!(settled(&effects).len(), 1, "{effects:?}");
    assert_eq!(tab.s.refresh_token(), Some("R6"));
}

/// A try-refresh sent after a logout told with a time still to come on this tab's clock (the
/// other tab's clock runs ahead): its session ranks after that logout, so the same logout told
/// again does not end it.
#[test]
fn a_session_restored_by_try_refresh_ranks_after_a_logout_heard_before_it() {
    let (mut tab, lock) = try_refresh_asked();
    let logout = T0 + 800.0;
    tab.hear_logout(logout, 0);
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    let answer = reply(json!({
        "sessionJwt": session_jwt(2, T0 + 600_000.0),
        "nextRefreshSeconds": 300,
    }));
    tab.at(T0 + 20.0)
        .step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
    assert!(tab.s.session_token().is_some());
    assert_eq!(tab.s.version().0, logout + 1.0);
    tab.at(T0 + 2_000.0).hear_logout(logout, 0);
    assert!(
        tab.s.session_token().is_some(),
        "ended by a logout from before it"
    );
}
