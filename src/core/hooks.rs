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

/// A JSON-like value, copied out of a body.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    List(Vec<Tree>),
    /// An object, its members in order.
    Map(Vec<(String, Tree)>),
}

/// A deep copy of `value` for a hook: token fields and strings equal to one of `secrets` are
/// left out, at any depth (down to [`MAX_DEPTH`]); `null` members are left out too.
///
/// ```
/// use session_keeper::core::{hooks::{shown, Tree}, testing::parse};
/// let body = parse(r#"{"user": {"name": "Ada", "jwt": "S1"}, "refreshJwt": "R1"}"#);
/// let user = Tree::Map(vec![("name".into(), Tree::Str("Ada".into()))]);
/// assert_eq!(shown(&body, &["S1"]), Some(Tree::Map(vec![("user".into(), user)])));
/// ```
pub fn shown<O: super::obj::Obj>(value: &O, secrets: &[&str]) -> Option<Tree> {
    copy(value, secrets, 0)
}

fn copy<O: super::obj::Obj>(value: &O, secrets: &[&str], depth: usize) -> Option<Tree> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(items) = value.items() {
        let mut list = Vec::new();
        for item in &items {
            if let Some(copied) = copy(item, secrets, depth + 1) {
                list.push(copied);
            }
        }
        return Some(Tree::List(list));
    }
    if value.is_object() {
        let mut members = Vec::new();
        for key in value.keys() {
            if TOKEN_FIELDS.contains(&key.as_str()) {
                continue;
            }
            if let Some(member) = value.field(&key).and_then(|v| copy(&v, secrets, depth + 1)) {
                members.push((key, member));
            }
        }
        return Some(Tree::Map(members));
    }
    if let Some(text) = value.string() {
        return (!secrets.contains(&text.as_str())).then_some(Tree::Str(text));
    }
    if let Some(flag) = value.boolean() {
        return Some(Tree::Bool(flag));
    }
    value.number().map(Tree::Num)
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

    fn tree(text: &str, secrets: &[&str]) -> Option<Tree> {
        shown(&parse(text), secrets)
    }

    #[test]
    fn no_token_at_any_depth() {
        let body = r#"{"sessionJwt":"S","refreshJwt":"R","trustedDeviceJwt":"T",
            "externalToken":"E","accessKey":"K","user":{"name":"Ada","nested":[{"sessionJwt":"S",
            "copy":"R","other":"x"}]},"n":2,"ok":true,"none":null}"#;
        let shown = tree(body, &["R", "S"]).unwrap();
        let text = format!("{shown:?}");
        for secret in [
            "\"S\"",
            "\"R\"",
            "\"T\"",
            "\"E\"",
            "\"K\"",
            "Jwt",
            "Token",
            "accessKey",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("Ada") && text.contains("\"x\""), "{text}");
        assert!(text.contains("Num(2.0)") && text.contains("Bool(true)"));
        assert!(!text.contains("none"));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = ["[".repeat(100), "]".repeat(100)].concat();
        let mut t = tree(&deep, &[]).unwrap();
        let mut levels = 0;
        while let Tree::List(mut items) = t {
            levels += 1;
            match items.pop() {
                Some(inner) => t = inner,
                None => break,
            }
        }
        assert_eq!(levels, MAX_DEPTH + 1);
        // Objects too.
        let deep = ["{\"a\":".repeat(100), "1".into(), "}".repeat(100)].concat();
        let mut t = tree(&deep, &[]).unwrap();
        let mut levels = 0;
        while let Tree::Map(mut members) = t {
            levels += 1;
            match members.pop() {
                Some((_, inner)) => t = inner,
                None => break,
            }
        }
        assert_eq!(levels, MAX_DEPTH + 1);
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
