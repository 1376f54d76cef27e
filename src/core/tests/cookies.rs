//! Token cookies as written: which tokens may go to a cookie, where, what happens to the old
//! cookie when the place moves, and the storage fallback when the browser refuses them.

use super::*;
use crate::core::io::Kind;

/// A signed-in tab of `options` after applying `fields` merged into a sign-in response.
fn apply_fields(options: Json, fields: Json) -> (Tab, Vec<Effect>) {
    let mut tab = Tab::new(options);
    tab.start();
    let mut response = json!({"sessionJwt": session_jwt(1, T0 + 600_000.0), "refreshJwt": "R1"});
    for (k, v) in fields.as_object().unwrap() {
        response[k] = v.clone();
    }
    let effects = tab.step(Input::Apply(Box::new(reply(response))));
    (tab, effects)
}

fn path_of(put: &PutCookie) -> Option<&str> {
    put.text.split("; ").find_map(|a| a.strip_prefix("Path="))
}

#[test]
fn a_token_that_cannot_be_a_cookie_value_is_kept_in_storage() {
    let both = json!({"refreshTokenViaCookie": {"secure": false}});
    for token in ["R;1", "R,1", "R\"1", "R\\1"] {
        let (tab, effects) = apply_fields(both.clone(), json!({"refreshJwt": token}));
        let puts: Vec<&PutCookie> = pick!(effects, Effect::PutCookie(p) => &**p);
        assert!(
            puts.iter().all(|p| p.kind == Kind::Session),
            "{token}: {puts:?}"
        );
        assert_eq!(tab.env.item("DSR").as_deref(), Some(token));
        assert_eq!(tab.s.refresh_token(), Some(token));
    }
    let (tab, _) = apply_fields(both, json!({"refreshJwt": "R1"}));
    assert_eq!(
        tab.env.jar.borrow().get("DSR").map(String::as_str),
        Some("R1")
    );
    assert_eq!(tab.env.item("DSR"), None);
}

#[test]
fn a_cookie_path_must_be_absolute_and_attribute_safe() {
    for (path, want) in [
        ("/app", "/app"),
        ("app", "/"),
        ("/; Domain=evil.example", "/"),
        ("", "/"),
    ] {
        let (_, effects) = apply_fields(json!({}), json!({"cookiePath": path}));
        assert_eq!(path_of(put_cookie(&effects)), Some(want), "{path:?}");
    }
}

#[test]
fn a_cookie_that_moves_is_expired_where_it_was_and_one_that_stays_is_not() {
    let (mut tab, _) = apply_fields(json!({}), json!({"sessionCookieName": "A"}));
    assert!(tab.env.jar.borrow().contains_key("A"));
    let (_, request) = due_refresh(&mut tab);
    let mut moved = json!({
        "sessionJwt": session_jwt(2, tab.now + 600_000.0),
        "refreshJwt": "R2",
        "sessionCookieName": "B",
    });
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(reply(moved.clone())))),
    ));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Cookie(t) if t.starts_with("A=;"))),
        "{effects:?}"
    );
    assert!(!tab.env.jar.borrow().contains_key("A"));
    assert!(tab.env.jar.borrow().contains_key("B"));
    // The next rotation writes B again: nothing is expired.
    let (_, request) = due_refresh(&mut tab);
    moved["sessionJwt"] = json!(session_jwt(3, tab.now + 600_000.0));
    moved["refreshJwt"] = json!("R3");
    let effects = tab.step(Input::Answer(
        request.id,
        Ok(Reply::Jwt(Box::new(reply(moved)))),
    ));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Cookie(_))),
        "{effects:?}"
    );
    assert_eq!(
        tab.s.session_token(),
        tab.env.jar.borrow().get("B").map(String::as_str)
    );
}

#[test]
fn both_token_cookies_refused_fall_back_to_storage_each() {
    let mut tab = Tab::new(json!({"refreshTokenViaCookie": {"secure": false}}));
    tab.env.refuse.extend(["DS".to_owned(), "DSR".to_owned()]);
    tab.start();
    tab.step(Input::Apply(Box::new(sign_in(1, T0))));
    assert_eq!(tab.env.item("DS").as_deref(), tab.s.session_token());
    assert_eq!(tab.env.item("DSR").as_deref(), Some("R1"));
    assert!(tab.env.jar.borrow().is_empty());
}

#[test]
fn a_logout_expires_the_cookie_where_this_tab_wrote_it_also_when_this_page_cannot_see_it() {
    // The page is at `/`, the cookie at `/app` (the server's `cookiePath`): `document.cookie`
    // here does not show it, and no search from `/` would look there.
    let (mut tab, _) = apply_fields(json!({}), json!({"cookiePath": "/app"}));
    tab.env.jar.borrow_mut().remove("DS");
    let effects = tab.step(Input::Call(1, Call::Logout));
    let expired: Vec<&str> = pick!(effects, Effect::Cookie(text) => text.as_str());
    assert!(
        expired
            .iter()
            .any(|t| t.starts_with("DS=; Path=/app;") && t.contains("Max-Age=0")),
        "{expired:?}"
    );
}
