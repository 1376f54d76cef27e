//! Typed reads of JSON-like objects: the JS objects the browser decoded, or `serde_json`
//! values in native tests. The pure modules read through [`Obj`], so the same code decides in
//! the browser and in `cargo test`, and the wasm build carries no deserialization framework.

/// A JSON-like value. The crate implements it for `JsValue` (the browser) and, in its test
/// kit (`core::testing`, feature `testing`), for `serde_json` values:
///
/// ```
/// use session_keeper::core::{obj::opt_string, testing::parse};
///
/// let options = parse(r#"{ "projectId": "P2abc", "baseUrl": null }"#);
/// assert_eq!(opt_string(&options, "projectId"), Ok(Some("P2abc".into())));
/// assert_eq!(opt_string(&options, "baseUrl"), Ok(None));
/// ```
pub trait Obj: Sized {
    /// The member `key`, when present and neither `null` nor `undefined`.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// let o = parse(r#"{"a": 1, "b": null}"#);
    /// assert!(o.field("a").is_some());
    /// assert!(o.field("b").is_none() && o.field("c").is_none());
    /// ```
    fn field(&self, key: &str) -> Option<Self>;
    /// The value as a string.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// assert_eq!(parse(r#""P2abc""#).string().as_deref(), Some("P2abc"));
    /// assert_eq!(parse("5").string(), None);
    /// ```
    fn string(&self) -> Option<String>;
    /// The value as a number.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// assert_eq!(parse("2.5").number(), Some(2.5));
    /// assert_eq!(parse(r#""2.5""#).number(), None);
    /// ```
    fn number(&self) -> Option<f64>;
    /// The value as a boolean.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// assert_eq!(parse("true").boolean(), Some(true));
    /// assert_eq!(parse(r#""true""#).boolean(), None);
    /// ```
    fn boolean(&self) -> Option<bool>;
    /// Whether the value is an object (not an array).
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// assert!(Obj::is_object(&parse("{}")));
    /// assert!(!Obj::is_object(&parse("[]")));
    /// ```
    fn is_object(&self) -> bool;
    /// The elements, when the value is an array.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// let roles = parse(r#"["admin", "viewer"]"#);
    /// assert_eq!(roles.items().map(|items| items.len()), Some(2));
    /// ```
    fn items(&self) -> Option<Vec<Self>>;
    /// Whether the value is an array (without copying its elements).
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// assert!(parse("[1]").is_list());
    /// assert!(!parse(r#"{"0": 1}"#).is_list());
    /// ```
    fn is_list(&self) -> bool {
        self.items().is_some()
    }
    /// Whether the value is a string.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// assert!(Obj::is_string(&parse(r#""admin""#)));
    /// assert!(!Obj::is_string(&parse("1")));
    /// ```
    fn is_string(&self) -> bool {
        self.string().is_some()
    }
    /// The own enumerable keys, when the value is an object.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::obj::Obj;
    /// let headers = parse(r#"{"x-app": "web"}"#);
    /// assert_eq!(headers.keys(), ["x-app"]);
    /// ```
    fn keys(&self) -> Vec<String>;
    /// The JSON text of an object (not an array); `None` for anything else.
    fn object_json(&self) -> Option<String>;
}

/// The name of a member that has the wrong type.
///
/// ```
/// use session_keeper::core::obj::Wrong;
/// let wrong = Wrong("requestTimeoutMs");
/// assert_eq!(wrong.message("a number"), "`requestTimeoutMs` must be a number");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wrong(pub &'static str);

impl Wrong {
    /// The message ``"`key` must be <what>"``, with this member's name as `key`.
    ///
    /// ```
    /// use session_keeper::core::obj::Wrong;
    /// assert_eq!(Wrong("persist").message("a string"), "`persist` must be a string");
    /// ```
    pub fn message(self, what: &str) -> String {
        super::cat(&["`", self.0, "` must be ", what])
    }
}

/// An optional string member.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::obj::{opt_string, Wrong};
/// let o = parse(r#"{"name": "Ada", "age": 36}"#);
/// assert_eq!(opt_string(&o, "name"), Ok(Some("Ada".into())));
/// assert_eq!(opt_string(&o, "email"), Ok(None));
/// assert_eq!(opt_string(&o, "age"), Err(Wrong("age")));
/// ```
pub fn opt_string<O: Obj>(o: &O, key: &'static str) -> Result<Option<String>, Wrong> {
    o.field(key)
        .map(|v| v.string().ok_or(Wrong(key)))
        .transpose()
}

/// An optional number member.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::obj::{opt_number, Wrong};
/// let o = parse(r#"{"cookieMaxAge": 3600, "cookiePath": "/"}"#);
/// assert_eq!(opt_number(&o, "cookieMaxAge"), Ok(Some(3600.0)));
/// assert_eq!(opt_number(&o, "cookiePath"), Err(Wrong("cookiePath")));
/// ```
pub fn opt_number<O: Obj>(o: &O, key: &'static str) -> Result<Option<f64>, Wrong> {
    o.field(key)
        .map(|v| v.number().ok_or(Wrong(key)))
        .transpose()
}

/// An optional boolean member.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::obj::{opt_bool, Wrong};
/// let o = parse(r#"{"autoRefresh": false, "crossTab": "yes"}"#);
/// assert_eq!(opt_bool(&o, "autoRefresh"), Ok(Some(false)));
/// assert_eq!(opt_bool(&o, "crossTab"), Err(Wrong("crossTab")));
/// ```
pub fn opt_bool<O: Obj>(o: &O, key: &'static str) -> Result<Option<bool>, Wrong> {
    o.field(key)
        .map(|v| v.boolean().ok_or(Wrong(key)))
        .transpose()
}

/// The strings of an array member; members of another kind, and non-string items, are
/// skipped (for claims, where an odd shape must not make a session unusable).
pub fn strings_lenient<O: Obj>(o: &O, key: &str) -> Vec<String> {
    strings_of(&string_items(o, key))
}

/// The string items of a list, others skipped (a loop: no adapter chain per caller).
pub fn strings_of<O: Obj>(items: &[O]) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        if let Some(text) = item.string() {
            out.push(text);
        }
    }
    out
}

/// [`strings_lenient`], as the string values themselves.
pub fn string_items<O: Obj>(o: &O, key: &str) -> Vec<O> {
    let mut out = Vec::new();
    for item in o.field(key).and_then(|v| v.items()).unwrap_or_default() {
        if item.is_string() {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::parse;

    #[test]
    fn typed_members() {
        let v = parse(r#"{"s":"x","n":2.5,"b":true,"z":null,"a":["p",1,"q"]}"#);
        assert_eq!(opt_string(&v, "s"), Ok(Some("x".into())));
        assert_eq!(opt_string(&v, "missing"), Ok(None));
        assert_eq!(opt_string(&v, "z"), Ok(None));
        assert_eq!(opt_string(&v, "n"), Err(Wrong("n")));
        assert_eq!(opt_number(&v, "n"), Ok(Some(2.5)));
        assert_eq!(opt_number(&v, "s"), Err(Wrong("s")));
        assert_eq!(opt_bool(&v, "b"), Ok(Some(true)));
        assert_eq!(opt_bool(&v, "a"), Err(Wrong("a")));
        assert_eq!(strings_lenient(&v, "a"), ["p", "q"]);
        let items: Vec<_> = string_items(&v, "a").iter().map(Obj::string).collect();
        assert_eq!(items, [Some("p".into()), Some("q".into())]);
        assert!(Obj::is_string(&parse(r#""admin""#)));
        assert!(!Obj::is_string(&parse("1")));
        assert!(strings_lenient(&v, "s").is_empty());
        assert_eq!(Wrong("n").message("a string"), "`n` must be a string");
    }
}
