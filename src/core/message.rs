//! Messages between the tabs of an origin (BroadcastChannel), as plain text the session
//! encodes and checks itself: another same-origin script can post anything on the channel, so
//! nothing is trusted that would not also be accepted from storage.

use super::cookie::push_uint;
use super::layout::{usable_token, Meta, META_LINES, SKEW_MS};

/// A message from another tab.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// The tab holds these tokens (after a sign-in or a rotation).
    Sync {
        /// The session's order and where its cookies are.
        meta: Meta,
        /// The session JWT.
        session: String,
        /// The refresh JWT, unless the server keeps it in an httpOnly cookie.
        refresh: Option<String>,
        /// The user as JSON.
        user: Option<String>,
    },
    /// The tab signed out at this epoch-ms time: sessions born then or earlier are over. The
    /// second field tags the refresh token the logout presented to the server (its 64-bit
    /// FNV-1a hash, 0 for none): a tab that holds another one (it
    /// rotated meanwhile) revokes its own, so the server keeps no token of the session.
    Logout(f64, u64),
    /// A new tab without a refresh token asks the others, at this time, to tell what they
    /// hold (a tab that wakes from a freeze later does not answer with a stale session).
    Hello(f64),
    /// The user was active in a tab at this time (`markUserActive()` with activity tracking):
    /// it counts for every tab of the origin.
    Active(f64),
    /// A tab holds the cycle's turn and acts at this time (epoch ms): it sends a request now,
    /// or its refresh failed transiently and it keeps the lock until it tries again then.
    /// The tabs waiting for the lock take it as news of a live holder.
    Turn(f64),
    /// A tab found the cycle's lock busy: the tab holding it answers with a [`Message::Turn`].
    Ask(f64),
}

impl Message {
    /// Text form: a type letter, then lines.
    pub fn encode(&self) -> String {
        match self {
            Message::Sync {
                meta,
                session,
                refresh,
                user,
            } => super::cat(&[
                "S\n",
                &meta.encode(),
                "\n",
                session,
                "\n",
                refresh.as_deref().unwrap_or(""),
                "\n",
                user.as_deref().unwrap_or(""),
            ]),
            Message::Hello(at) => timed("H\n", *at),
            Message::Logout(at, token) => {
                let mut out = timed("L\n", *at);
                if *token != 0 {
                    out.push('\n');
                    push_uint(&mut out, *token, 1);
                }
                out
            }
            Message::Active(at) => timed("A\n", *at),
            Message::Turn(at) => timed("T\n", *at),
            Message::Ask(at) => timed("Q\n", *at),
        }
    }

    /// Reads a message, refusing anything malformed or from the future (`now` + skew): a
    /// logout "at 1e300" would otherwise end every later session of the tab for good.
    ///
    /// ```
    /// use session_keeper::core::message::Message;
    /// let now = 1_700_000_000_000.0;
    /// assert_eq!(Message::decode(&Message::Logout(now, 7).encode(), now), Some(Message::Logout(now, 7)));
    /// assert_eq!(Message::decode("L\n1700000000000", now), Some(Message::Logout(now, 0)));
    /// assert_eq!(Message::decode("L\n99999999999999999999", now), None);
    /// ```
    pub fn decode(text: &str, now: f64) -> Option<Message> {
        if let Some(at) = text.strip_prefix("H\n") {
            return time(at, now).map(Message::Hello);
        }
        if let Some(rest) = text.strip_prefix("L\n") {
            // The token tag is optional (messages of earlier versions carry none).
            let (at, token) = match super::split_once(rest, '\n') {
                Some((at, token)) => (at, whole(token, 20)?),
                None => (rest, 0),
            };
            return time(at, now).map(|at| Message::Logout(at, token));
        }
        if let Some(at) = text.strip_prefix("A\n") {
            return time(at, now).map(Message::Active);
        }
        if let Some(at) = text.strip_prefix("Q\n") {
            return time(at, now).map(Message::Ask);
        }
        if let Some(at) = text.strip_prefix("T\n") {
            // A time to come (not bounded by now): the waits it causes are bounded instead.
            return time(at, super::layout::MAX_EPOCH_MS - SKEW_MS).map(Message::Turn);
        }
        let rest = text.strip_prefix("S\n")?;
        let mut lines = Vec::new();
        for line in super::splitn(rest, META_LINES + 3, '\n') {
            lines.push(line);
        }
        let (meta, [session, refresh, user]) = lines.split_at_checked(META_LINES)? else {
            return None;
        };
        let meta = Meta::from_lines(meta, now)?;
        let (session, refresh, user) = (*session, *refresh, *user);
        if !usable_token(session) || !(refresh.is_empty() || usable_token(refresh)) {
            return None;
        }
        if !(user.is_empty() || (user.starts_with('{') && user.ends_with('}'))) {
            return None;
        }
        Some(Message::Sync {
            meta,
            session: session.into(),
            refresh: (!refresh.is_empty()).then(|| refresh.into()),
            user: (!user.is_empty()).then(|| user.into()),
        })
    }
}

// `max`/`min`, not `clamp`: `clamp` checks its bounds and brings a panic path.
#[allow(clippy::manual_clamp)]
fn timed(kind: &str, at: f64) -> String {
    let mut out = String::from(kind);
    push_uint(
        &mut out,
        at.max(0.0).min(super::layout::MAX_EPOCH_MS) as u64,
        1,
    );
    out
}

/// A whole number of at most `digits` unsigned digits that fits in 64 bits.
fn whole(text: &str, digits: usize) -> Option<u64> {
    // (`parse_uint` refuses an empty text; a `+` is refused here.)
    if text.len() > digits || !super::all_bytes(text, |b| b.is_ascii_digit()) {
        return None;
    }
    super::parse_uint(text)
}

/// A whole epoch-ms time, not later than `now` allows.
fn time(text: &str, now: f64) -> Option<f64> {
    let at = whole(text, 16)? as f64;
    (at <= now + SKEW_MS).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cookie::CookiePlace;
    use crate::core::layout::MAX_EPOCH_MS;

    const NOW: f64 = 1_700_000_000_000.0;

    #[test]
    fn sync_round_trips() {
        let msg = Message::Sync {
            meta: Meta {
                born: NOW - 5.0,
                gen: 7,
                http_only: false,
                idle: true,
                names: vec!["DS".into()],
                due_at: Some(NOW + 30_000.0),
                session_cookie: Some(Box::new(CookiePlace {
                    name: "DS".into(),
                    path: "/".into(),
                    domain: None,
                })),
                refresh_cookie: None,
            },
            session: "a.b.c".into(),
            refresh: Some("r.r.r".into()),
            user: Some("{\"name\":\"Ada\\nLovelace\"}".into()),
        };
        assert_eq!(Message::decode(&msg.encode(), NOW), Some(msg));
        let bare = Message::Sync {
            meta: Meta::default(),
            session: "a.b.c".into(),
            refresh: None,
            user: None,
        };
        assert_eq!(Message::decode(&bare.encode(), NOW), Some(bare));
        for msg in [
            Message::Hello(NOW),
            Message::Logout(NOW, 0),
            Message::Logout(NOW, u64::MAX),
            Message::Active(NOW),
        ] {
            assert_eq!(Message::decode(&msg.encode(), NOW), Some(msg));
        }
    }

    #[test]
    fn garbage_and_the_future_are_ignored() {
        let future = Message::Sync {
            meta: Meta {
                born: NOW + 10_000.0,
                ..Meta::default()
            },
            session: "a.b.c".into(),
            refresh: None,
            user: None,
        };
        for text in [
            String::new(),
            "x".into(),
            "L\n".into(),
            "L\n1e300".into(),
            "L\n-5".into(),
            "L\n+5".into(),
            "A\n+5".into(),
            "L\n99999999999999999999".into(),
            Message::Logout(NOW + 5_000.0, 0).encode(),
            Message::Logout(NOW + 5_000.0, 9).encode(),
            "L\n5\n".into(),
            "L\n5\nx".into(),
            "L\n5\n99999999999999999999".into(),
            "L\n\n5".into(),
            Message::Active(NOW + 5_000.0).encode(),
            "A\nx".into(),
            "T\n".into(),
            "T\n1.5".into(),
            "T\n99999999999999999999".into(),
            future.encode(),
            "S\nsk2\n1\n0\n\n\n\n\n\n\n\n\n\na b\n\n".into(),
            "S\nsk2\n1\n0\n\n\n\n\n\n\n\n\n\na.b.c\n\nnot json".into(),
            "S\nsk2\n1\n0\n\n\n\n\n\n\n".into(),
            // A user must be a JSON object: both braces.
            "S\nsk2\n1\n0\n\n\n\n\n\n\n\n\n\na.b.c\n\n{x".into(),
            "S\nsk2\n1\n0\n\n\n\n\n\n\n\n\n\na.b.c\n\nx}".into(),
            // A turn no later than a JS date can be.
            ["T\n", &(MAX_EPOCH_MS as u64 + 1).to_string()].concat(),
        ] {
            assert_eq!(Message::decode(&text, NOW), None, "{text:?}");
        }
        assert_eq!(
            Message::decode(&Message::Logout(NOW + 500.0, 0).encode(), NOW),
            Some(Message::Logout(NOW + 500.0, 0))
        );
        // A turn may be announced for later (a retry): the future is what it says.
        assert_eq!(
            Message::decode(&Message::Turn(NOW + 60_000.0).encode(), NOW),
            Some(Message::Turn(NOW + 60_000.0))
        );
        assert_eq!(
            Message::decode(&Message::Turn(MAX_EPOCH_MS).encode(), NOW),
            Some(Message::Turn(MAX_EPOCH_MS))
        );
        // The user is the rest of the message, newlines and all (JSON another version of
        // the package wrote pretty-printed).
        let user = "{\n  \"name\": \"Ada\"\n}";
        let text = ["S\nsk2\n1\n0\n\n\n\n\n\n\n\n\n\na.b.c\n\n", user].concat();
        assert!(
            matches!(Message::decode(&text, NOW), Some(Message::Sync { user: Some(u), .. }) if u == user)
        );
    }
}
