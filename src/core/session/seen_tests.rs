//! The view of storage and cookies as the driver will leave them: the last queued write of a
//! key wins over earlier ones and over the page, and writes of other keys change nothing.

use super::*;
use std::collections::BTreeMap;

/// A page: storage items, `document.cookie` and the shared keys, as given.
struct Page {
    items: BTreeMap<&'static str, &'static str>,
    cookies: &'static str,
    shared: BTreeMap<&'static str, &'static str>,
}

impl Env for Page {
    fn item(&self, key: &str) -> Option<String> {
        self.items.get(key).map(|v| v.to_string())
    }
    fn cookies(&self) -> String {
        self.cookies.to_owned()
    }
    fn claims(&self, _: &str) -> Option<Claims> {
        None
    }
    fn shared(&self, key: &str) -> Option<String> {
        self.shared.get(key).map(|v| v.to_string())
    }
    fn login(&self, _: &str) -> Option<(String, Option<String>)> {
        None
    }
}

fn page(cookies: &'static str) -> Page {
    Page {
        items: BTreeMap::from([("a", "page a"), ("c", "page c")]),
        cookies,
        shared: BTreeMap::from([("x", "page x"), ("z", "page z")]),
    }
}

fn put(name: &str, value: &str) -> Effect {
    Effect::PutCookie(Box::new(PutCookie {
        kind: Kind::Session,
        text: [name, "=", value, "; Path=/"].concat(),
        name: name.to_owned(),
        value: value.to_owned(),
    }))
}

fn seen<'a>(env: &'a Page, out: &'a [Effect]) -> Seen<'a> {
    Seen { env, out }
}

#[test]
fn an_item_reads_the_last_queued_write_of_its_key() {
    let env = page("");
    let out = [
        Effect::Set("a".into(), "first".into()),
        Effect::Set("b".into(), "queued b".into()),
        Effect::Remove("a".into()),
        Effect::Set("c".into(), "queued c".into()),
        Effect::Remove("d".into()),
    ];
    let view = seen(&env, &out);
    assert_eq!(view.item("a"), None, "removed after it was set");
    assert_eq!(
        view.item("b").as_deref(),
        Some("queued b"),
        "the removal of another key"
    );
    assert_eq!(
        view.item("c").as_deref(),
        Some("queued c"),
        "over the page's value"
    );
    assert_eq!(view.item("e"), None);
    let out = [
        Effect::Remove("c".into()),
        Effect::Set("c".into(), "again".into()),
    ];
    assert_eq!(seen(&env, &out).item("c").as_deref(), Some("again"));
    assert_eq!(seen(&env, &out).item("a").as_deref(), Some("page a"));
}

#[test]
fn a_cookie_reads_its_last_queued_write_or_expiry() {
    let env = page("A=1; B=2; C=3");
    let jar = env.cookies();
    let cookie = |out: &[Effect], name: &str| seen(&env, out).cookie(&jar, name).map(String::from);
    let out = [
        put("B", "9"),
        Effect::Cookie("C=; Max-Age=0; Path=/".into()),
    ];
    assert_eq!(cookie(&out, "A").as_deref(), Some("1"), "untouched");
    assert_eq!(
        cookie(&out, "B").as_deref(),
        Some("9"),
        "written over the page's"
    );
    assert_eq!(cookie(&out, "C"), None, "expired");
    assert_eq!(cookie(&out, "D"), None);
    // Written after its expiry, expired after its write: the last one wins.
    let out = [Effect::Cookie("A=; Max-Age=0".into()), put("A", "0")];
    assert_eq!(cookie(&out, "A").as_deref(), Some("0"));
    let out = [put("A", "0"), Effect::Cookie("A=; Max-Age=0".into())];
    assert_eq!(cookie(&out, "A"), None);
    // Into an empty jar.
    let empty = page("");
    assert_eq!(seen(&empty, &[put("S", "t")]).cookie("", "S"), Some("t"));
    // A text without `=`, another name with the same start, a storage write: not this cookie.
    let out = [
        Effect::Cookie("garbage".into()),
        Effect::Cookie("AB=; Max-Age=0".into()),
        put("BA", "x"),
        Effect::Set("A".into(), "storage".into()),
    ];
    assert_eq!(cookie(&out, "A").as_deref(), Some("1"));
    assert_eq!(cookie(&out, "B").as_deref(), Some("2"));
    // `cookies()` itself is the page's jar, as it is now.
    assert_eq!(seen(&env, &[put("A", "0")]).cookies(), "A=1; B=2; C=3");
}

#[test]
fn shared_keys_read_the_last_queued_write_of_their_key() {
    let env = page("");
    let out = [
        Effect::Shared("x".into(), Some("queued x".into())),
        Effect::Shared("y".into(), Some("queued y".into())),
        Effect::Shared("z".into(), None),
    ];
    let view = seen(&env, &out);
    assert_eq!(view.shared("x").as_deref(), Some("queued x"));
    assert_eq!(view.shared("y").as_deref(), Some("queued y"));
    assert_eq!(view.shared("z"), None, "removed");
    assert_eq!(seen(&env, &[]).shared("z").as_deref(), Some("page z"));
    assert_eq!(view.shared("w"), None);
}
