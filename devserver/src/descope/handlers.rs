//! One function per Descope endpoint.

use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::tokens::{self, Grant};
use super::users::{self, User};
use super::{Ctx, DescopeState, SignIn};
use crate::http::{append_header, json, ApiError};
use crate::util::unique_id;

type Reply = Result<Response, ApiError>;

/// Longest accepted loginId, so that a huge body cannot register a huge user.
const MAX_LOGIN_ID: usize = 320;

/// Reads the body as `T` (400 when it does not fit).
fn body<T: for<'de> Deserialize<'de>>(ctx: &Ctx, optional: bool) -> Result<T, ApiError> {
    ctx.req.json(optional).map_err(ApiError::bad_request)
}

/// A body is allowed but ignored; it must still be a JSON object when present.
fn ignored_body(ctx: &Ctx) -> Result<(), ApiError> {
    body::<IgnoredAny>(ctx, true).map(drop)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInBody {
    login_id: String,
    password: String,
}

pub fn sign_in(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    let b: SignInBody = body(ctx, false)?;
    let login_id = b.login_id.trim();
    if login_id.is_empty() || b.password.is_empty() {
        return Err(ApiError::bad_request("loginId and password are required"));
    }
    if login_id.len() > MAX_LOGIN_ID {
        return Err(ApiError::bad_request("loginId is too long"));
    }
    let first_seen = match st.users.get(login_id) {
        Some(user) if user.password != b.password => {
            return Err(ApiError::bad_credentials("Wrong loginId or password"))
        }
        Some(_) => false,
        None => {
            let user = User::register(login_id, &b.password, ctx.now);
            st.users.insert(login_id.to_string(), user);
            true
        }
    };
    new_sign_in(ctx, st, login_id, false, first_seen)
}

/// A fresh token family for `login_id`, recorded in the history.
fn new_sign_in(
    ctx: &Ctx,
    st: &mut DescopeState,
    login_id: &str,
    stepup: bool,
    first_seen: bool,
) -> Reply {
    let user = st
        .users
        .get(login_id)
        .cloned()
        .ok_or_else(|| ApiError::bad_credentials("Unknown user"))?;
    st.history.push(SignIn {
        project: ctx.project.clone(),
        login_id: login_id.to_string(),
        time: ctx.now,
        ip: ctx.req.peer.ip().to_string(),
    });
    let grant = Grant {
        project: &ctx.project,
        user: &user,
        family: unique_id(),
        dct: None,
        stepup,
    };
    Ok(issue(ctx, st, grant, first_seen, true))
}

pub fn refresh(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    ignored_body(ctx)?;
    renew(ctx, st, None)
}

/// `refresh` that does not fail: with no token, or an unknown, expired, revoked or reused one
/// (reuse still revokes the family), the answer is 200 `{}`, expiring the refresh cookie as
/// refresh's 401 would.
pub fn try_refresh(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    ignored_body(ctx)?;
    match renew(ctx, st, None) {
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let mut response = json(StatusCode::OK, &json!({}));
            expire_refused_cookie(ctx, &mut response);
            Ok(response)
        }
        answer => answer,
    }
}

#[derive(Deserialize)]
struct SelectBody {
    tenant: String,
}

pub fn select_tenant(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    let b: SelectBody = body(ctx, false)?;
    renew(ctx, st, Some(b.tenant))
}

/// A new session JWT for the presented refresh token, with `dct` set to `tenant` when selecting
/// one, else kept. With rotation the presented token is used up for a successor of the same
/// family; without, it stays valid (remembering the selected `dct`) and no refresh JWT is sent.
fn renew(ctx: &Ctx, st: &mut DescopeState, tenant: Option<String>) -> Reply {
    let (jti, record) = st.check_refresh(ctx.secret, &ctx.project, ctx.refresh_token(), ctx.now)?;
    if let Some(t) = &tenant {
        if !users::is_tenant(t) {
            return Err(ApiError::bad_request(format!(
                "The user is not a member of tenant {t:?}"
            )));
        }
    }
    let user = user_of(st, &record.login_id)?;
    let dct = tenant.or(record.dct);
    if ctx.cfg.rotation {
        st.mark_rotated(&jti);
    } else {
        st.set_dct(&jti, dct.clone());
    }
    let grant = Grant {
        project: &ctx.project,
        user: &user,
        family: record.family,
        dct,
        stepup: false,
    };
    Ok(issue(ctx, st, grant, false, ctx.cfg.rotation))
}

fn user_of(st: &DescopeState, login_id: &str) -> Result<User, ApiError> {
    st.users
        .get(login_id)
        .cloned()
        .ok_or_else(|| ApiError::invalid_token("The token's user no longer exists"))
}

pub fn logout(ctx: &Ctx, st: &mut DescopeState, everywhere: bool) -> Reply {
    ignored_body(ctx)?;
    let (_, record) = st.check_refresh(ctx.secret, &ctx.project, ctx.refresh_token(), ctx.now)?;
    if everywhere {
        st.revoke_user(&ctx.project, &record.login_id);
    } else {
        st.revoke_family(&record.family);
    }
    let mut response = json(
        StatusCode::OK,
        &json!({
            "sessionJwt": "",
            "refreshJwt": "",
            "cookieDomain": "",
            "cookiePath": "",
            "cookieMaxAge": 0,
            "cookieExpiration": 0,
            "firstSeen": false,
            "sessionExpiration": 0,
            "cookieName": "",
            "sessionCookieName": "",
            "sessionCookieDomain": "",
            "nextRefreshSeconds": 0,
        }),
    );
    if ctx.cfg.refresh_cookie {
        expire_refresh_cookie(ctx, &mut response);
    }
    Ok(response)
}

pub fn me(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    let (_, record) = st.check_refresh(ctx.secret, &ctx.project, ctx.refresh_token(), ctx.now)?;
    Ok(json(
        StatusCode::OK,
        &user_of(st, &record.login_id)?.to_json(),
    ))
}

/// `{"dct": true}`, `{"ids": [..]}` or neither (`{}`, `{"dct": false}`).
#[derive(Deserialize)]
struct TenantsBody {
    dct: Option<bool>,
    ids: Option<Vec<String>>,
}

/// The user's tenants: only the one selected on the token's family with `dct: true` (which wins
/// over `ids`), else those among `ids`, else all; always in the user's order.
pub fn my_tenants(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    let b: TenantsBody = body(ctx, true)?;
    let (_, record) = st.check_refresh(ctx.secret, &ctx.project, ctx.refresh_token(), ctx.now)?;
    user_of(st, &record.login_id)?;
    let wanted = |id: &str| match (b.dct, &b.ids) {
        (Some(true), _) => record.dct.as_deref() == Some(id),
        (_, Some(ids)) => ids.iter().any(|i| i == id),
        _ => true,
    };
    let tenants: Vec<Value> = users::TENANTS
        .iter()
        .filter(|t| wanted(t.id))
        .map(users::Tenant::to_json)
        .collect();
    Ok(json(StatusCode::OK, &json!({ "tenants": tenants })))
}

pub fn history(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    let (_, record) = st.check_refresh(ctx.secret, &ctx.project, ctx.refresh_token(), ctx.now)?;
    let user = user_of(st, &record.login_id)?;
    let entries: Vec<Value> = st
        .history
        .iter()
        .rev()
        .filter(|h| h.project == ctx.project && h.login_id == record.login_id)
        .map(|h| {
            json!({
                "userId": user.user_id,
                "loginTime": h.time,
                "city": "",
                "country": "",
                "ip": h.ip,
            })
        })
        .collect();
    Ok(json(StatusCode::OK, &Value::Array(entries)))
}

pub fn validate(ctx: &Ctx) -> Reply {
    ignored_body(ctx)?;
    let claims = tokens::check_session(
        ctx.secret,
        &ctx.project,
        ctx.bearer_token.as_deref(),
        ctx.now,
    )?;
    Ok(json(StatusCode::OK, &json!({ "parsedJWT": claims })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    login_id: Option<String>,
    answers: Vec<Answer>,
    stepup: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    question_id: String,
    answer: String,
}

pub fn verify_questions(ctx: &Ctx, st: &mut DescopeState) -> Reply {
    let b: VerifyBody = body(ctx, false)?;
    // A presented refresh token must be good, and then names the user.
    let login_id = match ctx.refresh_token() {
        Some(token) => {
            let (_, record) = st.check_refresh(ctx.secret, &ctx.project, Some(token), ctx.now)?;
            if b.login_id.as_ref().is_some_and(|l| *l != record.login_id) {
                return Err(ApiError::bad_credentials("loginId is not the token's user"));
            }
            record.login_id
        }
        None => b
            .login_id
            .ok_or_else(|| ApiError::invalid_token("A refresh token or a loginId is required"))?,
    };
    if !st.users.contains_key(&login_id) {
        return Err(ApiError::bad_credentials("Unknown user"));
    }
    let right = !b.answers.is_empty()
        && b.answers
            .iter()
            .all(|a| users::answer_is_right(&a.question_id, &a.answer));
    if !right {
        return Err(ApiError::bad_credentials("Wrong answer"));
    }
    new_sign_in(ctx, st, &login_id, b.stepup.unwrap_or(false), false)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeBody {
    #[allow(dead_code)] // accepted and ignored, but it must be an object
    login_options: Option<Map<String, Value>>,
}

pub fn exchange_key(ctx: &Ctx) -> Reply {
    let _: ExchangeBody = body(ctx, true)?;
    let key = ctx
        .bearer_token
        .as_deref()
        .and_then(users::access_key)
        .ok_or_else(|| ApiError::invalid_token("Unknown access key"))?;
    let (session_jwt, expiration) = tokens::session_jwt(
        ctx.secret,
        key.key_id,
        &ctx.project,
        ctx.now,
        ctx.cfg.session_ttl,
        json!({ "roles": key.roles, "permissions": [], "tenants": {} }),
    );
    Ok(json(
        StatusCode::OK,
        &json!({ "keyId": key.key_id, "sessionJwt": session_jwt, "expiration": expiration }),
    ))
}

/// Issues a session JWT for `grant` (and a refresh JWT when `new_refresh`) and builds the
/// JWTResponse. Without a new refresh JWT the answer has no `refreshJwt` and sets no cookie.
fn issue(
    ctx: &Ctx,
    st: &mut DescopeState,
    grant: Grant,
    first_seen: bool,
    new_refresh: bool,
) -> Response {
    let user = grant.user.to_json();
    let cfg = &ctx.cfg;
    let (session_jwt, session_exp) =
        tokens::grant_session_jwt(ctx.secret, &grant, cfg.session_ttl, ctx.now);
    let refresh_jwt =
        new_refresh.then(|| st.issue_refresh(ctx.secret, grant, cfg.refresh_ttl, ctx.now));
    let mut body = json!({
        "sessionJwt": session_jwt,
        "user": user,
        "firstSeen": first_seen,
        "sessionExpiration": session_exp,
        "cookieName": cfg.cookie_name,
        "sessionCookieName": cfg.session_cookie_name,
        "cookiePath": cfg.cookie_path,
        "cookieMaxAge": cfg.cookie_max_age(),
        "cookieExpiration": cfg.cookie_expiration(ctx.now),
        // As Descope answers: `""` for a domain the project does not set.
        "cookieDomain": cfg.cookie_domain,
        "sessionCookieDomain": cfg.session_cookie_domain,
    });
    let optional = [
        (
            "nextRefreshSeconds",
            json!(cfg.next_refresh_seconds),
            cfg.next_refresh_seconds > 0,
        ),
        (
            "refreshJwt",
            json!(refresh_jwt),
            refresh_jwt.is_some() && !cfg.refresh_cookie,
        ),
    ];
    for (key, value, present) in optional {
        if present {
            body[key] = value;
        }
    }
    let mut response = json(StatusCode::OK, &body);
    if let Some(refresh_jwt) = refresh_jwt.filter(|_| cfg.refresh_cookie) {
        let cookie = format!(
            "{}={refresh_jwt}; Path={}; Max-Age={}; HttpOnly; SameSite=Lax",
            cfg.cookie_name, cfg.cookie_path, cfg.refresh_ttl
        );
        append_header(&mut response, SET_COOKIE, &cookie);
    }
    response
}

/// In refresh-cookie mode, expires the refresh cookie of a request whose refresh token (bearer or
/// cookie) was refused.
pub fn expire_refused_cookie(ctx: &Ctx, response: &mut Response) {
    if ctx.cfg.refresh_cookie && ctx.refresh_token().is_some() {
        expire_refresh_cookie(ctx, response);
    }
}

/// Expires the refresh cookie the client holds.
pub fn expire_refresh_cookie(ctx: &Ctx, response: &mut Response) {
    let cookie = format!(
        "{}=; Path={}; Max-Age=0; HttpOnly; SameSite=Lax",
        ctx.refresh_cookie_name(),
        ctx.cfg.cookie_path
    );
    append_header(response, SET_COOKIE, &cookie);
}
