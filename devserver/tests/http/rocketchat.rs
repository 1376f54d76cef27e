//! Rocket.Chat: login, logout, session lists, and sessions/logout with each 2FA method.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{Resp, Server};

struct RcLogin {
    user_id: String,
    token: String,
}

impl RcLogin {
    fn headers(&self) -> [(&str, &str); 2] {
        [("X-User-Id", &self.user_id), ("X-Auth-Token", &self.token)]
    }
}

fn rc_login(s: &Server, user: &str, password: &str) -> RcLogin {
    let r = s.post(
        "/api/v1/login",
        &[("User-Agent", "Mozilla/5.0 Chrome/120")],
        &json!({"user": user, "password": password}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["status"], "success");
    RcLogin {
        user_id: body["data"]["userId"].as_str().unwrap().into(),
        token: body["data"]["authToken"].as_str().unwrap().into(),
    }
}

fn sessions(s: &Server, who: &RcLogin, all: bool) -> Value {
    let path = if all {
        "/api/v1/sessions/list.all"
    } else {
        "/api/v1/sessions/list"
    };
    let r = s.get(path, &who.headers());
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The sessionId of `who`'s newest session.
fn session_id(s: &Server, who: &RcLogin) -> String {
    sessions(s, who, false)["sessions"][0]["sessionId"]
        .as_str()
        .unwrap()
        .into()
}

fn logout_session(s: &Server, who: &RcLogin, session: &str, two_fa: &[(&str, &str)]) -> Resp {
    let mut headers = who.headers().to_vec();
    headers.extend_from_slice(two_fa);
    s.post(
        "/api/v1/sessions/logout",
        &headers,
        &json!({"sessionId": session}),
    )
}

fn totp(s: &Server, user: &str) -> String {
    s.control("GET", &format!("/__control/2fa/{user}"), &Value::Null)["totp"]
        .as_str()
        .unwrap()
        .into()
}

#[test]
fn rc_login_logout_and_session_lists() {
    let s = Server::start(&[]);
    let r = s.post(
        "/api/v1/login",
        &[],
        &json!({"username": "rc-admin", "password": "admin-pass"}),
    );
    let body = r.json();
    assert_eq!(body["data"]["userId"], "RCadmin");
    assert_eq!(body["data"]["me"]["_id"], "RCadmin");
    assert_eq!(body["data"]["me"]["username"], "rc-admin");
    assert!(body["data"]["me"]["name"].is_string());
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let alice = rc_login(&s, "rc-alice", "alice-pass");
    assert_eq!(alice.user_id, "RCalice");

    let mine = sessions(&s, &alice, false);
    assert_eq!(
        (
            mine["count"].as_u64(),
            mine["total"].as_u64(),
            mine["offset"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(mine["success"], true);
    let session = &mine["sessions"][0];
    assert_eq!(session["userId"], "RCalice");
    assert_eq!(session["username"], "rc-alice");
    assert_eq!(session["ip"], "127.0.0.1");
    assert_eq!(
        session["device"],
        json!({"name": "Chrome", "type": "browser"})
    );
    assert!(session["_id"].is_string() && session["sessionId"].is_string());
    assert!(session["loginAt"].as_str().unwrap().ends_with('Z'));

    let all = sessions(&s, &admin, true);
    assert_eq!(all["total"], 3);
    assert_eq!(sessions(&s, &admin, false)["total"], 2);
    let r = s.get("/api/v1/sessions/list.all", &alice.headers());
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["success"], false);

    let r = s.post("/api/v1/logout", &alice.headers(), &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"status": "success", "data": {"message": "You've been logged out!"}})
    );
    let r = s.get("/api/v1/sessions/list", &alice.headers());
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"status": "error", "message": "You must be logged in to do this."})
    );
    assert_eq!(sessions(&s, &admin, true)["total"], 2);

    let r = s.post(
        "/api/v1/login",
        &[],
        &json!({"user": "rc-admin", "password": "nope"}),
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"status": "error", "error": "Unauthorized", "message": "Unauthorized"})
    );
    let wrong_pair = [
        ("X-User-Id", "RCalice"),
        ("X-Auth-Token", admin.token.as_str()),
    ];
    assert_eq!(s.get("/api/v1/sessions/list", &wrong_pair).status, 401);
}

#[test]
fn rc_sessions_logout_with_totp() {
    let s = Server::start(&[]);
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let alice = rc_login(&s, "rc-alice", "alice-pass");
    let victim = session_id(&s, &alice);

    let r = logout_session(&s, &admin, &victim, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "success": false,
            "error": "TOTP Required [totp-required]",
            "errorType": "totp-required",
            "details": {"method": "totp", "codeGenerated": false, "availableMethods": ["totp", "email"]},
        })
    );
    let r = logout_session(&s, &admin, &victim, &[("X-2fa-Code", "000000x")]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "TOTP Invalid [totp-invalid]", "errorType": "totp-invalid", "details": {"method": "totp"}})
    );

    let code = totp(&s, "rc-admin");
    let r = logout_session(
        &s,
        &admin,
        &victim,
        &[("x-2fa-code", &code), ("X-2FA-METHOD", "TOTP")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"sessionId": victim, "success": true}));
    assert_eq!(s.get("/api/v1/sessions/list", &alice.headers()).status, 401);

    let r = logout_session(&s, &admin, &victim, &[("X-2fa-Code", &code)]);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "Session not found [error-session-not-found]"})
    );
    // A method the user does not have.
    let r = logout_session(
        &s,
        &admin,
        &victim,
        &[("X-2fa-Code", "x"), ("X-2fa-Method", "password")],
    );
    assert_eq!(r.json()["details"], json!({"method": "password"}));
}

#[test]
fn rc_sessions_logout_with_email_codes() {
    let s = Server::start(&[]);
    let boss = rc_login(&s, "rc-email", "email-pass");
    let user = rc_login(&s, "rc-user", "user-pass");
    let victim = session_id(&s, &user);
    let codes = || s.control("GET", "/__control/2fa/rc-email", &Value::Null);
    assert_eq!(codes()["email"], Value::Null);

    let r = logout_session(&s, &boss, &victim, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["details"],
        json!({"method": "email", "codeGenerated": true, "availableMethods": ["email"]})
    );
    let code = codes()["email"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", "999999x"), ("X-2fa-Method", "email")],
    );
    assert_eq!(r.json()["errorType"], "totp-invalid");
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", &code), ("X-2fa-Method", "email")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.get("/api/v1/sessions/list", &user.headers()).status, 401);
    // Single use.
    let r = logout_session(&s, &boss, &victim, &[("X-2fa-Code", &code)]);
    assert_eq!(r.json()["errorType"], "totp-invalid");

    // rc-admin may ask for the email method.
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let r = logout_session(&s, &admin, "x", &[("X-2fa-Method", "email")]);
    assert_eq!(r.json()["details"]["codeGenerated"], true);
    let code = s.control("GET", "/__control/2fa/rc-admin", &Value::Null)["email"]
        .as_str()
        .unwrap()
        .to_string();
    let r = logout_session(
        &s,
        &admin,
        "x",
        &[("X-2fa-Code", &code), ("X-2fa-Method", "email")],
    );
    assert_eq!(r.status, 404);
}

#[test]
fn rc_sessions_logout_with_password_hash() {
    let s = Server::start(&[]);
    let boss = rc_login(&s, "rc-pass", "pass-pass");
    let alice = rc_login(&s, "rc-alice", "alice-pass");
    let victim = session_id(&s, &alice);
    let r = logout_session(&s, &boss, &victim, &[]);
    assert_eq!(
        r.json()["details"],
        json!({"method": "password", "codeGenerated": false, "availableMethods": ["password"]})
    );
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", "pass-pass"), ("X-2fa-Method", "password")],
    );
    assert_eq!(r.json()["errorType"], "totp-invalid");
    let hash: String = Sha256::digest(b"pass-pass")
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let r = logout_session(
        &s,
        &boss,
        &victim,
        &[("X-2fa-Code", &hash), ("X-2fa-Method", "password")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.get("/api/v1/sessions/list", &alice.headers()).status, 401);
}

#[test]
fn rc_sessions_logout_checks_in_order() {
    let s = Server::start(&[]);
    let plain = rc_login(&s, "rc-user", "user-pass");
    let admin = rc_login(&s, "rc-admin", "admin-pass");

    let r = s.post("/api/v1/sessions/logout", &[], &json!({"sessionId": "x"}));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"status": "error", "message": "You must be logged in to do this."})
    );

    let r = logout_session(&s, &plain, "x", &[]);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "User does not have the permissions required for this action [error-unauthorized]"})
    );

    let required = json!({"success": false, "error": "The 'sessionId' param is required"});
    for body in [&b"{}"[..], b"{\"sessionId\": 5}", b"not json", b""] {
        let mut headers = admin.headers().to_vec();
        headers.push(("Content-Type", "application/json"));
        let r = s.request("POST", "/api/v1/sessions/logout", &headers, body);
        assert_eq!(r.status, 400);
        assert_eq!(r.json(), required);
    }
    let code = totp(&s, "rc-admin");
    assert_eq!(
        logout_session(&s, &admin, "no-such-session", &[("X-2fa-Code", &code)]).status,
        404
    );
}
