//! The Descope options and wire types.

#![allow(missing_docs)] // The fields mirror Descope's documented wire format one to one.

use std::collections::BTreeMap;

use tsify::Tsify;
use wasm_bindgen::JsValue;

use super::Persist;

/// Options of a token cookie.
///
/// ```js
/// const session = new SessionManager({
///   projectId: "P2abc",
///   sessionTokenViaCookie: { name: "app_session", sameSite: "Lax", domain: "example.com" },
/// });
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct CookieOptions {
    /// Cookie name; default: the response's cookie name, else `DS` / `DSR`.
    pub name: Option<String>,
    /// The same as `name`, as `@descope/web-js-sdk` spells it (both may be given when equal).
    pub cookie_name: Option<String>,
    /// `SameSite`; default `Strict`.
    #[tsify(type = "\"Strict\" | \"Lax\" | \"None\"")]
    pub same_site: Option<String>,
    /// `Secure`; default `true` (browsers accept it on `http://localhost`).
    pub secure: Option<bool>,
    /// `Domain`; default: the response's cookie domain. Used only when the page's host is that
    /// domain or a subdomain of it.
    pub domain: Option<String>,
}

/// The options of `new SessionManager(options)`.
///
/// ```js
/// const session = new SessionManager({ projectId: "P2abc", storagePrefix: "app.", crossTab: false });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SessionManagerOptions {
    /// The Descope project id. Required, non-empty.
    pub project_id: String,
    /// Default `https://api.descope.com`; a trailing slash is ignored.
    #[tsify(optional)]
    pub base_url: Option<String>,
    /// Prefix of every storage key. Default empty.
    #[tsify(optional)]
    pub storage_prefix: Option<String>,
    /// Where tokens that are not in cookies live. Default `"localStorage"`.
    #[tsify(optional)]
    pub persist: Option<Persist>,
    /// `@descope/web-js-sdk`'s spelling, accepted so that its config works unchanged.
    /// `true` (the default here; the SDK's default is `false`) changes nothing. `false` keeps
    /// the tokens in memory only: `persist` becomes `"memory"` (any other `persist` is
    /// refused) and the session token goes to a cookie only when `sessionTokenViaCookie`
    /// asks for one.
    #[tsify(optional)]
    pub persist_tokens: Option<bool>,
    /// Keep the session token in a cookie. Default `true`.
    #[tsify(optional, type = "boolean | CookieOptions")]
    pub session_token_via_cookie: Option<CookieOptions>,
    /// Keep the refresh token in a cookie. Default `false`.
    #[tsify(optional, type = "boolean | CookieOptions")]
    pub refresh_token_via_cookie: Option<CookieOptions>,
    /// Refresh before the session expires. Default `true`. The object form turns on activity
    /// tracking: see `markUserActive()`.
    #[tsify(optional, type = "boolean | AutoRefreshOptions")]
    pub auto_refresh: Option<AutoRefreshOptions>,
    /// One refresh per cycle across the origin's tabs; logout reaches every tab. Default `true`.
    #[tsify(optional)]
    pub cross_tab: Option<bool>,
    /// Per-request timeout in ms. Default 10000.
    #[tsify(optional)]
    pub request_timeout_ms: Option<f64>,
    /// Sent as `x-descope-refresh-cookie-name` on every request (the name of a custom
    /// httpOnly refresh cookie); default: the name the server last gave (`DSRCN`).
    #[tsify(optional)]
    pub refresh_cookie_name: Option<String>,
    /// Keep the last user's login id and name (`dls_last_user_*` keys). Default `true`.
    #[tsify(optional)]
    pub store_last_authenticated_user: Option<bool>,
    /// Keep the last user's keys after logout. Default `false`.
    #[tsify(optional)]
    pub keep_last_authenticated_user_after_logout: Option<bool>,
    /// Extra headers on every request.
    #[tsify(optional, type = "Record<string, string>")]
    pub base_headers: Option<BTreeMap<String, String>>,
    /// Called around every request.
    #[tsify(optional)]
    pub hooks: Option<SessionHooks>,
}

/// The object form of `autoRefresh`.
///
/// ```js
/// const session = new SessionManager({ projectId: "P2abc", autoRefresh: { customActivityTracking: true } });
/// document.addEventListener("keydown", () => session.markUserActive());
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoRefreshOptions {
    /// With a server inactivity timeout (`nextRefreshSeconds`), a scheduled refresh waits
    /// until `markUserActive()` is called in any tab. Default `false`.
    pub custom_activity_tracking: Option<bool>,
}

/// `hooks`: called around every request (never with a token the hook did not put there).
///
/// ```js
/// const session = new SessionManager({
///   projectId: "P2abc",
///   hooks: {
///     beforeRequest: (config) => ({ ...config, headers: { ...config.headers, "x-trace": traceId() } }),
///     afterRequest: (request, response) => metrics.count(request.path, response.status),
///   },
/// });
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionHooks {
    /// May return a changed config (its `headers` and `body` are used), or a promise of one.
    #[tsify(
        type = "(config: RequestConfig) => RequestConfig | void | Promise<RequestConfig | void>"
    )]
    pub before_request: Option<()>,
    /// Told the status and the body of each answer (the tokens in it left out).
    #[tsify(type = "(request: RequestConfig, response: ResponseInfo) => void")]
    pub after_request: Option<()>,
}

/// What the hooks see of a request. The `Authorization` header is not in `headers`.
///
/// ```js
/// const beforeRequest = ({ path, headers }) => ({ headers: { ...headers, "x-path": path } });
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestConfig {
    pub url: Option<String>,
    /// `/v1/auth/...`
    pub path: Option<String>,
    #[tsify(type = "\"GET\" | \"POST\"")]
    pub method: Option<String>,
    #[tsify(type = "Record<string, string>")]
    pub headers: Option<BTreeMap<String, String>>,
    /// The JSON body.
    #[tsify(type = "unknown")]
    pub body: Option<()>,
}

/// What `afterRequest` sees of an answer.
///
/// ```js
/// const afterRequest = (request, { status, ok }) => { if (!ok) console.warn(request.path, status); };
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ResponseInfo {
    pub status: f64,
    pub ok: bool,
    /// The JSON body, without `sessionJwt` and `refreshJwt`.
    #[serde(default)]
    #[tsify(optional, type = "unknown")]
    pub body: Option<()>,
}

/// The state UI frameworks subscribe to (`getSnapshot()`, `subscribe()`): no tokens.
///
/// ```js
/// const { isAuthenticated, user, currentTenant } = session.getSnapshot();
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SessionSnapshot {
    pub is_authenticated: bool,
    #[tsify(type = "User | undefined")]
    pub user: (),
    #[tsify(type = "Record<string, unknown> | undefined")]
    pub claims: (),
    #[tsify(type = "string | undefined")]
    pub current_tenant: (),
    /// Epoch ms.
    #[tsify(type = "number | undefined")]
    pub expires_at: (),
}

/// A tenant of the user, from `myTenants()`.
///
/// ```js
/// const { tenants } = await session.myTenants(["T2abc"]);
/// console.log(tenants[0]?.name);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    #[serde(default)]
    #[tsify(optional)]
    pub name: Option<String>,
    #[serde(default)]
    #[tsify(optional, type = "Record<string, unknown>")]
    pub custom_attributes: Option<()>,
}

/// The answer of `POST /v1/auth/me/tenants`.
///
/// ```js
/// const { tenants } = await session.myTenants(true);
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TenantsResponse {
    pub tenants: Vec<Tenant>,
}

/// Every sign-in, verify, refresh and tenant-select answer of Descope.
///
/// ```js
/// const { sessionJwt, nextRefreshSeconds } = await session.refresh();
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
#[tsify(rename = "JWTResponse")]
pub struct JwtResponse {
    pub session_jwt: Option<String>,
    pub refresh_jwt: Option<String>,
    pub cookie_domain: Option<String>,
    pub cookie_path: Option<String>,
    /// Seconds.
    pub cookie_max_age: Option<f64>,
    /// Epoch seconds.
    pub cookie_expiration: Option<f64>,
    #[tsify(type = "User")]
    pub user: JsValue,
    pub first_seen: Option<bool>,
    #[tsify(type = "IDPResponse")]
    pub idp_response: JsValue,
    /// Epoch seconds.
    pub session_expiration: Option<f64>,
    pub external_token: Option<String>,
    #[tsify(type = "Record<string, unknown>")]
    pub claims: JsValue,
    #[serde(rename = "tenantSSOID")]
    pub tenant_ssoid: Option<String>,
    pub trusted_device_jwt: Option<String>,
    /// Seconds until the client should refresh.
    pub next_refresh_seconds: Option<f64>,
    /// Name of the refresh token cookie.
    pub cookie_name: Option<String>,
    /// Name of the session token cookie.
    pub session_cookie_name: Option<String>,
    pub session_cookie_domain: Option<String>,
    #[serde(rename = "unsavedSSO")]
    pub unsaved_sso: Option<bool>,
}

/// A Descope user, as `me()` and every JWT response carry it.
///
/// ```js
/// const user = await session.me();
/// console.log(user.name, user.loginIds);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    pub login_ids: Option<Vec<String>>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub verified_email: Option<bool>,
    pub verified_phone: Option<bool>,
    pub role_names: Option<Vec<String>>,
    pub user_tenants: Option<Vec<UserTenants>>,
    pub status: Option<String>,
    pub external_ids: Option<Vec<String>>,
    pub picture: Option<String>,
    pub test: Option<bool>,
    /// Custom attributes: strings, numbers, booleans or arrays.
    #[tsify(type = "Record<string, unknown>")]
    pub custom_attributes: Option<()>,
    /// Epoch seconds.
    pub created_time: Option<f64>,
    #[serde(rename = "TOTP")]
    pub totp: Option<bool>,
    #[serde(rename = "SAML")]
    pub saml: Option<bool>,
    #[serde(rename = "OAuth")]
    #[tsify(type = "Record<string, boolean>")]
    pub oauth: Option<BTreeMap<String, bool>>,
    pub webauthn: Option<bool>,
    pub password: Option<bool>,
    pub sso_app_ids: Option<Vec<String>>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub editable: Option<bool>,
    #[serde(rename = "SCIM")]
    pub scim: Option<bool>,
    pub push: Option<bool>,
    pub permissions: Option<Vec<String>>,
    #[serde(rename = "OIDC")]
    pub oidc: Option<bool>,
    pub consent_expiration: Option<f64>,
}

/// A user's membership in one tenant.
///
/// ```js
/// const tenantIds = (session.user?.userTenants ?? []).map((t) => t.tenantId);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct UserTenants {
    pub tenant_id: Option<String>,
    pub role_names: Option<Vec<String>>,
    pub tenant_name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// What an identity provider answered, when the sign-in went through SSO or OIDC.
///
/// ```js
/// // `response`: the JWTResponse of an SSO sign-in
/// const groups = response.idpResponse?.idpGroups ?? [];
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
#[tsify(rename = "IDPResponse")]
pub struct IdpResponse {
    pub saml_response: Option<String>,
    pub saml_generated_user: Option<String>,
    pub saml_generated_roles: Option<String>,
    pub oidc_response: Option<String>,
    pub oidc_generated_user: Option<String>,
    pub oidc_generated_roles: Option<String>,
    pub idp_groups: Option<Vec<String>>,
    #[serde(rename = "idpSAMLAttributes")]
    pub idp_saml_attributes: Option<bool>,
    #[serde(rename = "idpOIDCClaims")]
    #[tsify(type = "Record<string, unknown>")]
    pub idp_oidc_claims: Option<()>,
}

/// One sign-in of the user, from `GET /v1/auth/me/history`.
///
/// ```js
/// const [latest] = await session.history();
/// console.log(latest?.city, latest?.loginTime);
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct UserHistory {
    pub user_id: Option<String>,
    /// Epoch seconds.
    pub login_time: Option<f64>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub ip: Option<String>,
}

/// The answer of `POST /v1/auth/validate`.
///
/// ```js
/// const { parsedJWT } = await session.validate();
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// The claims of the validated session JWT.
    #[serde(rename = "parsedJWT")]
    #[tsify(type = "Record<string, unknown>")]
    pub parsed_jwt: (),
}

/// The answer of `POST /v1/auth/accesskey/exchange`.
///
/// ```js
/// const { keyId, sessionJwt, expiration } = await session.exchangeAccessKey(accessKey);
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyExchangeResponse {
    pub key_id: String,
    pub session_jwt: String,
    /// Epoch seconds.
    #[serde(default)]
    #[tsify(optional)]
    pub expiration: Option<f64>,
}

/// Options of a sign-in that Descope applies to the issued token.
///
/// ```js
/// await session.exchangeAccessKey(accessKey, { customClaims: { plan: "pro" } });
/// ```
#[derive(Clone, Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct LoginOptions {
    pub stepup: Option<bool>,
    pub mfa: Option<bool>,
    /// Extra claims for the session JWT.
    #[tsify(type = "Record<string, unknown>")]
    pub custom_claims: Option<()>,
    #[tsify(type = "Record<string, unknown>")]
    pub template_options: Option<()>,
}

/// One answer to a security question.
///
/// ```js
/// const answer = { questionId: "q1", answer: "Rex" };
/// await session.verifySecurityQuestions({ answers: [answer] });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SecurityQuestionAnswer {
    pub question_id: String,
    pub answer: String,
}

/// The argument of `verifySecurityQuestions`, sent as the request body.
///
/// ```js
/// await session.verifySecurityQuestions({
///   loginId: "ada@example.com",
///   answers: [{ questionId: "q1", answer: "Rex" }],
/// });
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SecurityQuestionsVerifyRequest {
    #[serde(default)]
    #[tsify(optional)]
    pub login_id: Option<String>,
    pub answers: Vec<SecurityQuestionAnswer>,
    #[serde(default)]
    #[tsify(optional)]
    pub stepup: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fields::JWT_FIELD_NAMES;

    #[test]
    fn every_field_read_is_declared_in_the_typescript() {
        for &name in JWT_FIELD_NAMES {
            let declared = [name, "?:"].concat();
            assert!(
                <JwtResponse as Tsify>::DECL.contains(&declared),
                "{name} is read but not declared"
            );
        }
    }
}
