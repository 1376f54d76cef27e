//! Browser tests (Chrome and Firefox, against the devserver) of the ways an outside review
//! found to leave a token behind, redirect one, or trap the module: clearing in every tab
//! whatever its persist mode, own properties only, re-entrant callbacks, projects without
//! refresh-token rotation, numbers at the edge, and answers that arrive after a logout.
// Browser tests only: natively (cargo test, cargo-mutants) the target is empty.
#![cfg(target_arch = "wasm32")]

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

// ---- round 3 (a second outside review) --------------------------------------------------------

/// Item 1: a lock request the browser rejects (a sandboxed frame, blocked site data, options
/// made invalid by a polluted `Object.prototype`) never stalls a call.
#[wasm_bindgen_test]
async fn a_refused_lock_request_never_stalls_a_call() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(
        &project,
        r#""autoRefresh":false,"requestTimeoutMs":3000"#,
    ));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    // The browser refuses this page the lock, as it does in a sandboxed iframe.
    eval(
        "navigator.locks.request = function () { \
           return Promise.reject(new DOMException('no locks here', 'SecurityError')); };",
    );
    let calls = [
        ("me", session.me()),
        ("refresh", session.refresh()),
        ("ready", session.ready()),
    ];
    eval("delete navigator.locks.request;");
    for (name, call) in calls {
        let outcome = within(8_000, call).await;
        assert!(outcome.is_some(), "{name}() never settled");
        assert!(outcome.unwrap().is_ok(), "{name}() failed");
    }
    // Options the browser finds invalid through inherited properties.
    for pollution in ["steal = true", "mode = 'bogus'"] {
        eval(&["Object.prototype.", pollution, ";"].concat());
        let call = session.refresh();
        eval("delete Object.prototype.steal; delete Object.prototype.mode;");
        let outcome = within(8_000, call).await;
        assert!(outcome.is_some(), "refresh() never settled ({pollution})");
        assert!(outcome.unwrap().is_ok(), "refresh() failed ({pollution})");
    }
    assert!(session.is_authenticated());
    session.dispose();
}

/// Item 2: `afterRequest` never sees token material: no token field at any depth, no string
/// equal to a token the session holds.
#[wasm_bindgen_test]
async fn after_request_never_sees_token_material() {
    clean_page();
    let project = unique("P");
    let seen = js_sys::Array::new();
    let hooks = object(&[(
        "afterRequest",
        js_fn(
            "seen",
            "return (request, response) => { seen.push(response); };",
        )
        .call1(&JsValue::UNDEFINED, &seen)
        .unwrap(),
    )]);
    let options = json(&options(&project, r#""autoRefresh":false"#));
    Reflect::set(&options, &"hooks".into(), &hooks).unwrap();
    let session = SessionManager::new(options).unwrap();
    let signed_in = sign_in(&project, &unique("u")).await;
    session.apply(signed_in.clone()).unwrap();
    let held_session = session.session_token().unwrap();
    let held_refresh = session.refresh_token().unwrap();
    // A refresh answer with every JWTResponse token field, tokens nested, and the session
    // token under a name of its own.
    let body = object(&[
        ("sessionJwt", get(&signed_in, "sessionJwt")),
        ("refreshJwt", get(&signed_in, "refreshJwt")),
        ("trustedDeviceJwt", "trusted.device.jwt".into()),
        ("externalToken", "external-token-value".into()),
        ("user", get(&signed_in, "user")),
        (
            "nested",
            object(&[
                ("refreshJwt", held_refresh.as_str().into()),
                ("copy", held_session.as_str().into()),
                (
                    "list",
                    js_sys::Array::of1(&held_refresh.as_str().into()).into(),
                ),
                ("kept", "visible".into()),
            ]),
        ),
    ]);
    fault(
        &[
            r#"{"path":"/v1/auth/refresh","project":""#,
            &project,
            r#"","status":200,"body":"#,
            &stringify(&body),
            "}",
        ]
        .concat(),
    )
    .await;
    settle(session.refresh()).await.expect("refresh");
    let shown = stringify(&seen.get(seen.length() - 1));
    for token in [
        held_session.as_str(),
        held_refresh.as_str(),
        "trusted.device.jwt",
        "external-token-value",
    ] {
        assert!(
            !shown.contains(token),
            "a token reached afterRequest: {shown}"
        );
    }
    for field in [
        "sessionJwt",
        "refreshJwt",
        "trustedDeviceJwt",
        "externalToken",
    ] {
        assert!(
            !shown.contains(field),
            "{field} reached afterRequest: {shown}"
        );
    }
    assert!(
        shown.contains("visible") && shown.contains("\"user\""),
        "{shown}"
    );
    session.dispose();
}

/// Item 3: header names are compared case-insensitively; `Authorization` is refused in
/// `baseHeaders` and dropped from a hook's answer.
#[wasm_bindgen_test]
async fn nobody_but_the_session_sets_authorization() {
    clean_page();
    let project = unique("P");
    for name in ["authorization", "Authorization", "AUTHORIZATION"] {
        let options = json(&options(&project, ""));
        Reflect::set(
            &options,
            &"baseHeaders".into(),
            &object(&[(name, "Bearer P1:chosen".into())]),
        )
        .unwrap();
        let err = SessionManager::new(options).err().map(JsValue::from);
        let err = err.unwrap_or_else(|| panic!("baseHeaders {name} accepted"));
        assert_eq!(failure(&err).code, "invalid_argument");
    }
    let hooks = object(&[(
        "beforeRequest",
        js_fn(
            "",
            "return () => ({ headers: { authorization: 'Bearer P1:chosen', \
             'content-type': 'text/plain', 'X-App': 'a' } });",
        )
        .call0(&JsValue::UNDEFINED)
        .unwrap(),
    )]);
    let options = json(&options(&project, r#""autoRefresh":false"#));
    Reflect::set(&options, &"hooks".into(), &hooks).unwrap();
    Reflect::set(
        &options,
        &"baseHeaders".into(),
        &object(&[("x-app", "base".into()), ("X-Other", "o".into())]),
    )
    .unwrap();
    let session = SessionManager::new(options).unwrap();
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    settle(session.me())
        .await
        .expect("me() with the session's own Authorization");
    let entry = log(&project, Some("/v1/auth/me")).await.pop().unwrap();
    assert_eq!(
        get(&entry, "bearers").as_f64(),
        Some(1.0),
        "{}",
        stringify(&entry)
    );
    assert_eq!(
        get_str(&entry, "contentType").as_deref(),
        Some("text/plain"),
        "a hook's header replaces, never appends"
    );
    session.dispose();
}

/// Item 4: hooks get deep copies: editing what `afterRequest` is handed changes nothing the
/// session stores.
#[wasm_bindgen_test]
async fn a_hook_cannot_change_the_stored_session() {
    clean_page();
    let project = unique("P");
    let hooks = object(&[(
        "afterRequest",
        js_fn(
            "",
            "return (request, response) => { const b = response.body; \
             for (const u of [b && b.user, b && b.loginIds ? b : null]) { if (!u) continue; \
             u.name = 'Mallory'; u.loginIds = ['mallory']; u.email = 'mallory@example.com'; } };",
        )
        .call0(&JsValue::UNDEFINED)
        .unwrap(),
    )]);
    let options = json(&options(&project, r#""autoRefresh":false"#));
    Reflect::set(&options, &"hooks".into(), &hooks).unwrap();
    let session = SessionManager::new(options).unwrap();
    let login = unique("u");
    session.apply(sign_in(&project, &login).await).unwrap();
    let before = stringify(&session.user());
    // A refresh answer carries the user; me() answers one.
    let refresh = session.refresh();
    let me = session.me();
    for (name, call) in [("refresh", refresh), ("me", me)] {
        settle(call).await.expect(name);
        let user = stringify(&session.user());
        assert!(!user.contains("allory"), "{name}: {user}");
        assert_eq!(user, before, "{name}");
        let stored = local(&[prefix(&project).as_str(), "DSU"].concat()).unwrap_or_default();
        assert!(!stored.contains("allory"), "{name}: {stored}");
        assert_eq!(
            local("dls_last_user_login_id").as_deref(),
            Some(login.as_str()),
            "{name}"
        );
    }
    session.dispose();
}

/// Item 5: options that give the session and the refresh token the same cookie are refused.
#[wasm_bindgen_test]
fn options_that_share_a_cookie_name_are_refused() {
    let project = unique("P");
    for extra in [
        r#""sessionTokenViaCookie":{"name":"auth"},"refreshTokenViaCookie":{"name":"auth"}"#,
        r#""sessionTokenViaCookie":{"cookieName":"auth"},"refreshTokenViaCookie":{"cookieName":"auth"}"#,
        r#""refreshTokenViaCookie":{"name":"DS"}"#,
    ] {
        let err = SessionManager::new(json(&options(&project, extra)))
            .err()
            .map(JsValue::from)
            .unwrap_or_else(|| panic!("accepted {extra}"));
        assert_eq!(failure(&err).code, "invalid_argument", "{extra}");
    }
}

/// Item 8: logout and logoutAll carry `x-descope-refresh-cookie-name` (here from the stored
/// `DSRCN` after a reload); a planted name of 20,000 characters is ignored.
#[wasm_bindgen_test]
async fn logout_sends_the_refresh_cookie_name() {
    for call in ["logout", "logoutAll"] {
        clean_page();
        let project = unique("P");
        configure(&project, r#"{"cookieName":"acme_r"}"#).await;
        let first = manager(&options(&project, r#""autoRefresh":false"#));
        first.apply(sign_in(&project, &unique("u")).await).unwrap();
        first.dispose();
        // A reload: the name comes from storage.
        let session = manager(&options(&project, r#""autoRefresh":false"#));
        let promise = if call == "logout" {
            session.logout()
        } else {
            session.logout_all()
        };
        settle(promise).await.expect(call);
        let path = if call == "logout" {
            "/v1/auth/logout"
        } else {
            "/v1/auth/logoutall"
        };
        let entry = log(&project, Some(path)).await.pop().unwrap();
        assert_eq!(
            get_str(&entry, "refreshCookieName").as_deref(),
            Some("acme_r"),
            "{call}: {}",
            stringify(&entry)
        );
        session.dispose();
    }
    clean_page();
    let project = unique("P");
    let first = manager(&options(&project, r#""autoRefresh":false"#));
    first.apply(sign_in(&project, &unique("u")).await).unwrap();
    first.dispose();
    let planted = "a".repeat(20_000);
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item(&[prefix(&project).as_str(), "DSRCN"].concat(), &planted)
        .unwrap();
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    settle(session.me())
        .await
        .expect("me() with a planted name");
    let entry = log(&project, Some("/v1/auth/me")).await.pop().unwrap();
    assert!(
        get(&entry, "refreshCookieName").is_null()
            || get(&entry, "refreshCookieName").is_undefined()
    );
    session.dispose();
}

/// Item 11: the snapshot and everything reachable from it are frozen; mutating what a getter
/// returned never changes the session.
#[wasm_bindgen_test]
async fn the_snapshot_is_frozen_at_every_depth() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    let snapshot = session.get_snapshot().call0(&JsValue::UNDEFINED).unwrap();
    let all_frozen = js_fn(
        "root",
        "const stack = [root]; while (stack.length) { const v = stack.pop(); \
         if (v && typeof v === 'object') { if (!Object.isFrozen(v)) return false; \
         stack.push(...Object.values(v)); } } return true;",
    );
    for value in [snapshot.clone(), session.claims(), session.user()] {
        assert_eq!(
            all_frozen.call1(&JsValue::UNDEFINED, &value).unwrap(),
            JsValue::TRUE,
            "{}",
            stringify(&value)
        );
    }
    let roles = stringify(&session.roles(None).into_iter().collect::<js_sys::Array>());
    let mutate = js_fn(
        "snap",
        "'use strict'; let threw = 0; \
         for (const f of [() => snap.claims.roles.push('admin'), () => { snap.claims.sub = 'x'; }, \
                          () => { snap.user.name = 'Mallory'; }]) { try { f(); } catch (e) { threw++; } } \
         return threw;",
    );
    assert_eq!(
        mutate
            .call1(&JsValue::UNDEFINED, &snapshot)
            .unwrap()
            .as_f64(),
        Some(3.0)
    );
    assert_eq!(
        stringify(&session.roles(None).into_iter().collect::<js_sys::Array>()),
        roles
    );
    assert_eq!(
        session.get_snapshot().call0(&JsValue::UNDEFINED).unwrap(),
        snapshot
    );
    session.dispose();
}

/// Item 10: `dispose()` while a refresh is out stores the answer for the next instance and
/// revokes nothing.
#[wasm_bindgen_test]
async fn dispose_during_a_refresh_keeps_the_rotation() {
    clean_page();
    let project = unique("P");
    let session = manager(&options(&project, r#""autoRefresh":false"#));
    session
        .apply(sign_in(&project, &unique("u")).await)
        .unwrap();
    let presented = session.refresh_token();
    fault(
        &[
            r#"{"path":"/v1/auth/refresh","project":""#,
            &project,
            r#"","delayMs":400}"#,
        ]
        .concat(),
    )
    .await;
    let tokens = Recorder::new();
    session.on_session_token_change(tokens.function.clone());
    let refresh = session.refresh();
    sleep(50).await;
    session.dispose();
    let _ = within(3_000, refresh).await.expect("refresh() settles");
    // The answer comes 400 ms after the request.
    sleep(800).await;
    assert_eq!(tokens.count(), 0, "events after dispose()");
    assert_eq!(count(&project, "/v1/auth/logout").await, 0, "revoked");
    let stored = local(&[prefix(&project).as_str(), "DSR"].concat());
    assert!(
        stored.is_some() && stored != presented,
        "the rotation was not stored"
    );
    // The next instance (StrictMode's second mount) goes on with it.
    let next = manager(&options(&project, r#""autoRefresh":false"#));
    assert_eq!(next.refresh_token(), stored);
    settle(next.refresh())
        .await
        .expect("refresh with the kept rotation");
    next.dispose();
}

/// Item 9: a 4xx answer to the start-up `try-refresh` removes the logged-in indicator, so the
/// next page load makes no request.
#[wasm_bindgen_test]
async fn a_refused_try_refresh_removes_the_indicator() {
    clean_page();
    let project = unique("P");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("DSLI", "1").unwrap();
    fault(
        &[
            r#"{"path":"/v1/auth/try-refresh","project":""#,
            &project,
            r#"","status":401}"#,
        ]
        .concat(),
    )
    .await;
    let session = manager(&options(&project, ""));
    settle(session.ready()).await.unwrap();
    assert_eq!(count(&project, "/v1/auth/try-refresh").await, 1);
    assert_eq!(local("DSLI"), None, "the indicator stayed");
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
