//! [`Options`]: a builder for every option of API.md §2 and §6. It makes the JS options
//! object the facade reads, so every rule of validation stays the core's
//! ([`Config::read`](crate::core::options::Config::read)): [`Session::new`](super::Session::new)
//! answers its `invalid_argument` errors.

use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::data::{debug_redacted, Value};
use super::wire::{self, Wire};
pub use crate::core::cookie::SameSite;
use crate::core::obj::Obj;
use crate::shell::js::set;
use crate::types::Persist;

/// Builder methods that set one optional field each: `name(argument: Type) => field = value;`
/// makes `pub fn name(mut self, argument: Type) -> Self` setting `field` to `Some(value)`.
macro_rules! setters {
    ($builder:ident: $($(#[$meta:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident = $value:expr;)*) => {
        $(
            $(#[$meta])*
            pub fn $name(mut self, $arg: $ty) -> $builder {
                self.$field = Some($value);
                self
            }
        )*
    };
}
#[cfg(feature = "rocketchat")]
pub(super) use setters;

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

    setters! { CookieOptions:
        /// The cookie's name.
        ///
        /// ```
        /// use session_keeper::rust::CookieOptions;
        /// let cookie = CookieOptions::new().name("app_refresh");
        /// ```
        name(name: impl Into<String>) => name = name.into();

        /// Its `Domain`: used only when the page's host is that domain or a subdomain of it.
        ///
        /// ```
        /// use session_keeper::rust::CookieOptions;
        /// let cookie = CookieOptions::new().domain("example.com");
        /// ```
        domain(domain: impl Into<String>) => domain = domain.into();

        /// Its `SameSite` (default `Strict`; `None` needs `secure`).
        ///
        /// ```
        /// use session_keeper::rust::{CookieOptions, SameSite};
        /// let cookie = CookieOptions::new().same_site(SameSite::Lax);
        /// ```
        same_site(same_site: SameSite) => same_site = same_site;

        /// Whether it is `Secure` (default `true`; browsers accept it on `http://localhost`).
        ///
        /// ```
        /// use session_keeper::rust::CookieOptions;
        /// let cookie = CookieOptions::new().secure(true);
        /// ```
        secure(secure: bool) => secure = secure;
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
    session_token_via_cookie: Option<CookieSetting>,
    refresh_token_via_cookie: Option<CookieSetting>,
    auto_refresh: Option<bool>,
    custom_activity_tracking: Option<bool>,
    cross_tab: Option<bool>,
    request_timeout_ms: Option<u32>,
    refresh_cookie_name: Option<String>,
    store_last_authenticated_user: Option<bool>,
    keep_last_authenticated_user_after_logout: Option<bool>,
    base_headers: Vec<(String, String)>,
    before_request: Option<Before>,
    after_request: Option<After>,
}

debug_redacted!(Options {
    project_id,
    base_url,
    storage_prefix,
    persist,
    session_token_via_cookie,
    refresh_token_via_cookie,
    auto_refresh,
    custom_activity_tracking,
    cross_tab,
    request_timeout_ms,
    refresh_cookie_name,
    store_last_authenticated_user,
    keep_last_authenticated_user_after_logout,
    base_headers,
    before_request: function,
    after_request: function,
});

/// What `{:?}` shows of a hook: `Some("Fn")`.
fn function<F: ?Sized>(hook: &Option<Rc<F>>) -> Option<&'static str> {
    hook.as_ref().map(|_| "Fn")
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

    setters! { Options:
        /// `baseUrl`: the Descope API (default: derived from the project id as the official SDK
        /// derives it; a trailing slash is ignored).
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").base_url("https://auth.example.com");
        /// ```
        base_url(url: impl Into<String>) => base_url = url.into();

        /// `storagePrefix`: prefixes every storage key (default empty).
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").storage_prefix("app.");
        /// ```
        storage_prefix(prefix: impl Into<String>) => storage_prefix = prefix.into();

        /// `persist`: where tokens that are not in cookies live (default
        /// [`Persist::LocalStorage`]).
        ///
        /// ```
        /// use session_keeper::{Options, Persist};
        /// let options = Options::new("P2abc").persist(Persist::Memory);
        /// ```
        persist(persist: Persist) => persist = persist;

        /// `sessionTokenViaCookie` (default on): `false`, `true` or [`CookieOptions`].
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").session_token_via_cookie(false);
        /// ```
        session_token_via_cookie(setting: impl Into<CookieSetting>) => session_token_via_cookie = setting.into();

        /// `refreshTokenViaCookie` (default off): `false`, `true` or [`CookieOptions`].
        ///
        /// ```
        /// use session_keeper::{rust::CookieOptions, Options};
        /// let options = Options::new("P2abc").refresh_token_via_cookie(CookieOptions::new().name("rt"));
        /// ```
        refresh_token_via_cookie(setting: impl Into<CookieSetting>) => refresh_token_via_cookie = setting.into();

        /// `autoRefresh` (default `true`): refresh before the session expires.
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").auto_refresh(false);
        /// ```
        auto_refresh(on: bool) => auto_refresh = on;

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
        custom_activity_tracking(on: bool) => custom_activity_tracking = on;

        /// `crossTab` (default `true`): one refresh per cycle across the origin's tabs; logout
        /// reaches every tab.
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").cross_tab(false);
        /// ```
        cross_tab(on: bool) => cross_tab = on;

        /// `requestTimeoutMs` (default 10000; 1 to 2^31−1).
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").request_timeout_ms(5_000);
        /// ```
        request_timeout_ms(ms: u32) => request_timeout_ms = ms;

        /// `refreshCookieName`: sent as `x-descope-refresh-cookie-name` on every request that
        /// carries the refresh token (default: the name the server last gave).
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").refresh_cookie_name("app_refresh");
        /// ```
        refresh_cookie_name(name: impl Into<String>) => refresh_cookie_name = name.into();

        /// `storeLastAuthenticatedUser` (default `true`): keep the last user's login id and name.
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").store_last_authenticated_user(false);
        /// ```
        store_last_authenticated_user(on: bool) => store_last_authenticated_user = on;

        /// `keepLastAuthenticatedUserAfterLogout` (default `false`).
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").keep_last_authenticated_user_after_logout(true);
        /// ```
        keep_last_authenticated_user_after_logout(on: bool) => keep_last_authenticated_user_after_logout = on;
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

    setters! { Options:
        /// `hooks.beforeRequest`: called before every request with what it will send (no token);
        /// it may change the headers (not `Authorization`) and the body. It must not panic.
        /// (Synchronous only: the JS hook may answer a promise, this one may not.)
        ///
        /// ```
        /// use session_keeper::Options;
        /// let options = Options::new("P2abc").before_request(|config| config.set_header("x-trace", "abc"));
        /// ```
        before_request(hook: impl Fn(&mut RequestConfig) + 'static) => before_request = Rc::new(hook);

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
        after_request(hook: impl Fn(&RequestConfig, &ResponseInfo) + 'static) => after_request = Rc::new(hook);
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
            ("sessionTokenViaCookie", &self.session_token_via_cookie),
            ("refreshTokenViaCookie", &self.refresh_token_via_cookie),
        ];
        for (key, setting) in cookies {
            match setting {
                Some(CookieSetting::Off) => set(&out, key, &JsValue::FALSE),
                Some(CookieSetting::On(options)) => set(&out, key, &options.write()),
                None => {}
            }
        }
        match (self.auto_refresh, self.custom_activity_tracking) {
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
            (
                "storeLastAuthenticatedUser",
                self.store_last_authenticated_user,
            ),
            (
                "keepLastAuthenticatedUserAfterLogout",
                self.keep_last_authenticated_user_after_logout,
            ),
        ];
        for (key, flag) in flags {
            if let Some(flag) = flag {
                set(&out, key, &flag.into());
            }
        }
        if let Some(ms) = self.request_timeout_ms {
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
        let before = self.before_request.clone().map(|hook| {
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
        let after = self.after_request.clone().map(|hook| {
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
