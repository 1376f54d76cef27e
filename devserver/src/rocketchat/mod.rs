//! Rocket.Chat's login and device-management API.

mod twofactor;

use axum::http::{Method as HttpMethod, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{json, Req};
use crate::util::{iso8601, query_param, random_string};
use twofactor::Method;

/// A Rocket.Chat user. The userId is `RC` + the username without its `rc-` prefix.
pub struct RcUser {
    username: &'static str,
    password: &'static str,
    name: &'static str,
    /// The `logout-device-management` permission (which also allows `sessions/list.all`).
    can_manage_devices: bool,
    /// The first is the user's own 2FA method.
    methods: &'static [Method],
    /// The last generated email code, until used.
    email_code: Option<String>,
}

impl RcUser {
    fn user_id(&self) -> String {
        format!("RC{}", self.username.trim_start_matches("rc-"))
    }
}

struct RcSession {
    id: String,
    session_id: String,
    user_id: String,
    username: String,
    auth_token: String,
    login_at_ms: u64,
    ip: String,
    device: &'static str,
}

impl RcSession {
    fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "sessionId": self.session_id,
            "userId": self.user_id,
            "username": self.username,
            "loginAt": iso8601(self.login_at_ms),
            "ip": self.ip,
            "device": { "name": self.device, "type": "browser" },
        })
    }
}

/// Users and logged-in sessions.
pub struct RcState {
    users: Vec<RcUser>,
    /// In login order.
    sessions: Vec<RcSession>,
}

impl RcState {
    pub fn new() -> Self {
        let user = |username, password, name, can_manage_devices, methods| RcUser {
            username,
            password,
            name,
            can_manage_devices,
            methods,
            email_code: None,
        };
        Self {
            users: vec![
                user(
                    "rc-admin",
                    "admin-pass",
                    "RC Admin",
                    true,
                    &[Method::Totp, Method::Email],
                ),
                user("rc-email", "email-pass", "RC Email", true, &[Method::Email]),
                user("rc-pass", "pass-pass", "RC Pass", true, &[Method::Password]),
                user("rc-user", "user-pass", "RC User", false, &[Method::Totp]),
                user("rc-alice", "alice-pass", "RC Alice", false, &[Method::Totp]),
            ],
            sessions: Vec::new(),
        }
    }

    /// `GET /__control/2fa/{user}`: the current TOTP code and the unused email code.
    pub fn codes(&self, username: &str, now_ms: u64) -> Option<Value> {
        let user = self.users.iter().find(|u| u.username == username)?;
        Some(json!({ "totp": twofactor::totp(user.username, now_ms), "email": user.email_code }))
    }
}

#[derive(Clone, Copy)]
pub enum RcRoute {
    Login,
    Logout,
    List,
    ListAll,
    LogoutSession,
}

impl RcRoute {
    pub fn find(method: &HttpMethod, path: &str) -> Option<RcRoute> {
        let (route, wanted) = match path {
            "/api/v1/login" => (RcRoute::Login, HttpMethod::POST),
            "/api/v1/logout" => (RcRoute::Logout, HttpMethod::POST),
            "/api/v1/sessions/list" => (RcRoute::List, HttpMethod::GET),
            "/api/v1/sessions/list.all" => (RcRoute::ListAll, HttpMethod::GET),
            "/api/v1/sessions/logout" => (RcRoute::LogoutSession, HttpMethod::POST),
            _ => return None,
        };
        (*method == wanted).then_some(route)
    }
}

pub fn handle(st: &mut RcState, route: RcRoute, req: &Req, now_ms: u64) -> Response {
    if let RcRoute::Login = route {
        return login(st, req, now_ms);
    }
    let Some(caller) = caller(st, req) else {
        return json(
            StatusCode::UNAUTHORIZED,
            &json!({"status": "error", "message": "You must be logged in to do this."}),
        );
    };
    match route {
        RcRoute::Login => unreachable!("answered above"),
        RcRoute::Logout => {
            st.sessions.remove(caller);
            json(
                StatusCode::OK,
                &json!({"status": "success", "data": {"message": "You've been logged out!"}}),
            )
        }
        RcRoute::List => {
            let user_id = st.sessions[caller].user_id.clone();
            list(st, req, |s| s.user_id == user_id)
        }
        RcRoute::ListAll => match user_of(st, caller) {
            Some(user) if user.can_manage_devices => list(st, req, |_| true),
            _ => forbidden(),
        },
        RcRoute::LogoutSession => logout_session(st, caller, req, now_ms),
    }
}

#[derive(Deserialize)]
struct LoginBody {
    user: Option<String>,
    username: Option<String>,
    password: String,
}

fn login(st: &mut RcState, req: &Req, now_ms: u64) -> Response {
    let (name, password) = match req.json::<LoginBody>(false) {
        Ok(b) => match b.user.or(b.username) {
            Some(name) => (name, b.password),
            None => return invalid_params("user and password are required"),
        },
        Err(e) => return invalid_params(&e),
    };
    let Some(user) = st
        .users
        .iter()
        .find(|u| u.username == name && u.password == password)
    else {
        return json(
            StatusCode::UNAUTHORIZED,
            &json!({"status": "error", "error": "Unauthorized", "message": "Unauthorized"}),
        );
    };
    let session = RcSession {
        id: meteor_id(),
        session_id: meteor_id(),
        user_id: user.user_id(),
        username: user.username.into(),
        auth_token: random_string(43, TOKEN_CHARS),
        login_at_ms: now_ms,
        ip: req.peer.ip().to_string(),
        device: device_name(req.header("user-agent")),
    };
    let answer = json!({
        "status": "success",
        "data": {
            "userId": session.user_id,
            "authToken": session.auth_token,
            "me": { "_id": session.user_id, "username": user.username, "name": user.name },
        },
    });
    st.sessions.push(session);
    json(StatusCode::OK, &answer)
}

fn invalid_params(message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({"status": "error", "error": "error-invalid-params", "message": message}),
    )
}

/// The index of the session that `X-User-Id` and `X-Auth-Token` name.
fn caller(st: &RcState, req: &Req) -> Option<usize> {
    let user_id = req.header("x-user-id")?;
    let token = req.header("x-auth-token")?;
    st.sessions
        .iter()
        .position(|s| s.user_id == user_id && s.auth_token == token)
}

fn user_of(st: &RcState, session: usize) -> Option<&RcUser> {
    let username = &st.sessions[session].username;
    st.users.iter().find(|u| u.username == username)
}

/// Sessions matching `keep`, newest first, paged by `offset` and `count`.
fn list(st: &RcState, req: &Req, keep: impl Fn(&RcSession) -> bool) -> Response {
    let number = |key| query_param(req.query.as_deref(), key).and_then(|v| v.parse::<usize>().ok());
    let matching: Vec<&RcSession> = st.sessions.iter().rev().filter(|s| keep(s)).collect();
    let offset = number("offset").unwrap_or(0);
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(number("count").unwrap_or(usize::MAX))
        .map(|s| s.to_json())
        .collect();
    json(
        StatusCode::OK,
        &json!({
            "sessions": page,
            "count": page.len(),
            "offset": offset,
            "total": matching.len(),
            "success": true,
        }),
    )
}

fn forbidden() -> Response {
    json(
        StatusCode::FORBIDDEN,
        &json!({
            "success": false,
            "error": "User does not have the permissions required for this action [error-unauthorized]",
        }),
    )
}

fn logout_session(st: &mut RcState, caller: usize, req: &Req, now_ms: u64) -> Response {
    let username = st.sessions[caller].username.clone();
    let Some(user) = st.users.iter_mut().find(|u| u.username == username) else {
        return forbidden();
    };
    if !user.can_manage_devices {
        return forbidden();
    }
    let session_id = match req.json::<Value>(false) {
        Ok(Value::Object(body)) => match body.get("sessionId") {
            Some(Value::String(id)) => id.clone(),
            _ => return session_id_required(),
        },
        _ => return session_id_required(),
    };
    if let Some(answer) = twofactor::refusal(user, req, now_ms) {
        return answer;
    }
    let Some(index) = st.sessions.iter().position(|s| s.session_id == session_id) else {
        return json(
            StatusCode::NOT_FOUND,
            &json!({"success": false, "error": "Session not found [error-session-not-found]"}),
        );
    };
    st.sessions.remove(index);
    json(
        StatusCode::OK,
        &json!({ "sessionId": session_id, "success": true }),
    )
}

fn session_id_required() -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({"success": false, "error": "The 'sessionId' param is required"}),
    )
}

/// Meteor's id alphabet and length.
fn meteor_id() -> String {
    random_string(
        17,
        b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz",
    )
}

const TOKEN_CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

fn device_name(user_agent: Option<&str>) -> &'static str {
    let ua = user_agent.unwrap_or("");
    ["Firefox", "Edg", "Chrome", "Safari", "node"]
        .into_iter()
        .find(|name| ua.contains(name))
        .map_or("Unknown", |name| match name {
            "Edg" => "Edge",
            "node" => "Node",
            other => other,
        })
}
