//! Key-value storage behind one small trait (localStorage, sessionStorage or memory), the key
//! names of the storage layout, and the small record that remembers how the session was
//! written so that it can be restored and cleared exactly.

use std::cell::RefCell;

use crate::cookie::{is_attribute_safe, is_cookie_name, push_uint, CookiePlace};
use crate::error::{ErrorCode, Result, SessionError};

/// Storage key suffix of the session token (when it is not in a cookie).
///
/// ```
/// use session_keeper::storage::SESSION_KEY;
/// // With `storagePrefix: "app."` the key is:
/// assert_eq!(["app.", SESSION_KEY].concat(), "app.DS");
/// ```
pub const SESSION_KEY: &str = "DS";
/// Storage key suffix of the refresh token (when it is not in a cookie).
///
/// ```
/// use session_keeper::storage::REFRESH_KEY;
/// // With `storagePrefix: "app."` the key is:
/// assert_eq!(["app.", REFRESH_KEY].concat(), "app.DSR");
/// ```
pub const REFRESH_KEY: &str = "DSR";
/// Storage key suffix of the last known user, as JSON.
///
/// ```
/// use session_keeper::storage::{MemoryStore, Store, USER_KEY};
/// let store = MemoryStore::default();
/// store.set(&["app.", USER_KEY].concat(), r#"{"name":"Ada"}"#).unwrap();
/// assert!(store.get("app.DSU").is_some());
/// ```
pub const USER_KEY: &str = "DSU";
/// Storage key suffix of the [`Meta`] record.
///
/// ```
/// use session_keeper::storage::{Meta, MemoryStore, Store, META_KEY};
/// let store = MemoryStore::default();
/// store.set(META_KEY, &Meta::default().encode()).unwrap();
/// assert_eq!(store.get(META_KEY).and_then(|text| Meta::decode(&text)), Some(Meta::default()));
/// ```
pub const META_KEY: &str = "DSM";
/// Keys that `@descope/web-js-sdk` writes next to the tokens (ID token, refresh cookie name):
/// they belong to the session too and are removed with it.
///
/// ```
/// use session_keeper::storage::{keys_to_clear, SDK_KEYS};
/// let cleared = keys_to_clear("");
/// assert!(SDK_KEYS.iter().all(|key| cleared.contains(&key.to_string())));
/// ```
pub const SDK_KEYS: [&str; 2] = ["DSI", "DSRCN"];

/// Every key this package removes when the session is cleared, for a prefix.
///
/// ```
/// use session_keeper::storage::keys_to_clear;
/// assert_eq!(keys_to_clear("app."), ["app.DS", "app.DSR", "app.DSU", "app.DSM", "app.DSI", "app.DSRCN"]);
/// ```
pub fn keys_to_clear(prefix: &str) -> Vec<String> {
    [SESSION_KEY, REFRESH_KEY, USER_KEY, META_KEY]
        .into_iter()
        .chain(SDK_KEYS)
        .map(|suffix| [prefix, suffix].concat())
        .collect()
}

/// A string store. Browser storage may refuse writes (quota, privacy modes).
///
/// ```
/// use session_keeper::storage::{keys_to_clear, MemoryStore, Store};
/// fn clear_session(store: &dyn Store, prefix: &str) {
///     for key in keys_to_clear(prefix) {
///         store.remove(&key);
///     }
/// }
/// let store = MemoryStore::default();
/// store.set("app.DS", "eyJ.eyJ.sig").unwrap();
/// clear_session(&store, "app.");
/// assert_eq!(store.get("app.DS"), None);
/// ```
pub trait Store {
    /// The value under `key`.
    ///
    /// ```
    /// use session_keeper::storage::{MemoryStore, Store};
    /// let store = MemoryStore::default();
    /// assert_eq!(store.get("DS"), None);
    /// store.set("DS", "t").unwrap();
    /// assert_eq!(store.get("DS").as_deref(), Some("t"));
    /// ```
    fn get(&self, key: &str) -> Option<String>;
    /// Writes `value` under `key`.
    ///
    /// ```
    /// use session_keeper::storage::{MemoryStore, Store};
    /// let store = MemoryStore::default();
    /// store.set("DS", "old").unwrap();
    /// store.set("DS", "new").unwrap();
    /// assert_eq!(store.get("DS").as_deref(), Some("new"));
    /// ```
    fn set(&self, key: &str, value: &str) -> Result<()>;
    /// Removes `key`.
    ///
    /// ```
    /// use session_keeper::storage::{MemoryStore, Store};
    /// let store = MemoryStore::default();
    /// store.set("DS", "t").unwrap();
    /// store.remove("DS");
    /// assert_eq!(store.get("DS"), None);
    /// ```
    fn remove(&self, key: &str);
    /// Whether other tabs of the origin see the same data.
    ///
    /// ```
    /// use session_keeper::storage::{MemoryStore, Store};
    /// assert!(!MemoryStore::default().shared());
    /// ```
    fn shared(&self) -> bool;
}

/// A store that lives and dies with the page. A handful of keys: a list beats a map in
/// code size.
///
/// ```
/// use session_keeper::storage::{MemoryStore, Store};
/// let store = MemoryStore::default();
/// store.set("app.DSR", "eyJ.eyJ.sig").unwrap();
/// assert_eq!(store.get("app.DSR").as_deref(), Some("eyJ.eyJ.sig"));
/// ```
#[derive(Default)]
pub struct MemoryStore(RefCell<Vec<(String, String)>>);

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        self.0
            .borrow()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.remove(key);
        self.0.borrow_mut().push((key.into(), value.into()));
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.0.borrow_mut().retain(|(k, _)| k != key);
    }
    fn shared(&self) -> bool {
        false
    }
}

/// `localStorage` or `sessionStorage`.
///
/// ```no_run
/// use session_keeper::storage::{Store, WebStore};
/// let store = WebStore::open(true).expect("localStorage is available");
/// store.set("app.DS", "eyJ.eyJ.sig").unwrap();
/// assert!(store.shared());
/// ```
pub struct WebStore {
    storage: web_sys::Storage,
    shared: bool,
}

impl WebStore {
    /// The window's `localStorage` (`shared`) or `sessionStorage`, when the browser allows it.
    ///
    /// ```no_run
    /// use session_keeper::storage::{MemoryStore, Store, WebStore};
    /// // Fall back to memory when the browser refuses storage.
    /// let store: Box<dyn Store> = match WebStore::open(false) {
    ///     Some(session_storage) => Box::new(session_storage),
    ///     None => Box::new(MemoryStore::default()),
    /// };
    /// assert!(!store.shared());
    /// ```
    pub fn open(local: bool) -> Option<WebStore> {
        let window = web_sys::window()?;
        let storage = if local {
            window.local_storage()
        } else {
            window.session_storage()
        };
        Some(WebStore {
            storage: storage.ok().flatten()?,
            shared: local,
        })
    }
}

impl Store for WebStore {
    fn get(&self, key: &str) -> Option<String> {
        self.storage.get_item(key).ok().flatten()
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.storage.set_item(key, value).map_err(|_| {
            SessionError::new(
                ErrorCode::Storage,
                "the browser refused to store the session",
            )
        })
    }
    fn remove(&self, key: &str) {
        let _ = self.storage.remove_item(key);
    }
    fn shared(&self) -> bool {
        self.shared
    }
}

/// What the library remembers about the stored session besides the tokens.
///
/// ```
/// use session_keeper::{cookie::CookiePlace, storage::Meta};
/// // The cookie's place is remembered so that it can be expired exactly.
/// let place = CookiePlace { name: "DS".into(), path: "/".into(), domain: Some("example.com".into()) };
/// let meta = Meta { session_cookie: Some(place), ..Meta::default() };
/// assert_eq!(Meta::decode(&meta.encode()), Some(meta));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// When this session began (its sign-in), epoch ms; refreshes keep it. Every tab compares
    /// it with the time of the last logout it saw, so that a late answer or message from
    /// before a logout is recognised and thrown away, and a newer sign-in is always taken.
    pub born: f64,
    /// When the next refresh is due, epoch ms.
    pub due_at: Option<f64>,
    /// The session token cookie, when one was written.
    pub session_cookie: Option<CookiePlace>,
    /// The refresh token cookie, when one was written.
    pub refresh_cookie: Option<CookiePlace>,
}

impl Meta {
    /// A compact line-based encoding (no JSON parser needed in the wasm build).
    ///
    /// ```
    /// use session_keeper::storage::Meta;
    /// let meta = Meta { born: 1.7e12, due_at: Some(1.5e12), ..Meta::default() };
    /// // Times are whole milliseconds.
    /// assert_eq!(Meta::decode(&meta.encode()), Some(meta));
    /// ```
    pub fn encode(&self) -> String {
        let number = |n: u64| {
            let mut s = String::new();
            push_uint(&mut s, n, 1);
            s
        };
        let mut fields = vec![
            "sk1".to_string(),
            number(whole(self.born)),
            self.due_at.map(|d| number(whole(d))).unwrap_or_default(),
        ];
        for cookie in [&self.session_cookie, &self.refresh_cookie] {
            match cookie {
                Some(c) => {
                    fields.push(c.name.clone());
                    fields.push(c.path.clone());
                    fields.push(c.domain.clone().unwrap_or_default());
                }
                None => fields.extend([String::new(), String::new(), String::new()]),
            }
        }
        fields.join("\n")
    }

    /// Reads [`Meta::encode`]'s output; anything else (garbage, another version) is `None`.
    ///
    /// ```
    /// use session_keeper::storage::Meta;
    /// assert_eq!(Meta::decode(&Meta::default().encode()), Some(Meta::default()));
    /// assert_eq!(Meta::decode("garbage"), None);
    /// ```
    pub fn decode(text: &str) -> Option<Meta> {
        let fields: Vec<&str> = text.split('\n').collect();
        let [version, born, due, cookies @ ..] = fields.as_slice() else {
            return None;
        };
        if *version != "sk1" || cookies.len() != 6 {
            return None;
        }
        let due_at = match *due {
            "" => None,
            due => Some(due.parse::<u64>().ok()? as f64),
        };
        let place = |f: &[&str]| -> Option<Option<CookiePlace>> {
            match f {
                ["", "", ""] => Some(None),
                [name, path, domain]
                    if is_cookie_name(name)
                        && path.starts_with('/')
                        && is_attribute_safe(path)
                        && is_attribute_safe(domain) =>
                {
                    Some(Some(CookiePlace {
                        name: name.to_string(),
                        path: path.to_string(),
                        domain: (!domain.is_empty()).then(|| domain.to_string()),
                    }))
                }
                _ => None,
            }
        };
        Some(Meta {
            born: born.parse::<u64>().ok()? as f64,
            due_at,
            session_cookie: place(&cookies[..3])?,
            refresh_cookie: place(&cookies[3..])?,
        })
    }
}

/// A time as whole non-negative milliseconds (0 for anything else).
fn whole(ms: f64) -> u64 {
    if ms.is_finite() && ms >= 0.0 {
        ms.round() as u64
    } else {
        0
    }
}

/// Whether a stored or received token can be used in an HTTP header and a cookie: visible
/// ASCII only, and of a sane length. Anything else in storage is treated as absent.
///
/// ```
/// use session_keeper::storage::usable_token;
/// assert!(usable_token("eyJ.eyJ.sig"));
/// assert!(!usable_token("bad\ntoken"));
/// assert!(!usable_token(""));
/// ```
pub fn usable_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Longer "tokens" are refused: 2 MiB is far beyond any real JWT.
///
/// ```
/// use session_keeper::storage::{usable_token, MAX_TOKEN_LEN};
/// assert!(usable_token(&"a".repeat(MAX_TOKEN_LEN)));
/// assert!(!usable_token(&"a".repeat(MAX_TOKEN_LEN + 1)));
/// ```
pub const MAX_TOKEN_LEN: usize = 2 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_with_cookies() {
        let meta = Meta {
            born: 1_700_000_000_000.0,
            due_at: Some(1_700_000_000_123.0),
            session_cookie: Some(CookiePlace {
                name: "DS".into(),
                path: "/".into(),
                domain: Some("example.com".into()),
            }),
            refresh_cookie: Some(CookiePlace {
                name: "my-refresh".into(),
                path: "/app".into(),
                domain: None,
            }),
        };
        assert_eq!(Meta::decode(&meta.encode()), Some(meta));
        assert_eq!(
            Meta::decode(&Meta::default().encode()),
            Some(Meta::default())
        );
    }

    #[test]
    fn meta_refuses_garbage() {
        for text in [
            "",
            "garbage",
            "sk1",
            "sk1\n1\n\n\n\n\n\n",
            "sk1\n1\n\n\n\n\n\n\n\n",
            "sk2\n1\n\n\n\n\n\n\n\n",
            "sk1\nx\n\n\n\n\n\n\n\n",
            "sk1\n1\nNaN\n\n\n\n\n\n\n",
            "sk1\n1\n\nDS\nnoslash\n\n\n\n\n",
            "sk1\n1\n\nbad name\n/\n\n\n\n\n",
            "sk1\n1\n\nDS\n\n\n\n\n\n",
        ] {
            assert_eq!(Meta::decode(text), None, "{text:?}");
        }
    }

    #[test]
    fn memory_store_works() {
        let store = MemoryStore::default();
        assert_eq!(store.get("a"), None);
        store.set("a", "1").unwrap();
        assert_eq!(store.get("a").as_deref(), Some("1"));
        store.remove("a");
        assert_eq!(store.get("a"), None);
        assert!(!store.shared());
    }

    #[test]
    fn token_sanity() {
        assert!(usable_token("a"));
        assert!(!usable_token("a b"));
        assert!(!usable_token("é"));
        assert!(usable_token(&"a".repeat(MAX_TOKEN_LEN)));
        assert!(!usable_token(&"a".repeat(MAX_TOKEN_LEN + 1)));
    }
}
