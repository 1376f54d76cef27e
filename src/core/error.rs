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

    /// The code named by its JS string ([`ErrorCode::as_str`]), or `None` for any other text.
    /// (Left out of the npm wasm, as the field methods of [`SessionError`] are.)
    ///
    /// ```
    /// use session_keeper::ErrorCode;
    /// assert_eq!(ErrorCode::parse("rate_limited"), Some(ErrorCode::RateLimited));
    /// assert_eq!(ErrorCode::parse("RateLimited"), None);
    /// ```
    #[cfg(any(feature = "rust", not(target_arch = "wasm32")))]
    pub fn parse(name: &str) -> Option<ErrorCode> {
        const ALL: [ErrorCode; 10] = [
            ErrorCode::Network,
            ErrorCode::Timeout,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::RateLimited,
            ErrorCode::Http,
            ErrorCode::InvalidResponse,
            ErrorCode::InvalidArgument,
            ErrorCode::Storage,
            ErrorCode::TwoFactorRequired,
        ];
        ALL.into_iter().find(|code| code.as_str() == name)
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
/// Its fields ([`ErrorFields`]) are read and written through it: `err.code`, `err.status`, ….
/// It is one pointer wide, so that a [`Result`] moves as cheaply as its value: results pass
/// through every layer of the crate, and a wide error made each of those moves a copy of it
/// (in code, not only in time).
///
/// ```
/// use session_keeper::{ErrorCode, SessionError};
/// let err = SessionError::new(ErrorCode::InvalidArgument, "projectId must not be empty");
/// assert_eq!(err.code, ErrorCode::InvalidArgument);
/// assert_eq!(std::mem::size_of::<SessionError>(), std::mem::size_of::<usize>());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SessionError(Box<ErrorFields>);

/// What a [`SessionError`] says.
///
/// ```
/// use session_keeper::{ErrorCode, SessionError};
/// let mut err = SessionError::http(400, None);
/// err.error_code = Some("E011003".into());
/// assert_eq!((err.code, err.status, err.error_code.as_deref()), (ErrorCode::Http, Some(400), Some("E011003")));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorFields {
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

impl std::ops::Deref for SessionError {
    type Target = ErrorFields;
    fn deref(&self) -> &ErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for SessionError {
    fn deref_mut(&mut self) -> &mut ErrorFields {
        &mut self.0
    }
}

impl From<ErrorFields> for SessionError {
    fn from(fields: ErrorFields) -> SessionError {
        SessionError(Box::new(fields))
    }
}

/// The crate's result type.
///
/// ```
/// use session_keeper::{Result, SessionError};
/// fn tenant(id: &str) -> Result<&str> {
///     if id.trim_ascii().is_empty() {
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
        SessionError(Box::new(ErrorFields {
            code,
            message,
            status: None,
            error_code: None,
            error_description: None,
            retry_after: None,
            details: None,
        }))
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
        let mut err = SessionError::new(code, message);
        err.status = Some(status);
        err.retry_after = retry_after;
        err
    }
}

/// The §5 fields by method, for Rust callers (the JS facades read the fields themselves).
///
/// These methods, [`ErrorCode::parse`] and the `Display` and `Error` impls are compiled
/// natively (tests, docs) and for wasm32 with the feature `rust`, and left out of the other
/// wasm builds: the npm entries never call them, but their mere presence reorders the
/// optimised wasm (measured: +9 B gz for the Descope entry, +4 for Rocket.Chat), and the
/// npm bytes must not move for the Rust API.
#[cfg(any(feature = "rust", not(target_arch = "wasm32")))]
impl SessionError {
    /// The category.
    ///
    /// ```
    /// use session_keeper::{ErrorCode, SessionError};
    /// assert_eq!(SessionError::http(401, None).code(), ErrorCode::Unauthorized);
    /// ```
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable sentence (never a token).
    ///
    /// ```
    /// use session_keeper::SessionError;
    /// assert_eq!(SessionError::invalid_argument("invalid baseUrl").message(), "invalid baseUrl");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status, when there was an answer.
    ///
    /// ```
    /// use session_keeper::SessionError;
    /// assert_eq!(SessionError::http(503, None).status(), Some(503));
    /// assert_eq!(SessionError::invalid_argument("invalid baseUrl").status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Descope's `errorCode` from the error body, e.g. `"E011003"`.
    ///
    /// ```
    /// use session_keeper::SessionError;
    /// let mut err = SessionError::http(400, None);
    /// err.error_code = Some("E011003".into());
    /// assert_eq!(err.error_code(), Some("E011003"));
    /// ```
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }

    /// Descope's `errorDescription` from the error body.
    ///
    /// ```
    /// use session_keeper::SessionError;
    /// let mut err = SessionError::http(400, None);
    /// err.error_description = Some("Request is invalid".into());
    /// assert_eq!(err.error_description(), Some("Request is invalid"));
    /// ```
    pub fn error_description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// Seconds to wait, from a `Retry-After` header.
    ///
    /// ```
    /// use session_keeper::SessionError;
    /// assert_eq!(SessionError::http(429, Some(7.0)).retry_after(), Some(7.0));
    /// ```
    pub fn retry_after(&self) -> Option<f64> {
        self.retry_after
    }
}

/// `<code>: <message>`, then the HTTP status and Descope's `errorCode` when there are any.
/// Never a token: the message holds none. (Only Rust callers format errors; the JS facades
/// never do, so the npm entries carry none of this.)
///
/// ```
/// use session_keeper::SessionError;
/// let mut err = SessionError::http(400, None);
/// err.error_code = Some("E011003".into());
/// assert_eq!(err.to_string(), "http: request refused (HTTP 400, E011003)");
/// assert_eq!(
///     SessionError::invalid_argument("invalid baseUrl").to_string(),
///     "invalid_argument: invalid baseUrl"
/// );
/// let _boxed: Box<dyn std::error::Error> = Box::new(err); // usable with `?` into app errors
/// ```
#[cfg(any(feature = "rust", not(target_arch = "wasm32")))]
impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        match (self.status, &self.error_code) {
            (Some(status), Some(code)) => write!(f, " (HTTP {status}, {code})"),
            (Some(status), None) => write!(f, " (HTTP {status})"),
            (None, Some(code)) => write!(f, " ({code})"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(any(feature = "rust", not(target_arch = "wasm32")))]
impl std::error::Error for SessionError {}

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
    let value = value.trim_ascii();
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
    fn accessors_and_display_show_each_field() {
        let mut err = SessionError::http(429, Some(7.0));
        err.error_code = Some("E011003".into());
        err.error_description = Some("Request is invalid".into());
        assert_eq!(err.code(), ErrorCode::RateLimited);
        assert_eq!(err.message(), err.message);
        assert!(!err.message().is_empty());
        assert_eq!(err.status(), Some(429));
        assert_eq!(err.error_code(), Some("E011003"));
        assert_eq!(err.error_description(), Some("Request is invalid"));
        assert_eq!(err.retry_after(), Some(7.0));
        let text = err.to_string();
        assert_eq!(
            text,
            ["rate_limited: ", err.message(), " (HTTP 429, E011003)"].concat()
        );
        let bare = SessionError::invalid_argument("invalid baseUrl");
        assert_eq!(bare.message(), "invalid baseUrl");
        assert_eq!(
            (bare.status(), bare.error_code(), bare.retry_after()),
            (None, None, None)
        );
        assert_eq!(bare.error_description(), None);
        assert_eq!(bare.to_string(), "invalid_argument: invalid baseUrl");
        let status_only = SessionError::http(503, None);
        assert_eq!(
            status_only.to_string(),
            ["http: ", status_only.message(), " (HTTP 503)"].concat()
        );
        let mut code_only = bare;
        code_only.error_code = Some("E1".into());
        assert_eq!(
            code_only.to_string(),
            "invalid_argument: invalid baseUrl (E1)"
        );
    }

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
            assert_eq!(ErrorCode::parse(name), Some(code));
        }
        assert_eq!(ErrorCode::parse(""), None);
        assert_eq!(ErrorCode::parse("Network"), None);
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
