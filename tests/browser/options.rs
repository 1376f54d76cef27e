//! Options: what the constructor refuses (a `SessionError` `invalid_argument`, and the module
//! still works after), inherited properties that change nothing, the API host of a project's
//! region, and a Descope app's session options taken unchanged.

use session_keeper::SessionManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn every_invalid_option_is_refused() {
    clean_page();
    assert_each_refused(
        &[
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
        ],
        SessionManager::new,
    );
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
async fn bad_custom_activity_tracking_is_refused() {
    clean_page();
    assert_each_refused(
        &[
            r#"{"projectId":"P","autoRefresh":{"customActivityTracking":"yes"}}"#,
            r#"{"projectId":"P","autoRefresh":{"customActivityTracking":1}}"#,
            r#"{"projectId":"P","autoRefresh":"yes"}"#,
            r#"{"projectId":"P","autoRefresh":[true]}"#,
        ],
        SessionManager::new,
    );
    // The module still works, tracking included.
    let project = unique("P");
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let session = signed_in(&project, &join(&[NO_COOKIE, TRACKING])).await;
    session.mark_user_active();
    assert_refreshes_reach(&project, 1, 2_000.0).await;
    assert!(session.is_authenticated());
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
        assert_refused(SessionManager::new(options), what);
    }
    // The module still works, with good hooks and headers.
    let project = unique("P");
    let hooks = Hooks::new();
    let session = build(options_with(
        &project,
        r#""autoRefresh":false,"baseHeaders":{"x-app":"web","X-Version":"1.2"}"#,
        &[("hooks", hooks.option())],
    ));
    sign_in_to(&session, &project).await;
    settle(session.refresh()).await.expect("refresh");
    let headers = get(&hooks.seen()[0], "headers");
    assert_eq!(get_str(&headers, "X-Version").as_deref(), Some("1.2"));
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    session.dispose();
}

/// Options that give the session and the refresh token the same cookie are refused.
#[wasm_bindgen_test]
fn options_that_share_a_cookie_name_are_refused() {
    let project = unique("P");
    for extra in [
        r#""sessionTokenViaCookie":{"name":"auth"},"refreshTokenViaCookie":{"name":"auth"}"#,
        r#""sessionTokenViaCookie":{"cookieName":"auth"},"refreshTokenViaCookie":{"cookieName":"auth"}"#,
        r#""refreshTokenViaCookie":{"name":"DS"}"#,
    ] {
        assert_refused(SessionManager::new(json(&options(&project, extra))), extra);
    }
}

#[wasm_bindgen_test]
async fn inherited_properties_change_nothing() {
    let project = fresh_project();
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
    assert_eq!(local(&key(&project, "DSR")), None);
    assert_eq!(cookie("EVIL"), None);
    assert_eq!(cookie("DS"), session.session_token());
    // localStorage, not the inherited "memory".
    assert!(local(&key(&project, "DSM")).is_some());
    session.dispose();

    // An inherited baseUrl does not redirect the requests.
    eval(&["Object.prototype.baseUrl = '", devserver(), "/evil';"].concat());
    let session = SessionManager::new(json(&object_text(
        &[
            ("projectId", &project),
            ("storagePrefix", &prefix(&project)),
        ],
        r#""autoRefresh":false,"requestTimeoutMs":1500"#,
    )));
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

#[wasm_bindgen_test]
async fn the_api_host_follows_the_project_region() {
    clean_page();
    // A beforeRequest that throws stops a request before it leaves (checked against the
    // devserver), and shows the URL it would have gone to: nothing goes to the internet.
    let stopper = |hooks: &Hooks| {
        hooks.answer("config", "throw new Error('stopped on purpose');");
        hooks.option()
    };
    let project = unique("P");
    let hooks = Hooks::new();
    let local_one = build(options_with(
        &project,
        r#""autoRefresh":false"#,
        &[("hooks", stopper(&hooks))],
    ));
    assert!(settle(local_one.me()).await.is_err());
    assert_eq!(log(&project, None).await.len(), 0, "the request left");
    assert_eq!(
        get_str(&hooks.seen()[0], "url"),
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
        let plain = manager(&object_text(
            &[("projectId", project_id), ("storagePrefix", &unique("r"))],
            r#""autoRefresh":false"#,
        ));
        assert!(!plain.is_authenticated());
        plain.dispose();
        let hooks = Hooks::new();
        let options = object(&[
            ("projectId", project_id.into()),
            ("autoRefresh", false.into()),
            ("storagePrefix", unique("r").into()),
            ("hooks", stopper(&hooks)),
        ]);
        let session = build(options);
        assert!(settle(session.me()).await.is_err());
        let configs = hooks.seen();
        assert_eq!(configs.len(), 1);
        assert_eq!(
            get_str(&configs[0], "url"),
            Some([host, "/v1/auth/me"].concat()),
            "{project_id}"
        );
        session.dispose();
    }
}

#[wasm_bindgen_test]
async fn a_descope_app_session_config_works_unchanged() {
    // The session options of a `createSdk({...})` call as a Descope app writes them
    // (`persistTokens` included: it is the default here), no `storagePrefix`. Only `baseUrl`
    // points at the devserver, and the cookie is not `Secure` because the test page is
    // plain http.
    let project = fresh_project();
    configure(&project, r#"{"nextRefreshSeconds":1}"#).await;
    let cookie_name = unique("app_session");
    let hooks = Hooks::new();
    let app_options = [
        r#""persistTokens":true,"autoRefresh":{"customActivityTracking":true},"sessionTokenViaCookie":{"cookieName":""#,
        &cookie_name,
        r#"","sameSite":"Lax","secure":false},"storeLastAuthenticatedUser":true,"keepLastAuthenticatedUserAfterLogout":true,"baseHeaders":{"x-app":"web"}"#,
    ]
    .concat();
    let session = build(options_object(
        &options_in(&project, None, &app_options),
        &[("hooks", hooks.option())],
    ));
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
    assert_refreshes_reach(&project, 1, 3_000.0).await;
    assert!(eventually(2_000.0, || session.session_token() != first).await);
    assert_eq!(cookie(&cookie_name), session.session_token());
    // The request went through the hook with the base header and the SDK headers.
    let configs = hooks.seen();
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
    let project = fresh_project();
    let memory = manager(&options_in(
        &project,
        None,
        r#""persistTokens":false,"autoRefresh":false"#,
    ));
    sign_in_to(&memory, &project).await;
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
