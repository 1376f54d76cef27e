//! Descope's session API: state, request context and routing.

mod handlers;
mod tokens;
mod users;

use std::collections::HashMap;

use axum::http::Method;
use axum::response::Response;

use crate::config::ProjectConfig;
use crate::http::{ApiError, Req};
use tokens::RefreshRecord;
use users::User;

/// Users, issued refresh tokens and sign-in history.
pub struct DescopeState {
    /// By loginId.
    users: HashMap<String, User>,
    /// By `jti`.
    refresh: HashMap<String, RefreshRecord>,
    /// In sign-in order.
    history: Vec<SignIn>,
}

struct SignIn {
    project: String,
    login_id: String,
    time: u64,
    ip: String,
}

impl DescopeState {
    pub fn new(now: u64) -> Self {
        Self {
            users: User::seed(now)
                .into_iter()
                .map(|u| (u.login_id.clone(), u))
                .collect(),
            refresh: HashMap::new(),
            history: Vec::new(),
        }
    }
}

/// `Authorization: Bearer <projectId>[:<token>]`.
pub struct Bearer {
    pub project: String,
    pub token: Option<String>,
}

impl Bearer {
    pub fn parse(req: &Req) -> Result<Bearer, ApiError> {
        let value = req
            .header("authorization")
            .ok_or_else(|| ApiError::invalid_token("Missing Authorization header"))?;
        let rest = value
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
            .map(|_| value[7..].trim())
            .ok_or_else(|| ApiError::invalid_token("Authorization is not a Bearer"))?;
        let (project, token) = match rest.split_once(':') {
            Some((p, t)) => (p, Some(t)),
            None => (rest, None),
        };
        if project.is_empty() {
            return Err(ApiError::invalid_token("Missing project id"));
        }
        Ok(Bearer {
            project: project.into(),
            token: token.filter(|t| !t.is_empty()).map(str::to_string),
        })
    }
}

/// Everything a handler needs besides the state.
pub struct Ctx<'a> {
    pub req: &'a Req,
    pub secret: &'a [u8],
    pub project: String,
    pub bearer_token: Option<String>,
    pub cfg: ProjectConfig,
    pub now: u64,
}

impl Ctx<'_> {
    /// The refresh token presented: the bearer's, else the refresh cookie's.
    pub fn refresh_token(&self) -> Option<&str> {
        presented_token(self.req, self.bearer_token.as_deref(), &self.cfg)
    }

    pub fn refresh_cookie_name(&self) -> &str {
        refresh_cookie_name(self.req, &self.cfg)
    }
}

/// The refresh cookie's name: the `x-descope-refresh-cookie-name` header, else `cookieName`.
fn refresh_cookie_name<'a>(req: &'a Req, cfg: &'a ProjectConfig) -> &'a str {
    req.header("x-descope-refresh-cookie-name")
        .filter(|n| !n.is_empty())
        .unwrap_or(&cfg.cookie_name)
}

/// The bearer's token, else the refresh cookie's.
fn presented_token<'a>(
    req: &'a Req,
    bearer_token: Option<&'a str>,
    cfg: &'a ProjectConfig,
) -> Option<&'a str> {
    bearer_token
        .or_else(|| req.cookie(refresh_cookie_name(req, cfg)))
        .filter(|t| !t.is_empty())
}

/// The `jti` of the token a Descope request presents (for the log), if it is one of ours.
pub fn presented_jti(
    req: &Req,
    bearer: &Bearer,
    secret: &[u8],
    cfg: &ProjectConfig,
) -> Option<String> {
    tokens::jti_of(secret, presented_token(req, bearer.token.as_deref(), cfg)?)
}

#[derive(Clone, Copy, PartialEq)]
pub enum Route {
    SignIn,
    Refresh,
    TryRefresh,
    Logout,
    LogoutAll,
    Me,
    History,
    MyTenants,
    SelectTenant,
    Validate,
    VerifyQuestions,
    ExchangeKey,
}

impl Route {
    pub fn find(method: &Method, path: &str) -> Option<Route> {
        let route = match path {
            "/v1/auth/password/signin" => Route::SignIn,
            "/v1/auth/refresh" => Route::Refresh,
            "/v1/auth/try-refresh" => Route::TryRefresh,
            "/v1/auth/logout" => Route::Logout,
            "/v1/auth/logoutall" => Route::LogoutAll,
            "/v1/auth/me" => Route::Me,
            "/v1/auth/me/history" => Route::History,
            "/v1/auth/me/tenants" => Route::MyTenants,
            "/v1/auth/tenant/select" => Route::SelectTenant,
            "/v1/auth/validate" => Route::Validate,
            "/v1/auth/security-questions/verify" => Route::VerifyQuestions,
            "/v1/auth/accesskey/exchange" => Route::ExchangeKey,
            _ => return None,
        };
        let wanted = match route {
            Route::Me | Route::History => Method::GET,
            _ => Method::POST,
        };
        (*method == wanted).then_some(route)
    }

    /// Routes whose every 401 is about the refresh token presented. (`try-refresh` answers
    /// an unusable token with 200 `{}` instead, expiring the cookie itself.)
    fn requires_refresh(self) -> bool {
        matches!(
            self,
            Route::Refresh
                | Route::Logout
                | Route::LogoutAll
                | Route::Me
                | Route::History
                | Route::MyTenants
                | Route::SelectTenant
        )
    }
}

/// Answers a Descope request; `cfg` resolves a project's settings.
pub fn handle(
    st: &mut DescopeState,
    route: Route,
    req: &Req,
    secret: &[u8],
    cfg: impl Fn(&str) -> ProjectConfig,
    now: u64,
) -> Response {
    let bearer = match Bearer::parse(req) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let ctx = Ctx {
        req,
        secret,
        cfg: cfg(&bearer.project),
        project: bearer.project,
        bearer_token: bearer.token,
        now,
    };
    let result = match route {
        Route::SignIn => handlers::sign_in(&ctx, st),
        Route::Refresh => handlers::refresh(&ctx, st),
        Route::TryRefresh => handlers::try_refresh(&ctx, st),
        Route::Logout => handlers::logout(&ctx, st, false),
        Route::LogoutAll => handlers::logout(&ctx, st, true),
        Route::Me => handlers::me(&ctx, st),
        Route::History => handlers::history(&ctx, st),
        Route::MyTenants => handlers::my_tenants(&ctx, st),
        Route::SelectTenant => handlers::select_tenant(&ctx, st),
        Route::Validate => handlers::validate(&ctx),
        Route::VerifyQuestions => handlers::verify_questions(&ctx, st),
        Route::ExchangeKey => handlers::exchange_key(&ctx),
    };
    result.unwrap_or_else(|error| {
        let refused = error.status.as_u16() == 401 && route.requires_refresh();
        let mut response = error.into_response();
        if refused {
            handlers::expire_refused_cookie(&ctx, &mut response);
        }
        response
    })
}
