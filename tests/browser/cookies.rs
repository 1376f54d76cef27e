//! Cookies: their names (options, the response, the `cookieName` alias, the refresh cookie's
//! name the server is told), their attributes as the browser stores them, the fallback to
//! storage, and the httpOnly refresh cookie.

use gloo_net::http::Method;
use session_keeper::SessionManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn cookie_name_is_an_alias_of_name() {
    clean_page();
    assert_each_refused(
        &[
            r#"{"projectId":"P","sessionTokenViaCookie":{"name":"A","cookieName":"B"}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"name":"A","cookieName":"B"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"a b"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"a;b"}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"cookieName":5}}"#,
        ],
        SessionManager::new,
    );
    // After the refusals: the alias names the cookies (and `name` equal to it is fine).
    let project = unique("P");
    let text = options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"cookieName":"ALIAS_S","secure":false},"refreshTokenViaCookie":{"cookieName":"ALIAS_R","name":"ALIAS_R","secure":false}"#,
    );
    let session = manager(&text);
    sign_in_to(&session, &project).await;
    let token = session.session_token();
    let refresh = session.refresh_token();
    assert!(token.is_some() && refresh.is_some());
    assert_eq!(cookie("ALIAS_S"), token);
    assert_eq!(cookie("ALIAS_R"), refresh);
    assert_eq!(cookie("DS"), None, "{}", cookies());
    assert_eq!(cookie("DSR"), None, "{}", cookies());
    assert_eq!(local(&key(&project, "DS")), None);
    assert_eq!(local(&key(&project, "DSR")), None);
    // A reload that lost the record of where the cookies went finds them by the alias.
    session.dispose();
    local_storage().remove_item(&key(&project, "DSM")).unwrap();
    let again = manager(&text);
    assert_eq!(again.session_token(), token);
    assert_eq!(again.refresh_token(), refresh);
    // The module works: a refresh rotates into the same cookies, logout expires them.
    settle(again.refresh()).await.expect("refresh");
    assert_ne!(again.session_token(), token);
    assert_eq!(cookie("ALIAS_S"), again.session_token());
    assert_eq!(cookie("ALIAS_R"), again.refresh_token());
    settle(again.logout()).await.expect("logout");
    assert_eq!(cookie("ALIAS_S"), None);
    assert_eq!(cookie("ALIAS_R"), None);
    again.dispose();
}

#[wasm_bindgen_test]
async fn the_refresh_cookie_name_is_sent_from_dsrcn_or_the_option() {
    clean_page();
    // The server keeps the refresh token in an httpOnly cookie named by the project; then the
    // project renames it. The server reads the cookie the request header names, else the
    // project's current name: only a request naming the old cookie finds the token.
    let project = unique("P");
    let (old, new) = (unique("RCA"), unique("RCB"));
    configure_refresh_cookie(&project, &old).await;
    let response = sign_in(&project, &unique("u")).await;
    assert!(get(&response, "refreshJwt").is_undefined());
    assert_eq!(get_str(&response, "cookieName"), Some(old.clone()));
    configure_refresh_cookie(&project, &new).await;
    // Control: without the header the server does not find the token.
    let (status, _) = request(Method::POST, "/v1/auth/refresh", Some(&project), Some("{}")).await;
    assert_eq!(status, 401);

    // DSRCN: the response's cookieName, stored under the prefix and sent back.
    let session = manager(&options(
        &project,
        &join(&[r#""autoRefresh":false"#, NO_COOKIE]),
    ));
    session.apply(response.clone()).unwrap();
    assert_eq!(local(&key(&project, "DSRCN")), Some(old.clone()));
    assert_rotates(&session, "refresh names the old cookie").await;
    // The answer names the new cookie: stored, and sent from then on.
    assert_eq!(local(&key(&project, "DSRCN")), Some(new.clone()));
    settle(session.refresh())
        .await
        .expect("refresh names the new cookie");
    settle(session.me()).await.expect("me names the new cookie");
    let entries = log(&project, None).await;
    assert!(entries
        .iter()
        .rev()
        .take(3)
        .all(|e| get(e, "status").as_f64() == Some(200.0)));
    session.dispose();

    // A DSRCN that names the wrong cookie is what is sent (so the server finds nothing) ...
    let project = fresh_project();
    let cookie_name = unique("RCO");
    configure_refresh_cookie(&project, &cookie_name).await;
    let response = sign_in(&project, &unique("u")).await;
    let wrong = copy_of(&response, &[], &[("cookieName", "WRONG_NAME".into())]);
    let stored_only = join(&[r#""autoRefresh":false"#, NO_COOKIE]);
    let misled = manager(&options_in(&project, Some(&unique("A")), &stored_only));
    misled.apply(wrong.clone()).unwrap();
    assert_eq!(rejection(misled.refresh()).await.code, "unauthorized");
    misled.dispose();
    // ... and the refreshCookieName option wins over it, on every request.
    let named_options = options_in(
        &project,
        Some(&unique("B")),
        &join(&[&stored_only, &member("refreshCookieName", &cookie_name)]),
    );
    let named = manager(&named_options);
    named.apply(wrong).unwrap();
    assert_rotates(&named, "refresh with refreshCookieName").await;
    settle(named.me()).await.expect("me with refreshCookieName");
    let answer = settle(named.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants");
    assert!(get(&answer, "tenants").is_object());
    settle(named.logout())
        .await
        .expect("logout with refreshCookieName");
    // The server ended that family: the cookie no longer refreshes.
    let after = manager(&named_options);
    assert!(settle(after.refresh()).await.is_err());
    after.dispose();
    named.dispose();
    // A bad refreshCookieName is refused.
    assert_each_refused(
        &[
            r#"{"projectId":"P","refreshCookieName":"a b"}"#,
            r#"{"projectId":"P","refreshCookieName":7}"#,
            r#"{"projectId":"P","refreshCookieName":"a;b"}"#,
        ],
        SessionManager::new,
    );
}

#[wasm_bindgen_test]
async fn cookie_attributes_follow_the_response() {
    let project = fresh_project();
    let expires = now_s() + 3600.0;
    configure(
        &project,
        &[
            r#"{"sessionCookieName":"SKS","cookieName":"SKR","cookiePath":"/","cookieMaxAge":0,"cookieExpiration":"#,
            &expires.to_string(),
            r#","sessionCookieDomain":"127.0.0.1","cookieDomain":"example.com"}"#,
        ]
        .concat(),
    )
    .await;
    let session = signed_in(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"sameSite":"Lax","secure":false},"refreshTokenViaCookie":{"sameSite":"Strict","secure":false}"#,
    )
    .await;
    // Names from the response; both readable by the page; nothing left in storage.
    assert_eq!(cookie("SKS"), session.session_token());
    assert_eq!(cookie("SKR"), session.refresh_token());
    assert_eq!(cookie("DS"), None);
    assert_eq!(local(&key(&project, "DS")), None);
    assert_eq!(local(&key(&project, "DSR")), None);
    if let Some(record) = cookie_record("SKS").await {
        assert_eq!(get_str(&record, "path").as_deref(), Some("/"));
        assert_eq!(get_str(&record, "sameSite").as_deref(), Some("lax"));
        assert_eq!(get(&record, "secure").as_bool(), Some(false));
        // Expires from cookieExpiration (no Max-Age in this response), to the second.
        let at = get(&record, "expires").as_f64().unwrap();
        assert!((at - expires * 1000.0).abs() <= 1000.0, "{at}");
    }
    if let Some(record) = cookie_record("SKR").await {
        assert_eq!(get_str(&record, "sameSite").as_deref(), Some("strict"));
        // example.com is not this page's domain: the cookie is host-only.
        assert!(get(&record, "domain").is_null(), "{}", stringify(&record));
    }
    settle(session.logout()).await.unwrap();
    assert_eq!(cookie("SKS"), None);
    assert_eq!(cookie("SKR"), None);
    session.dispose();
}

#[wasm_bindgen_test]
async fn max_age_and_option_names_win() {
    let project = fresh_project();
    configure(
        &project,
        r#"{"sessionCookieName":"FROM_SERVER","cookieMaxAge":120}"#,
    )
    .await;
    let session = signed_in(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"name":"MY_DS","secure":false}"#,
    )
    .await;
    assert_eq!(cookie("MY_DS"), session.session_token());
    assert_eq!(cookie("FROM_SERVER"), None);
    if let Some(record) = cookie_record("MY_DS").await {
        let at = get(&record, "expires").as_f64().unwrap();
        let expected = js_sys::Date::now() + 120_000.0;
        assert!((at - expected).abs() < 5_000.0, "{at} vs {expected}");
        assert_eq!(get_str(&record, "sameSite").as_deref(), Some("strict"));
    }
    session.dispose();
}

#[wasm_bindgen_test]
async fn the_browser_enforces_max_age() {
    // Observable in every browser, with or without the Cookie Store API.
    let project = fresh_project();
    configure(&project, r#"{"cookieMaxAge":1}"#).await;
    let session = signed_in(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"secure":false}"#,
    )
    .await;
    assert_eq!(cookie("DS"), session.session_token());
    sleep(1_600).await;
    assert_eq!(cookie("DS"), None);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_refused_cookie_falls_back_to_storage() {
    let project = fresh_project();
    // A Path that does not cover this page: the browser stores the cookie, but the page can
    // never read it back, so the token must live in storage instead.
    configure(&project, r#"{"cookiePath":"/elsewhere"}"#).await;
    let session = signed_in(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"secure":false}"#,
    )
    .await;
    assert_eq!(cookie("DS"), None);
    assert_eq!(local(&key(&project, "DS")), session.session_token());
    // And it is restored from there.
    session.dispose();
    let again = manager(&options(&project, "\"autoRefresh\":false"));
    assert_eq!(again.session_token(), session.session_token());
    assert!(again.is_authenticated());
    again.dispose();
}

#[wasm_bindgen_test]
async fn secure_cookies_on_a_loopback_page() {
    // The default (Secure, SameSite=Strict) on http://127.0.0.1: browsers accept Secure there
    // as a potentially trustworthy origin; if one does not, the token must be in storage.
    let s = signed("\"autoRefresh\":false").await;
    let token = s.session.session_token();
    // Chrome and Firefox both count http://127.0.0.1 as potentially trustworthy.
    assert_eq!(cookie("DS"), token, "the Secure cookie was refused");
    assert_eq!(local(&key(&s.project, "DS")), None);
    if let Some(record) = cookie_record("DS").await {
        assert_eq!(get(&record, "secure").as_bool(), Some(true));
        assert_eq!(get_str(&record, "sameSite").as_deref(), Some("strict"));
    }
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn http_only_refresh_cookie_mode() {
    let (project, session) =
        fresh_configured(r#"{"refreshCookie":true}"#, "\"autoRefresh\":false").await;
    let response = sign_in(&project, &unique("u")).await;
    assert!(get(&response, "refreshJwt").is_undefined());
    session.apply(response).unwrap();
    assert!(session.is_authenticated());
    assert_eq!(session.refresh_token(), None);
    // The browser holds the refresh token where JS cannot see it.
    assert_eq!(cookie("DSR"), None);
    assert_rotates(&session, "refresh through the cookie").await;
    assert!(session.is_authenticated());
    settle(session.logout())
        .await
        .expect("logout through the cookie");
    assert!(!session.is_authenticated());
    // The server expired its cookie: a refresh now has nothing to present.
    assert_eq!(rejection(session.refresh()).await.code, "unauthorized");
    session.dispose();
}
