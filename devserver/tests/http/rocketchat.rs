//! Rocket.Chat: login, logout, session lists, and sessions/logout with each 2FA method.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{Resp, Server};

/// The answer to a call without a valid login.
fn not_logged_in() -> Value {
    json!({"status": "error", "message": "You must be logged in to do this."})
}

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

/// A devserver where a `boss` and a `user` (name, password) are signed in; returns both and the
/// sessionId of the user's session.
fn boss_and_user(boss: (&str, &str), user: (&str, &str)) -> (Server, RcLogin, RcLogin, String) {
    let s = Server::start(&[]);
    let boss = rc_login(&s, boss.0, boss.1);
    let user = rc_login(&s, user.0, user.1);
    let session = session_id(&s, &user);
    (s, boss, user, session)
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

/// `sessions/logout` of `session` with a 2FA `code` of `method`.
fn logout_with_code(s: &Server, who: &RcLogin, session: &str, code: &str, method: &str) -> Resp {
    logout_session(
        s,
        who,
        session,
        &[("X-2fa-Code", code), ("X-2fa-Method", method)],
    )
}

/// The status of `who`'s session list: 401 once that session is logged out.
fn list_status(s: &Server, who: &RcLogin) -> u16 {
    s.get("/api/v1/sessions/list", &who.headers()).status
}

/// Asserts an answer's status and whole JSON body.
fn assert_answer(r: &Resp, status: u16, body: Value) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.json(), body);
}

/// The current 2FA code of `user` by `method` ("totp" or "email"; an email code is `null`
/// until one is asked for).
fn code(s: &Server, user: &str, method: &str) -> Value {
    s.control("GET", &format!("/__control/2fa/{user}"), &Value::Null)[method].clone()
}

fn totp(s: &Server, user: &str) -> String {
    code(s, user, "totp").as_str().unwrap().into()
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
    let logged_out = json!({"status": "success", "data": {"message": "You've been logged out!"}});
    assert_answer(&r, 200, logged_out);
    let r = s.get("/api/v1/sessions/list", &alice.headers());
    assert_answer(&r, 401, not_logged_in());
    assert_eq!(sessions(&s, &admin, true)["total"], 2);

    let r = s.post(
        "/api/v1/login",
        &[],
        &json!({"user": "rc-admin", "password": "nope"}),
    );
    let unauthorized =
        json!({"status": "error", "error": "Unauthorized", "message": "Unauthorized"});
    assert_answer(&r, 401, unauthorized);
    let wrong_pair = [
        ("X-User-Id", "RCalice"),
        ("X-Auth-Token", admin.token.as_str()),
    ];
    assert_eq!(s.get("/api/v1/sessions/list", &wrong_pair).status, 401);
}

#[test]
fn rc_sessions_logout_with_totp() {
    let (s, admin, alice, victim) =
        boss_and_user(("rc-admin", "admin-pass"), ("rc-alice", "alice-pass"));

    let r = logout_session(&s, &admin, &victim, &[]);
    let required = json!({
        "success": false,
        "error": "TOTP Required [totp-required]",
        "errorType": "totp-required",
        "details": {"method": "totp", "codeGenerated": false, "availableMethods": ["totp", "email"]},
    });
    assert_answer(&r, 400, required);
    let r = logout_session(&s, &admin, &victim, &[("X-2fa-Code", "000000x")]);
    let invalid = json!({"success": false, "error": "TOTP Invalid [totp-invalid]", "errorType": "totp-invalid", "details": {"method": "totp"}});
    assert_answer(&r, 400, invalid);

    // Header names in any case, and the method's name too.
    let code = totp(&s, "rc-admin");
    let any_case = [("x-2fa-code", code.as_str()), ("X-2FA-METHOD", "TOTP")];
    let r = logout_session(&s, &admin, &victim, &any_case);
    assert_answer(&r, 200, json!({"sessionId": victim, "success": true}));
    assert_eq!(list_status(&s, &alice), 401);

    let r = logout_session(&s, &admin, &victim, &[("X-2fa-Code", &code)]);
    let not_found =
        json!({"success": false, "error": "Session not found [error-session-not-found]"});
    assert_answer(&r, 404, not_found);
    // A method the user does not have.
    let r = logout_with_code(&s, &admin, &victim, "x", "password");
    assert_eq!(r.json()["details"], json!({"method": "password"}));
}

#[test]
fn rc_sessions_logout_with_email_codes() {
    let (s, boss, user, victim) =
        boss_and_user(("rc-email", "email-pass"), ("rc-user", "user-pass"));
    assert_eq!(code(&s, "rc-email", "email"), Value::Null);

    let r = logout_session(&s, &boss, &victim, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["details"],
        json!({"method": "email", "codeGenerated": true, "availableMethods": ["email"]})
    );
    let emailed = code(&s, "rc-email", "email").as_str().unwrap().to_string();
    assert_eq!(emailed.len(), 6);
    let r = logout_with_code(&s, &boss, &victim, "999999x", "email");
    assert_eq!(r.json()["errorType"], "totp-invalid");
    let r = logout_with_code(&s, &boss, &victim, &emailed, "email");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(list_status(&s, &user), 401);
    // Single use.
    let r = logout_session(&s, &boss, &victim, &[("X-2fa-Code", &emailed)]);
    assert_eq!(r.json()["errorType"], "totp-invalid");

    // rc-admin may ask for the email method.
    let admin = rc_login(&s, "rc-admin", "admin-pass");
    let r = logout_session(&s, &admin, "x", &[("X-2fa-Method", "email")]);
    assert_eq!(r.json()["details"]["codeGenerated"], true);
    let emailed = code(&s, "rc-admin", "email").as_str().unwrap().to_string();
    let r = logout_with_code(&s, &admin, "x", &emailed, "email");
    assert_eq!(r.status, 404);
}

#[test]
fn rc_sessions_logout_with_password_hash() {
    let (s, boss, alice, victim) =
        boss_and_user(("rc-pass", "pass-pass"), ("rc-alice", "alice-pass"));
    let r = logout_session(&s, &boss, &victim, &[]);
    assert_eq!(
        r.json()["details"],
        json!({"method": "password", "codeGenerated": false, "availableMethods": ["password"]})
    );
    let r = logout_with_code(&s, &boss, &victim, "pass-pass", "password");
    assert_eq!(r.json()["errorType"], "totp-invalid");
    let hash: String = Sha256::digest(b"pass-pass")
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let r = logout_with_code(&s, &boss, &victim, &hash, "password");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(list_status(&s, &alice), 401);
}

#[test]
fn rc_sessions_logout_checks_in_order() {
    let s = Server::start(&[]);
    let plain = rc_login(&s, "rc-user", "user-pass");
    let admin = rc_login(&s, "rc-admin", "admin-pass");

    let r = s.post("/api/v1/sessions/logout", &[], &json!({"sessionId": "x"}));
    assert_answer(&r, 401, not_logged_in());

    let r = logout_session(&s, &plain, "x", &[]);
    let forbidden = json!({"success": false, "error": "User does not have the permissions required for this action [error-unauthorized]"});
    assert_answer(&r, 403, forbidden);

    let required = json!({"success": false, "error": "The 'sessionId' param is required"});
    for body in [&b"{}"[..], b"{\"sessionId\": 5}", b"not json", b""] {
        let mut headers = admin.headers().to_vec();
        headers.push(("Content-Type", "application/json"));
        let r = s.request("POST", "/api/v1/sessions/logout", &headers, body);
        assert_answer(&r, 400, required.clone());
    }
    let code = totp(&s, "rc-admin");
    assert_eq!(
        logout_session(&s, &admin, "no-such-session", &[("X-2fa-Code", &code)]).status,
        404
    );
}
