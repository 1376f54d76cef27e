//! Storage: what each persist mode keeps across a reload (and what it leaves nowhere), the
//! tokens and keys shared with `@descope/web-js-sdk` (`DS`/`DSR`, the `DSLI` indicator, the
//! last user), and garbage found in storage.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn local_storage_survives_a_reload_without_a_network_call() {
    let s = signed("").await;
    let token = s.session.session_token();
    let refresh = s.session.refresh_token();
    let due = s.session.next_refresh_at();
    s.session.dispose();
    let requests = log(&s.project, None).await.len();
    // A new manager is what a reloaded page builds.
    let again = manager(&options(&s.project, ""));
    settle(again.ready()).await.unwrap();
    assert_eq!(again.session_token(), token);
    assert_eq!(again.refresh_token(), refresh);
    assert_eq!(again.next_refresh_at(), due);
    assert!(again.is_authenticated());
    assert_eq!(
        get_str(&again.user(), "email").as_deref(),
        Some(s.login.as_str())
    );
    assert_eq!(log(&s.project, None).await.len(), requests);
    again.dispose();
}

#[wasm_bindgen_test]
async fn session_storage_survives_a_reload() {
    let in_session_storage = r#""persist":"sessionStorage","sessionTokenViaCookie":false"#;
    let s = signed(in_session_storage).await;
    assert_eq!(
        session_item(&key(&s.project, "DS")),
        s.session.session_token()
    );
    assert_eq!(
        session_item(&key(&s.project, "DSR")),
        s.session.refresh_token()
    );
    assert_eq!(local(&key(&s.project, "DSR")), None);
    assert_eq!(cookie("DS"), None);
    s.session.dispose();
    let again = manager(&options(&s.project, in_session_storage));
    assert_eq!(again.session_token(), s.session.session_token());
    assert_eq!(again.refresh_token(), s.session.refresh_token());
    again.dispose();
}

#[wasm_bindgen_test]
async fn memory_keeps_nothing_behind() {
    let s = signed(r#""persist":"memory","sessionTokenViaCookie":false,"autoRefresh":false"#).await;
    assert!(s.session.is_authenticated());
    assert!(keys_of(&s.project).is_empty());
    assert_eq!(cookie("DS"), None);
    s.session.dispose();
    let again = manager(&options(
        &s.project,
        r#""persist":"memory","sessionTokenViaCookie":false"#,
    ));
    assert!(!again.is_authenticated());
    assert_eq!(again.refresh_token(), None);
    again.dispose();
}

#[wasm_bindgen_test]
async fn tokens_of_the_descope_sdk_are_picked_up() {
    let project = fresh_project();
    let response = sign_in(&project, &unique("u")).await;
    let session_jwt = get_str(&response, "sessionJwt").unwrap();
    let refresh_jwt = get_str(&response, "refreshJwt").unwrap();
    // What @descope/web-js-sdk (persistTokens, sessionTokenViaCookie) leaves: DS cookie, DSR key.
    set_cookie(&["DS=", &session_jwt, "; Path=/; SameSite=Strict"].concat());
    set_local("DSR", &refresh_jwt);
    set_local("DSI", "an-id-token");
    let session = manager(&options_in(&project, None, r#""autoRefresh":false"#));
    assert_eq!(session.session_token(), Some(session_jwt));
    assert_eq!(session.refresh_token(), Some(refresh_jwt));
    assert!(session.is_authenticated());
    // And the session works: it refreshes with the SDK's refresh token.
    settle(session.refresh()).await.expect("refresh");
    settle(session.logout()).await.expect("logout");
    assert_eq!(local("DSR"), None);
    assert_eq!(local("DSI"), None);
    assert_eq!(cookie("DS"), None);
    session.dispose();
}

#[wasm_bindgen_test]
async fn garbage_in_storage_is_ignored() {
    for (ds, dsr, meta, user) in [
        ("garbage", "also garbage with spaces", "x\ny", "{not json"),
        ("e30.e30", "\u{1F600}", "sk1\n1\nNaN\n\n\n\n\n\n", "[1,2]"),
        ("", "", "", "null"),
    ] {
        let project = fresh_project();
        for (suffix, value) in [("DS", ds), ("DSR", dsr), ("DSM", meta), ("DSU", user)] {
            set_local(&key(&project, suffix), value);
        }
        set_cookie("DS=%%%garbage%%%; Path=/");
        let session = manager(&options(&project, "\"autoRefresh\":false"));
        assert!(!session.is_authenticated());
        assert!(session.user().is_undefined());
        // The module still works normally.
        session
            .apply(sign_in(&project, &unique("u")).await)
            .expect("apply after garbage");
        settle(session.refresh())
            .await
            .expect("refresh after garbage");
        settle(session.logout())
            .await
            .expect("logout after garbage");
        session.dispose();
    }
}

#[wasm_bindgen_test]
async fn garbage_refresh_token_in_storage_ends_in_a_clean_401() {
    let project = fresh_project();
    set_local(&key(&project, "DSR"), "eyJnot.a.token");
    let session = manager(&options(&project, ""));
    // Only a refresh token: the start-up refresh runs, is refused, and clears it.
    settle(session.ready()).await.unwrap();
    assert!(!session.is_authenticated());
    assert_eq!(local(&key(&project, "DSR")), None);
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    session.dispose();
}

#[wasm_bindgen_test]
async fn the_logged_in_indicator_follows_the_session() {
    let (project, session) = fresh_manager(r#""autoRefresh":false"#);
    assert_eq!(local(LOGGED_IN), None);
    let response = sign_in(&project, &unique("u")).await;
    session.apply(response.clone()).unwrap();
    let expiration = get(&response, "sessionExpiration").as_f64().unwrap();
    assert_eq!(local(LOGGED_IN), Some(seconds_text(expiration)));
    assert_eq!(
        get(&session.claims(), "exp").as_f64(),
        Some(expiration),
        "the devserver's sessionExpiration is the JWT exp"
    );
    // Every applied session response rewrites it.
    configure(&project, r#"{"sessionTtl":900}"#).await;
    let refreshed = settle(session.refresh()).await.expect("refresh");
    let expiration = get(&refreshed, "sessionExpiration").as_f64().unwrap();
    assert_eq!(local(LOGGED_IN), Some(seconds_text(expiration)));
    // Without sessionExpiration: the JWT's exp.
    let exp = now_s() + 1234.0;
    let fake = fake_jwt(&["{\"exp\":", &exp.to_string(), ",\"sub\":\"x\"}"].concat());
    session
        .apply(object(&[
            ("sessionJwt", fake.into()),
            ("refreshJwt", session.refresh_token().unwrap().into()),
        ]))
        .unwrap();
    assert_eq!(local(LOGGED_IN), Some(seconds_text(exp)));
    // A failed refresh (5xx) keeps it; logout removes it.
    fault_on(&project, "/v1/auth/refresh", r#""status":503"#).await;
    let _ = settle(session.refresh()).await.unwrap_err();
    assert_eq!(local(LOGGED_IN), Some(seconds_text(exp)));
    settle(session.logout()).await.expect("logout");
    assert_eq!(local(LOGGED_IN), None);
    // logoutAll removes it.
    sign_in_to(&session, &project).await;
    assert!(local(LOGGED_IN).is_some());
    settle(session.logout_all()).await.expect("logoutAll");
    assert_eq!(local(LOGGED_IN), None);
    // A refused refresh (401) removes it.
    sign_in_to(&session, &project).await;
    assert!(local(LOGGED_IN).is_some());
    fault_on(&project, "/v1/auth/refresh", r#""status":401"#).await;
    assert_eq!(rejection(session.refresh()).await.code, "unauthorized");
    assert!(!session.is_authenticated());
    assert_eq!(local(LOGGED_IN), None);
    session.dispose();
    // In real localStorage, unprefixed, whatever `persist` is.
    for persist in ["memory", "sessionStorage"] {
        let project = fresh_project();
        let session = manager(&options(
            &project,
            &join(&[
                r#""autoRefresh":false"#,
                NO_COOKIE,
                &member("persist", persist),
            ]),
        ));
        let response = sign_in(&project, &unique("u")).await;
        session.apply(response.clone()).unwrap();
        let expiration = get(&response, "sessionExpiration").as_f64().unwrap();
        assert_eq!(
            local(LOGGED_IN),
            Some(seconds_text(expiration)),
            "{persist}"
        );
        assert_eq!(local(&key(&project, "DS")), None, "{persist}");
        settle(session.logout()).await.expect("logout");
        assert_eq!(local(LOGGED_IN), None, "{persist}");
        session.dispose();
    }
}

#[wasm_bindgen_test]
async fn the_last_user_is_kept_as_the_official_sdk_keeps_it() {
    let project = fresh_project();
    let login = [unique("user").as_str(), "@example.com"].concat();
    let name = login.split('@').next().unwrap().to_string();
    let session = signed_in_as(&project, &login, r#""autoRefresh":false"#).await;
    assert_eq!(local(LAST_LOGIN_ID), Some(login.clone()));
    assert_eq!(local(LAST_NAME), Some(name.clone()));
    // me() writes them too.
    local_storage().remove_item(LAST_LOGIN_ID).unwrap();
    local_storage().remove_item(LAST_NAME).unwrap();
    settle(session.me()).await.expect("me");
    assert_eq!(local(LAST_LOGIN_ID), Some(login.clone()));
    assert_eq!(local(LAST_NAME), Some(name.clone()));
    // Removed on logout and on logoutAll by default.
    settle(session.logout()).await.expect("logout");
    assert_eq!((local(LAST_LOGIN_ID), local(LAST_NAME)), (None, None));
    session.apply(sign_in(&project, &login).await).unwrap();
    assert_eq!(local(LAST_LOGIN_ID), Some(login.clone()));
    settle(session.logout_all()).await.expect("logoutAll");
    assert_eq!((local(LAST_LOGIN_ID), local(LAST_NAME)), (None, None));
    session.dispose();

    // keepLastAuthenticatedUserAfterLogout: kept after both.
    clean_page();
    let keep_last = r#""autoRefresh":false,"keepLastAuthenticatedUserAfterLogout":true"#;
    let keep = signed_in_as(&project, &login, keep_last).await;
    settle(keep.logout()).await.expect("logout");
    assert_eq!(local(LAST_LOGIN_ID), Some(login.clone()));
    assert_eq!(local(LAST_NAME), Some(name.clone()));
    assert_eq!(local(LOGGED_IN), None);
    let other = [unique("other").as_str(), "@example.com"].concat();
    keep.apply(sign_in(&project, &other).await).unwrap();
    assert_eq!(local(LAST_LOGIN_ID), Some(other.clone()));
    settle(keep.logout_all()).await.expect("logoutAll");
    assert_eq!(local(LAST_LOGIN_ID), Some(other));
    keep.dispose();

    // storeLastAuthenticatedUser: false: never written (the indicator still is).
    clean_page();
    let store_none = r#""autoRefresh":false,"storeLastAuthenticatedUser":false"#;
    let off = signed_in_as(&project, &login, store_none).await;
    settle(off.me()).await.expect("me");
    assert_eq!((local(LAST_LOGIN_ID), local(LAST_NAME)), (None, None));
    assert!(local(LOGGED_IN).is_some());
    settle(off.logout()).await.expect("logout");
    off.dispose();
}
