//! The one error type of the crate (the shell turns it into a JS `Error` named `SessionError`).

use std::borrow::Cow;

/// What went wrong, as the `code` field of a JS `SessionError`.
///
/// ```
/// use session_keeper::{ErrorCode, SessionError};
/// let err = SessionError::http(403, None);
/// assert_eq!(err.code, ErrorCode::Forbidden);
/// assert_eq!(err.code.as_str(), "forbidden");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The request never got an HTTP answer (offline, DNS, CORS, connection reset).
    Network,
    /// No answer within `requestTimeoutMs`.
    Timeout,
    /// 401: the token is missing, invalid, expired or revoked.
    Unauthorized,
    /// 403: the caller may not do this.
    Forbidden,
    /// 429: too many requests; see `retryAfter`.
    RateLimited,
    /// Any other non-2xx answer.
    Http,
    /// A 2xx answer, a stored value or an applied object whose shape is not what it must be.
    InvalidResponse,
    /// A bad option or argument given by the caller.
    InvalidArgument,
    /// The browser refused to read or write storage.
    Storage,
    /// Rocket.Chat asks for a two-factor code; see `details`.
    TwoFactorRequired,
}

impl ErrorCode {
    /// The string used in JS.
    ///
    /// ```
    /// use session_keeper::ErrorCode;
    /// assert_eq!(ErrorCode::RateLimited.as_str(), "rate_limited");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Http => "http",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::Storage => "storage",
            ErrorCode::TwoFactorRequired => "two_factor_required",
        }
    }

    /// The code for a non-2xx HTTP status.
    ///
    /// ```
    /// use session_keeper::ErrorCode;
    /// assert_eq!(ErrorCode::from_status(401), ErrorCode::Unauthorized);
    /// assert_eq!(ErrorCode::from_status(502), ErrorCode::Http);
    /// ```
    pub fn from_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::Http,
        }
    }
}

/// A failure of any operation. Messages never contain token values.
///
/// ```
/// use session_keeper::{ErrorCode, SessionError};
/// let err = SessionError::new(ErrorCode::InvalidArgument, "projectId must not be empty");
/// assert_eq!(err.code, ErrorCode::InvalidArgument);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SessionError {
    /// The category.
    pub code: ErrorCode,
    /// A human-readable sentence.
    pub message: Cow<'static, str>,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Descope's `errorCode` from an error body.
    pub error_code: Option<String>,
    /// Descope's `errorDescription` from an error body.
    pub error_description: Option<String>,
    /// Seconds to wait, from a `Retry-After` header.
    pub retry_after: Option<f64>,
    /// Extra data (Rocket.Chat's two-factor `details`).
    pub details: Option<Box<TwoFactorDetails>>,
}

/// The crate's result type.
///
/// ```
/// use session_keeper::{Result, SessionError};
/// fn tenant(id: &str) -> Result<&str> {
///     if id.trim().is_empty() {
///         return Err(SessionError::invalid_argument("tenantId must be a non-empty string"));
///     }
///     Ok(id)
/// }
/// assert_eq!(tenant("T1").unwrap(), "T1");
/// assert!(tenant(" ").is_err());
/// ```
pub type Result<T> = core::result::Result<T, SessionError>;

impl SessionError {
    /// An error with only a code and a message.
    ///
    /// ```
    /// use session_keeper::{ErrorCode, SessionError};
    /// let err = SessionError::new(ErrorCode::Storage, "the browser refused to store the session");
    /// assert_eq!(err.code, ErrorCode::Storage);
    /// assert_eq!(err.status, None);
    /// ```
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> SessionError {
        SessionError::with(code, message.into())
    }

    /// [`SessionError::new`] out of line: one copy of the struct's initialisation for the
    /// whole crate instead of one at each of its many call sites.
    #[inline(never)]
    fn with(code: ErrorCode, message: Cow<'static, str>) -> SessionError {
        SessionError {
            code,
            message,
            status: None,
            error_code: None,
            error_description: None,
            retry_after: None,
            details: None,
        }
    }

    /// Shorthand for [`ErrorCode::InvalidArgument`].
    ///
    /// ```
    /// use session_keeper::{ErrorCode, SessionError};
    /// let err = SessionError::invalid_argument("projectId must not be empty");
    /// assert_eq!(err.code, ErrorCode::InvalidArgument);
    /// assert_eq!(err.message, "projectId must not be empty");
    /// ```
    pub fn invalid_argument(message: &'static str) -> SessionError {
        SessionError::new(ErrorCode::InvalidArgument, message)
    }

    /// Shorthand for [`ErrorCode::InvalidResponse`].
    ///
    /// ```
    /// use session_keeper::{ErrorCode, SessionError};
    /// let err = SessionError::invalid_response("the history is not a list");
    /// assert_eq!(err.code.as_str(), "invalid_response");
    /// ```
    pub fn invalid_response(message: &'static str) -> SessionError {
        SessionError::new(ErrorCode::InvalidResponse, message)
    }

    /// An error for a non-2xx HTTP answer.
    ///
    /// ```
    /// use session_keeper::{ErrorCode, SessionError};
    /// let err = SessionError::http(429, Some(2.0));
    /// assert_eq!(err.code, ErrorCode::RateLimited);
    /// assert_eq!(err.retry_after, Some(2.0));
    /// ```
    pub fn http(status: u16, retry_after: Option<f64>) -> SessionError {
        let code = ErrorCode::from_status(status);
        let message = match code {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::RateLimited => "too many requests",
            _ if status >= 500 => "server failed",
            _ => "request refused",
        };
        SessionError {
            status: Some(status),
            retry_after,
            ..SessionError::new(code, message)
        }
    }
}

/// Rocket.Chat's two-factor challenge: which method the server asks for, whether it sent a
/// code (email), and which methods the user has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TwoFactorDetails {
    /// `method`
    pub method: Option<String>,
    /// `codeGenerated`
    pub code_generated: Option<bool>,
    /// `availableMethods`
    pub available_methods: Option<Vec<String>>,
}

/// Parses a `Retry-After` header: delay seconds, or an HTTP date relative to `now_ms`.
///
/// ```
/// use session_keeper::core::error::parse_retry_after;
/// assert_eq!(parse_retry_after("2", 0.0), Some(2.0));
/// assert_eq!(parse_retry_after("soon", 0.0), None);
/// ```
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    // At most what a timer can wait (about 24.8 days): any longer is the same "later".
    const MAX_S: f64 = 2_147_483.0;
    if let Some(seconds) = crate::core::parse_uint(value).and_then(|s| u32::try_from(s).ok()) {
        return Some(f64::from(seconds).min(MAX_S));
    }
    let at_ms = crate::core::cookie::parse_http_date(value)?;
    let seconds = ((at_ms - now_ms) / 1000.0).max(0.0).ceil();
    seconds.is_finite().then_some(seconds.min(MAX_S))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_say_what_happened_in_a_few_words() {
        for (status, message) in [
            (401, "unauthorized"),
            (403, "forbidden"),
            (429, "too many requests"),
            (500, "server failed"),
            (503, "server failed"),
            (400, "request refused"),
            (404, "request refused"),
        ] {
            let err = SessionError::http(status, None);
            assert_eq!((err.status, err.message.as_ref()), (Some(status), message));
        }
    }

    #[test]
    fn status_codes_map_to_codes() {
        assert_eq!(ErrorCode::from_status(400), ErrorCode::Http);
        assert_eq!(ErrorCode::from_status(401), ErrorCode::Unauthorized);
        assert_eq!(ErrorCode::from_status(403), ErrorCode::Forbidden);
        assert_eq!(ErrorCode::from_status(429), ErrorCode::RateLimited);
        assert_eq!(ErrorCode::from_status(500), ErrorCode::Http);
        let err = SessionError::http(500, None);
        assert_eq!(err.status, Some(500));
        assert!(err.message.contains("failed"));
    }

    #[test]
    fn every_code_has_the_documented_name() {
        let all = [
            (ErrorCode::Network, "network"),
            (ErrorCode::Timeout, "timeout"),
            (ErrorCode::Unauthorized, "unauthorized"),
            (ErrorCode::Forbidden, "forbidden"),
            (ErrorCode::RateLimited, "rate_limited"),
            (ErrorCode::Http, "http"),
            (ErrorCode::InvalidResponse, "invalid_response"),
            (ErrorCode::InvalidArgument, "invalid_argument"),
            (ErrorCode::Storage, "storage"),
            (ErrorCode::TwoFactorRequired, "two_factor_required"),
        ];
        for (code, name) in all {
            assert_eq!(code.as_str(), name);
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 7 ", 0.0), Some(7.0));
        assert_eq!(parse_retry_after("-1", 0.0), None);
        assert_eq!(parse_retry_after("", 0.0), None);
        // 1994-11-06 08:49:37 GMT is 784111777 s after the epoch.
        let now = 784_111_770_000.0;
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(7.0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 60_000.0),
            Some(0.0)
        );
    }
}
