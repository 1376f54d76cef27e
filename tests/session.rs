//! Browser tests of `SessionManager` against the devserver over real HTTP: every endpoint,
//! cookies read back from the browser, persistence, clearing, events, error mapping, bad input.
// Browser tests only: natively (cargo test, cargo-mutants) the target is empty.
#![cfg(target_arch = "wasm32")]

mod web;

use gloo_net::http::Method;
use js_sys::Array;
use session_keeper::SessionManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh project, user and clean page, signed in and applied to a new manager.
struct Signed {
    project: String,
    login: String,
    session: SessionManager,
    response: JsValue,
}

async fn signed(extra_options: &str) -> Signed {
    clean_page();
    let project = unique("P");
    let login = [unique("user").as_str(), "@example.com"].concat();
    let session = manager(&options(&project, extra_options));
    let response = sign_in(&project, &login).await;
    session.apply(response.clone()).expect("apply");
    Signed {
        project,
        login,
        session,
        response,
    }
}

fn prefix(project: &str) -> String {
    [project, "."].concat()
}

#[wasm_bindgen_test]
async fn apply_fills_every_getter() {
    let s = signed("").await;
    let session_jwt = get_str(&s.response, "sessionJwt").unwrap();
    let refresh_jwt = get_str(&s.response, "refreshJwt").unwrap();
    assert_eq!(
        s.session.session_token().as_deref(),
        Some(session_jwt.as_str())
    );
    assert_eq!(
        s.session.refresh_token().as_deref(),
        Some(refresh_jwt.as_str())
    );
    assert!(s.session.is_authenticated());
    let claims = s.session.claims();
    assert_eq!(get_str(&claims, "iss").as_deref(), Some(s.project.as_str()));
    let exp = get(&claims, "exp").as_f64().unwrap();
    assert_eq!(s.session.expires_at(), Some(exp * 1000.0));
    // No nextRefreshSeconds from this server: due 20 s before expiry.
    assert_eq!(s.session.next_refresh_at(), Some(exp * 1000.0 - 20_000.0));
    let user = s.session.user();
    assert_eq!(get_str(&user, "email").as_deref(), Some(s.login.as_str()));
    assert_eq!(s.session.roles(None), ["viewer"]);
    assert_eq!(s.session.permissions(None), ["read"]);
    assert_eq!(s.session.roles(Some("T-acme".into())), ["admin"]);
    assert_eq!(
        s.session.permissions(Some("T-acme".into())),
        ["read", "write"]
    );
    assert!(s.session.roles(Some("T-none".into())).is_empty());
    assert_eq!(s.session.current_tenant(), None);
    // Default layout: session token in the DS cookie, refresh token in <prefix>DSR.
    assert_eq!(cookie("DS").as_deref(), Some(session_jwt.as_str()));
    assert_eq!(
        local(&[prefix(&s.project).as_str(), "DSR"].concat()).as_deref(),
        Some(refresh_jwt.as_str())
    );
    assert_eq!(local(&[prefix(&s.project).as_str(), "DS"].concat()), None);
    s.session.dispose();
}

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
    assert_eq!(
        local(&[prefix(&s.project).as_str(), "DSR"].concat()),
        Some(new_refresh)
    );
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
async fn me_and_history() {
    let s = signed("\"autoRefresh\":false").await;
    let changes = Recorder::new();
    let _unsubscribe = s.session.on_user_change(changes.function.clone());
    let user = settle(s.session.me()).await.expect("me");
    assert_eq!(get_str(&user, "email").as_deref(), Some(s.login.as_str()));
    assert_eq!(
        Array::from(&get(&user, "userTenants")).length(),
        2,
        "{}",
        stringify(&user)
    );
    assert_eq!(stringify(&s.session.user()), stringify(&user));
    // The same user again is not a change.
    assert_eq!(changes.count(), 0);
    let history = settle(s.session.history()).await.expect("history");
    let history = Array::from(&history);
    assert_eq!(history.length(), 1);
    let entry = history.get(0);
    assert!(get_str(&entry, "userId").is_some());
    assert!(get(&entry, "loginTime").as_f64().unwrap() > 1.6e9);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn select_tenant_sets_dct_and_rotates() {
    let s = signed("\"autoRefresh\":false").await;
    let old_refresh = s.session.refresh_token();
    let response = settle(s.session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    assert!(get_str(&response, "sessionJwt").is_some());
    assert_eq!(s.session.current_tenant().as_deref(), Some("T-acme"));
    assert_eq!(
        get_str(&s.session.claims(), "dct").as_deref(),
        Some("T-acme")
    );
    assert_ne!(s.session.refresh_token(), old_refresh);
    // A tenant that is not the user's: 400, session kept.
    let err = settle(s.session.select_tenant("T-other".into()))
        .await
        .unwrap_err();
    let f = failure(&err);
    assert_eq!((f.code.as_str(), f.status), ("http", Some(400.0)));
    assert_eq!(f.error_code.as_deref(), Some("E011003"));
    assert!(s.session.is_authenticated());
    // Bad argument: no request at all.
    let before = count(&s.project, "/v1/auth/tenant/select").await;
    let err = settle(s.session.select_tenant(JsValue::from(5)))
        .await
        .unwrap_err();
    assert_eq!(failure(&err).code, "invalid_argument");
    let err = settle(s.session.select_tenant("".into()))
        .await
        .unwrap_err();
    assert_eq!(failure(&err).code, "invalid_argument");
    assert_eq!(count(&s.project, "/v1/auth/tenant/select").await, before);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn validate_sends_the_session_token() {
    let s = signed("\"autoRefresh\":false").await;
    let answer = settle(s.session.validate()).await.expect("validate");
    let parsed = get(&answer, "parsedJWT");
    assert_eq!(get_str(&parsed, "iss").as_deref(), Some(s.project.as_str()));
    assert_eq!(get_str(&parsed, "sub"), get_str(&s.session.claims(), "sub"));
    s.session.dispose();
    // Without a session there is nothing to validate.
    clean_page();
    let empty = manager(&options(&unique("P"), "\"autoRefresh\":false"));
    let err = settle(empty.validate()).await.unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    empty.dispose();
}

#[wasm_bindgen_test]
async fn security_questions_verify_applies_the_new_session() {
    let s = signed("\"autoRefresh\":false").await;
    let old_session = s.session.session_token();
    let request = json(
        r#"{"answers":[{"questionId":"q-color","answer":"Blue"},{"questionId":"q-city","answer":" paris "}],"stepup":true}"#,
    );
    let response = settle(s.session.verify_security_questions(request))
        .await
        .expect("verify");
    assert!(get_str(&response, "sessionJwt").is_some());
    assert_ne!(s.session.session_token(), old_session);
    assert_eq!(get(&s.session.claims(), "su").as_bool(), Some(true));
    // A wrong answer: 401, the session stays.
    let before = s.session.session_token();
    let wrong = json(r#"{"answers":[{"questionId":"q-color","answer":"red"}]}"#);
    let err = settle(s.session.verify_security_questions(wrong))
        .await
        .unwrap_err();
    let f = failure(&err);
    assert_eq!((f.code.as_str(), f.status), ("unauthorized", Some(401.0)));
    assert_eq!(s.session.session_token(), before);
    // A malformed request never leaves the browser.
    let sent = count(&s.project, "/v1/auth/security-questions/verify").await;
    for bad in [
        json(r#"{"answers":"blue"}"#),
        json(r#"{"answers":[{"questionId":1,"answer":"x"}]}"#),
        JsValue::from("blue"),
        JsValue::NULL,
    ] {
        let err = settle(s.session.verify_security_questions(bad))
            .await
            .unwrap_err();
        assert_eq!(failure(&err).code, "invalid_argument");
    }
    assert_eq!(
        count(&s.project, "/v1/auth/security-questions/verify").await,
        sent
    );
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn access_key_exchange() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, "\"autoRefresh\":false"));
    let options = json(r#"{"customClaims":{"k":"v"}}"#);
    let answer = settle(
        session.exchange_access_key("demo-access-key".into(), Some(options.unchecked_into())),
    )
    .await
    .expect("exchange");
    assert_eq!(get_str(&answer, "keyId").as_deref(), Some("K-demo"));
    assert!(get_str(&answer, "sessionJwt").is_some());
    assert!(get(&answer, "expiration").as_f64().is_some());
    // The exchange does not sign anyone in.
    assert!(!session.is_authenticated());
    let err = settle(session.exchange_access_key("wrong-key".into(), None))
        .await
        .unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    let err = settle(session.exchange_access_key("".into(), None))
        .await
        .unwrap_err();
    assert_eq!(failure(&err).code, "invalid_argument");
    session.dispose();
}

#[wasm_bindgen_test]
async fn cookie_attributes_follow_the_response() {
    clean_page();
    let project = unique("P");
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
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"sameSite":"Lax","secure":false},"refreshTokenViaCookie":{"sameSite":"Strict","secure":false}"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    // Names from the response; both readable by the page; nothing left in storage.
    assert_eq!(cookie("SKS"), session.session_token());
    assert_eq!(cookie("SKR"), session.refresh_token());
    assert_eq!(cookie("DS"), None);
    assert_eq!(local(&[project.as_str(), ".DS"].concat()), None);
    assert_eq!(local(&[project.as_str(), ".DSR"].concat()), None);
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
    clean_page();
    let project = unique("P");
    configure(
        &project,
        r#"{"sessionCookieName":"FROM_SERVER","cookieMaxAge":120}"#,
    )
    .await;
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"name":"MY_DS","secure":false}"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
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
    clean_page();
    let project = unique("P");
    configure(&project, r#"{"cookieMaxAge":1}"#).await;
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"secure":false}"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(cookie("DS"), session.session_token());
    sleep(1_600).await;
    assert_eq!(cookie("DS"), None);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_refused_cookie_falls_back_to_storage() {
    clean_page();
    let project = unique("P");
    // A Path that does not cover this page: the browser stores the cookie, but the page can
    // never read it back, so the token must live in storage instead.
    configure(&project, r#"{"cookiePath":"/elsewhere"}"#).await;
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"secure":false}"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(cookie("DS"), None);
    assert_eq!(
        local(&[project.as_str(), ".DS"].concat()),
        session.session_token()
    );
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
    assert_eq!(local(&[prefix(&s.project).as_str(), "DS"].concat()), None);
    if let Some(record) = cookie_record("DS").await {
        assert_eq!(get(&record, "secure").as_bool(), Some(true));
        assert_eq!(get_str(&record, "sameSite").as_deref(), Some("strict"));
    }
    s.session.dispose();
}

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
    let s = signed(r#""persist":"sessionStorage","sessionTokenViaCookie":false"#).await;
    let p = prefix(&s.project);
    assert_eq!(
        session_item(&[p.as_str(), "DS"].concat()),
        s.session.session_token()
    );
    assert_eq!(
        session_item(&[p.as_str(), "DSR"].concat()),
        s.session.refresh_token()
    );
    assert_eq!(local(&[p.as_str(), "DSR"].concat()), None);
    assert_eq!(cookie("DS"), None);
    s.session.dispose();
    let again = manager(&options(
        &s.project,
        r#""persist":"sessionStorage","sessionTokenViaCookie":false"#,
    ));
    assert_eq!(again.session_token(), s.session.session_token());
    assert_eq!(again.refresh_token(), s.session.refresh_token());
    again.dispose();
}

#[wasm_bindgen_test]
async fn memory_keeps_nothing_behind() {
    let s = signed(r#""persist":"memory","sessionTokenViaCookie":false,"autoRefresh":false"#).await;
    assert!(s.session.is_authenticated());
    assert!(local_keys().iter().all(|k| !k.starts_with(&s.project)));
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
    clean_page();
    let project = unique("P");
    let response = sign_in(&project, &unique("u")).await;
    let session_jwt = get_str(&response, "sessionJwt").unwrap();
    let refresh_jwt = get_str(&response, "refreshJwt").unwrap();
    // What @descope/web-js-sdk (persistTokens, sessionTokenViaCookie) leaves: DS cookie, DSR key.
    let document = html_document();
    document
        .set_cookie(&["DS=", &session_jwt, "; Path=/; SameSite=Strict"].concat())
        .unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("DSR", &refresh_jwt).unwrap();
    storage.set_item("DSI", "an-id-token").unwrap();
    let session = manager(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":""#,
            devserver(),
            r#"","autoRefresh":false}"#,
        ]
        .concat(),
    );
    assert_eq!(session.session_token(), Some(session_jwt));
    assert_eq!(session.refresh_token(), Some(refresh_jwt));
    assert!(session.is_authenticated());
    // And the session works: it refreshes with the SDK's refresh token.
    settle(session.refresh()).await.expect("refresh");
    settle(session.logout()).await.expect("logout");
    assert_eq!(storage.get_item("DSR").unwrap(), None);
    assert_eq!(storage.get_item("DSI").unwrap(), None);
    assert_eq!(cookie("DS"), None);
    session.dispose();
}

/// Subscribes a recorder to every event.
struct Watch {
    token: Recorder,
    user: Recorder,
    auth: Recorder,
    error: Recorder,
}

fn watch(session: &SessionManager) -> Watch {
    let w = Watch {
        token: Recorder::new(),
        user: Recorder::new(),
        auth: Recorder::new(),
        error: Recorder::new(),
    };
    session.on_session_token_change(w.token.function.clone());
    session.on_user_change(w.user.function.clone());
    session.on_is_authenticated_change(w.auth.function.clone());
    session.on_refresh_error(w.error.function.clone());
    w
}

#[wasm_bindgen_test]
async fn events_fire_once_per_change_and_unsubscribe() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, "\"autoRefresh\":false"));
    let w = watch(&session);
    let extra = Recorder::new();
    let unsubscribe = session.on_session_token_change(extra.function.clone());
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (1, 1, 1));
    assert_eq!(w.token.last().as_string(), session.session_token());
    assert_eq!(w.auth.last().as_bool(), Some(true));
    assert_eq!(extra.count(), 1);
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    settle(session.refresh()).await.unwrap();
    // A new token; same user (not a change); still authenticated (not a change).
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (2, 1, 1));
    assert_eq!(w.token.last().as_string(), session.session_token());
    assert_eq!(extra.count(), 1, "unsubscribed callback was called");
    settle(session.logout()).await.unwrap();
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (3, 2, 2));
    assert!(w.token.last().is_undefined());
    assert!(w.user.last().is_undefined());
    assert_eq!(w.auth.last().as_bool(), Some(false));
    // A second logout changes nothing: no events.
    let _ = settle(session.logout()).await;
    assert_eq!((w.token.count(), w.user.count(), w.auth.count()), (3, 2, 2));
    assert_eq!(w.error.count(), 0);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_callback_that_throws_does_not_break_the_others() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, "\"autoRefresh\":false"));
    let thrower = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {
        wasm_bindgen::throw_str("callback failure");
    });
    session.on_session_token_change(thrower.as_ref().unchecked_ref::<js_sys::Function>().clone());
    let after = Recorder::new();
    session.on_session_token_change(after.function.clone());
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(after.count(), 1);
    assert!(session.is_authenticated());
    session.dispose();
}

fn assert_cleared(project: &str, session: &SessionManager) {
    assert_eq!(session.session_token(), None);
    assert_eq!(session.refresh_token(), None);
    assert!(session.user().is_undefined());
    assert!(!session.is_authenticated());
    assert!(session.claims().is_undefined());
    assert_eq!(session.next_refresh_at(), None);
    assert_eq!(cookie("DS"), None);
    let leftovers: Vec<String> = local_keys()
        .into_iter()
        .filter(|k| k.starts_with(project))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

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
    let bearer = [s.project.as_str(), ":", &refresh].concat();
    let (status, _) = request(Method::POST, "/v1/auth/refresh", Some(&bearer), Some("{}")).await;
    assert_eq!(status, 401);
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
    let bearer = [
        s.project.as_str(),
        ":",
        &get_str(&other, "refreshJwt").unwrap(),
    ]
    .concat();
    let (status, _) = request(Method::POST, "/v1/auth/refresh", Some(&bearer), Some("{}")).await;
    assert_eq!(status, 401, "the other device's token survived logout-all");
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn a_failed_logout_still_clears_then_rejects() {
    for path in ["/v1/auth/logout", "/v1/auth/logoutall"] {
        let s = signed("").await;
        fault(
            &[
                r#"{"path":""#,
                path,
                r#"","status":500,"project":""#,
                &s.project,
                r#""}"#,
            ]
            .concat(),
        )
        .await;
        let w = watch(&s.session);
        let promise = if path == "/v1/auth/logout" {
            s.session.logout()
        } else {
            s.session.logout_all()
        };
        // Cleared before the answer arrives.
        assert_cleared(&s.project, &s.session);
        let err = settle(promise).await.unwrap_err();
        let f = failure(&err);
        assert_eq!(
            (f.name.as_str(), f.code.as_str(), f.status),
            ("SessionError", "http", Some(500.0))
        );
        assert_cleared(&s.project, &s.session);
        assert_eq!((w.token.count(), w.auth.count()), (1, 1));
        s.session.dispose();
    }
    // A server that cannot be reached at all.
    clean_page();
    let project = unique("P");
    let session = manager(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":"http://127.0.0.1:9","storagePrefix":"x."}"#,
        ]
        .concat(),
    );
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    let err = settle(session.logout()).await.unwrap_err();
    assert_eq!(failure(&err).code, "network");
    assert!(!session.is_authenticated());
    assert!(local_keys().iter().all(|k| !k.starts_with("x.")));
    session.dispose();
}

#[wasm_bindgen_test]
async fn http_only_refresh_cookie_mode() {
    clean_page();
    let project = unique("P");
    configure(&project, r#"{"refreshCookie":true}"#).await;
    let session = manager(&options(&project, "\"autoRefresh\":false"));
    let response = sign_in(&project, &unique("u")).await;
    assert!(get(&response, "refreshJwt").is_undefined());
    session.apply(response).unwrap();
    assert!(session.is_authenticated());
    assert_eq!(session.refresh_token(), None);
    // The browser holds the refresh token where JS cannot see it.
    assert_eq!(cookie("DSR"), None);
    let before = session.session_token();
    settle(session.refresh())
        .await
        .expect("refresh through the cookie");
    assert_ne!(session.session_token(), before);
    assert!(session.is_authenticated());
    settle(session.logout())
        .await
        .expect("logout through the cookie");
    assert!(!session.is_authenticated());
    // The server expired its cookie: a refresh now has nothing to present.
    let err = settle(session.refresh()).await.unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    session.dispose();
}

/// Injects one fault on `/v1/auth/me` for this project and returns the rejection of `me()`.
async fn me_with_fault(s: &Signed, spec: &str) -> Failure {
    fault(
        &[
            r#"{"path":"/v1/auth/me","project":""#,
            &s.project,
            r#"","#,
            spec,
            "}",
        ]
        .concat(),
    )
    .await;
    failure(&settle(s.session.me()).await.unwrap_err())
}

#[wasm_bindgen_test]
async fn errors_map_to_session_errors() {
    let s = signed(r#""autoRefresh":false,"requestTimeoutMs":400"#).await;
    let token = s.session.refresh_token().unwrap();
    let f = me_with_fault(&s, r#""status":400,"body":{"errorCode":"E011003","errorDescription":"Request is invalid","errorMessage":"bad"}"#).await;
    assert_eq!(
        (f.name.as_str(), f.code.as_str(), f.status),
        ("SessionError", "http", Some(400.0))
    );
    assert_eq!(f.error_code.as_deref(), Some("E011003"));
    let f = me_with_fault(&s, r#""status":401"#).await;
    assert_eq!((f.code.as_str(), f.status), ("unauthorized", Some(401.0)));
    assert_eq!(f.error_code.as_deref(), Some("E999999"));
    let f = me_with_fault(&s, r#""status":403"#).await;
    assert_eq!((f.code.as_str(), f.status), ("forbidden", Some(403.0)));
    let f = me_with_fault(&s, r#""status":429,"retryAfter":7"#).await;
    assert_eq!(
        (f.code.as_str(), f.status, f.retry_after),
        ("rate_limited", Some(429.0), Some(7.0))
    );
    let f = me_with_fault(&s, r#""status":500"#).await;
    assert_eq!((f.code.as_str(), f.status), ("http", Some(500.0)));
    let f = me_with_fault(&s, r#""status":502,"body":"<html>Bad gateway</html>""#).await;
    assert_eq!((f.code.as_str(), f.status), ("http", Some(502.0)));
    let f = me_with_fault(&s, r#""delayMs":2000"#).await;
    assert_eq!(f.code, "timeout");
    let f = me_with_fault(&s, r#""body":"malformed""#).await;
    assert_eq!(f.code, "invalid_response");
    let f = me_with_fault(&s, r#""body":[1,2]"#).await;
    assert_eq!(f.code, "invalid_response");
    // None of these messages carries a token; the session is untouched by them.
    for msg in [&f.message] {
        assert!(!msg.contains(&token));
    }
    assert!(s.session.is_authenticated());
    settle(s.session.me()).await.expect("me works again");
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn a_refresh_refused_with_401_clears_the_session_once() {
    let s = signed("\"autoRefresh\":false").await;
    let w = watch(&s.session);
    fault(
        &[
            r#"{"path":"/v1/auth/refresh","status":401,"project":""#,
            &s.project,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let err = settle(s.session.refresh()).await.unwrap_err();
    let f = failure(&err);
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
    fault(
        &[
            r#"{"path":"/v1/auth/refresh","status":503,"project":""#,
            &s.project,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let err = settle(s.session.refresh()).await.unwrap_err();
    assert_eq!(failure(&err).status, Some(503.0));
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
async fn bad_responses_are_refused_and_change_nothing() {
    let s = signed("\"autoRefresh\":false").await;
    let token = s.session.session_token();
    let big_claim = "x".repeat(1 << 20);
    let huge = fake_jwt(
        &[
            r#"{"exp":"#,
            &(now_s() + 600.0).to_string(),
            r#","pad":""#,
            &big_claim,
            r#""}"#,
        ]
        .concat(),
    );
    let bad: Vec<JsValue> = vec![
        JsValue::from("not an object"),
        JsValue::NULL,
        JsValue::UNDEFINED,
        json("[]"),
        json("{}"),
        json(r#"{"sessionJwt":42}"#),
        json(r#"{"sessionJwt":"not-a-jwt"}"#),
        json(r#"{"sessionJwt":"a.b.c"}"#),
        json(r#"{"sessionJwt":"has spaces . in . it"}"#),
        object(&[
            ("sessionJwt", fake_jwt(r#"{"exp":1}"#).into()),
            ("refreshJwt", "bad token\n".into()),
        ]),
        object(&[
            ("sessionJwt", fake_jwt(r#"{"exp":1}"#).into()),
            ("cookieMaxAge", "soon".into()),
        ]),
        object(&[
            ("sessionJwt", fake_jwt(r#"{"exp":1}"#).into()),
            ("nextRefreshSeconds", json("{}")),
        ]),
        object(&[("sessionJwt", fake_jwt("[1,2]").into())]),
        object(&[("sessionJwt", ["x", &"y".repeat(3 << 20)].concat().into())]),
    ];
    for response in bad {
        let err = s.session.apply(response.clone()).unwrap_err();
        assert!(
            matches!(err.code, session_keeper::ErrorCode::InvalidResponse),
            "{:?} for {}",
            err.code,
            stringify(&response)
        );
        assert_eq!(s.session.session_token(), token, "{}", stringify(&response));
    }
    // A 1 MB token is too big for a cookie: it is kept in storage instead, and works.
    s.session
        .apply(object(&[
            ("sessionJwt", huge.clone().into()),
            ("refreshJwt", s.session.refresh_token().unwrap().into()),
        ]))
        .expect("a 1 MB session token");
    assert_eq!(s.session.session_token().as_deref(), Some(huge.as_str()));
    assert_eq!(cookie("DS"), None);
    assert_eq!(
        local(&[prefix(&s.project).as_str(), "DS"].concat()).as_deref(),
        Some(huge.as_str())
    );
    // The module is alive: a normal round trip works.
    settle(s.session.refresh())
        .await
        .expect("refresh after bad input");
    assert!(s.session.is_authenticated());
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn garbage_in_storage_is_ignored() {
    for (ds, dsr, meta, user) in [
        ("garbage", "also garbage with spaces", "x\ny", "{not json"),
        ("e30.e30", "\u{1F600}", "sk1\n1\nNaN\n\n\n\n\n\n", "[1,2]"),
        ("", "", "", "null"),
    ] {
        clean_page();
        let project = unique("P");
        let p = prefix(&project);
        let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        storage.set_item(&[p.as_str(), "DS"].concat(), ds).unwrap();
        storage
            .set_item(&[p.as_str(), "DSR"].concat(), dsr)
            .unwrap();
        storage
            .set_item(&[p.as_str(), "DSM"].concat(), meta)
            .unwrap();
        storage
            .set_item(&[p.as_str(), "DSU"].concat(), user)
            .unwrap();
        let document = html_document();
        document.set_cookie("DS=%%%garbage%%%; Path=/").unwrap();
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
    clean_page();
    let project = unique("P");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item(&[project.as_str(), ".DSR"].concat(), "eyJnot.a.token")
        .unwrap();
    let session = manager(&options(&project, ""));
    // Only a refresh token: the start-up refresh runs, is refused, and clears it.
    settle(session.ready()).await.unwrap();
    assert!(!session.is_authenticated());
    assert_eq!(local(&[project.as_str(), ".DSR"].concat()), None);
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    session.dispose();
}

#[wasm_bindgen_test]
async fn every_invalid_option_is_refused() {
    clean_page();
    let bad = [
        "undefined",
        "null",
        "5",
        r#""P""#,
        "{}",
        r#"{"projectId":""}"#,
        r#"{"projectId":7}"#,
        r#"{"projectId":"has space"}"#,
        r#"{"projectId":"P","baseUrl":"not a url"}"#,
        r#"{"projectId":"P","baseUrl":42}"#,
        r#"{"projectId":"P","storagePrefix":{}}"#,
        r#"{"projectId":"P","persist":"disk"}"#,
        r#"{"projectId":"P","sessionTokenViaCookie":"yes"}"#,
        r#"{"projectId":"P","sessionTokenViaCookie":{"sameSite":"strict"}}"#,
        r#"{"projectId":"P","sessionTokenViaCookie":{"name":"a b"}}"#,
        r#"{"projectId":"P","refreshTokenViaCookie":{"domain":"a;b"}}"#,
        r#"{"projectId":"P","refreshTokenViaCookie":{"sameSite":"None","secure":false}}"#,
        r#"{"projectId":"P","autoRefresh":1}"#,
        r#"{"projectId":"P","crossTab":"no"}"#,
        r#"{"projectId":"P","requestTimeoutMs":0}"#,
        r#"{"projectId":"P","requestTimeoutMs":-1}"#,
        r#"{"projectId":"P","requestTimeoutMs":"10"}"#,
    ];
    for text in bad {
        let options = if text == "undefined" {
            JsValue::UNDEFINED
        } else {
            json(text)
        };
        let err = match SessionManager::new(options) {
            Ok(_) => panic!("accepted {text}"),
            Err(err) => JsValue::from(err),
        };
        let f = failure(&err);
        assert_eq!(
            (f.name.as_str(), f.code.as_str()),
            ("SessionError", "invalid_argument"),
            "{text}"
        );
    }
    // NaN and Infinity cannot be written in JSON.
    for n in [f64::NAN, f64::INFINITY] {
        let options = object(&[("projectId", "P".into()), ("requestTimeoutMs", n.into())]);
        assert!(SessionManager::new(options).is_err());
    }
    // The module still works after all of that.
    let s = signed("\"autoRefresh\":false").await;
    assert!(s.session.is_authenticated());
    settle(s.session.refresh()).await.expect("refresh");
    s.session.dispose();
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
    assert!(local(&[prefix(&s.project).as_str(), "DSR"].concat()).is_some());
}

#[wasm_bindgen_test]
async fn automatic_refresh_at_next_refresh_seconds() {
    clean_page();
    let project = unique("P");
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let session = manager(&options(&project, ""));
    let w = watch(&session);
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    let due = session.next_refresh_at().unwrap();
    assert!((due - js_sys::Date::now() - 1000.0).abs() < 200.0);
    sleep(1_600).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    assert_eq!(w.token.count(), 2);
    assert!(session.next_refresh_at().unwrap() > due);
    session.dispose();
}
