//! Request hooks and `baseHeaders`: what `beforeRequest` and `afterRequest` are shown (never a
//! token), what they may change and what reaches the server, and a hook that fails.

use js_sys::Reflect;
use session_keeper::SessionManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

#[wasm_bindgen_test]
async fn hooks_see_every_request_and_answer_without_tokens() {
    let (project, hooks, session) = hooked(r#""autoRefresh":false,"baseHeaders":{"x-app":"web"}"#);
    sign_in_to(&session, &project).await;
    assert_eq!(hooks.seen().len(), 0, "apply() sends nothing");
    let refresh_jwt = session.refresh_token().unwrap();
    let answer = settle(session.refresh()).await.expect("refresh");
    // The caller still gets the tokens.
    assert!(get_str(&answer, "sessionJwt").is_some());
    let config = hooks.seen().remove(0);
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
        let pair = hooks.after().remove(0);
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
    let config = hooks.seen().remove(1);
    assert_eq!(get_str(&config, "method").as_deref(), Some("GET"));
    assert_eq!(get_str(&config, "path").as_deref(), Some("/v1/auth/me"));
    assert!(get(&config, "body").is_undefined());
    // The body the hook answers is the one sent (the server answers for it) ...
    hooks.answer("config", "return { body: { ids: ['T-globex'] } };");
    let answer = settle(session.my_tenants(JsValue::TRUE))
        .await
        .expect("myTenants");
    assert_eq!(tenant_ids(&answer), ["T-globex"]);
    assert_eq!(stringify(&get(&hooks.seen()[2], "body")), r#"{"dct":true}"#);
    // ... also from a promise, and from any thenable, as JS's `await` takes one.
    for (hook, ids) in [
        (
            "return Promise.resolve({ headers: { 'x-extra': '1' }, body: { ids: ['T-acme'] } });",
            "T-acme",
        ),
        (
            "return { then(done) { done({ body: { ids: ['T-globex'] } }); } };",
            "T-globex",
        ),
    ] {
        hooks.answer("config", hook);
        let answer = settle(session.my_tenants(JsValue::TRUE))
            .await
            .expect("myTenants");
        assert_eq!(tenant_ids(&answer), [ids], "{hook}");
    }
    hooks.answer_nothing();
    // An error answer reaches afterRequest with its status.
    fault_on(&project, "/v1/auth/me", r#""status":401"#).await;
    assert_eq!(rejection(session.me()).await.code, "unauthorized");
    let last = hooks.after().pop().unwrap();
    let response = Reflect::get_u32(&last, 1).unwrap();
    assert_eq!(get(&response, "status").as_f64(), Some(401.0));
    assert_eq!(get(&response, "ok").as_bool(), Some(false));
    assert_eq!(
        get_str(&get(&response, "body"), "errorCode").as_deref(),
        Some("E999999")
    );
    // A throwing afterRequest changes nothing.
    hooks.throw_after();
    assert_rotates(&session, "refresh with a throwing afterRequest").await;
    assert!(session.is_authenticated());
    settle(session.logout()).await.expect("logout");
    // Every request carried baseHeaders and the SDK headers, never Authorization; every
    // answer reached afterRequest.
    let configs = hooks.seen();
    assert_eq!(configs.len(), 8);
    assert_eq!(hooks.after().len(), configs.len());
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
    let project = fresh_project();
    let names = [unique("HA"), unique("HB"), unique("HC")];
    configure_refresh_cookie(&project, &names[0]).await;
    // Responses without cookieName: no DSRCN, so only the options name the cookie.
    let response = copy_of(&sign_in(&project, &unique("u")).await, &["cookieName"], &[]);
    configure_refresh_cookie(&project, &names[1]).await;
    let stored_only = join(&[r#""autoRefresh":false"#, NO_COOKIE]);
    // Control: nothing names the old cookie.
    let control = unique("c");
    let plain = manager(&options_in(&project, Some(&control), &stored_only));
    plain.apply(response.clone()).unwrap();
    assert_eq!(local(&[control.as_str(), "DSRCN"].concat()), None);
    assert!(
        settle(plain.refresh()).await.is_err(),
        "found without a header"
    );
    plain.dispose();
    // beforeRequest's header.
    let hooks = Hooks::new();
    hooks.answer(
        "config",
        &[
            "return { headers: { 'x-descope-refresh-cookie-name': '",
            &names[0],
            "' } };",
        ]
        .concat(),
    );
    let hooked = build(options_object(
        &options_in(&project, Some(&unique("h")), &stored_only),
        &[("hooks", hooks.option())],
    ));
    hooked.apply(response.clone()).unwrap();
    assert_rotates(&hooked, "the hook's header reached the server").await;
    hooked.dispose();
    // The rotated token is in the cookie of the project's current name; rename again.
    configure_refresh_cookie(&project, &names[2]).await;
    let base_headers = [
        r#""baseHeaders":{"#,
        &member("x-descope-refresh-cookie-name", &names[1]),
        "}",
    ]
    .concat();
    let base = manager(&options_in(
        &project,
        Some(&unique("b")),
        &join(&[&stored_only, &base_headers]),
    ));
    base.apply(response).unwrap();
    assert_rotates(&base, "baseHeaders reached the server").await;
    // No logout here: the server wrote the rotated token to the cookie of the new name, so
    // the header would name a cookie holding a used token.
    base.dispose();
}

#[wasm_bindgen_test]
async fn a_failing_before_request_fails_the_request_and_keeps_the_session() {
    let (project, hooks, session) = hooked(r#""autoRefresh":false"#);
    let errors = Recorder::new();
    session.on_refresh_error(errors.function.clone());
    sign_in_to(&session, &project).await;
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
        hooks.answer("config", body);
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
    hooks.answer_nothing();
    settle(session.refresh()).await.expect("refresh");
    assert_ne!(session.session_token(), token);
    assert_eq!(count(&project, "/v1/auth/refresh").await, 1);
    session.dispose();
}

/// `afterRequest` never sees token material: no token field at any depth, no string equal to
/// a token the session holds.
#[wasm_bindgen_test]
async fn after_request_never_sees_token_material() {
    let project = fresh_project();
    let seen = js_sys::Array::new();
    let hooks = object(&[(
        "afterRequest",
        js_made_fn(
            "seen",
            "return (request, response) => { seen.push(response); };",
            &seen,
        )
        .into(),
    )]);
    let session = build(options_with(
        &project,
        r#""autoRefresh":false"#,
        &[("hooks", hooks)],
    ));
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
    fault_on(
        &project,
        "/v1/auth/refresh",
        &[r#""status":200,"body":"#, &stringify(&body)].concat(),
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

/// Header names are compared case-insensitively; `Authorization` is refused in `baseHeaders`
/// and dropped from a hook's answer.
#[wasm_bindgen_test]
async fn nobody_but_the_session_sets_authorization() {
    let project = fresh_project();
    for name in ["authorization", "Authorization", "AUTHORIZATION"] {
        let options = options_with(
            &project,
            "",
            &[("baseHeaders", object(&[(name, "Bearer P1:chosen".into())]))],
        );
        assert_refused(
            SessionManager::new(options),
            &["baseHeaders ", name].concat(),
        );
    }
    let hooks = object(&[(
        "beforeRequest",
        js_fn(
            "",
            "return { headers: { authorization: 'Bearer P1:chosen', \
             'content-type': 'text/plain', 'X-App': 'a' } };",
        )
        .into(),
    )]);
    let session = build(options_with(
        &project,
        r#""autoRefresh":false"#,
        &[
            ("hooks", hooks),
            (
                "baseHeaders",
                object(&[("x-app", "base".into()), ("X-Other", "o".into())]),
            ),
        ],
    ));
    sign_in_to(&session, &project).await;
    settle(session.me())
        .await
        .expect("me() with the session's own Authorization");
    let entry = last_entry(&project, "/v1/auth/me").await;
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

/// Hooks get deep copies: editing what `afterRequest` is handed changes nothing the session
/// stores.
#[wasm_bindgen_test]
async fn a_hook_cannot_change_the_stored_session() {
    let project = fresh_project();
    let hooks = object(&[(
        "afterRequest",
        js_fn(
            "request, response",
            "const b = response.body; \
             for (const u of [b && b.user, b && b.loginIds ? b : null]) { if (!u) continue; \
             u.name = 'Mallory'; u.loginIds = ['mallory']; u.email = 'mallory@example.com'; }",
        )
        .into(),
    )]);
    let session = build(options_with(
        &project,
        r#""autoRefresh":false"#,
        &[("hooks", hooks)],
    ));
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
        let stored = local(&key(&project, "DSU")).unwrap_or_default();
        assert!(!stored.contains("allory"), "{name}: {stored}");
        assert_eq!(
            local(LAST_LOGIN_ID).as_deref(),
            Some(login.as_str()),
            "{name}"
        );
    }
    session.dispose();
}
