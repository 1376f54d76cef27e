//! Non-rotating refresh (`--no-rotation`, or `rotation: false` per project): refresh and tenant
//! select keep the presented refresh token and leave `refreshJwt` out; logout, logout-all and
//! reuse detection still work. With rotation (the default) nothing changes.

use serde_json::{json, Value};

use crate::support::{claims, Resp, Server};
use crate::{refresh_of, DEMO, P};

const ME: &str = "/v1/auth/me";

fn session_of(r: &Value) -> String {
    r["sessionJwt"]
        .as_str()
        .filter(|s| !s.is_empty())
        .expect("sessionJwt")
        .to_string()
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
        let body = kept(s.refresh(project, &token));
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
    let body = kept(s.select(project, &token, "T-acme"));
    assert_eq!(claims(&session_of(&body))["dct"], "T-acme");
    for _ in 0..2 {
        let body = kept(s.refresh(project, &token));
        assert_eq!(claims(&session_of(&body))["dct"], "T-acme");
    }
    // A refused select changes nothing; another select replaces the dct.
    s.select(project, &token, "T-initech")
        .assert_error(400, "E011003");
    assert_eq!(
        claims(&session_of(&kept(s.refresh(project, &token))))["dct"],
        "T-acme"
    );
    let body = kept(s.select(project, &token, "T-globex"));
    assert_eq!(claims(&session_of(&body))["dct"], "T-globex");
    assert_eq!(
        claims(&session_of(&kept(s.refresh(project, &token))))["dct"],
        "T-globex"
    );
    assert_eq!(s.get_token(ME, project, &token).status, 200);

    // Another sign-in is another family, untouched by this one's logout.
    let other = s.demo_token(project);
    let body = s.post_token("/v1/auth/logout", project, &token).ok();
    assert_eq!(body["refreshJwt"], "");
    s.refresh(project, &token).assert_error(401, "E061004");
    s.select(project, &token, "T-acme")
        .assert_error(401, "E061004");
    s.get_token(ME, project, &token)
        .assert_error(401, "E061004");
    kept(s.refresh(project, &other));

    // Logout-all ends every family of the user in the project.
    let third = s.demo_token(project);
    s.post_token("/v1/auth/logoutall", project, &third).ok();
    for token in [&other, &third] {
        s.refresh(project, token).assert_error(401, "E061004");
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
    let token = s.demo_token(P);
    for _ in 0..2 {
        kept(s.refresh(P, &token));
    }
}

#[test]
fn no_rotation_per_project() {
    let s = Server::start(&[]);
    let effective = s.project("P-keep", json!({"rotation": false}));
    assert_eq!(effective["projectId"], "P-keep");
    assert_eq!(effective["rotation"], false);
    assert_eq!(effective["refreshCookie"], false);
    keeps_the_refresh_token(&s, "P-keep");

    // Other projects still rotate.
    let token = s.demo_token(P);
    let r = s.refresh(P, &token);
    assert_eq!(r.status, 200);
    assert_ne!(refresh_of(&r.json()), token);
    s.refresh(P, &token).assert_error(401, "E061005");

    // A later PUT without the field, and a reset, bring rotation back.
    let effective = s.project("P-keep", json!({"sessionTtl": 60}));
    assert_eq!(effective["rotation"], true);
    s.project("P-keep", json!({"rotation": false}));
    s.control("POST", "/__control/reset", &Value::Null);
    let token = s.demo_token("P-keep");
    let r = s.refresh("P-keep", &token);
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
    let effective = s.project("P-keep", json!({"rotation": null}));
    assert_eq!(effective["rotation"], true);
}

#[test]
fn a_project_can_turn_rotation_back_on_over_the_flag() {
    let s = Server::start(&["--no-rotation"]);
    let effective = s.project("P-rot", json!({}));
    assert_eq!(effective["rotation"], false);
    let effective = s.project("P-rot", json!({"rotation": true}));
    assert_eq!(effective["rotation"], true);
    let token = s.demo_token("P-rot");
    let r = s.refresh("P-rot", &token);
    assert_eq!(r.status, 200);
    assert_ne!(refresh_of(&r.json()), token);
    s.refresh("P-rot", &token).assert_error(401, "E061005");
}

#[test]
fn reuse_of_a_rotated_token_is_still_detected_without_rotation() {
    let s = Server::start(&[]);
    let first = s.demo_token("P-switch");
    let r = s.refresh("P-switch", &first);
    assert_eq!(r.status, 200);
    let second = refresh_of(&r.json());
    s.project("P-switch", json!({"rotation": false}));
    // The kept token works without rotating...
    kept(s.refresh("P-switch", &second));
    kept(s.refresh("P-switch", &second));
    // ...but the token rotated before is reuse, which revokes the family.
    s.refresh("P-switch", &first).assert_error(401, "E061005");
    s.refresh("P-switch", &second).assert_error(401, "E061004");
}

#[test]
fn rotation_is_unchanged_by_default() {
    let s = Server::start(&[]);
    let effective = s.project("P-default", json!({}));
    assert_eq!(effective["rotation"], true);
    for project in [P, "P-default"] {
        let first = s.demo_token(project);
        let r = s.refresh(project, &first);
        assert_eq!(r.status, 200, "{}", r.text());
        let second = refresh_of(&r.json());
        assert_ne!(first, second);
        let r = s.select(project, &second, "T-acme");
        assert_eq!(r.status, 200, "{}", r.text());
        let third = refresh_of(&r.json());
        assert_eq!(claims(&third)["dct"], "T-acme");
        assert_ne!(third, second);
        // The old token is reuse: 401, and the family dies with it.
        s.refresh(project, &second).assert_error(401, "E061005");
        s.refresh(project, &third).assert_error(401, "E061004");
    }
}

#[test]
fn refresh_cookie_without_rotation_sets_no_new_cookie() {
    let s = Server::start(&["--refresh-cookie", "--no-rotation"]);
    let r = s.sign_in_demo(P);
    assert_eq!(r.status, 200);
    let cookie = r.cookie_pair();
    assert!(cookie.starts_with("DSR=ey"), "{cookie}");
    let with_cookie =
        |path: &str, body: &str| s.with_cookie("POST", path, &cookie, &[], body.as_bytes());
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
