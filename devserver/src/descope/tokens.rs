//! Session and refresh JWTs: issuing, checking, rotation, reuse detection and revocation.
//!
//! A refresh token's `dct` is the one of its [`RefreshRecord`]: with rotation it is also in the
//! token's claims; without rotation a tenant select changes the record of the kept token only.

use serde_json::{json, Value};

use super::users::{self, User};
use super::DescopeState;
use crate::http::ApiError;
use crate::jwt::{self, Claims};
use crate::util::unique_id;

/// `drn` claim values, which tell a session JWT from a refresh JWT.
const SESSION: &str = "DS";
const REFRESH: &str = "DSR";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TokenState {
    Active,
    /// Used once to get a successor; presenting it again is reuse.
    Rotated,
    Revoked,
}

/// What the server remembers of a refresh token it issued, keyed by `jti`.
#[derive(Clone, Debug)]
pub struct RefreshRecord {
    pub family: String,
    pub login_id: String,
    pub project: String,
    pub dct: Option<String>,
    pub state: TokenState,
}

/// What a new pair of tokens is for.
pub struct Grant<'a> {
    pub project: &'a str,
    pub user: &'a User,
    pub family: String,
    pub dct: Option<String>,
    pub stepup: bool,
}

/// The claims every token has.
fn base_claims(sub: &str, project: &str, drn: &str, now: u64, ttl: u64) -> Claims {
    let mut c = Claims::new();
    c.insert("sub".into(), sub.into());
    c.insert("iss".into(), project.into());
    c.insert("iat".into(), now.into());
    c.insert("exp".into(), now.saturating_add(ttl).into());
    c.insert("jti".into(), unique_id().into());
    c.insert("drn".into(), drn.into());
    c
}

/// A session JWT for a user or an access key.
pub fn session_jwt(
    secret: &[u8],
    sub: &str,
    project: &str,
    now: u64,
    ttl: u64,
    extra: Value,
) -> (String, u64) {
    let mut claims = base_claims(sub, project, SESSION, now, ttl);
    if let Value::Object(extra) = extra {
        claims.extend(extra);
    }
    let exp = now.saturating_add(ttl);
    (jwt::sign(&claims, secret), exp)
}

/// The session JWT of a user's `grant`, and its `exp`.
pub fn grant_session_jwt(
    secret: &[u8],
    grant: &Grant,
    session_ttl: u64,
    now: u64,
) -> (String, u64) {
    let mut extra = json!({
        "roles": users::ROLES,
        "permissions": users::PERMISSIONS,
        "tenants": users::tenants_claim(),
    });
    if let Some(dct) = &grant.dct {
        extra["dct"] = dct.as_str().into();
    }
    if grant.stepup {
        extra["su"] = true.into();
    }
    session_jwt(
        secret,
        &grant.user.user_id,
        grant.project,
        now,
        session_ttl,
        extra,
    )
}

impl DescopeState {
    /// Issues a refresh JWT of `grant.family`, remembering it.
    pub fn issue_refresh(
        &mut self,
        secret: &[u8],
        grant: Grant,
        refresh_ttl: u64,
        now: u64,
    ) -> String {
        let mut claims = base_claims(
            &grant.user.user_id,
            grant.project,
            REFRESH,
            now,
            refresh_ttl,
        );
        if let Some(dct) = &grant.dct {
            claims.insert("dct".into(), dct.as_str().into());
        }
        let jti = claims["jti"].as_str().unwrap_or_default().to_string();
        let refresh_jwt = jwt::sign(&claims, secret);
        self.refresh.insert(
            jti,
            RefreshRecord {
                family: grant.family,
                login_id: grant.user.login_id.clone(),
                project: grant.project.into(),
                dct: grant.dct,
                state: TokenState::Active,
            },
        );
        refresh_jwt
    }

    /// Checks a presented refresh token. Reuse of a rotated one revokes its whole family.
    /// Returns the token's `jti` and record.
    pub fn check_refresh(
        &mut self,
        secret: &[u8],
        project: &str,
        token: Option<&str>,
        now: u64,
    ) -> Result<(String, RefreshRecord), ApiError> {
        let token = token.ok_or_else(|| ApiError::invalid_token("No refresh token was given"))?;
        let claims = checked_claims(secret, project, token, REFRESH, now)?;
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let record = self
            .refresh
            .get(jti)
            .cloned()
            .ok_or_else(|| ApiError::invalid_token("Unknown refresh token"))?;
        match record.state {
            TokenState::Active => Ok((jti.to_string(), record)),
            TokenState::Rotated => {
                self.revoke_family(&record.family);
                Err(ApiError::token_reused())
            }
            TokenState::Revoked => Err(ApiError::invalid_token("The refresh token was revoked")),
        }
    }

    /// Marks a refresh token as used up by rotation.
    pub fn mark_rotated(&mut self, jti: &str) {
        if let Some(record) = self.refresh.get_mut(jti) {
            record.state = TokenState::Rotated;
        }
    }

    /// Remembers the tenant selected with a refresh token that is kept (no rotation), so that
    /// its later refreshes carry that `dct` although the token's own claims do not.
    pub fn set_dct(&mut self, jti: &str, dct: Option<String>) {
        if let Some(record) = self.refresh.get_mut(jti) {
            record.dct = dct;
        }
    }

    pub fn revoke_family(&mut self, family: &str) {
        self.revoke_where(|r| r.family == family);
    }

    /// Every refresh token of a user in a project.
    pub fn revoke_user(&mut self, project: &str, login_id: &str) {
        self.revoke_where(|r| r.project == project && r.login_id == login_id);
    }

    fn revoke_where(&mut self, matches: impl Fn(&RefreshRecord) -> bool) {
        for record in self.refresh.values_mut().filter(|r| matches(r)) {
            record.state = TokenState::Revoked;
        }
    }
}

/// Checks a session JWT: signature, kind, project and expiry. Revocation does not apply.
pub fn check_session(
    secret: &[u8],
    project: &str,
    token: Option<&str>,
    now: u64,
) -> Result<Claims, ApiError> {
    let token = token.ok_or_else(|| ApiError::invalid_token("No session token was given"))?;
    checked_claims(secret, project, token, SESSION, now)
}

fn checked_claims(
    secret: &[u8],
    project: &str,
    token: &str,
    drn: &str,
    now: u64,
) -> Result<Claims, ApiError> {
    let claims = jwt::verify(token, secret)
        .ok_or_else(|| ApiError::invalid_token("The token is garbled"))?;
    if claims.get("drn").and_then(Value::as_str) != Some(drn) {
        return Err(ApiError::invalid_token("Wrong kind of token"));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(project) {
        return Err(ApiError::invalid_token(
            "The token belongs to another project",
        ));
    }
    match claims.get("exp").and_then(Value::as_u64) {
        Some(exp) if now < exp => Ok(claims),
        _ => Err(ApiError::invalid_token("The token has expired")),
    }
}

/// The `jti` of a token this server signed, for the request log.
pub fn jti_of(secret: &[u8], token: &str) -> Option<String> {
    jwt::verify(token, secret)?
        .get("jti")?
        .as_str()
        .map(str::to_string)
}
