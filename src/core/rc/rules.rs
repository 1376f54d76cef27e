//! The decisions of [`RocketChatSession`](crate::RocketChatSession) over plain data: options,
//! credentials, the two-factor argument, request headers, and what an error answer means.
//! Everything here is tested natively.

use super::sha256::sha256_hex;
use crate::core::error::{ErrorCode, Result, SessionError, TwoFactorDetails};
use crate::core::layout::usable_token;
use crate::core::obj::{opt_number, opt_string, Obj};
use crate::core::options::{base_url, timeout, Persist};

/// Storage key suffix of the Rocket.Chat user id: the key is `<storagePrefix>RC_UID`.
///
/// ```
/// use session_keeper::core::rc::rules::USER_ID_KEY;
/// assert_eq!(["app.", USER_ID_KEY].concat(), "app.RC_UID");
/// ```
pub const USER_ID_KEY: &str = "RC_UID";
/// Storage key suffix of the Rocket.Chat auth token: the key is `<storagePrefix>RC_TOKEN`.
///
/// ```
/// use session_keeper::core::rc::rules::AUTH_TOKEN_KEY;
/// assert_eq!(["app.", AUTH_TOKEN_KEY].concat(), "app.RC_TOKEN");
/// ```
pub const AUTH_TOKEN_KEY: &str = "RC_TOKEN";

/// Validated options of `new RocketChatSession(options)`.
///
/// ```
/// use session_keeper::core::{options::Persist, rc::rules::RcConfig};
/// use session_keeper::core::testing::parse;
/// let options = parse(r#"{"baseUrl": "https://chat.example.com"}"#);
/// let config = RcConfig::read(&options).unwrap();
/// assert_eq!((config.prefix.as_str(), config.persist), ("", Persist::LocalStorage));
/// assert_eq!(config.timeout_ms, 10_000);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RcConfig {
    /// The server's URL without a trailing slash.
    pub base_url: String,
    /// Storage key prefix.
    pub prefix: String,
    /// Where the credentials live.
    pub persist: Persist,
    /// Request timeout in ms.
    pub timeout_ms: u32,
}

impl RcConfig {
    /// Reads and validates the options: `baseUrl` is required; unknown members are ignored.
    ///
    /// ```
    /// use session_keeper::core::rc::rules::RcConfig;
    /// use session_keeper::core::testing::parse;
    /// let options = parse(r#"{"baseUrl": "https://chat.example.com/"}"#);
    /// assert_eq!(RcConfig::read(&options).unwrap().base_url, "https://chat.example.com");
    /// ```
    pub fn read<O: Obj>(o: &O) -> Result<RcConfig> {
        // One message for every shape error keeps the wasm small; bad values get their own.
        let text = |key| opt_string(o, key).map_err(drop);
        let (Ok(Some(url)), Ok(prefix), Ok(persist), Ok(ms)) = (
            text("baseUrl"),
            text("storagePrefix"),
            text("persist"),
            opt_number(o, "requestTimeoutMs").map_err(drop),
        ) else {
            return Err(SessionError::invalid_argument(
                "options must be {baseUrl: string, storagePrefix?: string, persist?: string, requestTimeoutMs?: number}",
            ));
        };
        let persist = match persist.as_deref() {
            None | Some("localStorage") => Persist::LocalStorage,
            Some("sessionStorage") => Persist::SessionStorage,
            Some("memory") => Persist::Memory,
            Some(_) => {
                return Err(SessionError::invalid_argument(
                    "persist must be \"localStorage\", \"sessionStorage\" or \"memory\"",
                ))
            }
        };
        Ok(RcConfig {
            base_url: base_url(Some(&url), "")?,
            prefix: prefix.unwrap_or_default(),
            persist,
            timeout_ms: timeout(ms)?,
        })
    }
}

/// The string member `key`, or `None` (absent, or of another type). One out-of-line copy
/// for every read in this module keeps the wasm small.
#[inline(never)]
fn string_member<O: Obj>(o: &O, key: &str) -> Option<String> {
    o.field(key).and_then(|v| v.string())
}

/// A Rocket.Chat login: the user id and its auth token, both usable in a header.
///
/// ```
/// use session_keeper::core::rc::rules::Credentials;
/// let login = Credentials { user_id: "RCadmin".into(), auth_token: "tok_1".into() };
/// assert_eq!(Credentials::from_parts(Some("RCadmin".into()), Some("tok_1".into())), Some(login));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// `X-User-Id`
    pub user_id: String,
    /// `X-Auth-Token`
    pub auth_token: String,
}

impl Credentials {
    /// `{userId, authToken}` (other members ignored), when both are non-empty visible ASCII.
    ///
    /// ```
    /// use session_keeper::core::rc::rules::Credentials;
    /// use session_keeper::core::testing::parse;
    /// let data = parse(r#"{"userId": "RCadmin", "authToken": "tok_1", "me": {}}"#);
    /// assert_eq!(Credentials::read(&data).map(|c| c.user_id).as_deref(), Some("RCadmin"));
    /// let blank = parse(r#"{"userId": "RCadmin", "authToken": ""}"#);
    /// assert_eq!(Credentials::read(&blank), None);
    /// ```
    pub fn read<O: Obj>(o: &O) -> Option<Credentials> {
        Credentials::from_parts(string_member(o, "userId"), string_member(o, "authToken"))
    }

    /// Both parts, when both are usable (stored values that are not are treated as absent).
    ///
    /// ```
    /// use session_keeper::core::rc::rules::Credentials;
    /// assert!(Credentials::from_parts(Some("u".into()), Some("t".into())).is_some());
    /// assert!(Credentials::from_parts(Some("u".into()), Some("bad token".into())).is_none());
    /// assert!(Credentials::from_parts(None, Some("t".into())).is_none());
    /// ```
    pub fn from_parts(user_id: Option<String>, auth_token: Option<String>) -> Option<Credentials> {
        match (user_id, auth_token) {
            (Some(user_id), Some(auth_token))
                if usable_token(&user_id) && usable_token(&auth_token) =>
            {
                Some(Credentials {
                    user_id,
                    auth_token,
                })
            }
            _ => None,
        }
    }
}

/// A Rocket.Chat two-factor method: one definition with its TypeScript type.
pub use crate::types::TwoFactorMethod;

impl TwoFactorMethod {
    /// The method named exactly `name`.
    ///
    /// ```
    /// use session_keeper::core::rc::rules::TwoFactorMethod;
    /// use session_keeper::core::testing::parse;
    /// assert_eq!(TwoFactorMethod::parse("email"), Some(TwoFactorMethod::Email));
    /// assert_eq!(TwoFactorMethod::parse("sms"), None);
    /// ```
    pub fn parse(name: &str) -> Option<TwoFactorMethod> {
        match name {
            "totp" => Some(TwoFactorMethod::Totp),
            "email" => Some(TwoFactorMethod::Email),
            "password" => Some(TwoFactorMethod::Password),
            _ => None,
        }
    }

    /// The name used on the wire (`X-2fa-Method`) and in JS.
    ///
    /// ```
    /// use session_keeper::core::rc::rules::TwoFactorMethod;
    /// assert_eq!(TwoFactorMethod::Password.as_str(), "password");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TwoFactorMethod::Totp => "totp",
            TwoFactorMethod::Email => "email",
            TwoFactorMethod::Password => "password",
        }
    }
}

/// A checked two-factor answer, ready for the headers.
///
/// ```
/// use session_keeper::core::rc::rules::*;
/// let login = Credentials { user_id: "u1".into(), auth_token: "t1".into() };
/// let code = TwoFactorCode { method: TwoFactorMethod::Totp, code: "123456".into() };
/// let (headers, n) = request_headers(Some(&login), Some(&code));
/// assert_eq!(headers[3..n], [("X-2fa-Code", "123456"), ("X-2fa-Method", "totp")]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoFactorCode {
    /// `X-2fa-Method`
    pub method: TwoFactorMethod,
    /// `X-2fa-Code`: the code as given (trimmed), or for `password` the lowercase hex SHA-256
    /// of the password.
    pub code: String,
}

/// Reads the optional `twoFactor` argument (`None` for `undefined`/`null`): an object with a
/// known `method` and a non-empty string `code`. A `totp`/`email` code must be visible ASCII
/// (it travels in a header); a password may be any text, only its digest is sent.
///
/// ```
/// use session_keeper::core::rc::{rules::read_two_factor, sha256::sha256_hex};
/// use session_keeper::core::testing::parse;
/// let arg = parse(r#"{"method": "password", "code": "pass-pass"}"#);
/// let two_factor = read_two_factor(Some(&arg)).unwrap().unwrap();
/// assert_eq!(two_factor.code, sha256_hex(b"pass-pass"));
/// ```
pub fn read_two_factor<O: Obj>(value: Option<&O>) -> Result<Option<TwoFactorCode>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let bad = || {
        SessionError::invalid_argument(
            "twoFactor must be {method: \"totp\" | \"email\" | \"password\", code: non-empty string}",
        )
    };
    // A value that is not an object has neither member.
    let method = string_member(value, "method").and_then(|m| TwoFactorMethod::parse(&m));
    let (Some(method), Some(code)) = (method, string_member(value, "code")) else {
        return Err(bad());
    };
    let code = match method {
        TwoFactorMethod::Password if !code.is_empty() => sha256_hex(code.as_bytes()),
        // (An empty password is refused here too: an empty code is no usable token.)
        _ => {
            let code = code.trim_ascii();
            if code.len() > 256 || !usable_token(code) {
                return Err(bad());
            }
            code.to_owned()
        }
    };
    Ok(Some(TwoFactorCode { method, code }))
}

/// The `sessionId` argument: a non-blank string.
///
/// ```
/// use session_keeper::core::rc::rules::read_session_id;
/// use session_keeper::core::testing::parse;
/// assert_eq!(read_session_id(&parse(r#""tTouumJMrHMjnedWf""#)).unwrap(), "tTouumJMrHMjnedWf");
/// assert!(read_session_id(&parse(r#""  ""#)).is_err());
/// ```
pub fn read_session_id<O: Obj>(value: &O) -> Result<String> {
    value
        .string()
        .filter(|s| !s.trim_ascii().is_empty())
        .ok_or(SessionError::invalid_argument(
            "sessionId must be a non-empty string",
        ))
}

/// The request headers; every request sends a JSON body. The first `n` of the array are
/// used: `Content-Type`, then the login's `X-User-Id` and `X-Auth-Token` when given, then
/// `X-2fa-Code` and `X-2fa-Method` when given (only with a login).
///
/// ```
/// use session_keeper::core::rc::rules::{request_headers, Credentials};
/// let login = Credentials { user_id: "u1".into(), auth_token: "t1".into() };
/// let (headers, n) = request_headers(Some(&login), None);
/// assert_eq!(
///     headers[..n],
///     [("Content-Type", "application/json"), ("X-User-Id", "u1"), ("X-Auth-Token", "t1")]
/// );
/// ```
pub fn request_headers<'a>(
    login: Option<&'a Credentials>,
    two_factor: Option<&'a TwoFactorCode>,
) -> ([(&'static str, &'a str); 5], usize) {
    let (user_id, auth_token, n) = match login {
        Some(login) => (login.user_id.as_str(), login.auth_token.as_str(), 3),
        None => ("", "", 1),
    };
    let (code, method, n) = match two_factor {
        Some(two_factor) if n == 3 => (two_factor.code.as_str(), two_factor.method.as_str(), 5),
        _ => ("", "", n),
    };
    (
        [
            ("Content-Type", "application/json"),
            ("X-User-Id", user_id),
            ("X-Auth-Token", auth_token),
            ("X-2fa-Code", code),
            ("X-2fa-Method", method),
        ],
        n,
    )
}

/// What a Rocket.Chat error answer means.
///
/// ```
/// use session_keeper::core::{rc::rules::classify, error::ErrorCode};
/// use session_keeper::core::testing::parse;
/// let body = parse(r#"{"status": "error", "message": "You must be logged in to do this."}"#);
/// let refused = classify(401, &body);
/// assert_eq!(refused.code, ErrorCode::Unauthorized);
/// assert!(refused.clear);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Refused {
    /// The error code.
    pub code: ErrorCode,
    /// The server's text (`error`, else `message`), when it sent a short one.
    pub message: Option<String>,
    /// Rocket.Chat's `errorType` (e.g. `totp-required`), for the error's `errorCode`.
    pub error_type: Option<String>,
    /// The server's `details`, for two-factor errors.
    pub details: Option<TwoFactorDetails>,
    /// Whether the credentials presented must be forgotten (a 401).
    pub clear: bool,
}

/// Classifies an error answer: 401 → `unauthorized` (and the credentials are cleared); a
/// two-factor error (`errorType`, or a bare `error`, `totp-required`, `totp-invalid`,
/// `totp-max-attempts`, …) → `two_factor_required` with its `details`; 403 → `forbidden`;
/// 429 → `rate_limited`; anything else → `http`.
///
/// ```
/// use session_keeper::core::{rc::rules::classify, error::ErrorCode};
/// use session_keeper::core::testing::parse;
/// let body = parse(
///     r#"{"errorType": "totp-required", "details": {"method": "email", "codeGenerated": true}}"#,
/// );
/// let refused = classify(400, &body);
/// assert_eq!(refused.code, ErrorCode::TwoFactorRequired);
/// assert!(refused.details.is_some() && !refused.clear);
/// ```
pub fn classify<O: Obj>(status: u16, body: &O) -> Refused {
    let text =
        |key| string_member(body, key).filter(|t| !t.trim_ascii().is_empty() && t.len() <= 500);
    let error = text("error");
    let error_type = text("errorType");
    let two_factor = [&error_type, &error]
        .iter()
        .any(|t| t.as_deref().is_some_and(|t| t.starts_with("totp-")));
    let code = match status {
        401 => ErrorCode::Unauthorized,
        _ if two_factor => ErrorCode::TwoFactorRequired,
        status => ErrorCode::from_status(status),
    };
    let two_factor = code == ErrorCode::TwoFactorRequired;
    Refused {
        code,
        message: error
            .or_else(|| text("message"))
            .or_else(|| two_factor.then(|| "the server asks for a two-factor code".into())),
        error_type,
        details: two_factor.then(|| {
            let d = body.field("details").filter(Obj::is_object);
            let d = d.as_ref();
            TwoFactorDetails {
                method: d.and_then(|d| string_member(d, "method")),
                code_generated: d
                    .and_then(|d| d.field("codeGenerated"))
                    .and_then(|v| v.boolean()),
                available_methods: d
                    .and_then(|d| d.field("availableMethods"))
                    .and_then(|v| v.items())
                    .map(|items| items.iter().filter_map(Obj::string).collect()),
            }
        }),
        clear: status == 401,
    }
}

impl Refused {
    /// The error for this refusal of an answer with `status` and `Retry-After` seconds.
    pub fn into_error(self, status: u16, retry_after: Option<f64>) -> SessionError {
        let mut err = SessionError::http(status, retry_after);
        err.code = self.code;
        if let Some(message) = self.message {
            err.message = message.into();
        }
        err.error_code = self.error_type;
        err.details = self.details.map(Box::new);
        err
    }
}

/// Whether the answer of `sessions/logout` says it succeeded (`success: true`).
///
/// ```
/// use session_keeper::core::rc::rules::logged_out;
/// use session_keeper::core::testing::parse;
/// let answer = parse(r#"{"sessionId": "s1", "success": true}"#);
/// assert!(logged_out(&answer));
/// ```
pub fn logged_out<O: Obj>(o: &O) -> bool {
    o.field("success").and_then(|v| v.boolean()) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::parse;

    fn config(json: &str) -> Result<RcConfig> {
        RcConfig::read(&parse(json))
    }

    #[test]
    fn options_are_read() {
        let c = config(r#"{"baseUrl":"https://chat.example.com/"}"#).unwrap();
        assert_eq!(
            c,
            RcConfig {
                base_url: "https://chat.example.com".into(),
                prefix: String::new(),
                persist: Persist::LocalStorage,
                timeout_ms: 10_000,
            }
        );
        let c = config(
            r#"{"baseUrl":"http://127.0.0.1:3000","storagePrefix":"app.","persist":"memory",
                "requestTimeoutMs":2500,"unknown":1}"#,
        )
        .unwrap();
        assert_eq!(c.prefix, "app.");
        assert_eq!(c.persist, Persist::Memory);
        assert_eq!(c.timeout_ms, 2500);
        let c = config(r#"{"baseUrl":"http://x","persist":"sessionStorage"}"#).unwrap();
        assert_eq!(c.persist, Persist::SessionStorage);
    }

    #[test]
    fn bad_options_are_refused() {
        for json in [
            "null",
            "5",
            "\"https://x\"",
            "[]",
            "{}",
            r#"{"baseUrl":null}"#,
            r#"{"baseUrl":5}"#,
            r#"{"baseUrl":""}"#,
            r#"{"baseUrl":"chat.example.com"}"#,
            r#"{"baseUrl":"ftp://x"}"#,
            r#"{"baseUrl":"https://"}"#,
            r#"{"baseUrl":"https://a b"}"#,
            r#"{"baseUrl":"not a url"}"#,
            r#"{"baseUrl":"ftp://chat.example.com"}"#,
            r#"{"baseUrl":"http://x","storagePrefix":1}"#,
            r#"{"baseUrl":"http://x","storagePrefix":{}}"#,
            r#"{"baseUrl":"http://x","persist":"disk"}"#,
            r#"{"baseUrl":"http://x","persist":true}"#,
            r#"{"baseUrl":"http://x","requestTimeoutMs":0}"#,
            r#"{"baseUrl":"http://x","requestTimeoutMs":-1}"#,
            r#"{"baseUrl":"http://x","requestTimeoutMs":1e12}"#,
            r#"{"baseUrl":"http://x","requestTimeoutMs":"10"}"#,
        ] {
            let err = config(json).expect_err(json);
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{json}");
        }
    }

    #[test]
    fn credentials_must_be_usable() {
        let c = Credentials::read(&parse(
            r#"{"userId":"RCadmin","authToken":"tok_1","me":{}}"#,
        ));
        assert_eq!(
            c,
            Some(Credentials {
                user_id: "RCadmin".into(),
                auth_token: "tok_1".into()
            })
        );
        for json in [
            "null",
            "5",
            "\"x\"",
            "{}",
            r#"{"userId":"u"}"#,
            r#"{"authToken":"t"}"#,
            r#"{"userId":"","authToken":"t"}"#,
            r#"{"userId":"u","authToken":""}"#,
            r#"{"userId":"u","authToken":"a b"}"#,
            r#"{"userId":"u\n","authToken":"t"}"#,
            r#"{"userId":"ü","authToken":"t"}"#,
            r#"{"userId":1,"authToken":"t"}"#,
            r#"{"userId":"u","authToken":["t"]}"#,
        ] {
            assert_eq!(Credentials::read(&parse(json)), None, "{json}");
        }
    }

    fn two_factor(json: &str) -> Result<Option<TwoFactorCode>> {
        read_two_factor(Some(&parse(json)))
    }

    #[test]
    fn two_factor_argument() {
        assert!(matches!(
            read_two_factor::<serde_json::Value>(None),
            Ok(None)
        ));
        let tf = two_factor(r#"{"method":"totp","code":" 123456 "}"#).unwrap();
        assert_eq!(
            tf,
            Some(TwoFactorCode {
                method: TwoFactorMethod::Totp,
                code: "123456".into()
            })
        );
        let tf = two_factor(r#"{"method":"email","code":"654321","extra":1}"#).unwrap();
        assert_eq!(tf.map(|t| t.method), Some(TwoFactorMethod::Email));
        // The password is never sent: its lowercase hex SHA-256 is.
        let tf = two_factor(r#"{"method":"password","code":"pass-pass"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(tf.method, TwoFactorMethod::Password);
        assert_eq!(
            tf.code,
            "1f22a6ec01501dfc973cae93118c114616477523aa0ec49690c8f32e4b5f6788"
        );
        // A password with spaces or non-ASCII letters is fine: only the digest travels.
        let tf = two_factor(r#"{"method":"password","code":" pässwörd "}"#)
            .unwrap()
            .unwrap();
        assert_eq!(tf.code, sha256_hex(" pässwörd ".as_bytes()));
        for json in [
            "5",
            "\"totp\"",
            "true",
            "[]",
            r#"["totp","123456"]"#,
            "{}",
            r#"{"code":"123456"}"#,
            r#"{"method":"totp"}"#,
            r#"{"method":"sms","code":"123456"}"#,
            r#"{"method":"TOTP","code":"123456"}"#,
            r#"{"method":"","code":"123456"}"#,
            r#"{"method":5,"code":"123456"}"#,
            r#"{"method":"totp","code":""}"#,
            r#"{"method":"totp","code":"   "}"#,
            r#"{"method":"totp","code":123456}"#,
            r#"{"method":"email","code":"12 34"}"#,
            r#"{"method":"email","code":"12\n34"}"#,
            r#"{"method":"totp","code":"１２３"}"#,
            r#"{"method":"password","code":""}"#,
            r#"{"method":"password","code":null}"#,
        ] {
            let err = two_factor(json).expect_err(json);
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{json}");
            // The message never repeats what was given.
            assert!(!err.message.contains("123456"));
        }
        let digits = |n| ["{\"method\":\"totp\",\"code\":\"", &"1".repeat(n), "\"}"].concat();
        assert!(two_factor(&digits(257)).is_err());
        assert!(two_factor(&digits(256)).is_ok());
    }

    #[test]
    fn session_id_argument() {
        assert_eq!(read_session_id(&parse("\"abc\"")).unwrap(), "abc");
        for json in ["\"\"", "\"  \"", "5", "null", "{}", "[\"abc\"]"] {
            let err = read_session_id(&parse(json)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{json}");
        }
    }

    #[test]
    fn headers_carry_the_login_and_the_code() {
        let login = Credentials {
            user_id: "RCadmin".into(),
            auth_token: "tok".into(),
        };
        let tf = TwoFactorCode {
            method: TwoFactorMethod::Email,
            code: "123456".into(),
        };
        let used = |(headers, n): ([(&'static str, &str); 5], usize)| {
            headers
                .iter()
                .take(n)
                .map(|(k, v)| [*k, ": ", v].concat())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            used(request_headers(Some(&login), Some(&tf))),
            [
                "Content-Type: application/json",
                "X-User-Id: RCadmin",
                "X-Auth-Token: tok",
                "X-2fa-Code: 123456",
                "X-2fa-Method: email",
            ]
        );
        assert_eq!(
            used(request_headers(Some(&login), None)),
            [
                "Content-Type: application/json",
                "X-User-Id: RCadmin",
                "X-Auth-Token: tok",
            ]
        );
        assert_eq!(
            used(request_headers(None, None)),
            ["Content-Type: application/json"]
        );
        // A code without a login is never sent.
        assert_eq!(used(request_headers(None, Some(&tf))).len(), 1);
        for method in ["totp", "email", "password"] {
            assert_eq!(
                TwoFactorMethod::parse(method).map(|m| m.as_str()),
                Some(method)
            );
        }
    }

    #[test]
    fn a_two_factor_challenge() {
        let body = parse(
            r#"{"success":false,"error":"TOTP Required [totp-required]","errorType":"totp-required",
                "details":{"method":"email","codeGenerated":true,"availableMethods":["email"]}}"#,
        );
        let r = classify(400, &body);
        assert_eq!(r.code, ErrorCode::TwoFactorRequired);
        assert_eq!(r.error_type.as_deref(), Some("totp-required"));
        assert_eq!(r.message.as_deref(), Some("TOTP Required [totp-required]"));
        let details = r.details.unwrap();
        assert_eq!(details.method.as_deref(), Some("email"));
        assert_eq!(details.code_generated, Some(true));
        assert_eq!(details.available_methods, Some(vec!["email".to_string()]));
        assert!(!r.clear);

        // A refused code, also when the type is only the bare `error` (as Meteor sends it).
        let r = classify(
            400,
            &parse(
                r#"{"success":false,"error":"TOTP Invalid [totp-invalid]","errorType":"totp-invalid","details":{"method":"totp"}}"#,
            ),
        );
        assert_eq!(r.code, ErrorCode::TwoFactorRequired);
        assert_eq!(r.error_type.as_deref(), Some("totp-invalid"));
        assert!(r.details.is_some());
        let r = classify(
            400,
            &parse(r#"{"error":"totp-invalid","details":{"method":"totp"}}"#),
        );
        assert_eq!(r.code, ErrorCode::TwoFactorRequired);
        assert_eq!(r.error_type, None);
        assert!(r.details.is_some());
        let r = classify(
            400,
            &parse(r#"{"errorType":"totp-max-attempts","details":"odd"}"#),
        );
        assert_eq!(r.code, ErrorCode::TwoFactorRequired);
        assert_eq!(r.details, Some(TwoFactorDetails::default()));
        assert_eq!(
            r.message.as_deref(),
            Some("the server asks for a two-factor code")
        );
    }

    #[test]
    fn other_refusals() {
        let r = classify(
            401,
            &parse(r#"{"status":"error","message":"You must be logged in to do this."}"#),
        );
        assert_eq!(r.code, ErrorCode::Unauthorized);
        assert!(r.clear);
        assert_eq!(
            r.message.as_deref(),
            Some("You must be logged in to do this.")
        );
        assert_eq!(r.details, None);

        let r = classify(
            403,
            &parse(
                r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#,
            ),
        );
        assert_eq!(r.code, ErrorCode::Forbidden);
        assert_eq!(
            r.message.as_deref(),
            Some(
                "User does not have the permissions required for this action [error-unauthorized]"
            )
        );
        assert_eq!(r.error_type, None);
        assert_eq!(r.details, None);
        assert!(!r.clear);

        let r = classify(
            400,
            &parse(r#"{"success":false,"error":"The 'sessionId' param is required"}"#),
        );
        assert_eq!(r.code, ErrorCode::Http);
        assert_eq!(r.details, None);
        let r = classify(
            404,
            &parse(r#"{"success":false,"error":"Session not found [error-session-not-found]"}"#),
        );
        assert_eq!(r.code, ErrorCode::Http);
        // An error type that is not a two-factor one is passed on but changes nothing.
        let r = classify(
            400,
            &parse(r#"{"errorType":"error-x","error":"X","details":{}}"#),
        );
        assert_eq!(
            (r.code, r.error_type.as_deref(), r.details),
            (ErrorCode::Http, Some("error-x"), None)
        );
        assert_eq!(classify(429, &parse("{}")).code, ErrorCode::RateLimited);
        // A 401 wins over anything the body says.
        let r = classify(401, &parse(r#"{"errorType":"totp-required","details":{}}"#));
        assert_eq!((r.code, r.clear), (ErrorCode::Unauthorized, true));

        // Bodies of any shape: no panic, no message taken from them.
        for body in [
            "null",
            "\"text\"",
            "[1,2]",
            "{}",
            r#"{"error":5,"message":[]}"#,
            r#"{"error":"  "}"#,
        ] {
            let r = classify(500, &parse(body));
            assert_eq!(r.code, ErrorCode::Http, "{body}");
            assert_eq!(r.message, None, "{body}");
            assert_eq!(r.details, None);
        }
        let long = ["{\"error\":\"", &"x".repeat(501), "\"}"].concat();
        assert_eq!(classify(500, &parse(&long)).message, None);
    }

    #[test]
    fn logout_answer() {
        assert!(logged_out(&parse(r#"{"sessionId":"s","success":true}"#)));
        for json in [
            "{}",
            "[]",
            "null",
            r#"{"success":false}"#,
            r#"{"success":"true"}"#,
        ] {
            assert!(!logged_out(&parse(json)), "{json}");
        }
    }
}
