//! Constructor options validated into a [`Config`] the rest of the crate can trust (their
//! TypeScript shape is in `types.rs`).

use super::cookie::{is_attribute_safe, is_cookie_name, SameSite};
use super::error::{Result, SessionError};
use super::hooks::{may_set, put_header};
use super::obj::{opt_bool, opt_number, opt_string, Obj, Wrong};

/// `text!(o, "key")`: the optional string option `key`, refused as "`key` must be a string"
/// (the refusal a constant, see [`Refusal`]).
macro_rules! text {
    ($o:expr, $key:literal) => {
        text($o, &Refusal($key, "a string"))
    };
}

/// `flag!(o, "key")`: the optional boolean option `key`, refused as "`key` must be a boolean".
macro_rules! flag {
    ($o:expr, $key:literal) => {
        flag($o, &Refusal($key, "a boolean"))
    };
}

/// Where tokens that are not in cookies are kept (`persist`: `"localStorage"`, the default;
/// `"sessionStorage"`; `"memory"`): one definition with its TypeScript type.
pub use crate::types::Persist;

/// A validated token-cookie setting.
///
/// ```
/// use session_keeper::core::{cookie::SameSite, options::CookieConfig};
/// // `sessionTokenViaCookie: true` means these defaults.
/// let config = CookieConfig::default();
/// assert_eq!((config.same_site, config.secure), (SameSite::Strict, true));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CookieConfig {
    /// Name from the options, if any.
    pub name: Option<String>,
    /// `SameSite`
    pub same_site: SameSite,
    /// `Secure`
    pub secure: bool,
    /// `Domain` from the options, if any.
    pub domain: Option<String>,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            name: None,
            same_site: SameSite::Strict,
            secure: true,
            domain: None,
        }
    }
}

/// Validated options.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::options::{Config, DEFAULT_TIMEOUT_MS};
/// let options = parse(r#"{"projectId": "P2abc", "storagePrefix": "app."}"#);
/// let config = Config::read(&options).unwrap();
/// assert_eq!(config.prefix, "app.");
/// assert!(config.session_cookie.is_some() && config.refresh_cookie.is_none());
/// assert_eq!(config.timeout_ms, DEFAULT_TIMEOUT_MS);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Project id.
    pub project_id: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// Storage key prefix.
    pub prefix: String,
    /// Storage kind.
    pub persist: Persist,
    /// Session token cookie, when on.
    pub session_cookie: Option<CookieConfig>,
    /// Refresh token cookie, when on.
    pub refresh_cookie: Option<CookieConfig>,
    /// Automatic refresh.
    pub auto_refresh: bool,
    /// `autoRefresh: { customActivityTracking: true }`: a scheduled refresh waits for
    /// `markUserActive()` when the server set an inactivity timeout (`nextRefreshSeconds`).
    pub activity: bool,
    /// Cross-tab coordination.
    pub cross_tab: bool,
    /// Request timeout in ms.
    pub timeout_ms: u32,
    /// `refreshCookieName`: sent as `x-descope-refresh-cookie-name` on every request.
    pub refresh_cookie_name: Option<String>,
    /// `storeLastAuthenticatedUser` (default true): keep the last user's login id and name.
    pub store_last_user: bool,
    /// `keepLastAuthenticatedUserAfterLogout` (default false).
    pub keep_last_user: bool,
    /// `baseHeaders`: extra headers on every request.
    pub base_headers: Vec<(String, String)>,
}

/// The default Descope API (for project ids without a region).
///
/// ```
/// use session_keeper::core::options::{base_url, DEFAULT_BASE_URL};
/// assert_eq!(base_url(None, "P2abc").unwrap(), DEFAULT_BASE_URL);
/// ```
pub const DEFAULT_BASE_URL: &str = "https://api.descope.com";
/// The default request timeout.
///
/// ```
/// use session_keeper::core::options::{timeout, DEFAULT_TIMEOUT_MS};
/// assert_eq!(timeout(None).unwrap(), DEFAULT_TIMEOUT_MS);
/// ```
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;

impl Config {
    /// Reads and validates the options object.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::options::Config;
    /// let options = parse(r#"{"projectId": "P1"}"#);
    /// let config = Config::read(&options).unwrap();
    /// assert_eq!(config.base_url, "https://api.descope.com");
    /// ```
    pub fn read<O: Obj>(o: &O) -> Result<Config> {
        Config::fill(o).map_err(|&Refusal(key, what)| match what {
            "" => SessionError::invalid_argument(key),
            _ => SessionError::new(
                crate::core::error::ErrorCode::InvalidArgument,
                Wrong(key).message(what),
            ),
        })
    }

    /// [`Config::read`], refusing with a message, or a member and the type it must have (made
    /// into an error once, in [`Config::read`]).
    fn fill<O: Obj>(o: &O) -> refused::Result<Config> {
        if !o.is_object() {
            return Err(&Refusal("invalid options", ""));
        }
        let project_id = project_id(o)?;
        let (persist, kept) = persist(o)?;
        // Filled in place: an error drops one struct, not each member read before it.
        let mut c = Config {
            project_id,
            base_url: String::new(),
            prefix: String::new(),
            persist,
            session_cookie: None,
            refresh_cookie: None,
            auto_refresh: true,
            activity: false,
            cross_tab: true,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            refresh_cookie_name: None,
            store_last_user: true,
            keep_last_user: false,
            base_headers: Vec::new(),
        };
        let url = text!(o, "baseUrl")?;
        // Without a base URL, only the project id's region can be refused.
        c.base_url = base_url(url.as_deref(), &c.project_id).map_err(|_| match url {
            None => &Refusal("invalid projectId", ""),
            Some(_) => &Refusal("invalid baseUrl", ""),
        })?;
        c.prefix = text!(o, "storagePrefix")?.unwrap_or_default();
        c.session_cookie = cookie_config(
            o,
            &Refusal("sessionTokenViaCookie", "a boolean or an object"),
            kept,
        )?;
        c.refresh_cookie = cookie_config(
            o,
            &Refusal("refreshTokenViaCookie", "a boolean or an object"),
            false,
        )?;
        // The session and the refresh token never share a cookie: a reload would read the
        // refresh token as the session token.
        if let (Some(session), Some(refresh)) = (&c.session_cookie, &c.refresh_cookie) {
            let session = session
                .name
                .as_deref()
                .unwrap_or(super::layout::SESSION_KEY);
            if refresh
                .name
                .as_deref()
                .unwrap_or(super::layout::REFRESH_KEY)
                == session
            {
                return Err(&Refusal("session and refresh cookies share a name", ""));
            }
        }
        (c.auto_refresh, c.activity) = auto_refresh(o)?;
        c.cross_tab = flag!(o, "crossTab")?.unwrap_or(true);
        let ms = opt_number(o, "requestTimeoutMs")
            .map_err(|_| &Refusal("requestTimeoutMs", "a number"))?;
        c.timeout_ms = timeout(ms).map_err(|_| &Refusal("invalid requestTimeoutMs", ""))?;
        c.refresh_cookie_name = text!(o, "refreshCookieName")?;
        if c.refresh_cookie_name
            .as_deref()
            .is_some_and(|n| !is_cookie_name(n))
        {
            return Err(&Refusal("invalid refreshCookieName", ""));
        }
        c.store_last_user = flag!(o, "storeLastAuthenticatedUser")?.unwrap_or(true);
        c.keep_last_user = flag!(o, "keepLastAuthenticatedUserAfterLogout")?.unwrap_or(false);
        if let Some(headers) = o.field("baseHeaders") {
            c.base_headers = base_headers(&headers).ok_or(&Refusal("invalid baseHeaders", ""))?;
        }
        Ok(c)
    }

    /// The headers of every request, before the session's own: `baseHeaders`, then this
    /// package's name and version (as Descope's SDKs name themselves; the server's logs and
    /// its SDK-specific behaviour key on them). Taken out of the options: the shell sends
    /// them, the session never reads them.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::options::Config;
    /// let mut config = Config::read(&parse(r#"{"projectId": "P1", "baseHeaders": {"x-app": "1"}}"#)).unwrap();
    /// let names: Vec<_> = config.take_headers().into_iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["x-app", "x-descope-sdk-name", "x-descope-sdk-version"]);
    /// assert!(config.base_headers.is_empty());
    /// ```
    pub fn take_headers(&mut self) -> Vec<(String, String)> {
        let mut headers = std::mem::take(&mut self.base_headers);
        headers.push(("x-descope-sdk-name".into(), "session-keeper".into()));
        headers.push((
            "x-descope-sdk-version".into(),
            env!("CARGO_PKG_VERSION").into(),
        ));
        headers
    }
}

/// `projectId`: printable, without `:` (it is half of the `Authorization` value).
fn project_id<O: Obj>(o: &O) -> refused::Result<String> {
    let project_id = text!(o, "projectId")?.unwrap_or_default();
    let project_id = project_id.trim_ascii();
    if project_id.is_empty() || !super::all_bytes(project_id, |b| b.is_ascii_graphic() && b != b':')
    {
        return Err(&Refusal("invalid projectId", ""));
    }
    Ok(project_id.to_owned())
}

/// `persist`, and `persistTokens` as `@descope/web-js-sdk` spells it: `false` keeps the tokens
/// in memory only (no storage, and no session cookie unless one is asked for). Answers the
/// mode and whether tokens are kept.
fn persist<O: Obj>(o: &O) -> refused::Result<(Persist, bool)> {
    let kept = flag!(o, "persistTokens")?.unwrap_or(true);
    let persist = match text!(o, "persist")?.as_deref() {
        None if !kept => Persist::Memory,
        None | Some("localStorage") => Persist::LocalStorage,
        Some("sessionStorage") => Persist::SessionStorage,
        Some("memory") => Persist::Memory,
        Some(_) => return Err(&Refusal("invalid persist", "")),
    };
    if !kept && persist != Persist::Memory {
        return Err(&Refusal("persistTokens false needs persist memory", ""));
    }
    Ok((persist, kept))
}

/// `autoRefresh`: a boolean, or `{ customActivityTracking }` (refresh on, activity tracking
/// as asked). Answers (auto refresh, activity tracking).
fn auto_refresh<O: Obj>(o: &O) -> refused::Result<(bool, bool)> {
    match o.field("autoRefresh") {
        None => Ok((true, false)),
        Some(v) if v.is_object() => {
            Ok((true, flag!(&v, "customActivityTracking")?.unwrap_or(false)))
        }
        Some(v) => v
            .boolean()
            .map(|on| (on, false))
            .ok_or(&Refusal("autoRefresh", "a boolean or an object")),
    }
}

/// `baseHeaders`: an object of header names to string values; only the session sets
/// `Authorization` (any case).
fn base_headers<O: Obj>(headers: &O) -> Option<Vec<(String, String)>> {
    if !headers.is_object() {
        return None;
    }
    let mut out = Vec::new();
    for name in &headers.keys() {
        let value = headers.field(name).and_then(|v| v.string());
        match value {
            Some(value) if is_cookie_name(name) && is_header_value(&value) && may_set(name) => {
                put_header(&mut out, name, value);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// An optional string option (one out-of-line reader for all of them; called through
/// `text!`, which names the refusal).
#[inline(never)]
fn text<O: Obj>(o: &O, refusal: &'static Refusal) -> refused::Result<Option<String>> {
    opt_string(o, refusal.0).map_err(|_| refusal)
}

/// An optional boolean option (called through `flag!`).
#[inline(never)]
fn flag<O: Obj>(o: &O, refusal: &'static Refusal) -> refused::Result<Option<bool>> {
    opt_bool(o, refusal.0).map_err(|_| refusal)
}

/// A result of reading the options, or why they are refused. (Named `Result` in a module of
/// its own, so that cargo-mutants sees a `Result` and mutates the readers to `Ok(…)`.)
mod refused {
    pub type Result<T> = core::result::Result<T, &'static super::Refusal>;
}

/// Why options are refused: a message (and `""`), or a member and the type it must have. Each
/// is a constant handed on by reference, so a result carries one pointer, not two texts
/// (-88 B gz).
struct Refusal(&'static str, &'static str);

/// Validates a base URL: `http(s)://host…`, no whitespace; trailing slashes dropped. Without
/// one, the Descope API of the project's region, as `@descope/web-js-sdk` derives it: the
/// characters of the project id between its first and its last 27 name the region.
///
/// ```
/// use session_keeper::core::options::base_url;
/// assert_eq!(base_url(Some("http://127.0.0.1:8787/"), "P2abc").unwrap(), "http://127.0.0.1:8787");
/// assert!(base_url(Some("api.descope.com"), "P2abc").is_err());
/// // A project id of the euc1 region (4 + 27 characters after the "P").
/// let regional = "Peuc12OkEYhxUO5NQp7tvH3RUeA1nC4f";
/// assert_eq!(base_url(None, regional).unwrap(), "https://api.euc1.descope.com");
/// ```
pub fn base_url(value: Option<&str>, project_id: &str) -> Result<String> {
    let Some(value) = value else {
        let region = project_id
            .get(1..project_id.len().saturating_sub(27))
            .unwrap_or("");
        if region.is_empty() {
            return Ok(DEFAULT_BASE_URL.to_owned());
        }
        if !super::all_bytes(region, |b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(SessionError::invalid_argument("invalid projectId"));
        }
        return Ok(super::cat(&["https://api.", region, ".descope.com"]));
    };
    let trimmed = super::trim_end_byte(value.trim_ascii(), b'/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && super::all_bytes(trimmed, |b| b.is_ascii_graphic()) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(SessionError::invalid_argument("invalid baseUrl")),
    }
}

/// Validates a request timeout in ms.
///
/// ```
/// use session_keeper::core::options::timeout;
/// assert_eq!(timeout(Some(2500.0)).unwrap(), 2500);
/// assert!(timeout(Some(0.0)).is_err());
/// ```
pub fn timeout(value: Option<f64>) -> Result<u32> {
    match value {
        None => Ok(DEFAULT_TIMEOUT_MS),
        Some(ms) if ms.is_finite() && (1.0..=2_147_483_647.0).contains(&ms) => Ok(ms as u32),
        Some(_) => Err(SessionError::invalid_argument("invalid requestTimeoutMs")),
    }
}

/// Whether `value` can be sent as a header value: no line breaks or NULs, and only characters
/// a `ByteString` holds.
///
/// ```
/// use session_keeper::core::options::is_header_value;
/// assert!(is_header_value("web 1.2"));
/// assert!(!is_header_value("a\r\nSet-Cookie: x"));
/// assert!(!is_header_value("€"));
/// ```
pub fn is_header_value(value: &str) -> bool {
    // By bytes: a char above U+00FF starts with a byte from 0xC4 up in UTF-8, and one up to
    // it with a byte below.
    super::all_bytes(value, |b| b < 0xc4 && !matches!(b, b'\r' | b'\n' | b'\0'))
}

fn cookie_config<O: Obj>(
    o: &O,
    refusal: &'static Refusal,
    default_on: bool,
) -> refused::Result<Option<CookieConfig>> {
    let Some(setting) = o.field(refusal.0) else {
        return Ok(default_on.then(CookieConfig::default));
    };
    if let Some(on) = setting.boolean() {
        return Ok(on.then(CookieConfig::default));
    }
    if !setting.is_object() {
        return Err(refusal);
    }
    // Filled in place, as `Config::fill`: an error drops one struct, not each member read
    // before it.
    let mut c = CookieConfig {
        name: text!(&setting, "name")?,
        same_site: SameSite::Strict,
        secure: true,
        domain: None,
    };
    // `cookieName` is how `@descope/web-js-sdk` spells it; both mean the same.
    let alias = text!(&setting, "cookieName")?;
    if let Some(alias) = alias {
        if c.name.as_ref().is_some_and(|name| *name != alias) {
            return Err(&Refusal("name and cookieName differ", ""));
        }
        c.name = Some(alias);
    }
    if c.name.as_deref().is_some_and(|n| !is_cookie_name(n)) {
        return Err(&Refusal("invalid cookie name", ""));
    }
    c.domain = text!(&setting, "domain")?;
    if c.domain.as_deref().is_some_and(|d| {
        d.is_empty() || !is_attribute_safe(d) || !super::all_bytes(d, |b| b != b' ')
    }) {
        return Err(&Refusal("invalid cookie domain", ""));
    }
    if let Some(value) = text!(&setting, "sameSite")? {
        c.same_site = SameSite::parse(&value).ok_or(&Refusal("invalid cookie sameSite", ""))?;
    }
    c.secure = flag!(&setting, "secure")?.unwrap_or(true);
    if c.same_site == SameSite::None && !c.secure {
        return Err(&Refusal("sameSite None needs secure", ""));
    }
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Config> {
        Config::read(&crate::core::testing::parse(json))
    }

    #[test]
    fn a_header_value_is_checked_by_bytes_as_by_chars() {
        // Every char, alone and between ASCII: up to U+00FF, and not CR, LF or NUL.
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let by_chars = c <= '\u{ff}' && !matches!(c, '\r' | '\n' | '\0');
            assert_eq!(
                is_header_value(c.encode_utf8(&mut [0; 4])),
                by_chars,
                "{c:?}"
            );
            assert_eq!(is_header_value(&format!("a{c}b")), by_chars, "{c:?}");
        }
    }

    #[test]
    fn ascii_spaces_around_the_project_and_url_are_dropped_others_refused() {
        let c =
            parse("{\"projectId\":\"\\tP2abc\\n\",\"baseUrl\":\" https://a.example/ \"}").unwrap();
        assert_eq!(
            (c.project_id.as_str(), c.base_url.as_str()),
            ("P2abc", "https://a.example")
        );
        let err = parse("{\"projectId\":\"\u{a0}P2abc\"}").unwrap_err();
        assert_eq!(err.message(), "invalid projectId");
        let err = parse("{\"projectId\":\"P2abc\",\"baseUrl\":\"https://a.example\u{3000}\"}")
            .unwrap_err();
        assert_eq!(err.message(), "invalid baseUrl");
    }

    #[test]
    fn defaults() {
        let c = parse(r#"{"projectId":" P2abc "}"#).unwrap();
        assert_eq!(c.project_id, "P2abc");
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.prefix, "");
        assert_eq!(c.persist, Persist::LocalStorage);
        assert_eq!(
            c.session_cookie,
            Some(CookieConfig {
                name: None,
                same_site: SameSite::Strict,
                secure: true,
                domain: None
            })
        );
        assert_eq!(c.refresh_cookie, None);
        assert!(c.auto_refresh && c.cross_tab);
        assert_eq!(c.timeout_ms, 10_000);
    }

    #[test]
    fn every_option_is_read() {
        let c = parse(
            r#"{"projectId":"P","baseUrl":"http://127.0.0.1:8787/","storagePrefix":"app.",
                "persist":"sessionStorage","sessionTokenViaCookie":false,
                "refreshTokenViaCookie":{"name":"R","sameSite":"Lax","secure":false,"domain":"example.com"},
                "autoRefresh":false,"crossTab":false,"requestTimeoutMs":2500}"#,
        )
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:8787");
        assert_eq!(c.prefix, "app.");
        assert_eq!(c.persist, Persist::SessionStorage);
        assert_eq!(c.session_cookie, None);
        assert_eq!(
            c.refresh_cookie,
            Some(CookieConfig {
                name: Some("R".into()),
                same_site: SameSite::Lax,
                secure: false,
                domain: Some("example.com".into())
            })
        );
        assert!(!c.auto_refresh && !c.cross_tab);
        assert_eq!(c.timeout_ms, 2500);
        let c =
            parse(r#"{"projectId":"P","refreshTokenViaCookie":true,"persist":"memory"}"#).unwrap();
        assert!(c.refresh_cookie.is_some());
        assert_eq!(c.persist, Persist::Memory);
    }

    #[test]
    fn persist_tokens_as_the_official_sdk_spells_it() {
        // `true` (its default) changes nothing.
        let c = parse(r#"{"projectId":"P","persistTokens":true}"#).unwrap();
        assert_eq!(c.persist, Persist::LocalStorage);
        assert!(c.session_cookie.is_some());
        let c =
            parse(r#"{"projectId":"P","persistTokens":true,"persist":"sessionStorage"}"#).unwrap();
        assert_eq!(c.persist, Persist::SessionStorage);
        // `false`: memory only, no session cookie unless asked for.
        let c = parse(r#"{"projectId":"P","persistTokens":false}"#).unwrap();
        assert_eq!(c.persist, Persist::Memory);
        assert_eq!(c.session_cookie, None);
        let c = parse(
            r#"{"projectId":"P","persistTokens":false,"persist":"memory","sessionTokenViaCookie":true}"#,
        )
        .unwrap();
        assert_eq!(c.persist, Persist::Memory);
        assert!(c.session_cookie.is_some());
        // A contradiction or a wrong type is refused.
        for text in [
            r#"{"projectId":"P","persistTokens":false,"persist":"localStorage"}"#,
            r#"{"projectId":"P","persistTokens":false,"persist":"sessionStorage"}"#,
            r#"{"projectId":"P","persistTokens":"no"}"#,
            r#"{"projectId":"P","persistTokens":0}"#,
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_argument", "{text}");
        }
    }

    #[test]
    fn the_api_host_follows_the_project_region() {
        // Real-shaped ids: "P" + 27 characters (no region), and "P" + region + 27 characters.
        let plain = "P2OkEYhxUO5NQp7tvH3RUeA1nC4f";
        assert_eq!(plain.len(), 28);
        assert_eq!(
            parse(&format!(r#"{{"projectId":"{plain}"}}"#))
                .unwrap()
                .base_url,
            DEFAULT_BASE_URL
        );
        for (id, host) in [
            (
                "Peuc12OkEYhxUO5NQp7tvH3RUeA1nC4f",
                "https://api.euc1.descope.com",
            ),
            (
                "Puse12OkEYhxUO5NQp7tvH3RUeA1nC4f",
                "https://api.use1.descope.com",
            ),
            (
                "Paps22OkEYhxUO5NQp7tvH3RUeA1nC4f",
                "https://api.aps2.descope.com",
            ),
        ] {
            let c = parse(&format!(r#"{{"projectId":"{id}"}}"#)).unwrap();
            assert_eq!(c.base_url, host, "{id}");
            // An explicit baseUrl wins.
            let c = parse(&format!(
                r#"{{"projectId":"{id}","baseUrl":"http://127.0.0.1:1"}}"#
            ))
            .unwrap();
            assert_eq!(c.base_url, "http://127.0.0.1:1");
        }
        // Short ids (tests, the devserver) have no region.
        assert_eq!(
            parse(r#"{"projectId":"P1"}"#).unwrap().base_url,
            DEFAULT_BASE_URL
        );
        // A "region" that would change the host is refused rather than followed.
        assert!(parse(r#"{"projectId":"Pa/b.c2OkEYhxUO5NQp7tvH3RUeA1nC4f"}"#).is_err());
    }

    #[test]
    fn descope_spellings_and_session_options() {
        let c = parse(
            r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"app_s","sameSite":"Lax"},
                "refreshTokenViaCookie":{"cookieName":"app_r","name":"app_r"},
                "autoRefresh":{"customActivityTracking":true},"refreshCookieName":"my_r",
                "keepLastAuthenticatedUserAfterLogout":true,"storeLastAuthenticatedUser":false,
                "baseHeaders":{"x-app":"web","X-Version":"1.2"}}"#,
        )
        .unwrap();
        assert_eq!(c.session_cookie.unwrap().name.as_deref(), Some("app_s"));
        assert_eq!(c.refresh_cookie.unwrap().name.as_deref(), Some("app_r"));
        assert!(c.auto_refresh && c.activity);
        assert_eq!(c.refresh_cookie_name.as_deref(), Some("my_r"));
        assert!(c.keep_last_user && !c.store_last_user);
        let mut headers = c.base_headers.clone();
        headers.sort();
        assert_eq!(
            headers,
            [
                ("X-Version".to_string(), "1.2".to_string()),
                ("x-app".into(), "web".into())
            ]
        );
        let c = parse(r#"{"projectId":"P","autoRefresh":{}}"#).unwrap();
        assert!(c.auto_refresh && !c.activity);
        let c = parse(r#"{"projectId":"P"}"#).unwrap();
        assert!(!c.activity && c.store_last_user && !c.keep_last_user);
        assert!(c.refresh_cookie_name.is_none() && c.base_headers.is_empty());
    }

    #[test]
    fn bad_options_are_refused() {
        for json in [
            r#"{}"#,
            r#"[]"#,
            r#"5"#,
            r#"{"projectId":""}"#,
            r#"{"projectId":"   "}"#,
            r#"{"projectId":"a b"}"#,
            r#"{"projectId":"a:b"}"#,
            r#"{"projectId":5}"#,
            r#"{"projectId":"P","baseUrl":"api.descope.com"}"#,
            r#"{"projectId":"P","baseUrl":"ftp://x"}"#,
            r#"{"projectId":"P","baseUrl":"https://"}"#,
            r#"{"projectId":"P","baseUrl":"https://a b"}"#,
            r#"{"projectId":"P","persist":"cookies"}"#,
            r#"{"projectId":"P","requestTimeoutMs":0}"#,
            r#"{"projectId":"P","requestTimeoutMs":-5}"#,
            r#"{"projectId":"P","requestTimeoutMs":1e12}"#,
            r#"{"projectId":"P","requestTimeoutMs":"fast"}"#,
            r#"{"projectId":"P","autoRefresh":"yes"}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":"yes"}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"sameSite":"strict"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"sameSite":"None","secure":false}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"name":"a;b"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"name":""}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"domain":"x;Path=/"}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"domain":""}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"secure":1}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":["x"]}"#,
            r#"{"projectId":"P","storagePrefix":1}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"name":"a","cookieName":"b"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"a;b"}}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"cookieName":5}}"#,
            r#"{"projectId":"P","autoRefresh":{"customActivityTracking":"yes"}}"#,
            r#"{"projectId":"P","autoRefresh":[true]}"#,
            r#"{"projectId":"P","autoRefresh":1}"#,
            r#"{"projectId":"P","refreshCookieName":"a b"}"#,
            r#"{"projectId":"P","refreshCookieName":7}"#,
            r#"{"projectId":"P","keepLastAuthenticatedUserAfterLogout":"no"}"#,
            r#"{"projectId":"P","storeLastAuthenticatedUser":0}"#,
            r#"{"projectId":"P","baseHeaders":"x-a: b"}"#,
            r#"{"projectId":"P","baseHeaders":["x"]}"#,
            r#"{"projectId":"P","baseHeaders":{"x-a":1}}"#,
            r#"{"projectId":"P","baseHeaders":{"bad name":"v"}}"#,
            r#"{"projectId":"P","baseHeaders":{"x-a":"v\r\nSet-Cookie: s=1"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"name":"auth"},"refreshTokenViaCookie":{"name":"auth"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"cookieName":"auth"},"refreshTokenViaCookie":{"name":"auth"}}"#,
            r#"{"projectId":"P","sessionTokenViaCookie":{"name":"DSR"},"refreshTokenViaCookie":true}"#,
            r#"{"projectId":"P","refreshTokenViaCookie":{"name":"DS"}}"#,
            r#"{"projectId":"P","baseHeaders":{"authorization":"Bearer P:chosen"}}"#,
            r#"{"projectId":"P","baseHeaders":{"Authorization":"x"}}"#,
            r#"{"projectId":"P","baseHeaders":{"AUTHORIZATION":"x"}}"#,
        ] {
            assert!(parse(json).is_err(), "{json} was accepted");
        }
    }

    #[test]
    fn a_refusal_says_which_option_and_why() {
        let message = |json| parse(json).unwrap_err().message.clone();
        assert_eq!(
            message(r#"{"projectId":"P","sessionTokenViaCookie":{"sameSite":"strict"}}"#),
            "invalid cookie sameSite"
        );
        assert_eq!(
            message(r#"{"projectId":5}"#),
            Wrong("projectId").message("a string")
        );
    }

    #[test]
    fn requests_carry_the_base_headers_then_the_packages_name_and_version() {
        let mut c = parse(r#"{"projectId":"P","baseHeaders":{"x-app":"web","x-b":"2"}}"#).unwrap();
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            c.take_headers(),
            [
                ("x-app", "web"),
                ("x-b", "2"),
                ("x-descope-sdk-name", "session-keeper"),
                ("x-descope-sdk-version", version),
            ]
            .map(|(n, v)| (n.to_string(), v.to_string()))
        );
    }
}
