//! Rocket.Chat's two-factor check for sensitive calls: TOTP, emailed codes, password hash.

use axum::http::StatusCode;
use axum::response::Response;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::RcUser;
use crate::http::{json, Req};
use crate::util::random_digits;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Totp,
    Email,
    Password,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::Email => "email",
            Method::Password => "password",
        }
    }

    fn parse(name: &str) -> Option<Method> {
        [Method::Totp, Method::Email, Method::Password]
            .into_iter()
            .find(|m| name.eq_ignore_ascii_case(m.name()))
    }
}

/// TOTP steps are 30 s long.
const STEP_MS: u64 = 30_000;

/// The 6-digit TOTP code of `username` for the step containing `now_ms` (RFC 6238 with
/// HMAC-SHA256 over a per-user key).
pub fn totp(username: &str, now_ms: u64) -> String {
    hotp(username, now_ms / STEP_MS)
}

fn hotp(username: &str, step: u64) -> String {
    let key = format!("devserver-totp:{username}");
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!("{:06}", bin % 1_000_000)
}

/// Lowercase hex SHA-256, the code for the `password` method.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `None` when the request carries a valid code for `user`; otherwise the 400 answer
/// (a challenge without a code, which for email first generates one).
pub fn refusal(user: &mut RcUser, req: &Req, now_ms: u64) -> Option<Response> {
    let code = req
        .header("x-2fa-code")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let asked = req.header("x-2fa-method").map(str::trim);
    let Some(code) = code else {
        // The method asked for, when the user has it, else the user's own.
        let method = asked
            .and_then(Method::parse)
            .filter(|m| user.methods.contains(m))
            .unwrap_or(user.methods[0]);
        let generated = method == Method::Email;
        if generated {
            user.email_code = Some(random_digits(6));
        }
        return Some(challenge(user, method, generated));
    };
    let method = match asked {
        Some(name) => match Method::parse(name) {
            Some(method) => method,
            None => return Some(invalid(name)),
        },
        None => user.methods[0],
    };
    let right = user.methods.contains(&method)
        && match method {
            Method::Totp => {
                let step = now_ms / STEP_MS;
                // The previous step too, so that a code read just before a step ends still works.
                code == hotp(user.username, step)
                    || code == hotp(user.username, step.saturating_sub(1))
            }
            Method::Email => {
                let right = user.email_code.as_deref() == Some(code);
                if right {
                    user.email_code = None; // single use
                }
                right
            }
            Method::Password => code.eq_ignore_ascii_case(&sha256_hex(user.password)),
        };
    (!right).then(|| invalid(method.name()))
}

fn challenge(user: &RcUser, method: Method, generated: bool) -> Response {
    let available: Vec<&str> = user.methods.iter().map(|m| m.name()).collect();
    json(
        StatusCode::BAD_REQUEST,
        &json!({
            "success": false,
            "error": "TOTP Required [totp-required]",
            "errorType": "totp-required",
            "details": {
                "method": method.name(),
                "codeGenerated": generated,
                "availableMethods": available,
            },
        }),
    )
}

fn invalid(method: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({
            "success": false,
            "error": "TOTP Invalid [totp-invalid]",
            "errorType": "totp-invalid",
            "details": { "method": method },
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(totp("rc-admin", 0).len(), 6);
        assert_eq!(totp("rc-admin", 1_000), totp("rc-admin", 29_999));
        assert_ne!(totp("rc-admin", 0), totp("rc-user", 0));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Method::parse("EMAIL"), Some(Method::Email));
    }
}
