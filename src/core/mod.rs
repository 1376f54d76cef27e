//! The pure core: every decision of the package, as plain Rust over plain data, with no
//! browser API in it (no `wasm-bindgen`, `web-sys`, `js-sys` or `gloo`). It builds and is
//! tested natively, and the simulator in `tests/sim/` runs whole worlds of tabs on it.
//!
//! - [`Session`] (Descope) and [`RcSession`] (Rocket.Chat) are state machines: fed
//!   [`Input`]s with the time, they read storage through an [`Env`] and queue
//!   [`Effect`]s for the driver to perform (see [`io`]).
//! - Their parts: [`claims`] (JWT payloads), [`cookie`] (cookie strings, the domain rule),
//!   [`places`] (where a token cookie could be), [`layout`] (the storage keys and the session
//!   record), [`message`] (cross-tab messages), [`schedule`] (refresh timing, backoff),
//!   [`answer`] (HTTP answers decoded), [`hooks`] (what request hooks see and may set),
//!   [`options`], [`fields`] (wire fields), [`obj`] (reading JSON-like values), [`error`].

pub mod answer;
pub mod claims;
pub mod cookie;
pub mod error;
pub mod fields;
pub mod hooks;
pub mod io;
pub mod layout;
pub mod message;
pub mod obj;
pub mod options;
pub mod places;
pub mod rc;
pub mod schedule;
pub mod session;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;

/// `parts` joined into one string: `[..].concat()` without the overflow check of the standard
/// library's join, whose panic message would bring formatting code into the wasm build.
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut len = 0;
    for part in parts {
        len += part.len();
    }
    let mut out = String::with_capacity(len);
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Whether every byte of `text` passes `ok`: one loop for every character-class check of the
/// crate, where `bytes().all(..)` is an instantiation of the iterator's fold per check.
pub(crate) fn all_bytes(text: &str, ok: fn(u8) -> bool) -> bool {
    for b in text.bytes() {
        if !ok(b) {
            return false;
        }
    }
    true
}

/// `text` without the bytes `b` at its start: `trim_start_matches([c])` without the standard
/// library's pattern searcher.
pub(crate) fn trim_start_byte(text: &str, b: u8) -> &str {
    let mut start = 0;
    while text.as_bytes().get(start) == Some(&b) {
        start += 1;
    }
    text.get(start..).unwrap_or(text)
}

/// `text` without the bytes `b` at its end (see [`trim_start_byte`]).
pub(crate) fn trim_end_byte(text: &str, b: u8) -> &str {
    let mut end = text.len();
    while end > 0 && text.as_bytes().get(end - 1) == Some(&b) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
}

/// Appends `text` as a JSON string, quoted and escaped (a request body built in the core).
pub(crate) fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                for shift in [4, 0] {
                    let nibble = (u32::from(c) >> shift) & 0xf;
                    out.push(char::from_digit(nibble, 16).unwrap_or('0'));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text.parse::<u64>()`: an optional `+`, then decimal digits, `None` on overflow. One small
/// function for every integer the crate parses, instead of the standard library's generic
/// parser once per integer type.
pub(crate) fn parse_uint(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// `text.splitn(n, c)` for an ASCII `c`, split at its bytes: the standard library's splits
/// decode every char (a `char` pattern also brings a `memchr`-based searcher).
pub(crate) fn splitn(text: &str, n: usize, c: char) -> Split<'_> {
    Split {
        rest: Some(text),
        left: n,
        at: c as u8,
    }
}

/// The parts of [`splitn`].
pub(crate) struct Split<'a> {
    rest: Option<&'a str>,
    left: usize,
    at: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        if self.left <= 1 {
            self.rest = None;
            return (self.left == 1).then_some(rest);
        }
        self.left -= 1;
        let mut i = 0;
        while let Some(&b) = rest.as_bytes().get(i) {
            if b == self.at {
                // An ASCII byte is a char boundary: both halves are valid.
                self.rest = rest.get(i + 1..);
                return rest.get(..i);
            }
            i += 1;
        }
        self.rest = None;
        Some(rest)
    }
}

/// `text.split(c)` (see [`splitn`]).
pub(crate) fn split(text: &str, c: char) -> Split<'_> {
    splitn(text, usize::MAX, c)
}

/// `text.split_once(c)` (see [`splitn`]).
pub(crate) fn split_once(text: &str, c: char) -> Option<(&str, &str)> {
    let mut parts = splitn(text, 2, c);
    Some((parts.next()?, parts.next()?))
}

/// `list.retain(|(k, _)| !same(k, key))`, in order: one instantiation for every list of
/// string pairs (headers, the memory store), where each `retain` closure would be its own.
pub(crate) fn remove_pairs(
    list: &mut Vec<(String, String)>,
    key: &str,
    same: fn(&str, &str) -> bool,
) {
    let mut i = 0;
    while let Some((k, _)) = list.get(i) {
        if same(k, key) {
            list.remove(i);
        } else {
            i += 1;
        }
    }
}

/// `list.swap_remove(at)`, or `None` out of range: no panic path (whose message would bring
/// formatting code into the wasm build).
#[inline]
pub(crate) fn take_at<T>(list: &mut Vec<T>, at: usize) -> Option<T> {
    (at < list.len()).then(|| list.swap_remove(at))
}

/// `list.remove(0)` (the oldest of a bounded list), or `None` when it is empty (never a
/// panic).
#[inline]
pub(crate) fn take_first<T>(list: &mut Vec<T>) -> Option<T> {
    if list.is_empty() {
        return None;
    }
    Some(list.remove(0))
}

pub use io::{
    Effect, Env, Event, Expect, Grant, JwtReply, Kind, PutCookie, Reply, Request, Signal, Value,
};
pub use rc::{RcCall, RcInput, RcSession};
pub use session::{Call, Input, Page, Session};
