//! Browser tests (Chrome and Firefox, against the devserver) of the ways an outside review
//! found to leave a token behind, redirect one, or trap the module: clearing in every tab
//! whatever its persist mode, own properties only, re-entrant callbacks, projects without
//! refresh-token rotation, numbers at the edge, and answers that arrive after a logout.

mod web;

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::Method;
use js_sys::{Function, Object, Reflect};
use session_keeper::core::session::lock_name;
use session_keeper::SessionManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::*;

wasm_bindgen_test_configure!(run_in_browser);

fn prefix(project: &str) -> String {
    [project, "."].concat()
}

fn keys_of(project: &str) -> Vec<String> {
    local_keys()
        .into_iter()
        .filter(|k| k.starts_with(project))
        .collect()
}

fn eval(code: &str) -> JsValue {
    js_sys::eval(code).unwrap_or_else(|e| panic!("{code}: {e:?}"))
}

/// `obj[key]` through a getter that runs `f` first.
fn getter(
    obj: &JsValue,
    key: &str,
    f: impl Fn() -> JsValue + 'static,
) -> Closure<dyn Fn() -> JsValue> {
    let get = Closure::<dyn Fn() -> JsValue>::new(f);
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"get".into(), get.as_ref()).unwrap();
    Reflect::set(&descriptor, &"enumerable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(obj.unchecked_ref::<Object>(), &key.into(), &descriptor);
    get
}

// ---- 2. logout leaves no token cookie anywhere ------------------------------------------

#[wasm_bindgen_test]
async fn a_follower_in_another_persist_mode_expires_its_cookies() {
    clean_page();
    let project = unique("P");
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
    a.apply(sign_in(&project, &unique("u")).await).unwrap();
    sleep(100).await;
    assert_eq!(
        b.session_token(),
        a.session_token(),
        "B follows A's sign-in"
    );
    html_document()
        .set_cookie(&["B_DS=", &b.session_token().unwrap(), "; Path=/"].concat())
        .unwrap();
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
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"sessionTokenViaCookie":{"secure":false}"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert_eq!(cookie("PROJ_S"), session.session_token());
    let document = html_document();
    for text in [
        "PROJ_R=sdk-refresh; Path=/",
        "DS=sdk-session; Domain=127.0.0.1; Path=/",
        "DSR=sdk-refresh-2; Path=/",
    ] {
        document.set_cookie(text).unwrap();
    }
    assert!(cookie("PROJ_R").is_some());
    settle(session.logout()).await.unwrap();
    let left = cookies();
    for name in ["PROJ_S=", "PROJ_R=", "DS=", "DSR="] {
        assert!(!left.contains(name), "left behind: {left}");
    }
    assert!(keys_of(&project).is_empty());
    // Also after a reload: the names are remembered with the session.
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    session.dispose();
    document.set_cookie("PROJ_R=sdk-refresh; Path=/").unwrap();
    let reloaded = manager(&options(&project, r#""autoRefresh":false"#));
    settle(reloaded.logout()).await.unwrap();
    assert!(!cookies().contains("PROJ_R="), "left behind: {}", cookies());
    reloaded.dispose();
}

// ---- 3. own properties only ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn inherited_properties_change_nothing() {
    clean_page();
    let project = unique("P");
    // A project whose refresh token is an httpOnly cookie: its answers carry no refreshJwt.
    configure(&project, r#"{"refreshCookie":true}"#).await;
    let response = sign_in(&project, &unique("u")).await;
    assert!(get(&response, "refreshJwt").is_undefined());
    eval(
        "Object.prototype.refreshJwt = 'evil.refresh.token'; \
         Object.prototype.sessionCookieName = 'EVIL'; \
         Object.prototype.cookieDomain = 'evil.example'; \
         Object.prototype.persist = 'memory';",
    );
    let session = SessionManager::new(json(&options(&project, r#""autoRefresh":false"#)));
    let applied = session.as_ref().ok().map(|s| s.apply(response.clone()));
    eval(
        "delete Object.prototype.refreshJwt; delete Object.prototype.sessionCookieName; \
         delete Object.prototype.cookieDomain; delete Object.prototype.persist;",
    );
    let session = session.expect("options");
    applied.unwrap().unwrap();
    assert_eq!(session.refresh_token(), None);
    assert_eq!(local(&[prefix(&project).as_str(), "DSR"].concat()), None);
    assert_eq!(cookie("EVIL"), None);
    assert_eq!(cookie("DS"), session.session_token());
    // localStorage, not the inherited "memory".
    assert!(local(&[prefix(&project).as_str(), "DSM"].concat()).is_some());
    session.dispose();

    // An inherited baseUrl does not redirect the requests.
    eval(&["Object.prototype.baseUrl = '", devserver(), "/evil';"].concat());
    let session = SessionManager::new(json(
        &[
            "{\"projectId\":\"",
            &project,
            "\",\"storagePrefix\":\"",
            &prefix(&project),
            "\",\"autoRefresh\":false,\"requestTimeoutMs\":1500}",
        ]
        .concat(),
    ));
    eval("delete Object.prototype.baseUrl;");
    let session = session.expect("options");
    let _ = settle(session.me()).await;
    let entries = log(&project, None).await;
    assert!(
        !entries
            .iter()
            .any(|e| get_str(e, "path").is_some_and(|p| p.starts_with("/evil"))),
        "a request went to the inherited baseUrl"
    );
    session.dispose();
}

// ---- 4. re-entrancy -------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_callback_that_logs_out_gets_each_change_once_in_order() {
    let panics = watch_panics();
    clean_page();
    let project = unique("P");
    let session = Rc::new(manager(&options(&project, r#""autoRefresh":false"#)));
    let auth = Recorder::new();
    let tokens = Recorder::new();
    session.on_is_authenticated_change(auth.function.clone());
    let me = session.clone();
    let fired = Rc::new(Cell::new(false));
    let once = fired.clone();
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |token: JsValue| {
        if token.is_string() && !once.replace(true) {
            // Reads a getter and signs out while the package is dispatching.
            let _ = me.is_authenticated();
            let _ = me.logout();
        }
    });
    session.on_session_token_change(callback.as_ref().unchecked_ref::<Function>().clone());
    session.on_session_token_change(tokens.function.clone());
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    sleep(200).await;
    assert!(fired.get());
    let auth: Vec<Option<bool>> = auth.all().iter().map(JsValue::as_bool).collect();
    assert_eq!(auth, [Some(true), Some(false)]);
    let tokens = tokens.all();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert!(tokens[0].is_string() && tokens[1].is_undefined());
    assert!(keys_of(&project).is_empty());
    assert_eq!(cookie("DS"), None);
    // The module still works.
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    assert!(session.is_authenticated());
    settle(session.refresh())
        .await
        .expect("refresh after re-entrancy");
    session.dispose();
    assert_eq!(
        panics.length(),
        0,
        "the module panicked: {:?}",
        panics.to_vec()
    );
}

/// Records every `console.error` that reports a panic of the module.
fn watch_panics() -> js_sys::Array {
    let seen = js_sys::Array::new();
    let install = eval(
        "(seen) => { const error = console.error; \
           console.error = (...args) => { \
             if (args.some((a) => String(a).includes('panicked'))) seen.push(args.map(String).join(' ')); \
             error.apply(console, args); }; }",
    )
    .dyn_into::<Function>()
    .unwrap();
    install.call1(&JsValue::UNDEFINED, &seen).unwrap();
    seen
}

#[wasm_bindgen_test]
async fn getters_and_to_json_in_a_response_may_call_back() {
    let panics = watch_panics();
    clean_page();
    let project = unique("P");
    let session = Rc::new(manager(&options(&project, r#""autoRefresh":false"#)));
    let response = sign_in(&project, &unique("u")).await;
    let user = get(&response, "user");
    // `user` is read through a getter that reads the session, and serialised through a toJSON
    // that calls refresh().
    let me = session.clone();
    let to_json = Closure::<dyn Fn() -> JsValue>::new({
        let user = user.clone();
        move || {
            let _ = me.refresh();
            json(&stringify(&user))
        }
    });
    let plain = json(&stringify(&user));
    Reflect::set(&plain, &"toJSON".into(), to_json.as_ref()).unwrap();
    let me = session.clone();
    let _get = getter(&response, "user", move || {
        let _ = me.is_authenticated();
        let _ = me.session_token();
        plain.clone()
    });
    session.apply(response).expect("apply");
    assert!(session.is_authenticated());
    sleep(300).await;
    // Nothing poisoned: every call still works.
    settle(session.me()).await.expect("me");
    settle(session.logout()).await.expect("logout");
    assert!(!session.is_authenticated());
    let other = manager(&options(&unique("P"), r#""autoRefresh":false"#));
    assert!(!other.is_authenticated());
    other.dispose();
    session.dispose();
    assert_eq!(
        panics.length(),
        0,
        "the module panicked: {:?}",
        panics.to_vec()
    );
}

// ---- 5. projects without rotation -----------------------------------------------------------

#[wasm_bindgen_test]
async fn a_project_without_rotation_keeps_its_refresh_token_over_cycles() {
    clean_page();
    let project = unique("P");
    configure(&project, r#"{"rotation":false,"nextRefreshSeconds":1}"#).await;
    let session = manager(&options(&project, ""));
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
        local(&[prefix(&project).as_str(), "DSR"].concat()).as_deref(),
        Some(refresh.as_str())
    );
    assert_ne!(session.session_token(), first);
    assert!(session.is_authenticated());
    session.dispose();
}

// ---- 7. numbers at the edge ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_due_time_too_far_to_schedule_stays_finite_and_survives_a_reload() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, ""));
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
async fn a_huge_request_timeout_does_not_cut_the_lock_wait_short() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"requestTimeoutMs":2147483647"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    // Another tab holds the cycle's lock and never lets go.
    let name = lock_name(
        &project,
        &prefix(&project),
        &session.refresh_token().unwrap(),
    );
    let hold = eval("(name) => navigator.locks.request(name, () => new Promise(() => {}))")
        .dyn_into::<Function>()
        .unwrap();
    hold.call1(&JsValue::UNDEFINED, &name.into()).unwrap();
    sleep(100).await;
    let _pending = session.refresh();
    sleep(1_500).await;
    assert_eq!(
        count(&project, "/v1/auth/refresh").await,
        0,
        "the wait ended at once"
    );
    session.dispose();
}

// ---- 8. every rotating answer after a logout ----------------------------------------------

#[wasm_bindgen_test]
async fn answers_that_arrive_after_a_logout_are_discarded_and_revoked() {
    for path in [
        "/v1/auth/security-questions/verify",
        "/v1/auth/tenant/select",
        "/v1/auth/refresh",
    ] {
        clean_page();
        let project = unique("P");
        let login = [unique("u").as_str(), "@example.com"].concat();
        let session = manager(&options(&project, r#""autoRefresh":false"#));
        session.apply(sign_in(&project, &login).await).unwrap();
        // The request is handled after 800 ms; the logout only after 2 s, so that the server
        // answers the request first and the answer reaches a page that has signed out.
        fault(
            &[
                r#"{"path":""#,
                path,
                r#"","delayMs":800,"project":""#,
                &project,
                "\"}",
            ]
            .concat(),
        )
        .await;
        fault(
            &[
                r#"{"path":"/v1/auth/logout","delayMs":2000,"project":""#,
                &project,
                "\"}",
            ]
            .concat(),
        )
        .await;
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
        let (status, _) = request(
            Method::POST,
            "/v1/auth/refresh",
            Some(
                &[
                    project.as_str(),
                    ":",
                    &get_str(&fresh, "refreshJwt").unwrap(),
                ]
                .concat(),
            ),
            Some("{}"),
        )
        .await;
        assert_eq!(status, 200, "{path}: a new sign-in still works");
        session.dispose();
    }
}
