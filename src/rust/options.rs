//! [`Options`]: a builder for every option of API.md §2 and §6. It makes the JS options
//! object the facade reads, so every rule of validation stays the core's
//! ([`Config::read`](crate::core::options::Config::read)): [`Session::new`](super::Session::new)
//! answers its `invalid_argument` errors.

use std::fmt;
use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::data::Value;
use super::wire::{self, Wire};
pub use crate::core::cookie::SameSite;
use crate::core::obj::Obj;
use crate::shell::js::set;
use crate::types::Persist;

/// The options of a token cookie: [`Options::session_token_via_cookie`] and
/// [`Options::refresh_token_via_cookie`]. Unset fields keep their defaults (name: the
/// response's cookie name, else `DS` / `DSR`; `SameSite=Strict`; `Secure`; domain: the
/// response's).
///
/// ```
/// use session_keeper::rust::{CookieOptions, SameSite};
/// let cookie = CookieOptions::new().name("app_session").same_site(SameSite::Lax);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieOptions {
    name: Option<String>,
    domain: Option<String>,
    same_site: Option<SameSite>,
    secure: Option<bool>,
}

impl CookieOptions {
    /// The defaults.
    ///
    /// ```
    /// use session_keeper::rust::CookieOptions;
    /// assert_eq!(CookieOptions::new(), CookieOptions::default());
    /// ```
    pub fn new() -> CookieOptions {
        CookieOptions::default()
    }

    /// The cookie's name.
    ///
    /// ```
    /// use session_keeper::rust::CookieOptions;
    /// let cookie = CookieOptions::new().name("app_refresh");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> CookieOptions {
        self.name = Some(name.into());
        self
    }

    /// Its `Domain`: used only when the page's host is that domain or a subdomain of it.
    ///
    /// ```
    /// use session_keeper::rust::CookieOptions;
    /// let cookie = CookieOptions::new().domain("example.com");
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> CookieOptions {
        self.domain = Some(domain.into());
        self
    }

    /// Its `SameSite` (default `Strict`; `None` needs `secure`).
    ///
    /// ```
    /// use session_keeper::rust::{CookieOptions, SameSite};
    /// let cookie = CookieOptions::new().same_site(SameSite::Lax);
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> CookieOptions {
        self.same_site = Some(same_site);
        self
    }

    /// Whether it is `Secure` (default `true`; browsers accept it on `http://localhost`).
    ///
    /// ```
    /// use session_keeper::rust::CookieOptions;
    /// let cookie = CookieOptions::new().secure(true);
    /// ```
    pub fn secure(mut self, secure: bool) -> CookieOptions {
        self.secure = Some(secure);
        self
    }

    fn write(&self) -> JsValue {
        let out: JsValue = Object::new().into();
        if let Some(name) = &self.name {
            set(&out, "name", &name.write());
        }
        if let Some(domain) = &self.domain {
            set(&out, "domain", &domain.write());
        }
        if let Some(same_site) = self.same_site {
            let text = match same_site {
                SameSite::Strict => "Strict",
                SameSite::Lax => "Lax",
                SameSite::None => "None",
            };
            set(&out, "sameSite", &text.into());
        }
        if let Some(secure) = self.secure {
            set(&out, "secure", &secure.into());
        }
        out
    }
}

/// Whether a token goes to a cookie, and with which options: `true`, `false` or
/// [`CookieOptions`] convert into it.
///
/// ```
/// use session_keeper::rust::{CookieOptions, CookieSetting};
/// assert_eq!(CookieSetting::from(false), CookieSetting::Off);
/// assert_eq!(CookieSetting::from(true), CookieSetting::On(CookieOptions::new()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CookieSetting {
    /// In storage, not in a cookie.
    Off,
    /// In a cookie with these options.
    On(CookieOptions),
}

impl From<bool> for CookieSetting {
    fn from(on: bool) -> CookieSetting {
        match on {
            true => CookieSetting::On(CookieOptions::new()),
            false => CookieSetting::Off,
        }
    }
}

impl From<CookieOptions> for CookieSetting {
    fn from(options: CookieOptions) -> CookieSetting {
        CookieSetting::On(options)
    }
}

/// What the request hooks see of a request: never the `Authorization` header or a token.
///
/// ```
/// use session_keeper::rust::RequestConfig;
/// let mut config = RequestConfig::default();
/// config.set_header("x-trace", "abc");
/// assert_eq!(config.header("X-Trace"), Some("abc"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestConfig {
    /// The full URL.
    pub url: String,
    /// The API path, `/v1/auth/...`.
    pub path: String,
    /// `"GET"` or `"POST"`.
    pub method: String,
    /// The headers (names as set; compared case-insensitively by [`RequestConfig::header`]).
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<Value>,
}

impl RequestConfig {
    /// The value of header `name`, compared case-insensitively.
    ///
    /// ```
    /// use session_keeper::rust::RequestConfig;
    /// let config = RequestConfig { headers: vec![("x-app".into(), "web".into())], ..Default::default() };
    /// assert_eq!(config.header("X-App"), Some("web"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets header `name` (replacing any of that name, compared case-insensitively). Setting
    /// `Authorization` is ignored by the session, as in JS.
    ///
    /// ```
    /// use session_keeper::rust::RequestConfig;
    /// let mut config = RequestConfig::default();
    /// config.set_header("x-trace", "1");
    /// config.set_header("X-Trace", "2");
    /// assert_eq!(config.headers, [("X-Trace".to_string(), "2".to_string())]);
    /// ```
    pub fn set_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
    }

    fn read(v: &JsValue) -> RequestConfig {
        let member = |key: &str| v.field(key).unwrap_or(JsValue::UNDEFINED);
        let text = |key: &str| member(key).as_string().unwrap_or_default();
        let headers: Option<std::collections::BTreeMap<String, String>> =
            wire::read(&member("headers"));
        RequestConfig {
            url: text("url"),
            path: text("path"),
            method: text("method"),
            headers: headers.unwrap_or_default().into_iter().collect(),
            body: wire::read(&member("body")),
        }
    }
}

/// What `after_request` sees of an answer: the body without any token.
///
/// ```
/// use session_keeper::rust::ResponseInfo;
/// let info = ResponseInfo { status: 200, ok: true, body: None };
/// assert!(info.ok);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponseInfo {
    /// The HTTP status.
    pub status: u16,
    /// A 2xx status.
    pub ok: bool,
    /// The JSON body, without `sessionJwt`, `refreshJwt` or any other token.
    pub body: Option<Value>,
}

/// `before_request`: may change the headers and the body of each request.
type Before = Rc<dyn Fn(&mut RequestConfig)>;
/// `after_request`: told each answer.
type After = Rc<dyn Fn(&RequestConfig, &ResponseInfo)>;

/// The options of [`Session::new`](super::Session::new), one builder method per option of
/// API.md §2 and §6; what is not set keeps its default. Validated by the session, as the JS
/// options are: a bad value is an `invalid_argument` error of `Session::new`.
///
/// ```
/// use session_keeper::{Options, Persist};
/// use session_keeper::rust::{CookieOptions, SameSite};
/// let options = Options::new("P2abc")
///     .base_url("https://auth.example.com")
///     .persist(Persist::SessionStorage)
///     .refresh_token_via_cookie(CookieOptions::new().name("app_refresh").same_site(SameSite::Lax))
///     .base_header("x-app", "web")
///     .request_timeout_ms(5_000);
/// ```
#[derive(Clone, Default)]
pub struct Options {
    project_id: String,
    base_url: Option<String>,
    storage_prefix: Option<String>,
    persist: Option<Persist>,
    session_cookie: Option<CookieSetting>,
    refresh_cookie: Option<CookieSetting>,
    auto_refresh: Option<bool>,
    activity: Option<bool>,
    cross_tab: Option<bool>,
    timeout_ms: Option<u32>,
    refresh_cookie_name: Option<String>,
    store_last_user: Option<bool>,
    keep_last_user: Option<bool>,
    base_headers: Vec<(String, String)>,
    before: Option<Before>,
    after: Option<After>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("project_id", &self.project_id)
            .field("base_url", &self.base_url)
            .field("storage_prefix", &self.storage_prefix)
            .field("persist", &self.persist)
            .field("session_token_via_cookie", &self.session_cookie)
            .field("refresh_token_via_cookie", &self.refresh_cookie)
            .field("auto_refresh", &self.auto_refresh)
            .field("custom_activity_tracking", &self.activity)
            .field("cross_tab", &self.cross_tab)
            .field("request_timeout_ms", &self.timeout_ms)
            .field("refresh_cookie_name", &self.refresh_cookie_name)
            .field("store_last_authenticated_user", &self.store_last_user)
            .field(
                "keep_last_authenticated_user_after_logout",
                &self.keep_last_user,
            )
            .field("base_headers", &self.base_headers)
            .field("before_request", &self.before.as_ref().map(|_| "Fn"))
            .field("after_request", &self.after.as_ref().map(|_| "Fn"))
            .finish()
    }
}

/// The JS functions made for the hooks: they live as long as the session.
pub(crate) struct HookFunctions {
    _before: Option<Closure<dyn Fn(JsValue) -> JsValue>>,
    _after: Option<Closure<dyn Fn(JsValue, JsValue)>>,
}

impl Options {
    /// The options of Descope project `project_id` (`projectId`: required, non-empty).
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc");
    /// ```
    pub fn new(project_id: impl Into<String>) -> Options {
        Options {
            project_id: project_id.into(),
            ..Options::default()
        }
    }

    /// `baseUrl`: the Descope API (default: derived from the project id as the official SDK
    /// derives it; a trailing slash is ignored).
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").base_url("https://auth.example.com");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Options {
        self.base_url = Some(url.into());
        self
    }

    /// `storagePrefix`: prefixes every storage key (default empty).
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").storage_prefix("app.");
    /// ```
    pub fn storage_prefix(mut self, prefix: impl Into<String>) -> Options {
        self.storage_prefix = Some(prefix.into());
        self
    }

    /// `persist`: where tokens that are not in cookies live (default
    /// [`Persist::LocalStorage`]).
    ///
    /// ```
    /// use session_keeper::{Options, Persist};
    /// let options = Options::new("P2abc").persist(Persist::Memory);
    /// ```
    pub fn persist(mut self, persist: Persist) -> Options {
        self.persist = Some(persist);
        self
    }

    /// `sessionTokenViaCookie` (default on): `false`, `true` or [`CookieOptions`].
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").session_token_via_cookie(false);
    /// ```
    pub fn session_token_via_cookie(mut self, setting: impl Into<CookieSetting>) -> Options {
        self.session_cookie = Some(setting.into());
        self
    }

    /// `refreshTokenViaCookie` (default off): `false`, `true` or [`CookieOptions`].
    ///
    /// ```
    /// use session_keeper::{rust::CookieOptions, Options};
    /// let options = Options::new("P2abc").refresh_token_via_cookie(CookieOptions::new().name("rt"));
    /// ```
    pub fn refresh_token_via_cookie(mut self, setting: impl Into<CookieSetting>) -> Options {
        self.refresh_cookie = Some(setting.into());
        self
    }

    /// `autoRefresh` (default `true`): refresh before the session expires.
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").auto_refresh(false);
    /// ```
    pub fn auto_refresh(mut self, on: bool) -> Options {
        self.auto_refresh = Some(on);
        self
    }

    /// `autoRefresh: { customActivityTracking }` (default `false`): with a server inactivity
    /// timeout, a scheduled refresh waits until [`Session::mark_user_active`] is called in any
    /// tab. Takes effect while auto refresh is on (the default).
    ///
    /// [`Session::mark_user_active`]: super::Session::mark_user_active
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").custom_activity_tracking(true);
    /// ```
    pub fn custom_activity_tracking(mut self, on: bool) -> Options {
        self.activity = Some(on);
        self
    }

    /// `crossTab` (default `true`): one refresh per cycle across the origin's tabs; logout
    /// reaches every tab.
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").cross_tab(false);
    /// ```
    pub fn cross_tab(mut self, on: bool) -> Options {
        self.cross_tab = Some(on);
        self
    }

    /// `requestTimeoutMs` (default 10000; 1 to 2^31−1).
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").request_timeout_ms(5_000);
    /// ```
    pub fn request_timeout_ms(mut self, ms: u32) -> Options {
        self.timeout_ms = Some(ms);
        self
    }

    /// `refreshCookieName`: sent as `x-descope-refresh-cookie-name` on every request that
    /// carries the refresh token (default: the name the server last gave).
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").refresh_cookie_name("app_refresh");
    /// ```
    pub fn refresh_cookie_name(mut self, name: impl Into<String>) -> Options {
        self.refresh_cookie_name = Some(name.into());
        self
    }

    /// `storeLastAuthenticatedUser` (default `true`): keep the last user's login id and name.
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").store_last_authenticated_user(false);
    /// ```
    pub fn store_last_authenticated_user(mut self, on: bool) -> Options {
        self.store_last_user = Some(on);
        self
    }

    /// `keepLastAuthenticatedUserAfterLogout` (default `false`).
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").keep_last_authenticated_user_after_logout(true);
    /// ```
    pub fn keep_last_authenticated_user_after_logout(mut self, on: bool) -> Options {
        self.keep_last_user = Some(on);
        self
    }

    /// One of `baseHeaders`: a header on every request (`Authorization` is refused). A later
    /// header of the same name (compared case-insensitively) replaces an earlier one.
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").base_header("x-app", "web").base_header("x-region", "eu");
    /// ```
    pub fn base_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Options {
        let name = name.into();
        self.base_headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.base_headers.push((name, value.into()));
        self
    }

    /// `baseHeaders`: headers on every request, added to those set before.
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").base_headers([("x-app", "web"), ("x-region", "eu")]);
    /// ```
    pub fn base_headers<N, V>(self, headers: impl IntoIterator<Item = (N, V)>) -> Options
    where
        N: Into<String>,
        V: Into<String>,
    {
        headers.into_iter().fold(self, |options, (name, value)| {
            options.base_header(name, value)
        })
    }

    /// `hooks.beforeRequest`: called before every request with what it will send (no token);
    /// it may change the headers (not `Authorization`) and the body. It must not panic.
    /// (Synchronous only: the JS hook may answer a promise, this one may not.)
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").before_request(|config| config.set_header("x-trace", "abc"));
    /// ```
    pub fn before_request(mut self, hook: impl Fn(&mut RequestConfig) + 'static) -> Options {
        self.before = Some(Rc::new(hook));
        self
    }

    /// `hooks.afterRequest`: told each request and its answer (no token in either). It must not
    /// panic.
    ///
    /// ```
    /// use session_keeper::Options;
    /// let options = Options::new("P2abc").after_request(|request, response| {
    ///     if !response.ok {
    ///         web_sys::console::warn_1(&format!("{} {}", request.path, response.status).into());
    ///     }
    /// });
    /// ```
    pub fn after_request(
        mut self,
        hook: impl Fn(&RequestConfig, &ResponseInfo) + 'static,
    ) -> Options {
        self.after = Some(Rc::new(hook));
        self
    }

    /// The JS options object the facade reads, and the hook functions it refers to (which
    /// must live as long as the session).
    pub(crate) fn to_js(&self) -> (JsValue, HookFunctions) {
        let out: JsValue = Object::new().into();
        set(&out, "projectId", &self.project_id.write());
        let texts = [
            ("baseUrl", &self.base_url),
            ("storagePrefix", &self.storage_prefix),
            ("refreshCookieName", &self.refresh_cookie_name),
        ];
        for (key, text) in texts {
            if let Some(text) = text {
                set(&out, key, &text.write());
            }
        }
        if let Some(persist) = self.persist {
            set(&out, "persist", &persist_name(persist).into());
        }
        let cookies = [
            ("sessionTokenViaCookie", &self.session_cookie),
            ("refreshTokenViaCookie", &self.refresh_cookie),
        ];
        for (key, setting) in cookies {
            match setting {
                Some(CookieSetting::Off) => set(&out, key, &JsValue::FALSE),
                Some(CookieSetting::On(options)) => set(&out, key, &options.write()),
                None => {}
            }
        }
        match (self.auto_refresh, self.activity) {
            (Some(false), _) => set(&out, "autoRefresh", &JsValue::FALSE),
            (_, Some(activity)) => {
                let object: JsValue = Object::new().into();
                set(&object, "customActivityTracking", &activity.into());
                set(&out, "autoRefresh", &object);
            }
            (Some(on), None) => set(&out, "autoRefresh", &on.into()),
            (None, None) => {}
        }
        let flags = [
            ("crossTab", self.cross_tab),
            ("storeLastAuthenticatedUser", self.store_last_user),
            ("keepLastAuthenticatedUserAfterLogout", self.keep_last_user),
        ];
        for (key, flag) in flags {
            if let Some(flag) = flag {
                set(&out, key, &flag.into());
            }
        }
        if let Some(ms) = self.timeout_ms {
            set(&out, "requestTimeoutMs", &f64::from(ms).into());
        }
        if !self.base_headers.is_empty() {
            let headers: JsValue = Object::new().into();
            for (name, value) in &self.base_headers {
                set(&headers, name, &value.write());
            }
            set(&out, "baseHeaders", &headers);
        }
        let hooks = self.hooks();
        if hooks._before.is_some() || hooks._after.is_some() {
            let object: JsValue = Object::new().into();
            if let Some(before) = &hooks._before {
                set(&object, "beforeRequest", before.as_ref());
            }
            if let Some(after) = &hooks._after {
                set(&object, "afterRequest", after.as_ref());
            }
            set(&out, "hooks", &object);
        }
        (out, hooks)
    }

    /// The hooks as JS functions.
    fn hooks(&self) -> HookFunctions {
        let before = self.before.clone().map(|hook| {
            Closure::<dyn Fn(JsValue) -> JsValue>::new(move |config: JsValue| {
                let mut seen = RequestConfig::read(&config);
                let body = seen.body.clone();
                hook(&mut seen);
                // What the session uses: the headers, and the body when the hook changed it
                // (a body read back would lose the order of its members).
                let out: JsValue = Object::new().into();
                let headers: JsValue = Object::new().into();
                for (name, value) in &seen.headers {
                    set(&headers, name, &value.write());
                }
                set(&out, "headers", &headers);
                // (A body cannot be taken away, as in JS: an absent body keeps the request's.)
                if let Some(changed) = seen.body.as_ref().filter(|b| Some(*b) != body.as_ref()) {
                    set(&out, "body", &changed.write());
                }
                out
            })
        });
        let after = self.after.clone().map(|hook| {
            Closure::<dyn Fn(JsValue, JsValue)>::new(move |request: JsValue, response: JsValue| {
                let member = |key: &str| response.field(key).unwrap_or(JsValue::UNDEFINED);
                let status = member("status").as_f64().unwrap_or(0.0);
                let info = ResponseInfo {
                    status: status as u16,
                    ok: member("ok").as_bool().unwrap_or(false),
                    body: wire::read(&member("body")),
                };
                hook(&RequestConfig::read(&request), &info);
            })
        });
        HookFunctions {
            _before: before,
            _after: after,
        }
    }
}

/// The JS name of a [`Persist`] (the `persist` option of both facades).
pub(super) fn persist_name(persist: Persist) -> &'static str {
    match persist {
        Persist::LocalStorage => "localStorage",
        Persist::SessionStorage => "sessionStorage",
        Persist::Memory => "memory",
    }
}
