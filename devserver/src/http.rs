//! The request as the handlers see it, and the answers they build.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A request whose body has been read.
pub struct Req {
    pub method: Method,
    /// The path as sent, without the query.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub peer: SocketAddr,
}

impl Req {
    /// A header as text; `None` when absent or not visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of cookie `name` from the `Cookie` headers.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
    }

    /// The body parsed as `T`; an empty body reads as `{}` when `optional`.
    pub fn json<T: DeserializeOwned>(&self, optional: bool) -> Result<T, String> {
        let text = std::str::from_utf8(&self.body).map_err(|_| "body is not UTF-8".to_string())?;
        let text = if optional && text.trim().is_empty() {
            "{}"
        } else {
            text
        };
        // Only objects: a JSON array or scalar is as wrong as a syntax error.
        match serde_json::from_str::<Value>(text).map_err(|e| e.to_string())? {
            body @ Value::Object(_) => serde_json::from_value(body).map_err(|e| e.to_string()),
            _ => Err("body is not a JSON object".to_string()),
        }
    }
}

/// A JSON answer.
pub fn json(status: StatusCode, value: &Value) -> Response {
    raw_json(status, serde_json::to_vec(value).unwrap_or_default())
}

/// An answer with `Content-Type: application/json` and whatever bytes are given.
pub fn raw_json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Adds a header, silently skipping a value that is not a valid header value.
pub fn set_header(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// Appends a header (for `Set-Cookie`, which may repeat).
pub fn append_header(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(name, value);
    }
}

/// An error in Descope's shape: `{errorCode, errorDescription, errorMessage, message}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: &'static str,
    pub message: String,
}

impl ApiError {
    /// 400 `E011003`: malformed JSON, wrong types, missing fields, a foreign tenant.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E011003",
            "Request is invalid",
            message,
        )
    }

    /// 401 `E061004`: a missing, garbled, unknown, expired or revoked token.
    pub fn invalid_token(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "E061004",
            "Invalid token",
            message,
        )
    }

    /// 401 `E061005`: a rotated refresh token presented again.
    pub fn token_reused() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "E061005",
            "Refresh token reuse detected",
            "The refresh token was already used; its whole family is revoked",
        )
    }

    /// 401 `E062108`: wrong password or answers.
    pub fn bad_credentials(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "E062108",
            "Invalid credentials",
            message,
        )
    }

    /// 404 `E000404`: no such path (or not with this method).
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E000404",
            "Not found",
            "No such path",
        )
    }

    pub fn new(
        status: StatusCode,
        code: &'static str,
        description: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            description,
            message: message.into(),
        }
    }

    pub fn into_response(self) -> Response {
        json(
            self.status,
            &json!({
                "errorCode": self.code,
                "errorDescription": self.description,
                "errorMessage": self.message,
                "message": self.message,
            }),
        )
    }
}
