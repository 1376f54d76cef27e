//! Logout and logoutAll: what they clear (in every tab, whatever its persist mode, cookies
//! other writers left), what they revoke and send, a failed logout, and answers that arrive
//! after one.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn logout_clears_everything_and_revokes_the_token() {
    let s = signed("").await;
    let refresh = s.session.refresh_token().unwrap();
    let w = watch(&s.session);
    settle(s.session.logout()).await.expect("logout");
    assert_cleared(&s.project, &s.session);
    assert_eq!((w.token.count(), w.auth.count(), w.user.count()), (1, 1, 1));
    assert_eq!(count(&s.project, "/v1/auth/logout").await, 1);
    // The server no longer takes the old refresh token.
    assert_eq!(refresh_status(&s.project, &refresh).await, 401);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn logout_all_clears_everything() {
    let s = signed("").await;
    // A second device of the same user.
    let other = sign_in(&s.project, &s.login).await;
    settle(s.session.logout_all()).await.expect("logoutAll");
    assert_cleared(&s.project, &s.session);
    assert_eq!(count(&s.project, "/v1/auth/logoutall").await, 1);
    assert_eq!(
        refresh_status(&s.project, &get_str(&other, "refreshJwt").unwrap()).await,
        401,
        "the other device's token survived logout-all"
    );
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn a_failed_logout_still_clears_then_rejects() {
    for path in ["/v1/auth/logout", "/v1/auth/logoutall"] {
        let s = signed("").await;
        fault_on(&s.project, path, r#""status":500"#).await;
        let w = watch(&s.session);
        let promise = if path == "/v1/auth/logout" {
            s.session.logout()
        } else {
            s.session.logout_all()
        };
        // Cleared before the answer arrives.
        assert_cleared(&s.project, &s.session);
        let f = rejection(promise).await;
        assert_error(&f, "http", Some(500.0));
        assert_cleared(&s.project, &s.session);
        assert_eq!((w.token.count(), w.auth.count()), (1, 1));
        s.session.dispose();
    }
    // A server that cannot be reached at all.
    let project = fresh_project();
    let session = manager(&object_text(
        &[
            ("projectId", &project),
            ("baseUrl", "http://127.0.0.1:9"),
            ("storagePrefix", "x."),
        ],
        "",
    ));
    sign_in_to(&session, &project).await;
    assert_eq!(rejection(session.logout()).await.code, "network");
    assert!(!session.is_authenticated());
    assert!(local_keys().iter().all(|k| !k.starts_with("x.")));
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_follower_in_another_persist_mode_expires_its_cookies() {
    let project = fresh_project();
    // A: sessionStorage, default cookie names. B: memory, its own session cookie name.
    let a = manager(&options(
        &project,
        r#""autoRefresh":false,"persist":"sessionStorage""#,
    ));
    let b = manager(&options(
        &project,
        r#""autoRefresh":false,"persist":"memory","sessionTokenViaCookie":{"name":"B_DS","secure":false}"#,
    ));
    // A signs in; B follows. Another writer configured like B (the official SDK on the same
    // page, say) keeps the session token under B's name: only B knows that name.
    sign_in_to(&a, &project).await;
    sleep(100).await;
    assert_eq!(
        b.session_token(),
        a.session_token(),
        "B follows A's sign-in"
    );
    set_cookie(&["B_DS=", &b.session_token().unwrap(), "; Path=/"].concat());
    assert!(cookie("B_DS").is_some());
    // A logs out; B, following, expires the cookie that holds its token.
    settle(a.logout()).await.unwrap();
    sleep(100).await;
    assert_eq!(b.session_token(), None);
    assert_eq!(cookie("B_DS"), None, "left behind: {}", cookies());
    assert_eq!(cookie("DS"), None);
    // A reload of either is signed out.
    a.dispose();
    b.dispose();
    for persist in ["sessionStorage", "memory"] {
        let again = manager(&options(
            &project,
            &[r#""autoRefresh":false,"sessionTokenViaCookie":{"name":"B_DS","secure":false},"persist":""#, persist, "\""].concat(),
        ));
        assert!(!again.is_authenticated(), "{persist}");
        again.dispose();
    }
}

#[wasm_bindgen_test]
async fn logout_expires_cookies_other_writers_left_under_the_responses_names() {
    let project = unique("P");
    clean_page();
    // The project names its cookies; the refresh token stays in storage here, but another
    // writer (the official SDK with refreshTokenViaCookie) put it in a cookie of that name.
    configure(
        &project,
        r#"{"sessionCookieName":"PROJ_S","cookieName":"PROJ_R"}"#,
    )
    .await;
    let session = signed_in(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"secure":false}"#,
    )
    .await;
    assert_eq!(cookie("PROJ_S"), session.session_token());
    for text in [
        "PROJ_R=sdk-refresh; Path=/",
        "DS=sdk-session; Domain=127.0.0.1; Path=/",
        "DSR=sdk-refresh-2; Path=/",
    ] {
        set_cookie(text);
    }
    assert!(cookie("PROJ_R").is_some());
    settle(session.logout()).await.unwrap();
    let left = cookies();
    for name in ["PROJ_S=", "PROJ_R=", "DS=", "DSR="] {
        assert!(!left.contains(name), "left behind: {left}");
    }
    assert!(keys_of(&project).is_empty());
    // Also after a reload: the names are remembered with the session.
    sign_in_to(&session, &project).await;
    session.dispose();
    set_cookie("PROJ_R=sdk-refresh; Path=/");
    let reloaded = manager(&options(&project, r#""autoRefresh":false"#));
    settle(reloaded.logout()).await.unwrap();
    assert!(!cookies().contains("PROJ_R="), "left behind: {}", cookies());
    reloaded.dispose();
}

#[wasm_bindgen_test]
async fn answers_that_arrive_after_a_logout_are_discarded_and_revoked() {
    for path in [
        "/v1/auth/security-questions/verify",
        "/v1/auth/tenant/select",
        "/v1/auth/refresh",
    ] {
        let project = fresh_project();
        let login = [unique("u").as_str(), "@example.com"].concat();
        let session = manager(&options(&project, r#""autoRefresh":false"#));
        session.apply(sign_in(&project, &login).await).unwrap();
        // The request is handled after 800 ms; the logout only after 2 s, so that the server
        // answers the request first and the answer reaches a page that has signed out.
        fault_on(&project, path, r#""delayMs":800"#).await;
        fault_on(&project, "/v1/auth/logout", r#""delayMs":2000"#).await;
        let pending = match path {
            "/v1/auth/refresh" => session.refresh(),
            "/v1/auth/tenant/select" => session.select_tenant("T-acme".into()),
            _ => session.verify_security_questions(json(
                r#"{"answers":[{"questionId":"q-color","answer":"blue"}]}"#,
            )),
        };
        sleep(150).await;
        let logout = session.logout();
        assert!(!session.is_authenticated(), "{path}: signed out at once");
        let outcome = settle(pending).await;
        assert!(outcome.is_err(), "{path}: the late answer was accepted");
        // The server may refuse the logout's token: the late answer's revocation took its
        // family first.
        let _ = settle(logout).await;
        sleep(200).await;
        assert!(!session.is_authenticated(), "{path}");
        assert_eq!(session.session_token(), None, "{path}");
        assert!(
            keys_of(&project).is_empty(),
            "{path}: {:?}",
            keys_of(&project)
        );
        assert_eq!(cookie("DS"), None, "{path}");
        // The logout, and the revocation of the late answer's new refresh token.
        let logouts = log(&project, Some("/v1/auth/logout")).await;
        let jtis: Vec<Option<String>> = logouts.iter().map(|e| get_str(e, "tokenJti")).collect();
        assert_eq!(logouts.len(), 2, "{path}: {jtis:?}");
        assert_ne!(jtis[0], jtis[1], "{path}");
        // Nothing the late answer carried is still usable.
        let fresh = sign_in(&project, &login).await;
        assert_eq!(
            refresh_status(&project, &get_str(&fresh, "refreshJwt").unwrap()).await,
            200,
            "{path}: a new sign-in still works"
        );
        session.dispose();
    }
}

/// logout and logoutAll carry `x-descope-refresh-cookie-name` (here from the stored `DSRCN`
/// after a reload); a planted name of 20,000 characters is ignored.
#[wasm_bindgen_test]
async fn logout_sends_the_refresh_cookie_name() {
    for call in ["logout", "logoutAll"] {
        let project = fresh_project();
        configure(&project, r#"{"cookieName":"acme_r"}"#).await;
        signed_in(&project, r#""autoRefresh":false"#)
            .await
            .dispose();
        // A reload: the name comes from storage.
        let session = manager(&options(&project, r#""autoRefresh":false"#));
        let (promise, path) = if call == "logout" {
            (session.logout(), "/v1/auth/logout")
        } else {
            (session.logout_all(), "/v1/auth/logoutall")
        };
        settle(promise).await.expect(call);
        let entry = last_entry(&project, path).await;
        assert_eq!(
            get_str(&entry, "refreshCookieName").as_deref(),
            Some("acme_r"),
            "{call}: {}",
            stringify(&entry)
        );
        session.dispose();
    }
    let project = fresh_project();
    signed_in(&project, r#""autoRefresh":false"#)
        .await
        .dispose();
    set_local(&key(&project, "DSRCN"), &"a".repeat(20_000));
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    settle(session.me())
        .await
        .expect("me() with a planted name");
    let entry = last_entry(&project, "/v1/auth/me").await;
    assert!(
        get(&entry, "refreshCookieName").is_null()
            || get(&entry, "refreshCookieName").is_undefined()
    );
    session.dispose();
}
