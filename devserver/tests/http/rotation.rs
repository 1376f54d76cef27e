//! Non-rotating refresh (`--no-rotation`, or `rotation: false` per project): refresh and tenant
//! select keep the presented refresh token and leave `refreshJwt` out; logout, logout-all and
//! reuse detection still work. With rotation (the default) nothing changes.

use serde_json::{json, Value};

use crate::support::{claims, Resp, Server};
use crate::{refresh_of, DEMO, P};

fn session_of(r: &Value) -> String {
    r["sessionJwt"]
        .as_str()
        .filter(|s| !s.is_empty())
        .expect("sessionJwt")
        .to_string()
}

fn refresh(s: &Server, project: &str, token: &str) -> Resp {
    s.descope("POST", "/v1/auth/refresh", project, Some(token), &json!({}))
}

fn select(s: &Server, project: &str, token: &str, tenant: &str) -> Resp {
    s.descope(
        "POST",
        "/v1/auth/tenant/select",
        project,
        Some(token),
        &json!({ "tenant": tenant }),
    )
}

/// A 200 JWTResponse without `refreshJwt` (the key absent, not empty); returns the body.
fn kept(r: Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert!(body.get("refreshJwt").is_none(), "refreshJwt in {body}");
    assert!(r.header("set-cookie").is_none());
    body
}

/// The whole non-rotating scenario in `project`: repeated refreshes, tenant select, logout.
fn keeps_the_refresh_token(s: &Server, project: &str) {
    let signed_in = s.sign_in(project, DEMO, "demo1234");
    // Sign-in still issues a refresh token.
    let token = refresh_of(&signed_in);
    let mut sessions = vec![session_of(&signed_in)];

    // The same token, again and again: each answer a new session JWT, never a refresh JWT.
    for _ in 0..3 {
        let body = kept(refresh(s, project, &token));
        let session = session_of(&body);
        assert!(!sessions.contains(&session), "a new session JWT each time");
        let c = claims(&session);
        assert_eq!(
            (c["sub"].as_str(), c["iss"].as_str()),
            (Some("U-demo"), Some(project))
        );
        assert!(c.get("dct").is_none());
        assert_eq!(body["user"]["userId"], "U-demo");
        assert_eq!(body["sessionExpiration"], c["exp"]);
        sessions.push(session);
    }

    // Tenant select keeps the token too, and its dct stays on the token's later refreshes.
    let body = kept(select(s, project, &token, "T-acme"));
    assert_eq!(claims(&session_of(&body))["dct"], "T-acme");
    for _ in 0..2 {
        let body = kept(refresh(s, project, &token));
        assert_eq!(claims(&session_of(&body))["dct"], "T-acme");
    }
    // A refused select changes nothing; another select replaces the dct.
    select(s, project, &token, "T-initech").assert_error(400, "E011003");
    assert_eq!(
        claims(&session_of(&kept(refresh(s, project, &token))))["dct"],
        "T-acme"
    );
    let body = kept(select(s, project, &token, "T-globex"));
    assert_eq!(claims(&session_of(&body))["dct"], "T-globex");
    assert_eq!(
        claims(&session_of(&kept(refresh(s, project, &token))))["dct"],
        "T-globex"
    );
    assert_eq!(
        s.descope("GET", "/v1/auth/me", project, Some(&token), &Value::Null)
            .status,
        200
    );

    // Another sign-in is another family, untouched by this one's logout.
    let other = refresh_of(&s.sign_in(project, DEMO, "demo1234"));
    let r = s.descope("POST", "/v1/auth/logout", project, Some(&token), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["refreshJwt"], "");
    refresh(s, project, &token).assert_error(401, "E061004");
    select(s, project, &token, "T-acme").assert_error(401, "E061004");
    s.descope("GET", "/v1/auth/me", project, Some(&token), &Value::Null)
        .assert_error(401, "E061004");
    kept(refresh(s, project, &other));

    // Logout-all ends every family of the user in the project.
    let third = refresh_of(&s.sign_in(project, DEMO, "demo1234"));
    let r = s.descope(
        "POST",
        "/v1/auth/logoutall",
        project,
        Some(&third),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    for token in [&other, &third] {
        refresh(s, project, token).assert_error(401, "E061004");
    }
}

#[test]
fn no_rotation_flag_keeps_the_refresh_token() {
    let s = Server::start(&["--no-rotation"]);
    keeps_the_refresh_token(&s, P);
}

#[test]
fn no_rotation_from_the_environment() {
    let s = Server::spawn(&["--port", "0"], &[("DEVSERVER_NO_ROTATION", "1")]);
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    for _ in 0..2 {
        kept(refresh(&s, P, &token));
    }
}

#[test]
fn no_rotation_per_project() {
    let s = Server::start(&[]);
    let effective = s.control(
        "PUT",
        "/__control/projects/P-keep",
        &json!({"rotation": false}),
    );
    assert_eq!(effective["projectId"], "P-keep");
    assert_eq!(effective["rotation"], false);
    assert_eq!(effective["refreshCookie"], false);
    keeps_the_refresh_token(&s, "P-keep");

    // Other projects still rotate.
    let token = refresh_of(&s.sign_in(P, DEMO, "demo1234"));
    let r = refresh(&s, P, &token);
    assert_eq!(r.status, 200);
    assert_ne!(refresh_of(&r.json()), token);
    refresh(&s, P, &token).assert_error(401, "E061005");

    // A later PUT without the field, and a reset, bring rotation back.
    let effective = s.control(
        "PUT",
        "/__control/projects/P-keep",
        &json!({"sessionTtl": 60}),
    );
    assert_eq!(effective["rotation"], true);
    s.control(
        "PUT",
        "/__control/projects/P-keep",
        &json!({"rotation": false}),
    );
    s.control("POST", "/__control/reset", &Value::Null);
    let token = refresh_of(&s.sign_in("P-keep", DEMO, "demo1234"));
    let r = refresh(&s, "P-keep", &token);
    assert_eq!(r.status, 200);
    refresh_of(&r.json());

    // The field is a boolean or null.
    for bad in [json!({"rotation": "no"}), json!({"rotation": 0})] {
        s.request(
            "PUT",
            "/__control/projects/P-keep",
            &[],
            bad.to_string().as_bytes(),
        )
        .assert_error(400, "E011003");
    }
    let effective = s.control(
        "PUT",
        "/__control/projects/P-keep",
        &json!({"rotation": null}),
    );
    assert_eq!(effective["rotation"], true);
}

#[test]
fn a_project_can_turn_rotation_back_on_over_the_flag() {
    let s = Server::start(&["--no-rotation"]);
    let effective = s.control("PUT", "/__control/projects/P-rot", &json!({}));
    assert_eq!(effective["rotation"], false);
    let effective = s.control(
        "PUT",
        "/__control/projects/P-rot",
        &json!({"rotation": true}),
    );
    assert_eq!(effective["rotation"], true);
    let token = refresh_of(&s.sign_in("P-rot", DEMO, "demo1234"));
    let r = refresh(&s, "P-rot", &token);
    assert_eq!(r.status, 200);
    assert_ne!(refresh_of(&r.json()), token);
    refresh(&s, "P-rot", &token).assert_error(401, "E061005");
}

#[test]
fn reuse_of_a_rotated_token_is_still_detected_without_rotation() {
    let s = Server::start(&[]);
    let first = refresh_of(&s.sign_in("P-switch", DEMO, "demo1234"));
    let r = refresh(&s, "P-switch", &first);
    assert_eq!(r.status, 200);
    let second = refresh_of(&r.json());
    s.control(
        "PUT",
        "/__control/projects/P-switch",
        &json!({"rotation": false}),
    );
    // The kept token works without rotating...
    kept(refresh(&s, "P-switch", &second));
    kept(refresh(&s, "P-switch", &second));
    // ...but the token rotated before is reuse, which revokes the family.
    refresh(&s, "P-switch", &first).assert_error(401, "E061005");
    refresh(&s, "P-switch", &second).assert_error(401, "E061004");
}

#[test]
fn rotation_is_unchanged_by_default() {
    let s = Server::start(&[]);
    let effective = s.control("PUT", "/__control/projects/P-default", &json!({}));
    assert_eq!(effective["rotation"], true);
    for project in [P, "P-default"] {
        let first = refresh_of(&s.sign_in(project, DEMO, "demo1234"));
        let r = refresh(&s, project, &first);
        assert_eq!(r.status, 200, "{}", r.text());
        let second = refresh_of(&r.json());
        assert_ne!(first, second);
        let r = select(&s, project, &second, "T-acme");
        assert_eq!(r.status, 200, "{}", r.text());
        let third = refresh_of(&r.json());
        assert_eq!(claims(&third)["dct"], "T-acme");
        assert_ne!(third, second);
        // The old token is reuse: 401, and the family dies with it.
        refresh(&s, project, &second).assert_error(401, "E061005");
        refresh(&s, project, &third).assert_error(401, "E061004");
    }
}

#[test]
fn refresh_cookie_without_rotation_sets_no_new_cookie() {
    let s = Server::start(&["--refresh-cookie", "--no-rotation"]);
    let r = s.descope(
        "POST",
        "/v1/auth/password/signin",
        P,
        None,
        &json!({"loginId": DEMO, "password": "demo1234"}),
    );
    assert_eq!(r.status, 200);
    let cookie = r
        .header("set-cookie")
        .expect("sign-in sets the cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("DSR=ey"), "{cookie}");
    let with_cookie = |path: &str, body: &str| {
        s.request(
            "POST",
            path,
            &[("Authorization", "Bearer P-test"), ("Cookie", &cookie)],
            body.as_bytes(),
        )
    };
    let mut sessions = Vec::new();
    for _ in 0..3 {
        let body = kept(with_cookie("/v1/auth/refresh", "{}"));
        sessions.push(session_of(&body));
    }
    sessions.dedup();
    assert_eq!(sessions.len(), 3);
    let body = kept(with_cookie(
        "/v1/auth/tenant/select",
        r#"{"tenant": "T-acme"}"#,
    ));
    assert_eq!(claims(&session_of(&body))["dct"], "T-acme");
    let body = kept(with_cookie("/v1/auth/refresh", "{}"));
    assert_eq!(claims(&session_of(&body))["dct"], "T-acme");

    let r = with_cookie("/v1/auth/logout", "{}");
    assert_eq!(r.status, 200);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    let r = with_cookie("/v1/auth/refresh", "{}");
    r.assert_error(401, "E061004");
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
}
