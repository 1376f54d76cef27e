//! What the request hooks (`hooks.beforeRequest`, `hooks.afterRequest`) are shown, and what
//! they and `baseHeaders` may change: the rules are here, the shell only hands the values
//! over.
//!
//! - A hook never sees a token: the body it is shown is a deep copy without any token field
//!   ([`TOKEN_FIELDS`]) at any depth, and without any string equal to a token the session
//!   holds ([`shown`]). Being a copy, changing it changes nothing the session stores.
//! - Header names are compared case-insensitively ([`put_header`]): a later setting replaces
//!   an earlier one instead of being appended to it, and nobody but the session sets
//!   `Authorization` ([`may_set`]).

use super::obj::Obj;

/// The response fields that hold tokens (Descope's JWTResponse and the access-key exchange).
pub const TOKEN_FIELDS: [&str; 5] = [
    "sessionJwt",
    "refreshJwt",
    "trustedDeviceJwt",
    "externalToken",
    "accessKey",
];

/// How deep a copy goes; anything deeper is left out (a body nested further is no API answer,
/// and a bounded depth keeps the copy from exhausting the stack).
pub const MAX_DEPTH: usize = 32;

/// A value a copy is made of: the copy is a value of the same kind, made fresh (a JS value in
/// the browser, a `serde_json` value in tests), so no [`Obj`] is copied twice.
pub trait Fresh: Obj + Clone {
    /// A new empty array.
    fn new_list() -> Self;
    /// A new empty object.
    fn new_map() -> Self;
    /// Appends `item` to an array made by [`Fresh::new_list`].
    fn push(&mut self, item: Self);
    /// Sets member `key` of an object made by [`Fresh::new_map`].
    fn insert(&mut self, key: &str, value: Self);
}

/// A deep copy of `value` for a hook: token fields and strings equal to one of `secrets` are
/// left out, at any depth (down to [`MAX_DEPTH`]); `null` members and values that are not
/// JSON are left out too. Arrays and objects are new; strings, numbers and booleans (which
/// nobody can change) are the values themselves.
///
/// ```
/// use session_keeper::core::{hooks::shown, testing::parse};
/// let body = parse(r#"{"user": {"name": "Ada", "jwt": "S1"}, "refreshJwt": "R1"}"#);
/// assert_eq!(shown(&body, &["S1".to_string()]), Some(parse(r#"{"user": {"name": "Ada"}}"#)));
/// ```
pub fn shown<O: Fresh>(value: &O, secrets: &[String]) -> Option<O> {
    copy(value, secrets, 0)
}

fn copy<O: Fresh>(value: &O, secrets: &[String], depth: usize) -> Option<O> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(items) = value.items() {
        let mut list = O::new_list();
        for item in &items {
            if let Some(copied) = copy(item, secrets, depth + 1) {
                list.push(copied);
            }
        }
        return Some(list);
    }
    if value.is_object() {
        let mut members = O::new_map();
        for key in &value.keys() {
            if TOKEN_FIELDS.contains(&key.as_str()) {
                continue;
            }
            if let Some(member) = value.field(key).and_then(|v| copy(&v, secrets, depth + 1)) {
                members.insert(key, member);
            }
        }
        return Some(members);
    }
    let plain = match value.string() {
        Some(text) => !secrets.contains(&text),
        None => value.boolean().is_some() || value.number().is_some(),
    };
    plain.then(|| value.clone())
}

/// Whether `a` and `b` name the same header (ASCII case-insensitive).
pub fn same_header(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether a hook or `baseHeaders` may set header `name`: anything but `Authorization`,
/// which only the session sets.
///
/// ```
/// use session_keeper::core::hooks::may_set;
/// assert!(may_set("x-app") && may_set("Content-Type"));
/// assert!(!may_set("authorization") && !may_set("AUTHORIZATION"));
/// ```
pub fn may_set(name: &str) -> bool {
    !same_header(name, "Authorization")
}

/// Sets header `name` in `headers`, replacing one of the same name in any case (a `Headers`
/// object would append to it: `application/json, text/plain`).
///
/// ```
/// use session_keeper::core::hooks::put_header;
/// let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
/// put_header(&mut headers, "content-type", "text/plain".into());
/// assert_eq!(headers, [("content-type".to_string(), "text/plain".to_string())]);
/// ```
pub fn put_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    super::remove_pairs(headers, name, same_header);
    headers.push((name.to_owned(), value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::parse;

    fn copy(text: &str, secrets: &[&str]) -> Option<serde_json::Value> {
        let secrets: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
        shown(&parse(text), &secrets)
    }

    #[test]
    fn no_token_at_any_depth() {
        let body = r#"{"sessionJwt":"S","refreshJwt":"R","trustedDeviceJwt":"T",
            "externalToken":"E","accessKey":"K","user":{"name":"Ada","nested":[{"sessionJwt":"S",
            "copy":"R","other":"x"}, "S", 3]},"n":2,"ok":true,"none":null}"#;
        let shown = copy(body, &["R", "S"]).unwrap();
        assert_eq!(
            shown,
            parse(r#"{"user":{"name":"Ada","nested":[{"other":"x"}, 3]},"n":2,"ok":true}"#)
        );
        // Nothing left out without secrets but the token fields and `null`.
        assert_eq!(
            copy(r#"[{"a":"S"}, "R", false, null]"#, &[]),
            Some(parse(r#"[{"a":"S"}, "R", false]"#))
        );
        assert_eq!(copy(r#""S""#, &["S"]), None);
    }

    #[test]
    fn depth_is_bounded() {
        let depth = |mut v: serde_json::Value| {
            let mut levels = 0;
            loop {
                let inner = match v {
                    serde_json::Value::Array(mut items) => items.pop(),
                    serde_json::Value::Object(members) => {
                        members.into_iter().next().map(|(_, v)| v)
                    }
                    _ => break,
                };
                levels += 1;
                match inner {
                    Some(inner) => v = inner,
                    None => break,
                }
            }
            levels
        };
        let deep = ["[".repeat(100), "]".repeat(100)].concat();
        assert_eq!(depth(copy(&deep, &[]).unwrap()), MAX_DEPTH + 1);
        // Objects too.
        let deep = ["{\"a\":".repeat(100), "1".into(), "}".repeat(100)].concat();
        assert_eq!(depth(copy(&deep, &[]).unwrap()), MAX_DEPTH + 1);
    }

    #[test]
    fn header_names_are_case_insensitive() {
        let mut headers = Vec::new();
        put_header(&mut headers, "X-App", "a".into());
        put_header(&mut headers, "x-app", "b".into());
        put_header(&mut headers, "x-other", "c".into());
        assert_eq!(
            headers,
            [("x-app".into(), "b".into()), ("x-other".into(), "c".into())]
        );
        assert!(!may_set("Authorization") && !may_set("aUtHoRiZaTiOn"));
    }
}
