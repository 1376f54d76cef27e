//! Refresh: rotation, when it runs (`nextRefreshSeconds`, expiry, activity tracking, dates too
//! far to schedule), what a refused or failed refresh does, projects without rotation, the
//! start-up `try-refresh`, and `dispose()` (its timers, a refresh it interrupts).

use js_sys::Reflect;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn refresh_rotates_and_stores_the_new_tokens() {
    let s = signed("\"autoRefresh\":false").await;
    let old_refresh = s.session.refresh_token().unwrap();
    let old_session = s.session.session_token().unwrap();
    let response = settle(s.session.refresh()).await.expect("refresh");
    let new_refresh = get_str(&response, "refreshJwt").unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(
        s.session.refresh_token().as_deref(),
        Some(new_refresh.as_str())
    );
    assert_ne!(s.session.session_token().unwrap(), old_session);
    assert_eq!(cookie("DS"), s.session.session_token());
    assert_eq!(local(&key(&s.project, "DSR")), Some(new_refresh));
    // The request carried the old refresh token as `Bearer <projectId>:<refreshJwt>`.
    let entries = log(&s.project, Some("/v1/auth/refresh")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(get(&entries[0], "status").as_f64(), Some(200.0));
    assert!(get(&entries[0], "tokenJti").is_string());
    // Two calls at once share one request.
    let (a, b) = (s.session.refresh(), s.session.refresh());
    let (a, b) = (settle(a).await.unwrap(), settle(b).await.unwrap());
    assert_eq!(get_str(&a, "refreshJwt"), get_str(&b, "refreshJwt"));
    assert_eq!(count(&s.project, "/v1/auth/refresh").await, 2);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn automatic_refresh_at_next_refresh_seconds() {
    let (project, session) = fresh_configured(r#"{"nextRefreshSeconds":1}"#, "").await;
    let w = watch(&session);
    sign_in_to(&session, &project).await;
    let due = session.next_refresh_at().unwrap();
    assert!((due - js_sys::Date::now() - 1000.0).abs() < 200.0);
    sleep(1_600).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    assert_eq!(w.token.count(), 2);
    assert!(session.next_refresh_at().unwrap() > due);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_refresh_refused_with_401_clears_the_session_once() {
    let s = signed("\"autoRefresh\":false").await;
    let w = watch(&s.session);
    fault_on(&s.project, "/v1/auth/refresh", r#""status":401"#).await;
    let f = rejection(s.session.refresh()).await;
    assert_eq!(f.code, "unauthorized");
    assert_cleared(&s.project, &s.session);
    assert_eq!(
        (w.token.count(), w.auth.count(), w.error.count()),
        (1, 1, 1)
    );
    assert_eq!(failure(&w.error.last()).code, "unauthorized");
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn a_refresh_failing_with_500_keeps_the_session() {
    let s = signed("\"autoRefresh\":false").await;
    let token = s.session.session_token();
    let w = watch(&s.session);
    fault_on(&s.project, "/v1/auth/refresh", r#""status":503"#).await;
    assert_eq!(rejection(s.session.refresh()).await.status, Some(503.0));
    assert_eq!(s.session.session_token(), token);
    assert!(s.session.is_authenticated());
    assert_eq!((w.error.count(), w.token.count()), (1, 0));
    assert!(!failure(&w.error.last()).message.contains(&token.unwrap()));
    settle(s.session.refresh())
        .await
        .expect("the next refresh works");
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn a_project_without_rotation_keeps_its_refresh_token_over_cycles() {
    let (project, session) =
        fresh_configured(r#"{"rotation":false,"nextRefreshSeconds":1}"#, "").await;
    let response = sign_in(&project, &unique("u")).await;
    let refresh = get_str(&response, "refreshJwt").unwrap();
    session.apply(response).unwrap();
    let first = session.session_token();
    sleep(3_600).await;
    let entries = log(&project, Some("/v1/auth/refresh")).await;
    assert!(entries.len() >= 3, "{} refreshes", entries.len());
    assert!(entries
        .iter()
        .all(|e| get(e, "status").as_f64() == Some(200.0)));
    assert_eq!(session.refresh_token().as_deref(), Some(refresh.as_str()));
    assert_eq!(
        local(&key(&project, "DSR")).as_deref(),
        Some(refresh.as_str())
    );
    assert_ne!(session.session_token(), first);
    assert!(session.is_authenticated());
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_due_time_too_far_to_schedule_stays_finite_and_survives_a_reload() {
    let (project, session) = fresh_manager("");
    let response = sign_in(&project, &unique("u")).await;
    Reflect::set(&response, &"nextRefreshSeconds".into(), &1e300.into()).unwrap();
    session.apply(response).unwrap();
    let due = session.next_refresh_at().expect("planned");
    assert!(due.is_finite() && due > js_sys::Date::now() + 1e9, "{due}");
    session.dispose();
    let reloaded = manager(&options(&project, ""));
    settle(reloaded.ready()).await.unwrap();
    sleep(500).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 0);
    assert_eq!(reloaded.next_refresh_at(), Some(due));
    assert!(reloaded.is_authenticated());
    reloaded.dispose();
}

#[wasm_bindgen_test]
async fn activity_tracking_skips_idle_refreshes_until_the_user_is_active() {
    clean_page();
    // Four projects side by side, tokens in storage only: tracked with an idle timeout
    // (nextRefreshSeconds), untracked (default, and customActivityTracking: false), and
    // tracked without nextRefreshSeconds (a 21 s session: due 20 s before expiry, in 1 s).
    let tracked = unique("P");
    let plain = unique("P");
    let off = unique("P");
    let no_idle = unique("P");
    for project in [&tracked, &plain, &off] {
        configure(project, r#"{"nextRefreshSeconds":1}"#).await;
    }
    configure(&no_idle, r#"{"sessionTtl":21}"#).await;
    let t = manager(&options(&tracked, &join(&[NO_COOKIE, TRACKING])));
    let p = manager(&options(&plain, NO_COOKIE));
    let o = manager(&options(
        &off,
        &join(&[
            NO_COOKIE,
            r#""autoRefresh":{"customActivityTracking":false}"#,
        ]),
    ));
    let n = manager(&options(&no_idle, &join(&[NO_COOKIE, TRACKING])));
    // Activity before the sign-in does not count: a period starts with the tokens.
    t.mark_user_active();
    n.mark_user_active();
    let mut responses = Vec::new();
    for project in [&tracked, &plain, &off, &no_idle] {
        responses.push(sign_in(project, &unique("u")).await);
    }
    for (session, response) in [&t, &p, &o, &n].into_iter().zip(responses) {
        session.apply(response).unwrap();
    }
    let first = t.session_token();
    let due = t.next_refresh_at().expect("a refresh is planned");
    assert!((due - js_sys::Date::now() - 1000.0).abs() < 300.0, "{due}");
    sleep(1_500).await;
    // Idle: the due refresh of the tracked session was skipped, and none is planned.
    assert_eq!(count(&tracked, "/v1/auth/refresh").await, 0);
    assert_eq!(t.next_refresh_at(), None);
    assert_eq!(t.session_token(), first);
    assert!(t.is_authenticated());
    // Without tracking, or without nextRefreshSeconds: refreshed as before.
    for (name, project) in [
        ("default", &plain),
        ("tracking false", &off),
        ("no nextRefreshSeconds", &no_idle),
    ] {
        assert!(
            count(project, "/v1/auth/refresh").await >= 1,
            "{name}: no automatic refresh"
        );
    }
    for session in [&p, &o, &n] {
        session.dispose();
    }
    // The next activity refreshes at once.
    let marked = js_sys::Date::now();
    t.mark_user_active();
    assert_refreshes_reach(&tracked, 1, 1_000.0).await;
    let entry = log(&tracked, Some("/v1/auth/refresh")).await.remove(0);
    let at = get(&entry, "at").as_f64().unwrap();
    assert!(
        at - marked < 500.0,
        "refreshed {} ms after the activity",
        at - marked
    );
    assert!(eventually(1_000.0, || t.session_token() != first).await);
    assert!(t.next_refresh_at().is_some());
    // Activity in the new period (before it is due): the refresh runs when due.
    t.mark_user_active();
    assert_refreshes_reach(&tracked, 2, 1_600.0).await;
    // And again no activity: skipped.
    sleep(1_400).await;
    assert_eq!(count(&tracked, "/v1/auth/refresh").await, 2);
    assert_eq!(t.next_refresh_at(), None);
    assert!(t.is_authenticated());
    t.dispose();
}

#[wasm_bindgen_test]
async fn try_refresh_restores_an_http_only_session_after_a_reload() {
    let project = fresh_project();
    configure_refresh_cookie(&project, &unique("TR")).await;
    // Nothing readable survives a reload: tokens in memory, no session cookie.
    let text = options(
        &project,
        r#""persist":"memory","sessionTokenViaCookie":false"#,
    );
    let login = [unique("user").as_str(), "@example.com"].concat();
    let first = manager(&text);
    first.apply(sign_in(&project, &login).await).unwrap();
    assert_eq!(first.refresh_token(), None);
    assert!(local(LOGGED_IN).is_some());
    let old = first.session_token();
    first.dispose();
    // The reload.
    let errors = Recorder::new();
    let reloaded = manager(&text);
    reloaded.on_refresh_error(errors.function.clone());
    assert!(!reloaded.is_authenticated());
    settle(reloaded.ready()).await.expect("ready");
    // ready() resolved after the try-refresh, which restored the session from the cookie.
    assert!(reloaded.is_authenticated());
    assert!(reloaded.session_token().is_some());
    assert_ne!(reloaded.session_token(), old);
    assert_eq!(get_str(&reloaded.user(), "email"), Some(login.clone()));
    let entries = log(&project, Some("/v1/auth/try-refresh")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(get(&entries[0], "status").as_f64(), Some(200.0));
    assert!(
        get(&entries[0], "tokenJti").is_string(),
        "the cookie did not travel"
    );
    assert_eq!(count(&project, "/v1/auth/refresh").await, 0);
    assert_eq!(errors.count(), 0);
    // The restored session works.
    settle(reloaded.refresh())
        .await
        .expect("refresh after try-refresh");
    sleep(200).await;
    assert_eq!(count(&project, "/v1/auth/try-refresh").await, 1);
    reloaded.dispose();

    // With localStorage and the session cookie cleared; the project renamed its refresh
    // cookie since: the try-refresh names the one DSRCN remembers.
    let project = fresh_project();
    configure_refresh_cookie(&project, &unique("TRA")).await;
    let first = signed_in(&project, "").await;
    assert!(cookie("DS").is_some());
    first.dispose();
    configure_refresh_cookie(&project, &unique("TRB")).await;
    expire_ds_cookie();
    assert_eq!(cookie("DS"), None, "{}", cookies());
    let reloaded = manager(&options(&project, ""));
    settle(reloaded.ready()).await.expect("ready");
    assert!(reloaded.is_authenticated());
    let entries = log(&project, Some("/v1/auth/try-refresh")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(get(&entries[0], "status").as_f64(), Some(200.0));
    settle(reloaded.logout()).await.expect("logout");
    reloaded.dispose();
}

#[wasm_bindgen_test]
async fn try_refresh_only_with_a_logged_in_indicator() {
    // No indicator: no request at all.
    let (project, session) = fresh_manager("");
    settle(session.ready()).await.expect("ready");
    sleep(300).await;
    assert_eq!(log(&project, None).await.len(), 0);
    assert!(!session.is_authenticated());
    session.dispose();
    // Either indicator: exactly one try-refresh; `{}` (no session) is no error.
    for (name, value) in [
        (LOGGED_IN, seconds_text(now_s() + 300.0)),
        (LAST_LOGIN_ID, "someone@example.com".to_string()),
    ] {
        clean_page();
        set_local(name, &value);
        let project = unique("P");
        let errors = Recorder::new();
        let session = manager(&options(&project, ""));
        session.on_refresh_error(errors.function.clone());
        settle(session.ready()).await.expect("ready");
        assert!(!session.is_authenticated(), "{name}");
        assert_eq!(session.session_token(), None, "{name}");
        sleep(300).await;
        let entries = log(&project, None).await;
        assert_eq!(entries.len(), 1, "{name}");
        assert_eq!(
            get_str(&entries[0], "path").as_deref(),
            Some("/v1/auth/try-refresh")
        );
        assert_eq!(get_str(&entries[0], "method").as_deref(), Some("POST"));
        assert_eq!(get(&entries[0], "status").as_f64(), Some(200.0));
        assert_eq!(errors.count(), 0, "{name}");
        // The module works: a sign-in after it.
        sign_in_to(&session, &project).await;
        assert!(session.is_authenticated());
        session.dispose();
    }
}

/// A 4xx answer to the start-up `try-refresh` removes the logged-in indicator, so the next
/// page load makes no request.
#[wasm_bindgen_test]
async fn a_refused_try_refresh_removes_the_indicator() {
    let project = fresh_project();
    set_local(LOGGED_IN, "1");
    fault_on(&project, "/v1/auth/try-refresh", r#""status":401"#).await;
    let session = manager(&options(&project, ""));
    settle(session.ready()).await.unwrap();
    assert_eq!(count(&project, "/v1/auth/try-refresh").await, 1);
    assert_eq!(local(LOGGED_IN), None, "the indicator stayed");
    session.dispose();
    let again = manager(&options(&project, ""));
    settle(again.ready()).await.unwrap();
    assert_eq!(
        count(&project, "/v1/auth/try-refresh").await,
        1,
        "asked again"
    );
    again.dispose();
}

#[wasm_bindgen_test]
async fn dispose_stops_timers_and_leaves_storage() {
    let s = signed("").await;
    configure(&s.project, r#"{"nextRefreshSeconds":1}"#).await;
    settle(s.session.refresh()).await.unwrap();
    assert!(s.session.next_refresh_at().is_some());
    s.session.dispose();
    let requests = count(&s.project, "/v1/auth/refresh").await;
    sleep(2_500).await;
    assert_eq!(count(&s.project, "/v1/auth/refresh").await, requests);
    assert_eq!(s.session.next_refresh_at(), None);
    assert!(local(&key(&s.project, "DSR")).is_some());
}

/// `dispose()` while a refresh is out stores the answer for the next instance and revokes
/// nothing.
#[wasm_bindgen_test]
async fn dispose_during_a_refresh_keeps_the_rotation() {
    let s = signed(r#""autoRefresh":false"#).await;
    let (project, session) = (&s.project, &s.session);
    let presented = session.refresh_token();
    fault_on(project, "/v1/auth/refresh", r#""delayMs":400"#).await;
    let tokens = Recorder::new();
    session.on_session_token_change(tokens.function.clone());
    let refresh = session.refresh();
    sleep(50).await;
    session.dispose();
    let _ = within(3_000, refresh).await.expect("refresh() settles");
    // The answer comes 400 ms after the request.
    sleep(800).await;
    assert_eq!(tokens.count(), 0, "events after dispose()");
    assert_eq!(count(project, "/v1/auth/logout").await, 0, "revoked");
    let stored = local(&key(project, "DSR"));
    assert!(
        stored.is_some() && stored != presented,
        "the rotation was not stored"
    );
    // The next instance (StrictMode's second mount) goes on with it.
    let next = manager(&options(project, r#""autoRefresh":false"#));
    assert_eq!(next.refresh_token(), stored);
    settle(next.refresh())
        .await
        .expect("refresh with the kept rotation");
    next.dispose();
}
