//! Decoding a session JWT's payload. The signature is the server's business: the library only
//! reads `exp`, `dct`, roles and permissions to schedule refreshes and answer the getters.

use crate::core::error::{Result, SessionError};
use crate::core::obj::{string_items, strings_of, Obj};

/// Which list [`authorizations`] reads.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::claims::{authorizations, Authz};
/// let payload = parse(r#"{"roles": ["admin"], "permissions": ["read"]}"#);
/// assert_eq!(authorizations(&payload, Authz::Roles, None), ["admin"]);
/// assert_eq!(authorizations(&payload, Authz::Permissions, None), ["read"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authz {
    /// `roles`
    Roles,
    /// `permissions`
    Permissions,
}

impl Authz {
    fn key(self) -> &'static str {
        match self {
            Authz::Roles => "roles",
            Authz::Permissions => "permissions",
        }
    }
}

/// The claims the engine acts on. A claim of an unexpected type counts as absent: a token
/// with `exp: "soon"` must not make the whole session unusable.
///
/// ```
/// use session_keeper::core::claims::Claims;
/// let claims = Claims { exp: Some(1_700_000_000.0), dct: Some("T1".into()), iat: None };
/// assert_eq!(claims.expires_at_ms(), Some(1_700_000_000_000.0));
/// assert_eq!(Claims::default().expires_at_ms(), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    /// Expiry, epoch seconds.
    pub exp: Option<f64>,
    /// The selected tenant ("descope current tenant").
    pub dct: Option<String>,
    /// Issued at, epoch seconds.
    pub iat: Option<f64>,
}

impl Claims {
    /// Reads `exp` and `dct` from a decoded payload.
    ///
    /// ```
    /// use session_keeper::core::testing::parse;
    /// use session_keeper::core::claims::{payload_json, Claims};
    /// // The payload is {"exp":1700000000,"dct":"T1"}.
    /// let token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDAsImRjdCI6IlQxIn0.c2ln";
    /// let payload = parse(&payload_json(token).unwrap());
    /// let claims = Claims::read(&payload);
    /// assert_eq!(claims.exp, Some(1_700_000_000.0));
    /// assert_eq!(claims.dct.as_deref(), Some("T1"));
    /// ```
    pub fn read<O: Obj>(payload: &O) -> Claims {
        Claims {
            exp: payload.field("exp").and_then(|v| v.number()),
            dct: payload.field("dct").and_then(|v| v.string()),
            iat: payload.field("iat").and_then(|v| v.number()),
        }
    }

    /// Expiry in epoch milliseconds, when the token has a sane `exp`.
    ///
    /// ```
    /// use session_keeper::core::claims::Claims;
    /// let claims = Claims { exp: Some(2.0), dct: None, iat: None };
    /// assert_eq!(claims.expires_at_ms(), Some(2000.0));
    /// ```
    pub fn expires_at_ms(&self) -> Option<f64> {
        // A JS Date holds at most 8.64e15 ms: later is "never", kept finite.
        self.exp
            .filter(|exp| exp.is_finite() && *exp > 0.0)
            .map(|exp| (exp * 1000.0).min(crate::core::layout::MAX_EPOCH_MS))
    }
}

/// Roles or permissions at project level, or in `tenant`. As in Descope's SDK, a token
/// without a `tenants` claim whose `dct` is `tenant` answers with the top-level lists.
///
/// ```
/// use session_keeper::core::testing::parse;
/// use session_keeper::core::claims::{authorizations, Authz};
/// let payload = parse(
///     r#"{"roles": ["viewer"], "tenants": {"T1": {"roles": ["admin"]}}}"#,
/// );
/// assert_eq!(authorizations(&payload, Authz::Roles, None), ["viewer"]);
/// assert_eq!(authorizations(&payload, Authz::Roles, Some("T1")), ["admin"]);
/// assert!(authorizations(&payload, Authz::Roles, Some("T2")).is_empty());
/// ```
pub fn authorizations<O: Obj>(payload: &O, which: Authz, tenant: Option<&str>) -> Vec<String> {
    strings_of(&authorization_items(payload, which, tenant))
}

/// [`authorizations`] as the string values themselves (the browser build hands them to JS
/// without copying them through wasm memory).
pub fn authorization_items<O: Obj>(payload: &O, which: Authz, tenant: Option<&str>) -> Vec<O> {
    let holder = match tenant {
        None => None,
        Some(tenant) => match payload.field("tenants").filter(Obj::is_object) {
            Some(tenants) => match tenants.field(tenant) {
                Some(t) => Some(t),
                None => return Vec::new(),
            },
            None if payload.field("dct").and_then(|d| d.string()).as_deref() == Some(tenant) => {
                None
            }
            None => return Vec::new(),
        },
    };
    string_items(holder.as_ref().unwrap_or(payload), which.key())
}

/// The JSON text of a JWT's payload (its second segment, base64url-decoded).
///
/// ```
/// use session_keeper::core::claims::payload_json;
/// // {"sub":"u"} as a JWT payload
/// assert_eq!(payload_json("e30.eyJzdWIiOiJ1In0.sig").unwrap(), r#"{"sub":"u"}"#);
/// assert!(payload_json("not a jwt").is_err());
/// ```
pub fn payload_json(token: &str) -> Result<String> {
    let mut parts = super::split(token, '.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_token());
    };
    if header.is_empty() || payload.is_empty() {
        return Err(bad_token());
    }
    let bytes = base64url_decode(payload).ok_or_else(bad_token)?;
    utf8(&bytes).ok_or_else(bad_token)
}

/// `String::from_utf8`, decoded by hand: the standard library's validator is a large
/// function for the one place the crate needs it. Refuses what it refuses: overlong forms,
/// surrogates, code points past U+10FFFF, truncated sequences.
fn utf8(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len());
    let mut it = bytes.iter();
    while let Some(&lead) = it.next() {
        let (more, least, mut code) = match lead {
            0x00..=0x7f => (0, 0, u32::from(lead)),
            0xc2..=0xdf => (1, 0x80, u32::from(lead & 0x1f)),
            0xe0..=0xef => (2, 0x800, u32::from(lead & 0x0f)),
            0xf0..=0xf4 => (3, 0x1_0000, u32::from(lead & 0x07)),
            _ => return None,
        };
        for _ in 0..more {
            let next = *it.next()?;
            if next & 0xc0 != 0x80 {
                return None;
            }
            code = code << 6 | u32::from(next & 0x3f);
        }
        if code < least {
            return None;
        }
        // `None` for surrogates and past U+10FFFF.
        out.push(char::from_u32(code)?);
    }
    Some(out)
}

fn bad_token() -> SessionError {
    SessionError::invalid_response("invalid JWT")
}

/// Decodes base64url (RFC 4648 §5), with or without padding.
///
/// ```
/// use session_keeper::core::claims::base64url_decode;
/// assert_eq!(base64url_decode("aGk").unwrap(), b"hi");
/// assert_eq!(base64url_decode("_-8").unwrap(), [0xff, 0xef]);
/// assert!(base64url_decode("a").is_none());
/// ```
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let input = super::trim_end_byte(input, b'=');
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for byte in input.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::parse;

    #[test]
    fn utf8_is_decoded_as_the_standard_library_decodes_it() {
        let mut samples: Vec<Vec<u8>> = vec![
            "plain".into(),
            "é ü ß € 𝄞 中文".into(),
            vec![0xc0, 0x80],
            vec![0xe0, 0x80, 0x80],
            vec![0xf0, 0x80, 0x80, 0x80],
            vec![0xed, 0xa0, 0x80],
            vec![0xf4, 0x90, 0x80, 0x80],
            vec![0xf5, 0x80, 0x80, 0x80],
            vec![0xe2, 0x82],
            vec![0x80],
            vec![0xff],
            vec![0xc3, 0x28],
        ];
        // Every one- and two-byte sequence, and three-byte ones around the edges.
        for a in 0..=255u8 {
            samples.push(vec![a]);
            for b in 0..=255u8 {
                samples.push(vec![a, b]);
            }
        }
        for a in [0xe0u8, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf4] {
            for b in 0x70..=0xc0u8 {
                samples.push(vec![a, b, 0x80]);
                samples.push(vec![a, b, 0xbf, 0x80]);
            }
        }
        for bytes in samples {
            assert_eq!(
                utf8(&bytes),
                String::from_utf8(bytes.clone()).ok(),
                "{bytes:x?}"
            );
        }
    }

    #[test]
    fn decodes_a_real_payload() {
        // header.payload.signature with payload {"exp":1700000000,"dct":"T1"}
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDAsImRjdCI6IlQxIn0.c2ln";
        let c = Claims::read(&parse(&payload_json(token).unwrap()));
        assert_eq!(c.exp, Some(1_700_000_000.0));
        assert_eq!(c.expires_at_ms(), Some(1_700_000_000_000.0));
        assert_eq!(c.dct.as_deref(), Some("T1"));
    }

    #[test]
    fn rejects_tokens_that_are_not_jwts() {
        for token in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            ".eyJhIjoxfQ.sig",
            "e30..sig",
            "e30.!!!.sig",
            "e30.a.sig",
            "e30._w.sig", // 0xff: not UTF-8
        ] {
            assert!(payload_json(token).is_err(), "{token:?} was accepted");
        }
    }

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0u8..=255).collect();
        for len in 0..40 {
            let encoded = crate::core::testing::base64url(&data[..len]);
            assert_eq!(base64url_decode(&encoded).unwrap(), &data[..len]);
            assert_eq!(
                base64url_decode(&(encoded.clone() + "==")).unwrap(),
                &data[..len]
            );
        }
        // Every byte value, so every one of the 64 digits, `-` and `_` among them; the
        // standard alphabet's `+` and `/` read as the same digits.
        let encoded = crate::core::testing::base64url(&data);
        assert!(encoded.contains('-') && encoded.contains('_'));
        assert_eq!(base64url_decode(&encoded).unwrap(), data);
        let standard = encoded.replace('-', "+").replace('_', "/");
        assert_eq!(base64url_decode(&standard).unwrap(), data);
    }

    #[test]
    fn roles_and_permissions_by_tenant() {
        let c = parse(
            r#"{"roles":["viewer"],"permissions":["read"],
                "tenants":{"T1":{"roles":["admin"],"permissions":["read","write"]}}}"#,
        );
        assert_eq!(authorizations(&c, Authz::Roles, None), ["viewer"]);
        assert_eq!(authorizations(&c, Authz::Permissions, None), ["read"]);
        assert_eq!(authorizations(&c, Authz::Roles, Some("T1")), ["admin"]);
        assert_eq!(
            authorizations(&c, Authz::Permissions, Some("T1")),
            ["read", "write"]
        );
        assert!(authorizations(&c, Authz::Roles, Some("T2")).is_empty());
    }

    #[test]
    fn dct_without_tenants_claim_answers_top_level() {
        let c = parse(r#"{"roles":["r"],"dct":"T9"}"#);
        assert_eq!(authorizations(&c, Authz::Roles, Some("T9")), ["r"]);
        assert!(authorizations(&c, Authz::Roles, Some("T8")).is_empty());
    }

    #[test]
    fn odd_claim_types_are_ignored_not_fatal() {
        let c = parse(
            r#"{"roles":"admin","permissions":[1,"read",null],"exp":"soon","dct":7,
                "tenants":{"T1":{"roles":{"x":1}},"T2":"nope","T3":{"permissions":["p"]}}}"#,
        );
        assert!(authorizations(&c, Authz::Roles, None).is_empty());
        assert_eq!(authorizations(&c, Authz::Permissions, None), ["read"]);
        assert!(authorizations(&c, Authz::Roles, Some("T1")).is_empty());
        assert!(authorizations(&c, Authz::Roles, Some("T2")).is_empty());
        assert_eq!(authorizations(&c, Authz::Permissions, Some("T3")), ["p"]);
        assert_eq!(Claims::read(&c), Claims::default());
        let c = parse(r#"{"tenants":[1,2],"dct":"T1","roles":["r"]}"#);
        assert_eq!(authorizations(&c, Authz::Roles, Some("T1")), ["r"]);
    }

    #[test]
    fn absurd_expiry_is_no_expiry() {
        assert_eq!(Claims::read(&parse(r#"{"exp":-5}"#)).expires_at_ms(), None);
        assert_eq!(Claims::read(&parse(r#"{"exp":0}"#)).expires_at_ms(), None);
        assert_eq!(
            Claims::read(&parse(r#"{"exp":1}"#)).expires_at_ms(),
            Some(1000.0)
        );
        assert_eq!(Claims::read(&parse(r#"{}"#)).expires_at_ms(), None);
    }
}
