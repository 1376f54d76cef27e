//! The storage layout in the browser: which token goes to which cookie or storage key, reading
//! them back (also when `@descope/web-js-sdk` wrote them), and clearing every trace.

use js_sys::JSON;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlDocument;

use crate::claims::payload_json;
use crate::cookie::{
    cookie_domain, expire_cookies, is_attribute_safe, is_cookie_name, is_cookie_value, read_cookie,
    set_cookie, CookiePlace, CookieWrite,
};
use crate::error::Result;
use crate::obj::Obj;
use crate::options::CookieConfig;
use crate::storage::{
    keys_to_clear, usable_token, Meta, Store, META_KEY, REFRESH_KEY, SESSION_KEY, USER_KEY,
};
use crate::wire::JwtFields;

/// The two tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The session JWT (`DS`).
    Session,
    /// The refresh JWT (`DSR`).
    Refresh,
}

impl Kind {
    fn suffix(self) -> &'static str {
        match self {
            Kind::Session => SESSION_KEY,
            Kind::Refresh => REFRESH_KEY,
        }
    }
}

/// What storage holds.
pub struct Stored {
    /// A usable session JWT.
    pub session: Option<String>,
    /// A usable refresh token.
    pub refresh: Option<String>,
    /// The last known user (`undefined` when none).
    pub user: JsValue,
    /// The meta record (default when absent or garbage).
    pub meta: Meta,
}

/// Cookies and a [`Store`] under a prefix.
pub struct Vault {
    prefix: String,
    store: Box<dyn Store>,
    session_cookie: Option<CookieConfig>,
    refresh_cookie: Option<CookieConfig>,
}

impl Vault {
    /// A vault for these options.
    pub fn new(
        prefix: String,
        store: Box<dyn Store>,
        session_cookie: Option<CookieConfig>,
        refresh_cookie: Option<CookieConfig>,
    ) -> Vault {
        Vault {
            prefix,
            store,
            session_cookie,
            refresh_cookie,
        }
    }

    fn key(&self, suffix: &str) -> String {
        [self.prefix.as_str(), suffix].concat()
    }

    /// Whether other tabs see what this vault writes to storage.
    pub fn shared(&self) -> bool {
        self.store.shared()
    }

    /// Whether a token of `kind`, as last written, is visible to the origin's other tabs.
    pub fn shared_for(&self, kind: Kind, meta: &Meta) -> bool {
        self.store.shared() || place_of(meta, kind).is_some()
    }

    fn cookie_config(&self, kind: Kind) -> Option<&CookieConfig> {
        match kind {
            Kind::Session => self.session_cookie.as_ref(),
            Kind::Refresh => self.refresh_cookie.as_ref(),
        }
    }

    /// Reads the session: cookies first, then storage. Values that could not be tokens (and
    /// session tokens that are not decodable JWTs) are treated as absent.
    pub fn load(&self) -> Stored {
        let meta = self
            .store
            .get(&self.key(META_KEY))
            .and_then(|text| Meta::decode(&text))
            .unwrap_or_default();
        let cookies = document_cookies();
        let session = self
            .find(Kind::Session, &cookies, &meta)
            .filter(|token| payload_json(token).is_ok());
        let refresh = self.find(Kind::Refresh, &cookies, &meta);
        let user = self
            .store
            .get(&self.key(USER_KEY))
            .and_then(|text| JSON::parse(&text).ok())
            .filter(Obj::is_object)
            .unwrap_or(JsValue::UNDEFINED);
        Stored {
            session,
            refresh,
            user,
            meta,
        }
    }

    fn find(&self, kind: Kind, cookies: &str, meta: &Meta) -> Option<String> {
        let names = [
            place_of(meta, kind).map(|p| p.name.as_str()),
            self.cookie_config(kind).and_then(|c| c.name.as_deref()),
            Some(kind.suffix()),
        ];
        names
            .into_iter()
            .flatten()
            .find_map(|name| read_cookie(cookies, name).filter(|t| usable_token(t)))
            .map(String::from)
            .or_else(|| {
                self.store
                    .get(&self.key(kind.suffix()))
                    .filter(|t| usable_token(t))
            })
    }

    /// Writes both tokens (a missing refresh token means the server keeps it in an httpOnly
    /// cookie: any stored copy is removed), records in `meta` where cookies went, and stores
    /// `meta`. A storage error is returned after everything else was written.
    pub fn save(
        &self,
        session: &str,
        refresh: Option<&str>,
        response: &JwtFields,
        meta: &mut Meta,
    ) -> Result<()> {
        let mut result = Ok(());
        let previous = meta.session_cookie.take();
        match self.put(Kind::Session, session, response, previous.as_ref()) {
            Ok(place) => meta.session_cookie = place,
            Err(err) => result = Err(err),
        }
        let previous = meta.refresh_cookie.take();
        match refresh {
            Some(token) => match self.put(Kind::Refresh, token, response, previous.as_ref()) {
                Ok(place) => meta.refresh_cookie = place,
                Err(err) => result = Err(err),
            },
            None => {
                if let Some(place) = &previous {
                    expire(place);
                }
                self.store.remove(&self.key(REFRESH_KEY));
            }
        }
        let meta_result = self.save_meta(meta);
        result.and(meta_result)
    }

    fn put(
        &self,
        kind: Kind,
        token: &str,
        response: &JwtFields,
        previous: Option<&CookiePlace>,
    ) -> Result<Option<CookiePlace>> {
        let key = self.key(kind.suffix());
        if let Some(config) = self.cookie_config(kind).filter(|_| is_cookie_value(token)) {
            let place = self.place_for(kind, config, response);
            if let Some(previous) = previous.filter(|p| *p != &place) {
                expire(previous);
            }
            write_cookie(&set_cookie(&CookieWrite {
                place: &place,
                value: token,
                max_age: response.cookie_max_age,
                expires: response.cookie_expiration,
                same_site: config.same_site,
                secure: config.secure,
            }));
            if read_cookie(&document_cookies(), &place.name) == Some(token) {
                self.store.remove(&key);
                return Ok(Some(place));
            }
            // The browser refused the cookie (size, Secure on plain http, a bad domain): keep
            // the token in storage, and make sure no stale cookie shadows it on the next load.
            expire(&place);
        }
        if let Some(previous) = previous {
            expire(previous);
        }
        self.store.set(&key, token)?;
        Ok(None)
    }

    fn place_for(&self, kind: Kind, config: &CookieConfig, response: &JwtFields) -> CookiePlace {
        let (name, domain) = match kind {
            Kind::Session => (
                &response.session_cookie_name,
                &response.session_cookie_domain,
            ),
            Kind::Refresh => (&response.cookie_name, &response.cookie_domain),
        };
        let name = config
            .name
            .clone()
            .or_else(|| name.clone().filter(|n| is_cookie_name(n)))
            .unwrap_or_else(|| kind.suffix().to_owned());
        let path = response
            .cookie_path
            .clone()
            .filter(|p| p.starts_with('/') && is_attribute_safe(p))
            .unwrap_or_else(|| "/".to_owned());
        let wanted = config.domain.as_deref().or(domain.as_deref());
        CookiePlace {
            name,
            path,
            domain: cookie_domain(&page_host(), wanted),
        }
    }

    /// Stores the meta record.
    pub fn save_meta(&self, meta: &Meta) -> Result<()> {
        self.store.set(&self.key(META_KEY), &meta.encode())
    }

    /// Stores the user as JSON (or removes it).
    pub fn save_user(&self, user: &JsValue) -> Result<()> {
        let key = self.key(USER_KEY);
        match JSON::stringify(user).ok().and_then(|s| s.as_string()) {
            Some(text) if Obj::is_object(user) => self.store.set(&key, &text),
            _ => {
                self.store.remove(&key);
                Ok(())
            }
        }
    }

    /// Stores tokens adopted from another tab in this tab's own (unshared) storage. Cookies
    /// are shared by the origin and were written by that tab: they are left alone.
    pub fn save_adopted(
        &self,
        session: Option<&str>,
        refresh: Option<&str>,
        user: &JsValue,
        meta: &Meta,
    ) {
        for (kind, token) in [(Kind::Session, session), (Kind::Refresh, refresh)] {
            let key = self.key(kind.suffix());
            match token {
                Some(token) if place_of(meta, kind).is_none() => {
                    let _ = self.store.set(&key, token);
                }
                _ => self.store.remove(&key),
            }
        }
        let _ = self.save_user(user);
        let _ = self.save_meta(meta);
    }

    /// Removes every key of the package under the prefix, leaving cookies alone.
    pub fn clear_store(&self) {
        for key in keys_to_clear(&self.prefix) {
            self.store.remove(&key);
        }
    }

    /// Expires every token cookie (where it was written, host-only, and under the default and
    /// configured names) and removes every key of the package under the prefix.
    pub fn clear(&self, meta: &Meta) {
        for kind in [Kind::Session, Kind::Refresh] {
            let mut places: Vec<CookiePlace> = Vec::new();
            if let Some(place) = place_of(meta, kind) {
                places.push(place.clone());
                places.push(CookiePlace {
                    domain: None,
                    ..place.clone()
                });
            }
            let names = [
                self.cookie_config(kind).and_then(|c| c.name.clone()),
                Some(kind.suffix().to_owned()),
            ];
            for name in names.into_iter().flatten() {
                places.push(CookiePlace {
                    name,
                    path: "/".into(),
                    domain: None,
                });
            }
            places.dedup();
            for (i, place) in places.iter().enumerate() {
                if !places[..i].contains(place) {
                    expire(place);
                }
            }
        }
        self.clear_store();
    }
}

fn place_of(meta: &Meta, kind: Kind) -> Option<&CookiePlace> {
    match kind {
        Kind::Session => meta.session_cookie.as_ref(),
        Kind::Refresh => meta.refresh_cookie.as_ref(),
    }
}

fn html_document() -> Option<HtmlDocument> {
    web_sys::window()?
        .document()?
        .dyn_into::<HtmlDocument>()
        .ok()
}

/// `document.cookie`, or empty where there is none (a sandboxed frame).
pub fn document_cookies() -> String {
    html_document()
        .and_then(|d| d.cookie().ok())
        .unwrap_or_default()
}

fn expire(place: &CookiePlace) {
    for text in expire_cookies(place) {
        write_cookie(&text);
    }
}

fn write_cookie(text: &str) {
    if let Some(document) = html_document() {
        let _ = document.set_cookie(text);
    }
}

/// The page's host name.
pub fn page_host() -> String {
    web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .unwrap_or_default()
}
