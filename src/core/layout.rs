//! The storage layout: key names, token sanity, and the small record that remembers how the
//! session was written, so that it can be restored, ordered against other tabs' copies and
//! cleared exactly.

use super::cookie::{is_attribute_safe, is_cookie_name, push_uint, CookiePlace};

/// Storage key suffix of the session token (when it is not in a cookie): `<prefix>DS`.
pub const SESSION_KEY: &str = "DS";
/// Storage key suffix of the refresh token (when it is not in a cookie): `<prefix>DSR`.
pub const REFRESH_KEY: &str = "DSR";
/// Storage key suffix of the last known user, as JSON: `<prefix>DSU`.
pub const USER_KEY: &str = "DSU";
/// Storage key suffix of the [`Meta`] record: `<prefix>DSM`.
pub const META_KEY: &str = "DSM";
/// Storage key suffix of the refresh cookie's name the server gave: `<prefix>DSRCN`, as
/// `@descope/web-js-sdk` keeps it.
pub const RCN_KEY: &str = "DSRCN";
/// Every key suffix this package removes when the session is cleared: its own, and those
/// `@descope/web-js-sdk` writes next to the tokens (ID token, refresh cookie name).
pub const ALL_KEYS: [&str; 6] = [SESSION_KEY, REFRESH_KEY, USER_KEY, META_KEY, "DSI", RCN_KEY];

/// The logged-in indicator in localStorage, unprefixed and shared with `@descope/web-js-sdk`
/// (and Descope Flows on the same origin): the session's expiry in epoch seconds while signed
/// in, removed on logout and when the server refuses the session.
pub const LOGGED_IN_KEY: &str = "DSLI";
/// The last user's login id in localStorage, unprefixed and shared with `@descope/web-js-sdk`.
pub const LAST_LOGIN_ID_KEY: &str = "dls_last_user_login_id";
/// The last user's display name in localStorage, unprefixed and shared with
/// `@descope/web-js-sdk`.
pub const LAST_NAME_KEY: &str = "dls_last_user_display_name";

/// Clock skew allowed between tabs' times (same machine, so only ordering noise).
pub const SKEW_MS: f64 = 1_000.0;
/// The latest time a JS `Date` can hold: every stored or scheduled time is clamped below it.
pub const MAX_EPOCH_MS: f64 = 8.64e15;
/// Cookie names remembered from responses, at most.
pub const MAX_NAMES: usize = 4;

/// Rotations of one session are counted up to this; more is garbage.
pub const MAX_GEN: u64 = 1 << 40;

/// How the session was written.
///
/// ```
/// use session_keeper::core::layout::Meta;
/// let meta = Meta { born: 1_700_000_000_000.0, gen: 3, ..Meta::default() };
/// assert_eq!(Meta::decode(&meta.encode(), 1_800_000_000_000.0), Some(meta));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// When the session began (epoch ms): a sign-in after the last logout seen.
    pub born: f64,
    /// Rotations since it began: of two copies of one session, the higher is newer.
    pub gen: u64,
    /// The refresh token is an httpOnly cookie the server keeps (the sign-in carried no
    /// `refreshJwt`): a tab without one may still refresh, and a refusal ends the session.
    pub http_only: bool,
    /// The last session response set `nextRefreshSeconds`: the server ends idle sessions, so
    /// with activity tracking a refresh waits for the user.
    pub idle: bool,
    /// Cookie names the server's responses named (`sessionCookieName`, `cookieName`): another
    /// writer (the official SDK) may have used them, so clearing looks for them too.
    pub names: Vec<String>,
    /// When the next refresh attempt is planned (epoch ms).
    pub due_at: Option<f64>,
    /// Where the session cookie was written, when it was (boxed, as the other place: the
    /// record moves and clones often, mostly without them).
    pub session_cookie: Option<Box<CookiePlace>>,
    /// Where the refresh cookie was written, when it was.
    pub refresh_cookie: Option<Box<CookiePlace>>,
}

/// Number of `\n`-separated lines of an encoded [`Meta`].
pub const META_LINES: usize = 12;

impl Meta {
    /// `(born, gen)`: the order of sessions and of rotations within one.
    pub fn version(&self) -> (f64, u64) {
        (self.born, self.gen)
    }

    /// A compact text form (no JSON in the wasm): twelve lines.
    pub fn encode(&self) -> String {
        let mut out = String::from("sk2\n");
        push_uint(&mut out, whole(self.born), 1);
        out.push('\n');
        push_uint(&mut out, self.gen, 1);
        out.push('\n');
        if self.http_only {
            out.push('h');
        }
        if self.idle {
            out.push('i');
        }
        out.push('\n');
        if let Some(due) = self.due_at {
            push_uint(&mut out, whole(due), 1);
        }
        for cookie in [&self.session_cookie, &self.refresh_cookie] {
            for part in match cookie {
                Some(c) => [
                    c.name.as_str(),
                    c.path.as_str(),
                    c.domain.as_deref().unwrap_or(""),
                ],
                None => ["", "", ""],
            } {
                out.push('\n');
                out.push_str(part);
            }
        }
        out.push('\n');
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(name);
        }
        out
    }

    /// Reads [`Meta::encode`]'s form back; `None` for anything else, including times later
    /// than `now` allows (a record from the future would outrank every real session).
    pub fn decode(text: &str, now: f64) -> Option<Meta> {
        let mut fields = Vec::new();
        for field in super::split(text, '\n') {
            fields.push(field);
        }
        Meta::from_lines(&fields, now)
    }

    /// [`Meta::decode`] of lines already split.
    pub fn from_lines(fields: &[&str], now: f64) -> Option<Meta> {
        let [version, born, gen, http_only, due, cookies @ ..] = fields else {
            return None;
        };
        let (http_only, idle) = match *http_only {
            "" => (false, false),
            "h" => (true, false),
            "i" => (false, true),
            "hi" => (true, true),
            _ => return None,
        };
        let [s_name, s_path, s_domain, r_name, r_path, r_domain, names] = cookies else {
            return None;
        };
        if *version != "sk2" {
            return None;
        }
        let mut list = Vec::new();
        for name in super::split(names, ',').filter(|n| !n.is_empty()) {
            if !is_cookie_name(name) {
                return None;
            }
            list.push(name.to_owned());
        }
        if list.len() > MAX_NAMES {
            return None;
        }
        let names = list;
        let born = number(born)?;
        let gen = super::parse_uint(gen).filter(|g| *g <= MAX_GEN)?;
        if born > now + SKEW_MS {
            return None;
        }
        let due_at = match *due {
            "" => None,
            due => Some(number(due)?),
        };
        let place = |f: [&str; 3]| -> Option<Option<Box<CookiePlace>>> {
            match f {
                ["", "", ""] => Some(None),
                [name, path, domain]
                    if is_cookie_name(name)
                        && path.starts_with('/')
                        && is_attribute_safe(path)
                        && is_attribute_safe(domain) =>
                {
                    Some(Some(Box::new(CookiePlace {
                        name: name.into(),
                        path: path.into(),
                        domain: (!domain.is_empty()).then(|| domain.into()),
                    })))
                }
                _ => None,
            }
        };
        Some(Meta {
            born,
            gen,
            http_only,
            idle,
            due_at,
            session_cookie: place([s_name, s_path, s_domain])?,
            refresh_cookie: place([r_name, r_path, r_domain])?,
            names,
        })
    }
}

/// A whole number of ms, at most [`MAX_EPOCH_MS`].
fn number(text: &str) -> Option<f64> {
    // (`parse_uint` refuses an empty text; a `+` or leading zeros are refused here.)
    if text.len() > 16 || !super::all_bytes(text, |b| b.is_ascii_digit()) {
        return None;
    }
    let n = super::parse_uint(text)? as f64;
    (n <= MAX_EPOCH_MS).then_some(n)
}

fn whole(ms: f64) -> u64 {
    if ms.is_finite() && ms >= 0.0 {
        ms.min(MAX_EPOCH_MS).round() as u64
    } else {
        0
    }
}

/// Whether a value could be a token: visible ASCII, no spaces, at most [`MAX_TOKEN_LEN`].
///
/// ```
/// use session_keeper::core::layout::usable_token;
/// assert!(usable_token("eyJ.eyJ.sig"));
/// assert!(!usable_token("two words"));
/// ```
pub fn usable_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && super::all_bytes(token, |b| (0x21..=0x7e).contains(&b))
}

/// The longest token accepted (2 MiB).
pub const MAX_TOKEN_LEN: usize = 2 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_800_000_000_000.0;

    #[test]
    fn meta_round_trips_with_cookies() {
        let meta = Meta {
            born: 1_700_000_000_000.0,
            gen: 42,
            http_only: true,
            idle: false,
            names: vec!["SKS".into(), "SKR".into()],
            due_at: Some(1_700_000_000_123.0),
            session_cookie: Some(Box::new(CookiePlace {
                name: "DS".into(),
                path: "/".into(),
                domain: Some("example.com".into()),
            })),
            refresh_cookie: Some(Box::new(CookiePlace {
                name: "my-refresh".into(),
                path: "/app".into(),
                domain: None,
            })),
        };
        assert_eq!(Meta::decode(&meta.encode(), NOW), Some(meta.clone()));
        for (http_only, idle) in [(false, true), (true, true), (false, false)] {
            let meta = Meta {
                http_only,
                idle,
                ..meta.clone()
            };
            assert_eq!(Meta::decode(&meta.encode(), NOW), Some(meta));
        }
        assert_eq!(
            Meta::decode(&Meta::default().encode(), NOW),
            Some(Meta::default())
        );
        assert_eq!(Meta::default().encode().split('\n').count(), META_LINES);
        // Names are joined by commas, nothing before the first.
        assert!(meta.encode().ends_with("\nSKS,SKR"));
        // As many names as allowed, and a session born at the edge of the allowed skew.
        let edge = Meta {
            born: NOW + SKEW_MS,
            names: (0..MAX_NAMES)
                .map(|i| ["N", &i.to_string()].concat())
                .collect(),
            ..Meta::default()
        };
        assert_eq!(Meta::decode(&edge.encode(), NOW), Some(edge));
    }

    #[test]
    fn meta_refuses_garbage_and_the_future() {
        for text in [
            "",
            "garbage",
            "sk2",
            "sk1\n1\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n1\n0\n\n\n\n\n\n\n\n",
            "sk2\n1\n0\n\n\n\n\n\n\n\n\n\n",
            "sk2\nx\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n1\n-1\n\n\n\n\n\n\n\n\n",
            "sk2\n1\n0\nyes\n\n\n\n\n\n\n\n",
            "sk2\n1\n0\n\nNaN\n\n\n\n\n\n\n",
            "sk2\n1\n0\n\n\nDS\nnoslash\n\n\n\n\n",
            "sk2\n1\n0\n\n\nbad name\n/\n\n\n\n\n",
            "sk2\n99999999999999999999\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n1\n99999999999999999999\n\n\n\n\n\n\n\n\n",
            "sk2\n1e300\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n+5\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n00000000000000001\n0\n\n\n\n\n\n\n\n\n",
            "sk2\n1\n0\n\n00000000000000001\n\n\n\n\n\n\n",
            "sk2\n1\n0\n\n\n\n\n\n\n\n\nbad name",
            "sk2\n1\n0\n\n\n\n\n\n\n\n\na,b,c,d,e",
            "sk2\n1\n0\n\n\n\n\n\n\n\n\na;b",
        ] {
            assert_eq!(Meta::decode(text, NOW), None, "{text:?}");
        }
        let future = Meta {
            born: NOW + 60_000.0,
            ..Meta::default()
        };
        assert_eq!(Meta::decode(&future.encode(), NOW), None);
        assert!(Meta::decode(&future.encode(), NOW + 60_000.0).is_some());
    }

    #[test]
    fn absurd_times_are_clamped_when_written() {
        let meta = Meta {
            born: f64::INFINITY,
            due_at: Some(1e300),
            ..Meta::default()
        };
        let back = Meta::decode(&meta.encode(), MAX_EPOCH_MS).unwrap();
        assert_eq!(back.born, 0.0);
        assert_eq!(back.due_at, Some(MAX_EPOCH_MS));
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
