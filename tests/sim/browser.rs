//! The shared browser state of an origin: a cookie jar that keeps cookies apart by name, domain
//! and path as browsers do, key-value stores, and a Web Locks manager.

use std::collections::BTreeMap;

use session_keeper::core::claims::Claims;
use session_keeper::core::options::Persist;
use session_keeper::core::Env;

pub const HOST: &str = "app.example.com";

#[derive(Clone, Debug, PartialEq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    /// `None`: host-only.
    pub domain: Option<String>,
    pub path: String,
    pub expires: Option<f64>,
}

#[derive(Default)]
pub struct Jar {
    pub cookies: Vec<Cookie>,
    /// Values longer than this are refused (browsers cap a cookie near 4 KiB).
    pub max_value: usize,
}

fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

fn path_matches(page: &str, path: &str) -> bool {
    page == path
        || (page.starts_with(path)
            && (path.ends_with('/') || page.as_bytes().get(path.len()) == Some(&b'/')))
}

impl Jar {
    /// `document.cookie = text` on a page of `HOST`; answers whether the browser kept it.
    pub fn write(&mut self, now: f64, text: &str) -> bool {
        let mut parts = text.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return false;
        };
        let (name, value) = (name.trim(), value.trim());
        let mut cookie = Cookie {
            name: name.into(),
            value: value.into(),
            domain: None,
            path: "/".into(),
            expires: None,
        };
        let mut delete = false;
        for attr in parts {
            let (key, val) = attr.trim().split_once('=').unwrap_or((attr.trim(), ""));
            match key.to_ascii_lowercase().as_str() {
                "path" => cookie.path = val.into(),
                "domain" => {
                    let d = val.trim_start_matches('.').to_ascii_lowercase();
                    // A foreign domain or a public suffix: the browser refuses the cookie.
                    if !domain_matches(HOST, &d) || !d.contains('.') {
                        return false;
                    }
                    cookie.domain = Some(d);
                }
                "max-age" => match val.parse::<f64>() {
                    Ok(s) if s <= 0.0 => delete = true,
                    Ok(s) => cookie.expires = Some(now + s * 1000.0),
                    Err(_) => {}
                },
                "expires" if val.contains("1970") => delete = true,
                _ => {}
            }
        }
        if !delete && value.len() > self.max_value {
            return false;
        }
        self.cookies.retain(|c| {
            !(c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path)
        });
        if !delete {
            self.cookies.push(cookie);
        }
        true
    }

    /// `document.cookie` of a page at `path`.
    pub fn read(&mut self, now: f64, path: &str) -> String {
        self.cookies.retain(|c| c.expires.is_none_or(|e| e > now));
        let visible: Vec<String> = self
            .cookies
            .iter()
            .filter(|c| {
                c.domain.as_deref().is_none_or(|d| domain_matches(HOST, d))
                    && path_matches(path, &c.path)
            })
            .map(|c| [c.name.as_str(), "=", &c.value].concat())
            .collect();
        visible.join("; ")
    }

    /// Cookies holding tokens (any name the tests use).
    pub fn tokens(&self, now: f64) -> Vec<&Cookie> {
        self.cookies
            .iter()
            .filter(|c| c.expires.is_none_or(|e| e > now) && !c.value.is_empty())
            .collect()
    }
}

/// What one tab sees: its own store (or the shared localStorage) and the jar.
pub struct View<'a> {
    pub store: &'a BTreeMap<String, String>,
    /// The origin's localStorage (the keys shared with the official SDK live there).
    pub local: &'a BTreeMap<String, String>,
    pub cookies: String,
}

impl Env for View<'_> {
    fn item(&self, key: &str) -> Option<String> {
        self.store.get(key).cloned()
    }
    fn cookies(&self) -> String {
        self.cookies.clone()
    }
    fn claims(&self, payload: &str) -> Option<Claims> {
        session_keeper::core::testing::claims(payload)
    }
    fn shared(&self, key: &str) -> Option<String> {
        self.local.get(key).cloned()
    }
    fn login(&self, user: &str) -> Option<(String, Option<String>)> {
        session_keeper::core::testing::login(user)
    }
}

/// Web Locks of the origin: who holds which name.
#[derive(Default)]
pub struct Locks {
    /// name → (tab slot, incarnation, lock id)
    pub held: BTreeMap<String, (usize, u32, u32)>,
}

impl Locks {
    pub fn request(&mut self, name: &str, holder: (usize, u32, u32)) -> bool {
        if self.held.contains_key(name) {
            return false;
        }
        self.held.insert(name.into(), holder);
        true
    }

    pub fn release(&mut self, holder: (usize, u32, u32)) {
        self.held.retain(|_, h| *h != holder);
    }

    /// A closed tab's locks are released by the browser.
    pub fn release_tab(&mut self, tab: usize, inc: u32) {
        self.held.retain(|_, h| !(h.0 == tab && h.1 == inc));
    }
}

/// Whether a persist mode's store is shared by the origin's tabs.
pub fn shared(persist: Persist) -> bool {
    persist == Persist::LocalStorage
}
