//! The Rust API (feature `rust`, API.md §7): `Session` and `Options` against the devserver —
//! options refused as the JS constructor refuses them, apply and the snapshot, subscriptions,
//! the calls and their values, logout, server errors as `SessionError`s, the hooks, and a
//! Rust `Session` and a JS `SessionManager` of one project as two tabs of one session.

use std::cell::RefCell;
use std::rc::Rc;

use session_keeper::rust::{
    CookieOptions, RequestConfig, ResponseInfo, SameSite, SecurityAnswer, SecurityQuestions,
    TenantQuery, Value,
};
use session_keeper::{
    ErrorCode, JwtResponse, Options, Persist, Session, SessionError, Snapshot, Subscription,
};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::web::*;

/// The test options of `project` (the devserver, the prefix `<project>.`), no auto refresh.
fn rust_options(project: &str) -> Options {
    Options::new(project)
        .base_url(devserver())
        .storage_prefix(prefix(project))
        .auto_refresh(false)
}

/// A sign-in of `login` to `project`, as the Rust type.
async fn sign_in_rust(project: &str, login: &str) -> JwtResponse {
    JwtResponse::from_js(&sign_in(project, login).await).expect("a JWT response")
}

/// A clean page, a new project and user, and a Rust session of it built with `options` (from
/// the test options), signed in.
struct Signed {
    project: String,
    login: String,
    session: Session,
    response: JwtResponse,
}

async fn signed(options: impl FnOnce(Options) -> Options) -> Signed {
    let project = fresh_project();
    let login = [unique("user").as_str(), "@example.com"].concat();
    let session = Session::new(options(rust_options(&project))).expect("options");
    let response = sign_in_rust(&project, &login).await;
    session.apply(&response).expect("apply");
    Signed {
        project,
        login,
        session,
        response,
    }
}

/// Records what a callback is given.
fn recorder<T: 'static>() -> (Rc<RefCell<Vec<T>>>, impl Fn(T) + 'static) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |value| sink.borrow_mut().push(value))
}

#[wasm_bindgen_test]
fn bad_options_are_refused_with_invalid_argument() {
    clean_page();
    let same_name = || CookieOptions::new().name("TOKENS");
    let refused = [
        ("an empty projectId", Options::new("")),
        ("a projectId with ':'", Options::new("P:1")),
        (
            "a baseUrl without a scheme",
            Options::new("P1").base_url("api.descope.com"),
        ),
        (
            "a request timeout of 0",
            Options::new("P1").request_timeout_ms(0),
        ),
        (
            "Authorization in baseHeaders",
            Options::new("P1").base_header("authorization", "Bearer x"),
        ),
        (
            "a header value with a line break",
            Options::new("P1").base_headers([("x-app", "a\r\nb")]),
        ),
        (
            "both tokens in one cookie",
            Options::new("P1")
                .session_token_via_cookie(same_name())
                .refresh_token_via_cookie(same_name()),
        ),
        (
            "SameSite=None without Secure",
            Options::new("P1").session_token_via_cookie(
                CookieOptions::new().same_site(SameSite::None).secure(false),
            ),
        ),
        (
            "a refreshCookieName that is no cookie name",
            Options::new("P1").refresh_cookie_name("a b"),
        ),
    ];
    for (what, options) in refused {
        let err = match Session::new(options) {
            Ok(_) => panic!("accepted {what}"),
            Err(err) => err,
        };
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{what}: {err}");
        assert_eq!(err.status(), None);
        assert!(err.to_string().starts_with("invalid_argument: "), "{err}");
        let _: &dyn std::error::Error = &err;
    }
    // Every option set, all valid: built (and nothing sent).
    let session = Session::new(
        Options::new(unique("P"))
            .base_url(devserver())
            .storage_prefix("rust.")
            .persist(Persist::Memory)
            .session_token_via_cookie(false)
            .refresh_token_via_cookie(
                CookieOptions::new()
                    .name("rt")
                    .same_site(SameSite::Lax)
                    .secure(true)
                    .domain("127.0.0.1"),
            )
            .custom_activity_tracking(true)
            .cross_tab(false)
            .request_timeout_ms(5_000)
            .refresh_cookie_name("rt")
            .store_last_authenticated_user(false)
            .keep_last_authenticated_user_after_logout(true)
            .base_headers([("x-app", "web")])
            .before_request(|_| {})
            .after_request(|_, _| {}),
    )
    .expect("valid options");
    assert!(!session.is_authenticated());
    assert_eq!(session.snapshot(), Snapshot::default());
    session.dispose();
}

#[wasm_bindgen_test]
async fn apply_fills_the_snapshot_and_the_getters() {
    let s = signed(|o| o).await;
    let session_jwt = s.response.session_jwt.clone().expect("sessionJwt");
    let refresh_jwt = s.response.refresh_jwt.clone().expect("refreshJwt");
    // The sign-in answer as the Rust type.
    let user = s.response.user.clone().expect("user");
    assert_eq!(user.email.as_deref(), Some(s.login.as_str()));
    assert!(s.response.session_expiration.is_some());
    assert!(!format!("{:?}", s.response).contains(&session_jwt));
    // The state.
    let snapshot = s.session.snapshot();
    assert!(snapshot.is_authenticated);
    assert_eq!(snapshot.user.as_ref(), Some(&user));
    assert_eq!(snapshot.current_tenant, None);
    let claims = snapshot.claims.clone().expect("claims");
    assert_eq!(
        claims.get("iss").and_then(Value::as_str),
        Some(s.project.as_str())
    );
    let exp = claims.get("exp").and_then(Value::as_f64).expect("exp");
    assert_eq!(snapshot.expires_at, Some(exp * 1000.0));
    assert_eq!(s.session.expires_at(), Some(exp * 1000.0));
    assert_eq!(s.session.next_refresh_at(), None, "no auto refresh");
    assert_eq!(s.session.claims(), Some(claims));
    assert_eq!(s.session.user(), Some(user));
    assert!(s.session.is_authenticated());
    assert_eq!(s.session.session_token(), Some(session_jwt.clone()));
    assert_eq!(s.session.refresh_token(), Some(refresh_jwt.clone()));
    assert_eq!(s.session.roles(None), ["viewer"]);
    assert_eq!(s.session.permissions(Some("T-acme")), ["read", "write"]);
    assert!(s.session.roles(Some("T-none")).is_empty());
    assert_eq!(
        s.session.tenants(),
        Some(vec!["T-acme".to_string(), "T-globex".to_string()])
    );
    // Stored as the JS API stores it: the session token in the DS cookie, the refresh token
    // under the prefix.
    assert_eq!(cookie("DS"), Some(session_jwt));
    assert_eq!(local(&key(&s.project, "DSR")), Some(refresh_jwt));
    // The same snapshot until something changes.
    assert_eq!(s.session.snapshot(), snapshot);
    // A response the core refuses (a token of the wrong type): an error, nothing changed.
    let mut bad = JwtResponse::default();
    bad.extra.insert("sessionJwt".into(), Value::Number(42.0));
    let err = s.session.apply(&bad).expect_err("applied a bad response");
    assert_eq!(err.code(), ErrorCode::InvalidResponse, "{err}");
    assert_eq!(s.session.snapshot(), snapshot);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn subscribers_are_called_once_per_change_and_not_after_the_drop() {
    let project = fresh_project();
    let session = Session::new(rust_options(&project)).unwrap();
    let (snapshots, push) = recorder::<Snapshot>();
    let subscription = session.subscribe(move |s| push(s.clone()));
    let (tokens, push) = recorder::<Option<String>>();
    let _tokens = session.on_session_token_change(move |t| push(t.map(String::from)));
    let (auth, push) = recorder::<bool>();
    let _auth = session.on_is_authenticated_change(push);
    let (users, push) = recorder::<Option<String>>();
    let _users = session.on_user_change(move |u| push(u.and_then(|u| u.email.clone())));
    let (claims, push) = recorder::<bool>();
    let _claims = session.on_claims_change(move |c| push(c.is_some()));
    // At once, with the state now.
    assert_eq!(*snapshots.borrow(), [Snapshot::default()]);
    let login = [unique("user").as_str(), "@example.com"].concat();
    session
        .apply(&sign_in_rust(&project, &login).await)
        .unwrap();
    assert_eq!(snapshots.borrow().len(), 2);
    assert!(snapshots.borrow()[1].is_authenticated);
    assert_eq!(snapshots.borrow()[1], session.snapshot());
    let rotated = session.refresh().await.expect("refresh");
    assert_eq!(snapshots.borrow().len(), 3, "one call for the refresh");
    assert_eq!(tokens.borrow().len(), 2);
    assert_eq!(tokens.borrow()[1], rotated.session_jwt);
    // The same user again is no change.
    session.me().await.expect("me");
    assert_eq!(snapshots.borrow().len(), 3);
    // Dropped: not called again; a subscription kept is.
    drop(subscription);
    let (after, push) = recorder::<Snapshot>();
    let kept: Subscription = session.subscribe(move |s| push(s.clone()));
    session.logout().await.expect("logout");
    assert_eq!(snapshots.borrow().len(), 3, "called after the drop");
    assert_eq!(after.borrow().len(), 2);
    assert_eq!(after.borrow()[1], Snapshot::default());
    assert_eq!(tokens.borrow().len(), 3);
    assert_eq!(tokens.borrow()[2], None);
    assert_eq!(*auth.borrow(), [true, false]);
    // (The refresh answer's user may be told again as a change: what the JS event does.)
    let users = users.borrow();
    assert_eq!(users.last(), Some(&None));
    assert!(users[..users.len() - 1]
        .iter()
        .all(|u| *u == Some(login.clone())));
    assert!(users.len() >= 2, "{users:?}");
    assert_eq!(*claims.borrow(), [true, true, false]);
    drop(kept);
    session.dispose();
}

#[wasm_bindgen_test]
async fn a_callback_may_drop_its_own_subscription_and_call_the_session() {
    let project = fresh_project();
    let session = Session::new(rust_options(&project)).unwrap();
    let slot: Rc<RefCell<Option<Subscription>>> = Rc::default();
    let (seen, push) = recorder::<bool>();
    let (held, handle) = (slot.clone(), session.clone());
    let subscription = session.subscribe(move |s| {
        // Re-entrant: the session answers from inside its own event.
        assert_eq!(handle.is_authenticated(), s.is_authenticated);
        push(s.is_authenticated);
        if s.is_authenticated {
            held.borrow_mut().take();
        }
    });
    *slot.borrow_mut() = Some(subscription);
    let panics = watch_panics();
    session
        .apply(&sign_in_rust(&project, &unique("u")).await)
        .unwrap();
    session.refresh().await.expect("refresh");
    assert_eq!(*seen.borrow(), [false, true]);
    assert_no_panic(&panics);
    session.dispose();
}

#[wasm_bindgen_test]
async fn refresh_gives_a_new_session_token() {
    let s = signed(|o| o).await;
    let before = s.session.session_token();
    let response = s.session.refresh().await.expect("refresh");
    assert!(response.session_jwt.is_some());
    assert_ne!(response.session_jwt, before);
    assert_eq!(s.session.session_token(), response.session_jwt);
    assert_eq!(count(&s.project, "/v1/auth/refresh").await, 1);
    assert!(s.session.is_authenticated());
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn the_calls_answer_rust_values() {
    let s = signed(|o| o).await;
    let user = s.session.me().await.expect("me");
    assert_eq!(user.email.as_deref(), Some(s.login.as_str()));
    let tenants = user.user_tenants.clone().expect("userTenants");
    assert_eq!(tenants.len(), 2, "{user:?}");
    assert_eq!(s.session.user(), Some(user));
    let history = s.session.history().await.expect("history");
    assert_eq!(history.len(), 1);
    assert!(history[0].user_id.is_some());
    assert!(history[0].login_time.unwrap() > 1.6e9);
    let parsed = s.session.validate().await.expect("validate");
    assert_eq!(
        parsed.get("iss").and_then(Value::as_str),
        Some(s.project.as_str())
    );
    assert_eq!(
        parsed.get("sub"),
        s.session.claims().unwrap().get("sub"),
        "{parsed:?}"
    );
    let ids = |tenants: Vec<session_keeper::rust::Tenant>| -> Vec<String> {
        tenants.into_iter().filter_map(|t| t.id).collect()
    };
    let current = s.session.my_tenants(TenantQuery::Current).await;
    assert_eq!(ids(current.expect("myTenants(true)")), Vec::<String>::new());
    let asked = s
        .session
        .my_tenants(TenantQuery::Ids(vec!["T-globex".into()]))
        .await;
    assert_eq!(ids(asked.expect("myTenants(ids)")), ["T-globex"]);
    let selected = s.session.select_tenant("T-acme").await.expect("select");
    assert_eq!(selected.session_jwt, s.session.session_token());
    assert_eq!(s.session.current_tenant().as_deref(), Some("T-acme"));
    assert_eq!(
        s.session.snapshot().current_tenant.as_deref(),
        Some("T-acme")
    );
    let before = s.session.session_token();
    let answers = vec![
        SecurityAnswer {
            question_id: "q-color".into(),
            answer: "Blue".into(),
        },
        SecurityAnswer {
            question_id: "q-city".into(),
            answer: " paris ".into(),
        },
    ];
    let request = SecurityQuestions {
        answers,
        stepup: Some(true),
        ..SecurityQuestions::default()
    };
    let verified = s.session.verify_security_questions(&request).await;
    assert!(verified.expect("verify").session_jwt.is_some());
    assert_ne!(s.session.session_token(), before);
    let exchanged = s.session.exchange_access_key("demo-access-key", None).await;
    let exchanged = exchanged.expect("exchange");
    assert_eq!(exchanged.key_id, "K-demo");
    assert!(!exchanged.session_jwt.is_empty() && exchanged.expiration.is_some());
    assert_ne!(
        s.session.session_token(),
        Some(exchanged.session_jwt),
        "the exchange signs nobody in"
    );
    // `ready` settles (nothing was due at start).
    s.session.ready().await;
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn logout_clears_everything() {
    let s = signed(|o| o).await;
    let refresh = s.session.refresh_token().unwrap();
    s.session.logout().await.expect("logout");
    assert_eq!(s.session.session_token(), None);
    assert_eq!(s.session.refresh_token(), None);
    assert!(!s.session.is_authenticated());
    assert_eq!(s.session.user(), None);
    assert_eq!(s.session.snapshot(), Snapshot::default());
    assert_eq!(cookie("DS"), None);
    let leftovers = keys_of(&s.project);
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    assert_eq!(count(&s.project, "/v1/auth/logout").await, 1);
    assert_eq!(refresh_status(&s.project, &refresh).await, 401);
    // logoutAll too.
    let s = signed(|o| o).await;
    s.session.logout_all().await.expect("logoutAll");
    assert!(!s.session.is_authenticated());
    assert!(keys_of(&s.project).is_empty());
    assert_eq!(count(&s.project, "/v1/auth/logoutall").await, 1);
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn server_errors_carry_the_session_error_fields() {
    let s = signed(|o| o).await;
    let tokens = [s.session.session_token(), s.session.refresh_token()];
    let me_with_fault = |spec: &'static str| {
        let (project, session) = (s.project.clone(), s.session.clone());
        async move {
            fault_on(&project, "/v1/auth/me", spec).await;
            session.me().await.expect_err("me went through")
        }
    };
    let assert_no_token = |err: &SessionError| {
        for token in tokens.iter().flatten() {
            assert!(
                !err.to_string().contains(token.as_str()),
                "a token in {err}"
            );
        }
    };
    let err = me_with_fault(
        r#""status":400,"body":{"errorCode":"E011003","errorDescription":"Request is invalid","errorMessage":"bad"}"#,
    )
    .await;
    assert_no_token(&err);
    assert_eq!(
        (err.code(), err.status(), err.error_code()),
        (ErrorCode::Http, Some(400), Some("E011003"))
    );
    assert_eq!(err.error_description(), Some("Request is invalid"));
    assert!(err.to_string().starts_with("http: "), "{err}");
    assert!(err.to_string().contains("HTTP 400"), "{err}");
    let err = me_with_fault(r#""status":401"#).await;
    assert_eq!(
        (err.code(), err.status()),
        (ErrorCode::Unauthorized, Some(401))
    );
    let err = me_with_fault(r#""status":429,"retryAfter":7"#).await;
    assert_eq!(
        (err.code(), err.status(), err.retry_after()),
        (ErrorCode::RateLimited, Some(429), Some(7.0))
    );
    let err = me_with_fault(r#""body":"malformed""#).await;
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
    assert_no_token(&err);
    // A refused argument: no request.
    let before = count(&s.project, "/v1/auth/tenant/select").await;
    let err = s.session.select_tenant(" ").await.expect_err("selected");
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert_eq!(count(&s.project, "/v1/auth/tenant/select").await, before);
    // A failed refresh: the call fails and the refresh-error event tells the same error.
    let (errors, push) = recorder::<SessionError>();
    let _errors = s.session.on_refresh_error(move |e| push(e.clone()));
    fault_on(&s.project, "/v1/auth/refresh", r#""status":503"#).await;
    let err = s.session.refresh().await.expect_err("refreshed");
    assert_eq!((err.code(), err.status()), (ErrorCode::Http, Some(503)));
    assert_eq!(*errors.borrow(), [err]);
    assert!(s.session.is_authenticated(), "a 503 keeps the session");
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn the_options_decide_where_tokens_go() {
    let name = unique("rt");
    let s = signed(|o| {
        o.persist(Persist::SessionStorage)
            .session_token_via_cookie(false)
            .refresh_token_via_cookie(CookieOptions::new().name(&name).same_site(SameSite::Lax))
    })
    .await;
    assert_eq!(cookie(&name), s.response.refresh_jwt);
    assert_eq!(session_item(&key(&s.project, "DS")), s.response.session_jwt);
    assert_eq!(cookie("DS"), None);
    assert_eq!(local(&key(&s.project, "DS")), None);
    assert_eq!(local(&key(&s.project, "DSR")), None);
    s.session.logout().await.expect("logout");
    assert_eq!(cookie(&name), None);
    assert_eq!(session_item(&key(&s.project, "DS")), None);
}

#[wasm_bindgen_test]
async fn hooks_see_each_request_without_tokens_and_may_change_it() {
    let (configs, push_config) = recorder::<RequestConfig>();
    let (answers, push_answer) = recorder::<(String, ResponseInfo)>();
    let rewrite = Rc::new(std::cell::Cell::new(false));
    let rewriting = rewrite.clone();
    let s = signed(move |o| {
        o.base_header("x-app", "web")
            .before_request(move |config| {
                push_config(config.clone());
                config.set_header("x-trace", "1");
                if rewriting.get() {
                    let ids = Value::List(vec!["T-globex".into()]);
                    config.body = Some(Value::Map([("ids".to_string(), ids)].into()));
                }
            })
            .after_request(move |request, response| {
                push_answer((request.path.clone(), response.clone()))
            })
    })
    .await;
    assert!(configs.borrow().is_empty(), "apply() sends nothing");
    let refresh_jwt = s.session.refresh_token().unwrap();
    s.session.refresh().await.expect("refresh");
    let config = configs.borrow()[0].clone();
    assert_eq!(config.path, "/v1/auth/refresh");
    assert_eq!(config.url, [devserver(), "/v1/auth/refresh"].concat());
    assert_eq!(config.method, "POST");
    assert_eq!(config.header("X-App"), Some("web"));
    assert_eq!(config.header("x-descope-sdk-name"), Some("session-keeper"));
    assert_eq!(config.header("authorization"), None);
    assert_eq!(config.body, Some(Value::Map(Default::default())));
    assert!(!format!("{config:?}").contains(&refresh_jwt));
    let (path, response) = answers.borrow()[0].clone();
    assert_eq!(
        (path.as_str(), response.status, response.ok),
        ("/v1/auth/refresh", 200, true)
    );
    let body = response.body.expect("a body");
    assert!(body.get("sessionJwt").is_none() && body.get("refreshJwt").is_none());
    assert!(body.get("user").and_then(Value::as_map).is_some());
    // The body the hook sets is the one sent: the server answers for it.
    rewrite.set(true);
    let tenants = s.session.my_tenants(TenantQuery::Current).await;
    let ids: Vec<_> = tenants
        .expect("myTenants")
        .into_iter()
        .filter_map(|t| t.id)
        .collect();
    assert_eq!(ids, ["T-globex"]);
    let asked = configs.borrow().last().cloned().unwrap();
    assert_eq!(asked.path, "/v1/auth/me/tenants");
    assert_eq!(
        asked.body.as_ref().and_then(|b| b.get("dct")),
        Some(&Value::Bool(true))
    );
    s.session.dispose();
}

#[wasm_bindgen_test]
async fn a_js_manager_and_a_rust_session_of_one_project_agree() {
    let project = fresh_project();
    let js = manager(&options(&project, r#""autoRefresh":false"#));
    let rust = Session::new(rust_options(&project)).unwrap();
    // A sign-in applied in JS reaches the Rust session.
    sign_in_to(&js, &project).await;
    assert!(js.session_token().is_some());
    assert!(eventually(1_000.0, || rust.session_token() == js.session_token()).await);
    assert_eq!(
        rust.snapshot().user.and_then(|u| u.email),
        get_str(&js.user(), "email")
    );
    // A refresh in Rust reaches JS ...
    let before = js.session_token();
    let rotated = rust.refresh().await.expect("refresh in Rust");
    assert_ne!(rotated.session_jwt, before);
    let agree =
        || js.session_token() == rust.session_token() && js.refresh_token() == rust.refresh_token();
    assert!(
        eventually(1_000.0, || agree()
            && js.session_token() == rotated.session_jwt)
        .await
    );
    // ... and one in JS reaches Rust.
    let answer = settle(js.refresh()).await.expect("refresh in JS");
    let from_js = get_str(&answer, "sessionJwt");
    assert_ne!(from_js, rotated.session_jwt);
    assert!(eventually(1_000.0, || agree() && rust.session_token() == from_js).await);
    assert_eq!(count(&project, "/v1/auth/refresh").await, 2);
    assert!(rust.is_authenticated() && js.is_authenticated());
    // A logout in Rust clears JS too.
    rust.logout().await.expect("logout");
    assert!(eventually(1_000.0, || js.session_token().is_none()).await);
    assert_cleared(&project, &js);
    js.dispose();
    rust.dispose();
}
