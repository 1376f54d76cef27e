//! Browser tests (Chrome and Firefox, against the devserver) of the Descope-config parity
//! features (API.md §6): the `cookieName` alias, activity tracking, `onClaimsChange`, the keys
//! shared with `@descope/web-js-sdk` (`DSLI`, last user), `DSRCN` / `refreshCookieName` and the
//! start-up `try-refresh`, `tenants` / `myTenants`, `baseHeaders` and `hooks`, the framework
//! store (`subscribe` / `getSnapshot`) and the regional API host.
//!
//! The devserver's request log does not record request headers: headers are checked where the
//! server acts on them (`x-descope-refresh-cookie-name` picks the refresh cookie it reads) and
//! otherwise through what `hooks.beforeRequest` is shown.
// Browser tests only: natively (cargo test, cargo-mutants) the target is empty.
#![cfg(target_arch = "wasm32")]

mod web;

use gloo_net::http::Method;
use js_sys::{Array, Function, Object, Reflect};
use session_keeper::SessionManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::*;

wasm_bindgen_test_configure!(run_in_browser);

const LOGGED_IN: &str = "DSLI";
const LAST_LOGIN_ID: &str = "dls_last_user_login_id";
const LAST_NAME: &str = "dls_last_user_display_name";
const TRACKING: &str = r#""autoRefresh":{"customActivityTracking":true}"#;
/// Tokens in storage only: managers of several projects on one page do not share the `DS`
/// cookie.
const NO_COOKIE: &str = r#""sessionTokenViaCookie":false"#;

fn key(project: &str, suffix: &str) -> String {
    [project, ".", suffix].concat()
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// A manager from an options object; panics when it is refused.
fn build(options: JsValue) -> SessionManager {
    match SessionManager::new(options.clone()) {
        Ok(session) => session,
        Err(err) => panic!(
            "options refused ({}): {}",
            failure(&JsValue::from(err)).message,
            stringify(&options)
        ),
    }
}

/// The test options of `project` with `extra` JSON members and JS values set on top.
fn options_with(project: &str, extra: &str, values: &[(&str, JsValue)]) -> JsValue {
    let options = json(&options(project, extra));
    for (name, value) in values {
        Reflect::set(&options, &(*name).into(), value).unwrap();
    }
    options
}

/// Asserts that the constructor refuses `options` with a `SessionError` `invalid_argument`.
fn assert_refused(options: JsValue, what: &str) {
    let err = match SessionManager::new(options) {
        Ok(session) => {
            session.dispose();
            panic!("accepted {what}");
        }
        Err(err) => JsValue::from(err),
    };
    let f = failure(&err);
    assert_eq!(
        (f.name.as_str(), f.code.as_str()),
        ("SessionError", "invalid_argument"),
        "{what}"
    );
}

/// Asserts that a promise rejects with a `SessionError` `invalid_argument`.
async fn assert_rejected_invalid(promise: js_sys::Promise, what: &str) {
    let err = settle(promise)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted {what}"));
    let f = failure(&err);
    assert_eq!(
        (f.name.as_str(), f.code.as_str()),
        ("SessionError", "invalid_argument"),
        "{what}"
    );
}

/// `Object.keys(value)`.
fn keys(value: &JsValue) -> Vec<String> {
    Object::keys(value.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

fn items(value: &JsValue) -> Vec<JsValue> {
    Array::from(value).iter().collect()
}

/// The `id`s of a `{tenants: [...]}` answer.
fn tenant_ids(answer: &JsValue) -> Vec<String> {
    items(&get(answer, "tenants"))
        .iter()
        .filter_map(|t| get_str(t, "id"))
        .collect()
}

fn strings(value: &JsValue) -> Vec<String> {
    items(value).iter().filter_map(|v| v.as_string()).collect()
}

/// A shallow copy of a JWT response with `remove` left out and `set` set.
fn copy_of(response: &JsValue, remove: &[&str], set: &[(&str, JsValue)]) -> JsValue {
    let copy: JsValue = Object::assign(&Object::new(), response.unchecked_ref()).into();
    for name in remove {
        Reflect::delete_property(copy.unchecked_ref::<Object>(), &(*name).into()).unwrap();
    }
    for (name, value) in set {
        Reflect::set(&copy, &(*name).into(), value).unwrap();
    }
    copy
}

/// Polls `condition` every 25 ms for up to `ms`; answers whether it became true.
async fn eventually(ms: f64, condition: impl Fn() -> bool) -> bool {
    let start = js_sys::Date::now();
    loop {
        if condition() {
            return true;
        }
        if js_sys::Date::now() - start > ms {
            return false;
        }
        sleep(25).await;
    }
}

/// Polls the devserver until `project` sent `n` requests to `path` (or `ms` passed); answers
/// the count then.
async fn count_reaches(project: &str, path: &str, n: usize, ms: f64) -> usize {
    let start = js_sys::Date::now();
    loop {
        let seen = count(project, path).await;
        if seen >= n || js_sys::Date::now() - start > ms {
            return seen;
        }
        sleep(50).await;
    }
}

/// The `DSLI` value a session expiry (epoch seconds) is written as.
fn seconds_text(seconds: f64) -> String {
    (seconds as u64).to_string()
}

/// `hooks.beforeRequest` that records each config in `state.seen` and answers what
/// `state.impl(config)` answers, when `state.impl` is set (else nothing: the request as it is).
fn before_hook(state: &JsValue) -> Function {
    js_fn(
        "state",
        "return function (config) { state.seen.push(config); \
         return state.impl ? state.impl(config) : undefined; };",
    )
    .call1(&JsValue::UNDEFINED, state)
    .unwrap()
    .unchecked_into()
}

/// `hooks.afterRequest` that records `[request, response]` in `state.after`, and throws when
/// `state.afterThrows`.
fn after_hook(state: &JsValue) -> Function {
    js_fn(
        "state",
        "return function (request, response) { state.after.push([request, response]); \
         if (state.afterThrows) throw new Error('afterRequest failed on purpose'); };",
    )
    .call1(&JsValue::UNDEFINED, state)
    .unwrap()
    .unchecked_into()
}

fn hook_state() -> JsValue {
    object(&[
        ("seen", Array::new().into()),
        ("after", Array::new().into()),
    ])
}

fn hooks(state: &JsValue) -> JsValue {
    object(&[
        ("beforeRequest", before_hook(state).into()),
        ("afterRequest", after_hook(state).into()),
    ])
}

fn set_impl(state: &JsValue, args: &str, body: &str) {
    Reflect::set(state, &"impl".into(), &js_fn(args, body)).unwrap();
}

fn clear_impl(state: &JsValue) {
    Reflect::set(state, &"impl".into(), &JsValue::UNDEFINED).unwrap();
}

fn seen(state: &JsValue) -> Vec<JsValue> {
    items(&get(state, "seen"))
}

fn after(state: &JsValue) -> Vec<JsValue> {
    items(&get(state, "after"))
}

/// Expires the default session cookie (written `Secure; SameSite=Strict` by the package).
fn expire_ds_cookie() {
    let document = html_document();
    document
        .set_cookie("DS=; Max-Age=0; Path=/; Secure; SameSite=Strict")
        .unwrap();
    document.set_cookie("DS=; Max-Age=0; Path=/").unwrap();
}

// ---- 1. cookieName ----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn cookie_name_is_an_alias_of_name() {
    clean_page();
    for text in [
        r#"{"projectId":"P","sessionTokenViaCookie":{"name":"A","cookieName":"B"}}"#,
        r#"{"projectId":"P","refreshTokenViaCookie":{"name":"A","cookieName":"B"}}"#,
        r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"a b"}}"#,
        r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"a;b"}}"#,
        r#"{"projectId":"P","refreshTokenViaCookie":{"cookieName":5}}"#,
    ] {
        assert_refused(json(text), text);
    }
    // After the refusals: the alias names the cookies (and `name` equal to it is fine).
    let project = unique("P");
    let text = options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"cookieName":"ALIAS_S","secure":false},"refreshTokenViaCookie":{"cookieName":"ALIAS_R","name":"ALIAS_R","secure":false}"#,
    );
    let session = manager(&text);
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
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
    storage().remove_item(&key(&project, "DSM")).unwrap();
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

// ---- 3. activity tracking ---------------------------------------------------------------

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
    assert_eq!(
        count_reaches(&tracked, "/v1/auth/refresh", 1, 1_000.0).await,
        1
    );
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
    assert_eq!(
        count_reaches(&tracked, "/v1/auth/refresh", 2, 1_600.0).await,
        2
    );
    // And again no activity: skipped.
    sleep(1_400).await;
    assert_eq!(count(&tracked, "/v1/auth/refresh").await, 2);
    assert_eq!(t.next_refresh_at(), None);
    assert!(t.is_authenticated());
    t.dispose();
}

#[wasm_bindgen_test]
async fn activity_in_another_tab_counts_and_one_refresh_serves_all() {
    clean_page();
    let project = unique("P");
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let text = options(&project, &join(&[NO_COOKIE, TRACKING]));
    // Three tabs of the origin; B signs in, A and C follow.
    let b = manager(&text);
    let a = manager(&text);
    let c = manager(&text);
    b.apply(sign_in(&project, &unique("u")).await).unwrap();
    let first = b.session_token();
    assert!(
        eventually(1_000.0, || a.session_token() == first
            && c.session_token() == first)
        .await
    );
    // The user is active in A only, and A closes before the refresh is due: B and C refresh
    // anyway (one request between them).
    a.mark_user_active();
    sleep(100).await;
    a.dispose();
    assert_eq!(
        count_reaches(&project, "/v1/auth/refresh", 1, 2_000.0).await,
        1
    );
    assert!(
        eventually(1_000.0, || b.session_token() != first
            && c.session_token() == b.session_token())
        .await
    );
    let second = b.session_token();
    // No activity anywhere in the new period: both skip.
    sleep(1_400).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    assert_eq!((b.next_refresh_at(), c.next_refresh_at()), (None, None));
    // Activity in C: both were waiting for it; still one refresh for the cycle.
    c.mark_user_active();
    assert_eq!(
        count_reaches(&project, "/v1/auth/refresh", 2, 1_000.0).await,
        2
    );
    assert!(
        eventually(1_000.0, || b.session_token() != second
            && c.session_token() == b.session_token())
        .await
    );
    sleep(300).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 2);
    b.dispose();
    c.dispose();
}

#[wasm_bindgen_test]
async fn bad_custom_activity_tracking_is_refused() {
    clean_page();
    for text in [
        r#"{"projectId":"P","autoRefresh":{"customActivityTracking":"yes"}}"#,
        r#"{"projectId":"P","autoRefresh":{"customActivityTracking":1}}"#,
        r#"{"projectId":"P","autoRefresh":"yes"}"#,
        r#"{"projectId":"P","autoRefresh":[true]}"#,
    ] {
        assert_refused(json(text), text);
    }
    // The module still works, tracking included.
    let project = unique("P");
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let session = manager(&options(&project, &join(&[NO_COOKIE, TRACKING])));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    session.mark_user_active();
    assert_eq!(
        count_reaches(&project, "/v1/auth/refresh", 1, 2_000.0).await,
        1
    );
    assert!(session.is_authenticated());
    session.dispose();
}

// ---- 4. onClaimsChange ------------------------------------------------------------------

#[wasm_bindgen_test]
async fn on_claims_change_fires_once_per_token_change() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    let claims = Recorder::new();
    let tokens = Recorder::new();
    let unsubscribe = session.on_claims_change(claims.function.clone());
    session.on_session_token_change(tokens.function.clone());
    let response = sign_in(&project, &unique("u")).await;
    session.apply(response.clone()).unwrap();
    assert_eq!(claims.count(), 1);
    let first = claims.last();
    assert!(
        Object::is(&first, &session.claims()),
        "not the claims object"
    );
    assert_eq!(get_str(&first, "iss").as_deref(), Some(project.as_str()));
    // The same tokens again: no change, no call.
    session.apply(response).unwrap();
    assert_eq!(claims.count(), 1);
    // A refresh: one call with the new claims.
    settle(session.refresh()).await.expect("refresh");
    assert_eq!(claims.count(), 2);
    assert!(Object::is(&claims.last(), &session.claims()));
    assert!(!Object::is(&claims.last(), &first));
    // The user alone (me): no call.
    settle(session.me()).await.expect("me");
    assert_eq!(claims.count(), 2);
    // A tenant select: its dct.
    settle(session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    assert_eq!(claims.count(), 3);
    assert_eq!(get_str(&claims.last(), "dct").as_deref(), Some("T-acme"));
    assert!(Object::is(&claims.last(), &session.claims()));
    // Logout: undefined, once.
    settle(session.logout()).await.expect("logout");
    assert_eq!(claims.count(), 4);
    assert!(claims.last().is_undefined());
    assert_eq!(tokens.count(), claims.count());
    // Unsubscribed: no more calls.
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(claims.count(), 4);
    assert_eq!(tokens.count(), 5);
    session.dispose();
}

// ---- 5. DSLI and the last user ------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_logged_in_indicator_follows_the_session() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, r#""autoRefresh":false"#));
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
    fault(
        &[
            r#"{"path":"/v1/auth/refresh","status":503,"project":""#,
            &project,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let _ = settle(session.refresh()).await.unwrap_err();
    assert_eq!(local(LOGGED_IN), Some(seconds_text(exp)));
    settle(session.logout()).await.expect("logout");
    assert_eq!(local(LOGGED_IN), None);
    // logoutAll removes it.
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert!(local(LOGGED_IN).is_some());
    settle(session.logout_all()).await.expect("logoutAll");
    assert_eq!(local(LOGGED_IN), None);
    // A refused refresh (401) removes it.
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert!(local(LOGGED_IN).is_some());
    fault(
        &[
            r#"{"path":"/v1/auth/refresh","status":401,"project":""#,
            &project,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let err = settle(session.refresh()).await.unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    assert!(!session.is_authenticated());
    assert_eq!(local(LOGGED_IN), None);
    session.dispose();
    // In real localStorage, unprefixed, whatever `persist` is.
    for persist in ["memory", "sessionStorage"] {
        clean_page();
        let project = unique("P");
        let session = manager(&options(
            &project,
            &join(&[
                r#""autoRefresh":false"#,
                NO_COOKIE,
                &[r#""persist":""#, persist, "\""].concat(),
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
    clean_page();
    let project = unique("P");
    let login = [unique("user").as_str(), "@example.com"].concat();
    let name = login.split('@').next().unwrap().to_string();
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    session.apply(sign_in(&project, &login).await).unwrap();
    assert_eq!(local(LAST_LOGIN_ID), Some(login.clone()));
    assert_eq!(local(LAST_NAME), Some(name.clone()));
    // me() writes them too.
    storage().remove_item(LAST_LOGIN_ID).unwrap();
    storage().remove_item(LAST_NAME).unwrap();
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
    let keep = manager(&options(
        &project,
        r#""autoRefresh":false,"keepLastAuthenticatedUserAfterLogout":true"#,
    ));
    keep.apply(sign_in(&project, &login).await).unwrap();
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
    let off = manager(&options(
        &project,
        r#""autoRefresh":false,"storeLastAuthenticatedUser":false"#,
    ));
    off.apply(sign_in(&project, &login).await).unwrap();
    settle(off.me()).await.expect("me");
    assert_eq!((local(LAST_LOGIN_ID), local(LAST_NAME)), (None, None));
    assert!(local(LOGGED_IN).is_some());
    settle(off.logout()).await.expect("logout");
    off.dispose();
}

// ---- 6. refresh cookie name and try-refresh -----------------------------------------------

#[wasm_bindgen_test]
async fn the_refresh_cookie_name_is_sent_from_dsrcn_or_the_option() {
    clean_page();
    // The server keeps the refresh token in an httpOnly cookie named by the project; then the
    // project renames it. The server reads the cookie the request header names, else the
    // project's current name: only a request naming the old cookie finds the token.
    let project = unique("P");
    let (old, new) = (unique("RCA"), unique("RCB"));
    configure(
        &project,
        &[r#"{"refreshCookie":true,"cookieName":""#, &old, r#""}"#].concat(),
    )
    .await;
    let response = sign_in(&project, &unique("u")).await;
    assert!(get(&response, "refreshJwt").is_undefined());
    assert_eq!(get_str(&response, "cookieName"), Some(old.clone()));
    configure(
        &project,
        &[r#"{"refreshCookie":true,"cookieName":""#, &new, r#""}"#].concat(),
    )
    .await;
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
    let before = session.session_token();
    settle(session.refresh())
        .await
        .expect("refresh names the old cookie");
    assert_ne!(session.session_token(), before);
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
    clean_page();
    let project = unique("P");
    let cookie_name = unique("RCO");
    configure(
        &project,
        &[
            r#"{"refreshCookie":true,"cookieName":""#,
            &cookie_name,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let response = sign_in(&project, &unique("u")).await;
    let wrong = copy_of(&response, &[], &[("cookieName", "WRONG_NAME".into())]);
    let p1 = unique("A");
    let misled = build(json(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":""#,
            devserver(),
            r#"","storagePrefix":""#,
            &p1,
            r#"","autoRefresh":false,"sessionTokenViaCookie":false}"#,
        ]
        .concat(),
    ));
    misled.apply(wrong.clone()).unwrap();
    let err = settle(misled.refresh()).await.unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    misled.dispose();
    // ... and the refreshCookieName option wins over it, on every request.
    let p2 = unique("B");
    let named = build(json(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":""#,
            devserver(),
            r#"","storagePrefix":""#,
            &p2,
            r#"","autoRefresh":false,"sessionTokenViaCookie":false,"refreshCookieName":""#,
            &cookie_name,
            r#""}"#,
        ]
        .concat(),
    ));
    named.apply(wrong).unwrap();
    let before = named.session_token();
    settle(named.refresh())
        .await
        .expect("refresh with refreshCookieName");
    assert_ne!(named.session_token(), before);
    settle(named.me()).await.expect("me with refreshCookieName");
    let answer = settle(named.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants");
    assert!(get(&answer, "tenants").is_object());
    settle(named.logout())
        .await
        .expect("logout with refreshCookieName");
    // The server ended that family: the cookie no longer refreshes.
    let after = build(json(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":""#,
            devserver(),
            r#"","storagePrefix":""#,
            &p2,
            r#"","autoRefresh":false,"sessionTokenViaCookie":false,"refreshCookieName":""#,
            &cookie_name,
            r#""}"#,
        ]
        .concat(),
    ));
    assert!(settle(after.refresh()).await.is_err());
    after.dispose();
    named.dispose();
    // A bad refreshCookieName is refused.
    for text in [
        r#"{"projectId":"P","refreshCookieName":"a b"}"#,
        r#"{"projectId":"P","refreshCookieName":7}"#,
        r#"{"projectId":"P","refreshCookieName":"a;b"}"#,
    ] {
        assert_refused(json(text), text);
    }
}

#[wasm_bindgen_test]
async fn try_refresh_restores_an_http_only_session_after_a_reload() {
    clean_page();
    let project = unique("P");
    let cookie_name = unique("TR");
    configure(
        &project,
        &[
            r#"{"refreshCookie":true,"cookieName":""#,
            &cookie_name,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
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
    clean_page();
    let project = unique("P");
    let (old_name, new_name) = (unique("TRA"), unique("TRB"));
    configure(
        &project,
        &[
            r#"{"refreshCookie":true,"cookieName":""#,
            &old_name,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let first = manager(&options(&project, ""));
    first.apply(sign_in(&project, &unique("u")).await).unwrap();
    assert!(cookie("DS").is_some());
    first.dispose();
    configure(
        &project,
        &[
            r#"{"refreshCookie":true,"cookieName":""#,
            &new_name,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
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
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, ""));
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
        storage().set_item(name, &value).unwrap();
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
        session
            .apply(sign_in(&project, &unique("u")).await)
            .unwrap();
        assert!(session.is_authenticated());
        session.dispose();
    }
}

// ---- 7. tenants ----------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn tenants_and_my_tenants() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    assert!(session.tenants().is_undefined());
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(strings(&session.tenants()), ["T-acme", "T-globex"]);
    assert!(Array::is_array(&session.tenants()));
    // `true`: the selected tenant (none yet).
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants(true)");
    assert_eq!(
        tenant_ids(&answer),
        Vec::<String>::new(),
        "{}",
        stringify(&answer)
    );
    // Ids: those of the user's among them.
    let ids: JsValue = Array::of2(&"T-globex".into(), &"T-none".into()).into();
    let answer = settle(session.my_tenants(ids))
        .await
        .expect("myTenants(ids)");
    assert_eq!(tenant_ids(&answer), ["T-globex"]);
    assert_eq!(
        get_str(&items(&get(&answer, "tenants"))[0], "name").as_deref(),
        Some("Globex")
    );
    let answer = settle(session.my_tenants(Array::new().into()))
        .await
        .expect("myTenants([])");
    assert_eq!(tenant_ids(&answer), Vec::<String>::new());
    settle(session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants(true)");
    assert_eq!(tenant_ids(&answer), ["T-acme"]);
    assert_eq!(strings(&session.tenants()), ["T-acme", "T-globex"]);
    let sent = count(&project, "/v1/auth/me/tenants").await;
    assert_eq!(sent, 4);
    // Bad arguments: rejected, nothing sent.
    let bad: Vec<(&str, JsValue)> = vec![
        ("5", 5.into()),
        ("a string", "T-acme".into()),
        ("[1]", json("[1]")),
        ("[\"a\", 2]", json(r#"["a",2]"#)),
        ("[null]", json("[null]")),
        ("null", JsValue::NULL),
        ("undefined", JsValue::UNDEFINED),
        ("{}", json("{}")),
        ("{ids}", json(r#"{"ids":["T-acme"]}"#)),
    ];
    for (what, value) in bad {
        assert_rejected_invalid(session.my_tenants(value), what).await;
    }
    assert_eq!(count(&project, "/v1/auth/me/tenants").await, sent);
    // Still works.
    let answer = settle(session.my_tenants(json(r#"["T-acme","T-globex"]"#)))
        .await
        .expect("myTenants after bad input");
    assert_eq!(tenant_ids(&answer), ["T-acme", "T-globex"]);
    settle(session.logout()).await.expect("logout");
    assert!(session.tenants().is_undefined());
    session.dispose();
}

// ---- 8. baseHeaders and hooks ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn hooks_see_every_request_and_answer_without_tokens() {
    clean_page();
    let project = unique("P");
    let state = hook_state();
    let options = options_with(
        &project,
        r#""autoRefresh":false,"baseHeaders":{"x-app":"web"}"#,
        &[("hooks", hooks(&state))],
    );
    let session = build(options);
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(seen(&state).len(), 0, "apply() sends nothing");
    let refresh_jwt = session.refresh_token().unwrap();
    let answer = settle(session.refresh()).await.expect("refresh");
    // The caller still gets the tokens.
    assert!(get_str(&answer, "sessionJwt").is_some());
    let config = seen(&state).remove(0);
    assert_eq!(
        get_str(&config, "url"),
        Some([devserver(), "/v1/auth/refresh"].concat())
    );
    assert_eq!(
        get_str(&config, "path").as_deref(),
        Some("/v1/auth/refresh")
    );
    assert_eq!(get_str(&config, "method").as_deref(), Some("POST"));
    assert_eq!(stringify(&get(&config, "body")), "{}");
    assert!(
        !stringify(&config).contains(&refresh_jwt),
        "a token in the config"
    );
    let (request, response) = {
        let pair = after(&state).remove(0);
        (
            Reflect::get_u32(&pair, 0).unwrap(),
            Reflect::get_u32(&pair, 1).unwrap(),
        )
    };
    assert_eq!(
        get_str(&request, "path").as_deref(),
        Some("/v1/auth/refresh")
    );
    assert_eq!(get(&response, "status").as_f64(), Some(200.0));
    assert_eq!(get(&response, "ok").as_bool(), Some(true));
    let body = get(&response, "body");
    let body_keys = keys(&body);
    assert!(
        !body_keys
            .iter()
            .any(|k| k == "sessionJwt" || k == "refreshJwt"),
        "{body_keys:?}"
    );
    assert!(get(&body, "user").is_object());
    assert!(get(&body, "sessionExpiration").as_f64().is_some());
    // A GET: no body.
    settle(session.me()).await.expect("me");
    let config = seen(&state).remove(1);
    assert_eq!(get_str(&config, "method").as_deref(), Some("GET"));
    assert_eq!(get_str(&config, "path").as_deref(), Some("/v1/auth/me"));
    assert!(get(&config, "body").is_undefined());
    // The body the hook answers is the one sent (the server answers for it) ...
    set_impl(&state, "config", "return { body: { ids: ['T-globex'] } };");
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants");
    assert_eq!(tenant_ids(&answer), ["T-globex"]);
    assert_eq!(stringify(&get(&seen(&state)[2], "body")), r#"{"dct":true}"#);
    // ... also from a promise.
    set_impl(
        &state,
        "config",
        "return Promise.resolve({ headers: { 'x-extra': '1' }, body: { ids: ['T-acme'] } });",
    );
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants");
    assert_eq!(tenant_ids(&answer), ["T-acme"]);
    clear_impl(&state);
    // An error answer reaches afterRequest with its status.
    fault(
        &[
            r#"{"path":"/v1/auth/me","status":401,"project":""#,
            &project,
            r#""}"#,
        ]
        .concat(),
    )
    .await;
    let err = settle(session.me()).await.unwrap_err();
    assert_eq!(failure(&err).code, "unauthorized");
    let last = after(&state).pop().unwrap();
    let response = Reflect::get_u32(&last, 1).unwrap();
    assert_eq!(get(&response, "status").as_f64(), Some(401.0));
    assert_eq!(get(&response, "ok").as_bool(), Some(false));
    assert_eq!(
        get_str(&get(&response, "body"), "errorCode").as_deref(),
        Some("E999999")
    );
    // A throwing afterRequest changes nothing.
    Reflect::set(&state, &"afterThrows".into(), &JsValue::TRUE).unwrap();
    let before = session.session_token();
    settle(session.refresh())
        .await
        .expect("refresh with a throwing afterRequest");
    assert_ne!(session.session_token(), before);
    assert!(session.is_authenticated());
    settle(session.logout()).await.expect("logout");
    // Every request carried baseHeaders and the SDK headers, never Authorization; every
    // answer reached afterRequest.
    let configs = seen(&state);
    assert_eq!(configs.len(), 7);
    assert_eq!(after(&state).len(), configs.len());
    for config in &configs {
        let headers = get(config, "headers");
        let what = stringify(config);
        assert_eq!(get_str(&headers, "x-app").as_deref(), Some("web"), "{what}");
        assert_eq!(
            get_str(&headers, "x-descope-sdk-name").as_deref(),
            Some("session-keeper"),
            "{what}"
        );
        assert_eq!(
            get_str(&headers, "x-descope-sdk-version").as_deref(),
            Some(env!("CARGO_PKG_VERSION")),
            "{what}"
        );
        assert!(
            !keys(&headers)
                .iter()
                .any(|k| k.eq_ignore_ascii_case("authorization")),
            "{what}"
        );
    }
    session.dispose();
}

#[wasm_bindgen_test]
async fn hook_and_base_headers_reach_the_server() {
    // The devserver logs no headers; it acts on one: x-descope-refresh-cookie-name picks the
    // httpOnly refresh cookie it reads. The project renames its cookie after each step, so
    // a request finds the token only when a header names the cookie that holds it.
    clean_page();
    let project = unique("P");
    let names = [unique("HA"), unique("HB"), unique("HC")];
    let name_config =
        |name: &str| [r#"{"refreshCookie":true,"cookieName":""#, name, r#""}"#].concat();
    configure(&project, &name_config(&names[0])).await;
    // Responses without cookieName: no DSRCN, so only the options name the cookie.
    let response = copy_of(&sign_in(&project, &unique("u")).await, &["cookieName"], &[]);
    configure(&project, &name_config(&names[1])).await;
    let options_of = |prefix: &str, extra: &str| -> JsValue {
        json(
            &[
                r#"{"projectId":""#,
                &project,
                r#"","baseUrl":""#,
                devserver(),
                r#"","storagePrefix":""#,
                prefix,
                r#"","autoRefresh":false,"sessionTokenViaCookie":false"#,
                extra,
                "}",
            ]
            .concat(),
        )
    };
    // Control: nothing names the old cookie.
    let plain = build(options_of(&unique("c"), ""));
    plain.apply(response.clone()).unwrap();
    assert_eq!(local(&key(&unique("c"), "DSRCN")), None);
    assert!(
        settle(plain.refresh()).await.is_err(),
        "found without a header"
    );
    plain.dispose();
    // beforeRequest's header.
    let state = hook_state();
    let hooked_options = options_of(&unique("h"), "");
    Reflect::set(&hooked_options, &"hooks".into(), &hooks(&state)).unwrap();
    set_impl(
        &state,
        "config",
        &[
            "return { headers: { 'x-descope-refresh-cookie-name': '",
            &names[0],
            "' } };",
        ]
        .concat(),
    );
    let hooked = build(hooked_options);
    hooked.apply(response.clone()).unwrap();
    let before = hooked.session_token();
    settle(hooked.refresh())
        .await
        .expect("the hook's header reached the server");
    assert_ne!(hooked.session_token(), before);
    hooked.dispose();
    // The rotated token is in the cookie of the project's current name; rename again.
    configure(&project, &name_config(&names[2])).await;
    let base = build(options_of(
        &unique("b"),
        &[
            r#","baseHeaders":{"x-descope-refresh-cookie-name":""#,
            &names[1],
            r#""}"#,
        ]
        .concat(),
    ));
    base.apply(response).unwrap();
    let before = base.session_token();
    settle(base.refresh())
        .await
        .expect("baseHeaders reached the server");
    assert_ne!(base.session_token(), before);
    // No logout here: the server wrote the rotated token to the cookie of the new name, so
    // the header would name a cookie holding a used token.
    base.dispose();
}

#[wasm_bindgen_test]
async fn a_failing_before_request_fails_the_request_and_keeps_the_session() {
    clean_page();
    let project = unique("P");
    let state = hook_state();
    let session = build(options_with(
        &project,
        r#""autoRefresh":false"#,
        &[("hooks", hooks(&state))],
    ));
    let errors = Recorder::new();
    session.on_refresh_error(errors.function.clone());
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    let token = session.session_token();
    let indicator = local(LOGGED_IN);
    let failing = [
        (
            "throws",
            "throw new Error('beforeRequest failed on purpose');",
        ),
        ("rejects", "return Promise.reject(new Error('no'));"),
        (
            "CR/LF header",
            "return { headers: { 'x-a': 'v\\r\\nInjected: 1' } };",
        ),
        ("non-string header", "return { headers: { 'x-a': 5 } };"),
        ("bad header name", "return { headers: { 'a b': 'v' } };"),
    ];
    for (n, (what, body)) in failing.iter().enumerate() {
        set_impl(&state, "config", body);
        let err = settle(session.refresh()).await.err();
        let err = err.unwrap_or_else(|| panic!("{what}: the refresh went through"));
        assert_eq!(failure(&err).name, "SessionError", "{what}");
        assert_eq!(
            errors.count() as usize,
            n + 1,
            "{what}: no refresh error event"
        );
        assert_eq!(session.session_token(), token, "{what}");
        assert!(session.is_authenticated(), "{what}");
        assert_eq!(local(LOGGED_IN), indicator, "{what}");
    }
    // Nothing reached the server.
    assert_eq!(count(&project, "/v1/auth/refresh").await, 0);
    // The hook behaves again: so does the session.
    clear_impl(&state);
    settle(session.refresh()).await.expect("refresh");
    assert_ne!(session.session_token(), token);
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    session.dispose();
}

#[wasm_bindgen_test]
async fn bad_hooks_and_base_headers_are_refused() {
    clean_page();
    let f = js_fn("", "");
    let bad: Vec<(&str, JsValue)> = vec![
        ("hooks string", json(r#"{"projectId":"P","hooks":"f"}"#)),
        ("hooks number", json(r#"{"projectId":"P","hooks":5}"#)),
        ("hooks array", json(r#"{"projectId":"P","hooks":[]}"#)),
        (
            "beforeRequest number",
            json(r#"{"projectId":"P","hooks":{"beforeRequest":5}}"#),
        ),
        (
            "beforeRequest object",
            json(r#"{"projectId":"P","hooks":{"beforeRequest":{}}}"#),
        ),
        (
            "afterRequest string",
            json(r#"{"projectId":"P","hooks":{"afterRequest":"function () {}"}}"#),
        ),
        (
            "one good, one bad",
            object(&[
                ("projectId", "P".into()),
                (
                    "hooks",
                    object(&[
                        ("beforeRequest", f.clone().into()),
                        ("afterRequest", 1.into()),
                    ]),
                ),
            ]),
        ),
        (
            "baseHeaders string",
            json(r#"{"projectId":"P","baseHeaders":"x-app: web"}"#),
        ),
        (
            "baseHeaders array",
            json(r#"{"projectId":"P","baseHeaders":["x-app"]}"#),
        ),
        (
            "number value",
            json(r#"{"projectId":"P","baseHeaders":{"x-app":1}}"#),
        ),
        (
            "boolean value",
            json(r#"{"projectId":"P","baseHeaders":{"x-app":true}}"#),
        ),
        (
            "CR LF",
            json(r#"{"projectId":"P","baseHeaders":{"x-app":"web\r\nSet-Cookie: a=b"}}"#),
        ),
        (
            "LF",
            json(r#"{"projectId":"P","baseHeaders":{"x-app":"web\nx"}}"#),
        ),
        (
            "CR",
            json(r#"{"projectId":"P","baseHeaders":{"x-app":"web\rx"}}"#),
        ),
        (
            "bad name",
            json(r#"{"projectId":"P","baseHeaders":{"bad name":"v"}}"#),
        ),
        (
            "name with colon",
            json(r#"{"projectId":"P","baseHeaders":{"x:a":"v"}}"#),
        ),
    ];
    for (what, options) in bad {
        assert_refused(options, what);
    }
    // The module still works, with good hooks and headers.
    let project = unique("P");
    let state = hook_state();
    let session = build(options_with(
        &project,
        r#""autoRefresh":false,"baseHeaders":{"x-app":"web","X-Version":"1.2"}"#,
        &[("hooks", hooks(&state))],
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    settle(session.refresh()).await.expect("refresh");
    let headers = get(&seen(&state)[0], "headers");
    assert_eq!(get_str(&headers, "X-Version").as_deref(), Some("1.2"));
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    session.dispose();
}

// ---- 9. subscribe / getSnapshot ---------------------------------------------------------------

fn snapshot_of(get_snapshot: &Function) -> JsValue {
    get_snapshot.call0(&JsValue::UNDEFINED).unwrap()
}

#[wasm_bindgen_test]
async fn subscribe_and_get_snapshot_work_unbound() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    // Getters answering the same functions, called here without `this`.
    let get_snapshot = session.get_snapshot();
    let subscribe = session.subscribe();
    assert!(Object::is(&get_snapshot, &session.get_snapshot()));
    assert!(Object::is(&subscribe, &session.subscribe()));
    let empty = snapshot_of(&get_snapshot);
    assert_eq!(
        keys(&empty),
        [
            "isAuthenticated",
            "user",
            "claims",
            "currentTenant",
            "expiresAt"
        ]
    );
    assert_eq!(get(&empty, "isAuthenticated").as_bool(), Some(false));
    for name in ["user", "claims", "currentTenant", "expiresAt"] {
        assert!(get(&empty, name).is_undefined(), "{name}");
    }
    assert!(Object::is_frozen(empty.unchecked_ref::<Object>()));
    assert!(Object::is(&empty, &snapshot_of(&get_snapshot)));
    // subscribe: at once with the current snapshot.
    let calls = Recorder::new();
    let unsubscribe: Function = subscribe
        .call1(&JsValue::UNDEFINED, &calls.function)
        .unwrap()
        .dyn_into()
        .expect("an unsubscribe function");
    assert_eq!(calls.count(), 1);
    assert!(Object::is(&calls.last(), &empty));
    // A sign-in (token, user and isAuthenticated change together): one call.
    let login = [unique("user").as_str(), "@example.com"].concat();
    session.apply(sign_in(&project, &login).await).unwrap();
    assert_eq!(calls.count(), 2);
    let signed = snapshot_of(&get_snapshot);
    assert!(Object::is(&calls.last(), &signed));
    assert!(!Object::is(&signed, &empty));
    assert!(Object::is_frozen(signed.unchecked_ref::<Object>()));
    assert_eq!(get(&signed, "isAuthenticated").as_bool(), Some(true));
    assert_eq!(get_str(&get(&signed, "user"), "email"), Some(login.clone()));
    assert!(Object::is(&get(&signed, "claims"), &session.claims()));
    assert!(get(&signed, "currentTenant").is_undefined());
    assert_eq!(get(&signed, "expiresAt").as_f64(), session.expires_at());
    let text = stringify(&signed);
    assert!(
        !text.contains(&session.session_token().unwrap()),
        "a token in the snapshot"
    );
    assert!(
        !text.contains(&session.refresh_token().unwrap()),
        "a token in the snapshot"
    );
    assert!(Object::is(&signed, &snapshot_of(&get_snapshot)));
    // A refresh: one call, a new object.
    settle(session.refresh()).await.expect("refresh");
    assert_eq!(calls.count(), 3);
    let refreshed = snapshot_of(&get_snapshot);
    assert!(!Object::is(&refreshed, &signed));
    assert!(Object::is(&calls.last(), &refreshed));
    // The same user again: no change, the same object.
    settle(session.me()).await.expect("me");
    assert_eq!(calls.count(), 3);
    assert!(Object::is(&refreshed, &snapshot_of(&get_snapshot)));
    // A tenant select.
    settle(session.select_tenant("T-acme".into()))
        .await
        .expect("select");
    assert_eq!(calls.count(), 4);
    assert_eq!(
        get_str(&snapshot_of(&get_snapshot), "currentTenant").as_deref(),
        Some("T-acme")
    );
    // Unsubscribed: no more calls; another subscriber gets the logout, once.
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    let others = Recorder::new();
    subscribe
        .call1(&JsValue::UNDEFINED, &others.function)
        .unwrap();
    assert_eq!(others.count(), 1);
    settle(session.logout()).await.expect("logout");
    assert_eq!(calls.count(), 4);
    assert_eq!(others.count(), 2);
    let out = snapshot_of(&get_snapshot);
    assert_eq!(get(&out, "isAuthenticated").as_bool(), Some(false));
    assert!(get(&out, "user").is_undefined() && get(&out, "claims").is_undefined());
    // Not a function: nothing happens, nothing breaks.
    assert!(subscribe.call1(&JsValue::UNDEFINED, &5.into()).is_ok());
    // As JS code uses it: destructured from the instance.
    let instance: JsValue = session.into();
    let check = js_fn(
        "session",
        "const { subscribe, getSnapshot } = session; const seen = []; \
         const unsubscribe = subscribe((s) => seen.push(s)); \
         const a = getSnapshot(); const b = getSnapshot(); unsubscribe(); \
         const result = [seen.length, seen[0] === a, a === b, Object.isFrozen(a), \
           typeof unsubscribe, a.isAuthenticated, session.subscribe === subscribe]; \
         session.dispose(); return result;",
    );
    let result = check.call1(&JsValue::UNDEFINED, &instance).unwrap();
    assert_eq!(
        stringify(&result),
        r#"[1,true,true,true,"function",false,true]"#
    );
}

// ---- regional API host ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_api_host_follows_the_project_region() {
    clean_page();
    // A beforeRequest that throws stops a request before it leaves (checked against the
    // devserver), and shows the URL it would have gone to: nothing goes to the internet.
    let stopper = |state: &JsValue| {
        set_impl(state, "config", "throw new Error('stopped on purpose');");
        hooks(state)
    };
    let project = unique("P");
    let state = hook_state();
    let local_one = build(options_with(
        &project,
        r#""autoRefresh":false"#,
        &[("hooks", stopper(&state))],
    ));
    assert!(settle(local_one.me()).await.is_err());
    assert_eq!(log(&project, None).await.len(), 0, "the request left");
    assert_eq!(
        get_str(&seen(&state)[0], "url"),
        Some([devserver(), "/v1/auth/me"].concat())
    );
    local_one.dispose();
    for (project_id, host) in [
        (
            "Peuc12OkEYhxUO5NQp7tvH3RUeA1nC4f",
            "https://api.euc1.descope.com",
        ),
        ("P2OkEYhxUO5NQp7tvH3RUeA1nC4f", "https://api.descope.com"),
    ] {
        // As the brief has it: constructs, with no baseUrl.
        let plain = build(json(
            &[
                r#"{"projectId":""#,
                project_id,
                r#"","autoRefresh":false,"storagePrefix":""#,
                &unique("r"),
                r#""}"#,
            ]
            .concat(),
        ));
        assert!(!plain.is_authenticated());
        plain.dispose();
        let state = hook_state();
        let options = object(&[
            ("projectId", project_id.into()),
            ("autoRefresh", false.into()),
            ("storagePrefix", unique("r").into()),
            ("hooks", stopper(&state)),
        ]);
        let session = build(options);
        assert!(settle(session.me()).await.is_err());
        let configs = seen(&state);
        assert_eq!(configs.len(), 1);
        assert_eq!(
            get_str(&configs[0], "url"),
            Some([host, "/v1/auth/me"].concat()),
            "{project_id}"
        );
        session.dispose();
    }
}

// ---- a Descope app's session config, unchanged ----------------------------------------------

#[wasm_bindgen_test]
async fn a_descope_app_session_config_works_unchanged() {
    // The session options of a `createSdk({...})` call as a Descope app writes them
    // (`persistTokens` included: it is the default here), no `storagePrefix`. Only `baseUrl`
    // points at the devserver, and the cookie is not `Secure` because the test page is
    // plain http.
    clean_page();
    let project = unique("P");
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let cookie_name = unique("app_session");
    let state = hook_state();
    let options = json(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":""#,
            devserver(),
            r#"","persistTokens":true,"autoRefresh":{"customActivityTracking":true},"sessionTokenViaCookie":{"cookieName":""#,
            &cookie_name,
            r#"","sameSite":"Lax","secure":false},"storeLastAuthenticatedUser":true,"keepLastAuthenticatedUserAfterLogout":true,"baseHeaders":{"x-app":"web"}}"#,
        ]
        .concat(),
    );
    Reflect::set(&options, &"hooks".into(), &hooks(&state)).unwrap();
    let session = build(options);
    let claims = Recorder::new();
    session.on_claims_change(claims.function.clone());
    let login = [unique("user").as_str(), "@example.com"].concat();
    session.apply(sign_in(&project, &login).await).unwrap();
    let first = session.session_token();
    assert!(first.is_some());
    assert_eq!(cookie(&cookie_name), first, "{}", cookies());
    assert_eq!(local("DSR"), session.refresh_token());
    assert!(local(LOGGED_IN).is_some());
    assert_eq!(local(LAST_LOGIN_ID), Some(login.clone()));
    // Idle: the refresh due in 1 s waits for activity; activity refreshes at once.
    sleep(2_500).await;
    assert_eq!(count(&project, "/v1/auth/refresh").await, 0);
    session.mark_user_active();
    assert_eq!(
        count_reaches(&project, "/v1/auth/refresh", 1, 3_000.0).await,
        1
    );
    assert!(eventually(2_000.0, || session.session_token() != first).await);
    assert_eq!(cookie(&cookie_name), session.session_token());
    // The request went through the hook with the base header and the SDK headers.
    let configs = seen(&state);
    assert!(!configs.is_empty());
    let headers = get(&configs[configs.len() - 1], "headers");
    assert_eq!(get_str(&headers, "x-app").as_deref(), Some("web"));
    assert!(get_str(&headers, "x-descope-sdk-name").is_some());
    // Logout: no token, no indicator, the last user kept as asked.
    settle(session.logout()).await.expect("logout");
    assert_eq!(cookie(&cookie_name), None);
    assert_eq!(
        (local("DS"), local("DSR"), local(LOGGED_IN)),
        (None, None, None)
    );
    assert_eq!(local(LAST_LOGIN_ID), Some(login));
    let seen_claims = claims.all();
    assert!(seen_claims.len() >= 3, "sign-in, rotation, logout");
    assert!(seen_claims[0].is_object() && seen_claims[seen_claims.len() - 1].is_undefined());
    session.dispose();
    // `persistTokens: false`: the tokens live in memory only; no token cookie, no token key.
    clean_page();
    let project = unique("P");
    let memory = build(json(
        &[
            r#"{"projectId":""#,
            &project,
            r#"","baseUrl":""#,
            devserver(),
            r#"","persistTokens":false,"autoRefresh":false}"#,
        ]
        .concat(),
    ));
    memory.apply(sign_in(&project, &unique("u")).await).unwrap();
    assert!(memory.is_authenticated());
    settle(memory.refresh()).await.expect("refresh");
    assert_eq!(cookie("DS"), None, "{}", cookies());
    let ours: Vec<String> = local_keys()
        .into_iter()
        .filter(|k| ![LOGGED_IN, LAST_LOGIN_ID, LAST_NAME].contains(&k.as_str()))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
    settle(memory.logout()).await.expect("logout");
    memory.dispose();
}
