//! Adopting what other tabs and clients tell and store: the rank of tokens (their record, or a
//! guess), equal versions, refusals, doubted logouts, users, and what a tab with storage of
//! its own follows.

use super::*;

/// Two tabs with storage of their own hold one sign-in at one version; each refreshes in its
/// turn before the other's message comes, and the server keeps `R1` (no rotation): A is given
/// `first`, B `second`, both valid. Answers the session tokens each holds once the messages
/// crossed.
fn refresh_apart(first: String, second: String) -> (Option<String>, Option<String>) {
    let (mut a, mut b) = told_pair(json!({"persist": "sessionStorage"}));
    assert_eq!(b.s.session_token(), a.s.session_token());
    let refresh = |tab: &mut Tab, token: String| {
        let (_, request) = due_refresh(tab);
        let answer =
            reply(json!({"sessionJwt": token, "refreshJwt": "R1", "nextRefreshSeconds": 300}));
        let effects = tab.step(Input::Answer(request.id, Ok(Reply::Jwt(Box::new(answer)))));
        posts(&effects)
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
    };
    let from_a = refresh(&mut a, first);
    let from_b = refresh(&mut b, second);
    for text in from_b {
        a.step(Input::Message(text));
    }
    for text in from_a {
        b.step(Input::Message(text));
    }
    assert_eq!(a.s.refresh_token(), Some("R1"));
    assert_eq!(b.s.refresh_token(), Some("R1"));
    let held = |tab: &Tab| tab.s.session_token().map(str::to_string);
    (held(&a), held(&b))
}

#[test]
fn tabs_that_refreshed_one_refresh_token_apart_agree_on_the_later_session() {
    let issued = |n: u32, at: f64| {
        jwt(
            json!({"exp": ((at + 600_000.0) / 1000.0).floor(), "iat": (at / 1000.0).floor(), "jti": n}),
        )
    };
    let due = T0 + 300_000.0;
    let (earlier, later) = (issued(2, due), issued(3, due + 2_000.0));
    for (first, second) in [(earlier.clone(), later.clone()), (later.clone(), earlier)] {
        assert_eq!(
            refresh_apart(first, second),
            (Some(later.clone()), Some(later.clone()))
        );
    }
    // Issued in the same second: still one of them in both tabs, whichever tab got which.
    let (x, y) = (issued(4, due), issued(5, due));
    let (a, b) = refresh_apart(x.clone(), y.clone());
    assert_eq!(a, b);
    assert_eq!(refresh_apart(y, x), (a.clone(), a));
}

#[test]
fn a_rotation_of_tokens_ranked_by_a_guess_is_kept_when_their_record_comes_before_the_answer() {
    // Another tab signed in while storage refused its record: this tab takes the tokens from
    // what is stored, ranked by a guess, and presents them when due. Their record comes (the
    // other tab's message) before the answer: the rotation is still of the tokens held, and
    // its new refresh token is kept, not revoked (the one presented is spent at the server).
    let mut tab = Tab::signed_in(json!({}));
    let theirs = session_jwt(2, T0 + 900_000.0);
    tab.env.items.borrow_mut().remove("DSM");
    tab.env.items.borrow_mut().insert("DSR".into(), "R2".into());
    tab.env.jar.borrow_mut().insert("DS".into(), theirs.clone());
    tab.at(T0 + 50_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    let (_, request) = due_refresh(&mut tab);
    assert_eq!(request.headers[0].1, "Bearer P1:R2");
    let message = told(T0 + 50_000.0, 0, &theirs, "R2");
    tab.step(Input::Message(message));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(3, tab.now)))),
    ));
    assert!(sends(&effects).is_empty(), "nothing revoked: {effects:?}");
    assert_eq!(tab.s.refresh_token(), Some("R3"));
}

#[test]
fn a_session_ranked_by_a_guess_takes_a_newer_session_token_told_with_the_same_refresh_token() {
    // A tab took its session from cookies (no record); another tab refreshed it (the server
    // keeps R1) and tells the new session token with the session's record.
    let mut tab = cookie_only_tab();
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    let newer = session_jwt(2, T0 + 900_000.0);
    let message = told(T0 - 60_000.0, 3, &newer, "R1");
    tab.at(T0 + 10.0).step(Input::Message(message));
    assert_eq!(tab.s.session_token(), Some(newer.as_str()));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
}

/// A tab holding another library's tokens (no record), with a logout doubted at `at` (told
/// while storage still showed them), learns their record, born at `born`; then storage shows
/// them removed. Answers whether the tab still holds its session.
fn doubted_then_learned(at: f64, born: f64) -> bool {
    let mut tab = foreign_tab(7);
    let session = tab.s.session_token().unwrap().to_owned();
    tab.at(T0 + 2_000.0).hear_logout(at, 0);
    assert_eq!(
        tab.s.refresh_token(),
        Some("R7"),
        "doubted: storage shows it"
    );
    tab.step(Input::Message(told(born, 0, &session, "R7")));
    tab.env.items.borrow_mut().clear();
    tab.env.jar.borrow_mut().clear();
    tab.at(T0 + 3_000.0).step(Input::StorageChanged);
    tab.s.refresh_token().is_some()
}

#[test]
fn a_doubted_logout_is_dropped_only_when_the_record_learned_says_the_session_began_after_it() {
    let at = T0 + 1_000.0;
    assert!(doubted_then_learned(at, at + 1.0), "began after the logout");
    assert!(!doubted_then_learned(at, at), "began with it: ended");
    assert!(
        !doubted_then_learned(at, at - 1.0),
        "began before it: ended"
    );
}

#[test]
fn a_doubted_logout_stands_when_storage_shows_other_tokens_and_they_begin_anew() {
    // Storage shows another client's tokens R8 in place of R7 after the doubted logout: the
    // logout was real (R7 is gone) and R8 is a sign-in after it, not a rotation of R7.
    let mut tab = foreign_tab(7);
    tab.at(T0 + 2_000.0).hear_logout(T0 + 1_000.0, 0);
    assert_eq!(tab.s.refresh_token(), Some("R7"), "doubted");
    store_foreign(&tab, 8, T0 + 900_000.0);
    tab.at(T0 + 3_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), Some("R8"));
    let (born, _) = tab.s.version();
    assert!(born > T0 + 1_000.0, "ranked after the logout: {born}");
}

#[test]
fn the_same_tokens_told_again_keep_the_newer_record() {
    // The tab holds its tokens at version (T0, 1), refresh due at `due`.
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    let session = tab.s.session_token().unwrap().to_owned();
    let ours = Meta {
        born: T0,
        gen: 1,
        due_at: Some(T0 + 100_000.0),
        ..Meta::default()
    };
    let tell = |tab: &mut Tab, gen: u64, due: f64| {
        let told = Message::Sync {
            meta: Meta {
                gen,
                due_at: Some(due),
                ..ours.clone()
            },
            session: session.clone(),
            refresh: Some("R1".into()),
            user: None,
        };
        tab.step(Input::Message(told.encode()));
        tab.s.next_refresh_at()
    };
    let first = tell(&mut tab, 1, T0 + 100_000.0);
    assert_eq!(first, Some(T0 + 100_000.0), "a newer record is taken");
    assert_eq!(
        tell(&mut tab, 1, T0 + 200_000.0),
        first,
        "an equal one is not"
    );
    assert_eq!(
        tell(&mut tab, 0, T0 + 300_000.0),
        first,
        "an older one is not"
    );
    assert_eq!(tell(&mut tab, 2, T0 + 400_000.0), Some(T0 + 400_000.0));
}

#[test]
fn a_user_told_with_the_same_tokens_is_kept_in_storage_of_its_own() {
    for (persist, writes) in [("sessionStorage", true), ("localStorage", false)] {
        let mut tab = Tab::new(json!({ "persist": persist }));
        tab.start();
        tab.step(Input::Apply(Box::new(reply(json!({
            "sessionJwt": session_jwt(1, T0 + 600_000.0),
            "refreshJwt": "R1",
            "nextRefreshSeconds": 300,
        })))));
        let told = Message::Sync {
            meta: Meta {
                born: T0,
                gen: 0,
                ..Meta::default()
            },
            session: tab.s.session_token().unwrap().to_owned(),
            refresh: Some("R1".into()),
            user: Some(r#"{"name":"Ada"}"#.into()),
        };
        let effects = tab.step(Input::Message(told.encode()));
        assert_eq!(tab.s.user(), Some(r#"{"name":"Ada"}"#));
        let saved = effects
            .iter()
            .any(|e| matches!(e, Effect::Set(k, _) if k == "DSU"));
        assert_eq!(saved, writes, "{persist}: the tab that signed in wrote it");
    }
}

#[test]
fn a_session_ranked_by_a_guess_takes_a_rotation_told_with_its_session_token() {
    // A tab took its session from cookies (no record); the refresh cookie is gone (another
    // tab's write of its rotation was refused), and that tab tells the rotation.
    let mut tab = cookie_only_tab();
    let session = tab.s.session_token().unwrap().to_owned();
    tab.env.jar.borrow_mut().remove("DSR");
    let message = told(T0 - 60_000.0, 3, &session, "R2");
    tab.at(T0 + 10.0).step(Input::Message(message));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
}

/// A started tab with storage of its own (`sessionStorage`), signed in as S1/R1, with
/// `channel` or without one; `cookies` says which token cookies the options ask for.
fn per_tab(cookies: Json, channel: bool) -> Tab {
    per_tab_with(cookies, channel, sign_in(1, T0))
}

/// [`per_tab`], signed in with `reply`.
fn per_tab_with(cookies: Json, channel: bool, reply: JwtReply) -> Tab {
    let mut options = json!({"persist": "sessionStorage"});
    for (k, v) in cookies.as_object().unwrap() {
        options[k] = v.clone();
    }
    let mut tab = Tab::new(options);
    tab.step(Input::Start {
        online: true,
        channel,
    });
    tab.step(Input::Apply(Box::new(reply)));
    tab
}

#[test]
fn with_storage_of_its_own_a_tab_follows_token_cookies_only_without_a_channel() {
    let refresh_cookie = json!({"refreshTokenViaCookie": {"secure": false}});
    // Another tab rotated and wrote both cookies.
    let rotate_elsewhere = |tab: &mut Tab| {
        let mut jar = tab.env.jar.borrow_mut();
        jar.insert("DS".into(), session_jwt(2, T0 + 900_000.0));
        jar.insert("DSR".into(), "R2".into());
        drop(jar);
        tab.at(T0 + 1_000.0).step(Input::StorageChanged);
        tab.s.refresh_token().map(str::to_string)
    };
    // With a channel the rotation comes by message, with its record: cookies alone are not
    // followed.
    let mut tab = per_tab(refresh_cookie.clone(), true);
    assert_eq!(rotate_elsewhere(&mut tab).as_deref(), Some("R1"));
    // Without one, a refresh token in a cookie is the origin's: followed.
    let mut tab = per_tab(refresh_cookie, false);
    assert_eq!(rotate_elsewhere(&mut tab).as_deref(), Some("R2"));
    // Without one, a session cookie is followed only by a tab without a refresh token: a
    // tab that keeps its refresh token in its own storage does not pair it with another
    // tab's session.
    let mut tab = per_tab(json!({"sessionTokenViaCookie": {"secure": false}}), false);
    let held = tab.s.session_token().unwrap().to_owned();
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), session_jwt(3, T0 + 900_000.0));
    tab.at(T0 + 1_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.session_token(), Some(held.as_str()));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
}

#[test]
fn another_refresh_token_told_at_the_same_version_is_not_taken() {
    // Two copies of one version that disagree on the refresh token come from a rotation
    // without the lock: this tab keeps its own tokens and user.
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    let session = tab.s.session_token().unwrap().to_owned();
    let user = tab.s.user().map(str::to_string);
    let other = Message::Sync {
        meta: Meta {
            born: T0,
            gen: 0,
            ..Meta::default()
        },
        session,
        refresh: Some("R9".into()),
        user: Some(r#"{"name":"Eve"}"#.into()),
    };
    let effects = tab.step(Input::Message(other.encode()));
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    assert_eq!(tab.s.user().map(str::to_string), user);
    assert!(events(&effects).is_empty(), "{effects:?}");
}

#[test]
fn a_logout_read_from_cookies_ends_the_session_for_good() {
    // No channel; the refresh token lives in the origin's cookie, and storage has shown it.
    let mut tab = per_tab(json!({"refreshTokenViaCookie": {"secure": false}}), false);
    let session = tab.s.session_token().unwrap().to_owned();
    tab.at(T0 + 1_000.0).step(Input::StorageChanged);
    // Another tab signed out: the cookie is gone, and no message says when.
    tab.env.jar.borrow_mut().remove("DSR");
    tab.at(T0 + 2_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), None);
    // A tab that slept tells the ended session later: it stays ended.
    tab.at(T0 + 3_000.0)
        .step(Input::Message(told(T0, 0, &session, "R1")));
    assert_eq!(tab.s.refresh_token(), None, "the ended session came back");
}

/// Another tab of this package rotated R1 to R2 and stored them with their record, newer than
/// this tab's (`gen` 1, refresh due at `due`), and `user`.
fn store_rotation(tab: &Tab, session: &str, due: f64, user: Option<&str>) {
    let record = Meta {
        born: T0,
        gen: 1,
        due_at: Some(due),
        ..Meta::default()
    };
    let mut items = tab.env.items.borrow_mut();
    items.insert("DSR".into(), "R2".into());
    items.insert("DSM".into(), record.encode());
    if let Some(user) = user {
        items.insert("DSU".into(), user.into());
    }
    drop(items);
    tab.env.jar.borrow_mut().insert("DS".into(), session.into());
}

#[test]
fn a_refusal_takes_the_stored_rotation_with_its_newer_record() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    let due = tab.now + 250_000.0;
    store_rotation(&tab, &session_jwt(2, tab.now + 600_000.0), due, None);
    tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert_eq!(tab.s.next_refresh_at(), Some(due), "the record's due time");
}

#[test]
fn the_rest_of_another_tabs_write_brings_its_record_and_user() {
    // The same tokens as held, then their newer record and user (a write arrives key by key).
    let mut tab = Tab::signed_in(json!({}));
    let session = tab.s.session_token().unwrap().to_owned();
    let due = T0 + 250_000.0;
    store_rotation(&tab, &session, due, Some(r#"{"name":"Eve"}"#));
    tab.env.items.borrow_mut().insert("DSR".into(), "R1".into());
    tab.at(T0 + 1_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    assert_eq!(tab.s.next_refresh_at(), Some(due), "the record's due time");
    assert_eq!(tab.s.user(), Some(r#"{"name":"Eve"}"#));
}

#[test]
fn a_rotation_taken_with_its_record_after_a_refusal_is_ranked_by_it() {
    // Adopted with a newer record, the session is known, not guessed: a later rotation told
    // by its tab is taken while storage still shows the tokens adopted.
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    let session = session_jwt(2, tab.now + 600_000.0);
    store_rotation(&tab, &session, tab.now + 250_000.0, None);
    tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    let later = session_jwt(3, tab.now + 900_000.0);
    tab.step(Input::Message(told(T0, 2, &later, "R3")));
    assert_eq!(tab.s.refresh_token(), Some("R3"));
}

#[test]
fn a_session_guessed_from_cookies_stays_guessed_when_its_own_storage_changes() {
    // Storage of its own holds only what this tab wrote: it never ranks the session. Still
    // ranked by a guess, the session is defended by the cookies that show it. (Without a
    // channel, the tab follows the cookies, and so reads storage when it changes.)
    let mut tab = cookie_only_tab_with(false);
    assert_eq!(tab.s.refresh_token(), Some("R1"));
    let record = Meta {
        born: T0 + 100.0,
        ..Meta::default()
    };
    tab.env
        .items
        .borrow_mut()
        .insert("DSM".into(), record.encode());
    tab.at(T0 + 1_000.0).step(Input::StorageChanged);
    tab.step(Input::Message(told(
        T0 + 500.0,
        5,
        &session_jwt(5, T0 + 900_000.0),
        "R5",
    )));
    assert_eq!(tab.s.refresh_token(), Some("R1"), "cookies still show R1");
}

#[test]
fn a_record_read_from_storage_drops_a_doubted_logout_only_when_the_session_began_after_it() {
    // As `doubted_then_learned`, the record coming through storage instead of a message.
    let doubted_then_stored = |at: f64, born: f64| {
        let mut tab = foreign_tab(7);
        tab.at(T0 + 2_000.0).hear_logout(at, 0);
        let record = Meta {
            born,
            ..Meta::default()
        };
        tab.env
            .items
            .borrow_mut()
            .insert("DSM".into(), record.encode());
        tab.step(Input::StorageChanged);
        tab.env.items.borrow_mut().clear();
        tab.env.jar.borrow_mut().clear();
        tab.at(T0 + 3_000.0).step(Input::StorageChanged);
        tab.s.refresh_token().is_some()
    };
    let at = T0 + 1_000.0;
    assert!(doubted_then_stored(at, at + 1.0), "began after the logout");
    assert!(!doubted_then_stored(at, at), "began with it: ended");
    assert!(!doubted_then_stored(at, at - 1.0), "began before it: ended");
}

#[test]
fn a_user_read_from_storage_is_taken_only_from_shared_storage_and_never_erased() {
    // Shared storage without the user key (a write still arriving): the user stays.
    let mut tab = Tab::signed_in(json!({}));
    let user = tab.s.user().map(str::to_string);
    assert!(user.is_some());
    tab.env.items.borrow_mut().remove("DSU");
    tab.at(T0 + 1_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.user().map(str::to_string), user);
    // Storage of its own holds only what this tab wrote: never read back over its state.
    let mut tab = Tab::signed_in(json!({"persist": "sessionStorage"}));
    let user = tab.s.user().map(str::to_string);
    tab.env
        .items
        .borrow_mut()
        .insert("DSU".into(), r#"{"name":"Eve"}"#.into());
    tab.at(T0 + 1_000.0).step(Input::StorageChanged);
    assert_eq!(tab.s.user().map(str::to_string), user);
}

#[test]
fn a_rotation_taken_without_a_newer_record_after_a_refusal_stays_ranked_by_a_guess() {
    // Another client rotated and left this package's record as it was: the tokens adopted
    // after the refusal are defended by what is stored, as any session ranked by a guess.
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    tab.env.items.borrow_mut().insert("DSR".into(), "R9".into());
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), session_jwt(9, tab.now + 600_000.0));
    tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.refresh_token(), Some("R9"));
    let other = session_jwt(3, tab.now + 900_000.0);
    tab.step(Input::Message(told(T0, 5, &other, "R3")));
    assert_eq!(tab.s.refresh_token(), Some("R9"), "storage still shows R9");
}

#[test]
fn a_hello_is_answered_when_fresh_with_the_session_or_the_last_logout() {
    let hello = |at: f64| Message::Hello(at).encode();
    let answers = |tab: &mut Tab, at: f64| -> Vec<String> {
        let effects = tab.at(at + 10.0).step(Input::Message(hello(at)));
        posts(&effects).iter().map(|p| p.to_string()).collect()
    };
    // A tab holding a session tells it.
    let mut tab = Tab::signed_in(json!({}));
    let told = answers(&mut tab, T0 + 1_000.0);
    assert!(told.iter().any(|m| m.starts_with("S")), "{told:?}");
    // A question asked long ago (a tab that woke from a freeze) is not answered.
    let stale = tab
        .at(T0 + 600_000.0)
        .step(Input::Message(hello(T0 + 1_000.0)));
    assert!(posts(&stale).is_empty(), "{stale:?}");
    // A tab that signed out tells when; one that never held a session says nothing.
    let effects = tab.at(T0 + 2_000.0).step(Input::Call(1, Call::Logout));
    assert!(!sends(&effects).is_empty());
    let told = answers(&mut tab, T0 + 3_000.0);
    assert!(told.iter().any(|m| m.starts_with("L\n")), "{told:?}");
    let mut fresh = Tab::new(json!({}));
    fresh.start();
    assert!(answers(&mut fresh, T0 + 3_000.0).is_empty());
}

#[test]
fn a_user_answered_after_another_sign_in_is_not_taken() {
    let mut tab = Tab::signed_in(json!({}));
    let lock = lock_of(&tab.step(Input::Call(1, Call::Me))).unwrap();
    let request = sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone();
    // Another user signs in while the answer is on its way.
    tab.at(T0 + 1_000.0)
        .step(Input::Apply(Box::new(sign_in_with_user(2, T0 + 1_000.0))));
    let signed_in = tab.s.user().map(str::to_string);
    tab.step(Input::Answer(
        request.id,
        Ok(Reply::User(r#"{"name":"Old"}"#.into())),
    ));
    assert_eq!(tab.s.user().map(str::to_string), signed_in);
}

#[test]
fn a_user_answered_by_me_is_kept_unless_storage_holds_a_newer_session() {
    let me = |tab: &mut Tab| {
        let lock = lock_of(&tab.step(Input::Call(1, Call::Me))).unwrap();
        sends(&tab.step(Input::Lock(lock, Grant::Granted)))[0].clone()
    };
    let answer = |tab: &mut Tab, id: u32| {
        tab.step(Input::Answer(
            id,
            Ok(Reply::User(r#"{"name":"Me"}"#.into())),
        ));
        tab.s.user().map(str::to_string)
    };
    let mut tab = Tab::signed_in(json!({}));
    let request = me(&mut tab);
    assert_eq!(
        answer(&mut tab, request.id).as_deref(),
        Some(r#"{"name":"Me"}"#)
    );
    // Another tab rotated meanwhile and stored a newer record this tab has not read yet:
    // the answer is of a session it no longer holds.
    let mut tab = Tab::signed_in(json!({}));
    let before = tab.s.user().map(str::to_string);
    let request = me(&mut tab);
    store_rotation(&tab, &session_jwt(2, T0 + 900_000.0), T0 + 250_000.0, None);
    assert_eq!(answer(&mut tab, request.id), before);
}

#[test]
fn without_a_channel_a_tab_without_a_refresh_token_follows_the_session_cookie() {
    // The refresh token is an httpOnly cookie (the response carries none); no channel.
    let follows = |cookies: Json| {
        let response = reply(json!({
            "sessionJwt": session_jwt(1, T0 + 600_000.0),
            "nextRefreshSeconds": 300,
        }));
        let mut tab = per_tab_with(cookies, false, response);
        assert_eq!(tab.s.refresh_token(), None);
        let theirs = session_jwt(2, T0 + 900_000.0);
        tab.env.jar.borrow_mut().insert("DS".into(), theirs.clone());
        tab.at(T0 + 1_000.0).step(Input::StorageChanged);
        tab.s.session_token() == Some(theirs.as_str())
    };
    assert!(follows(json!({"sessionTokenViaCookie": {"secure": false}})));
    // Its session token in its own storage, not a cookie: a session cookie someone else wrote
    // is not this tab's session moving on.
    assert!(!follows(json!({"sessionTokenViaCookie": false})));
}

#[test]
fn a_call_made_while_storage_holds_a_rotation_takes_it_and_still_goes_out() {
    let rotated = || {
        let mut tab = Tab::signed_in(json!({}));
        store_rotation(&tab, &session_jwt(2, T0 + 900_000.0), T0 + 250_000.0, None);
        tab.at(T0 + 1_000.0);
        tab
    };
    let mut tab = rotated();
    let effects = tab.step(Input::Call(1, Call::Me));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    assert!(settled(&effects).is_empty(), "{effects:?}");
    assert!(lock_of(&effects).is_some(), "{effects:?}");
    // refresh() is done by the rotation itself.
    let mut tab = rotated();
    let effects = tab.step(Input::Call(1, Call::Refresh));
    assert_eq!(settled(&effects).len(), 1, "{effects:?}");
    assert!(lock_of(&effects).is_none());
}

#[test]
fn a_late_answer_after_dispose_leaves_a_rotation_another_tab_stored_first() {
    let mut tab = Tab::signed_in(json!({}));
    let (_, request) = due_refresh(&mut tab);
    tab.step(Input::Dispose);
    store_rotation(&tab, &session_jwt(2, T0 + 900_000.0), T0 + 250_000.0, None);
    tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(sign_in(3, tab.now)))),
    ));
    assert_eq!(tab.env.item("DSR").as_deref(), Some("R2"));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
}

#[test]
fn a_tab_with_storage_of_its_own_reading_its_record_back_keeps_a_guessed_rank() {
    let issued = |n: u32, at: f64| {
        jwt(
            json!({"exp": ((at + 600_000.0) / 1000.0).floor(), "iat": (at / 1000.0).floor(), "jti": n}),
        )
    };
    let response = reply(json!({
        "sessionJwt": issued(1, T0),
        "refreshJwt": "R1",
        "nextRefreshSeconds": 300,
    }));
    let both = json!({"refreshTokenViaCookie": {"secure": false}});
    let mut tab = per_tab_with(both, false, response);
    let (_, request) = due_refresh(&mut tab);
    // Another client rotated R1 meanwhile (its cookies, no record of this package): after the
    // refusal this tab takes its tokens, ranked by a guess, and writes its own record.
    let s2 = issued(2, tab.now - 1_000.0);
    tab.env.jar.borrow_mut().insert("DS".into(), s2);
    tab.env.jar.borrow_mut().insert("DSR".into(), "R2".into());
    tab.step(Input::Answer(request.id, Err(http(401))));
    assert_eq!(tab.s.refresh_token(), Some("R2"));
    // Reading that record back tells nothing new: the rank is still a guess.
    tab.step(Input::StorageChanged);
    // So cookies that show a session issued before the one held are a stale copy.
    tab.env
        .jar
        .borrow_mut()
        .insert("DS".into(), issued(3, T0 + 1_000.0));
    tab.env.jar.borrow_mut().insert("DSR".into(), "R3".into());
    tab.step(Input::StorageChanged);
    assert_eq!(tab.s.refresh_token(), Some("R2"));
}
