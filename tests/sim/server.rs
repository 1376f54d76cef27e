//! A simulated Descope server as strict as the devserver: refresh tokens rotate (or, in the
//! non-rotating mode, stay), a rotated token presented again is reuse and revokes its family,
//! logout revokes the family, logout-all every family of the user.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use session_keeper::core::answer::{decode, Http as Seen};
use session_keeper::core::{Expect, JwtReply, Reply};

/// An HTTP answer as it travels back: status, `Retry-After`, and the body (JSON, or text that
/// is not JSON). The tabs read it through the package's own decoder.
#[derive(Clone, Debug, PartialEq)]
pub struct Http {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
    /// The body is not JSON (a truncated document, an HTML error page).
    pub garbled: bool,
}

impl Http {
    pub fn ok(body: Value) -> Http {
        Http {
            status: 200,
            body,
            retry_after: None,
            garbled: false,
        }
    }

    /// A Descope error answer.
    pub fn refused(status: u16, code: &str, message: &str) -> Http {
        Http {
            status,
            body: json!({"errorCode": code, "errorDescription": message, "errorMessage": message}),
            retry_after: None,
            garbled: false,
        }
    }

    /// A status with an empty body (a proxy's 503, say).
    pub fn status(status: u16) -> Http {
        Http {
            status,
            body: Value::Null,
            retry_after: None,
            garbled: false,
        }
    }

    /// Read as the package reads it.
    pub fn decode(&self, expect: Expect, now: f64) -> Result<Reply, session_keeper::SessionError> {
        let seen = Seen {
            status: self.status,
            retry_after: self.retry_after.as_deref(),
            body: &self.body,
            garbled: self.garbled,
        };
        decode(expect, &seen, now)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    Rotated,
    Revoked,
}

pub struct Token {
    pub family: u32,
    pub status: Status,
}

/// What the server did with a request (for the invariants).
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A new session (and refresh token, when rotating) was issued for this presented token.
    Rotated {
        presented: String,
        issued: Option<String>,
    },
    /// A rotated token was presented: the family is revoked.
    Reuse { presented: String },
    /// Refused: unknown, revoked or missing token.
    Refused,
    /// Anything else.
    Other,
}

pub struct Server {
    pub rotating: bool,
    /// A logout revokes only the token presented (else its whole family): a client that does
    /// not revoke what it must is caught.
    pub per_token_logout: bool,
    pub session_ttl_ms: f64,
    pub next_refresh_seconds: Option<f64>,
    pub tokens: BTreeMap<String, Token>,
    next: u32,
    /// The family of the last sign-in.
    pub families: u32,
}

use session_keeper::core::testing::base64url as b64;

impl Server {
    pub fn new(rotating: bool, session_ttl_ms: f64, next_refresh_seconds: Option<f64>) -> Server {
        Server {
            rotating,
            per_token_logout: false,
            session_ttl_ms,
            next_refresh_seconds,
            tokens: BTreeMap::new(),
            next: 0,
            families: 0,
        }
    }

    fn session_jwt(&mut self, now: f64, family: u32) -> String {
        self.next += 1;
        let payload = json!({
            "exp": ((now + self.session_ttl_ms) / 1000.0).floor(),
            "iat": (now / 1000.0).floor(),
            "jti": self.next,
            "fam": family,
        });
        ["e30.", &b64(payload.to_string().as_bytes()), ".sig"].concat()
    }

    fn refresh_token(&mut self, family: u32) -> String {
        self.next += 1;
        let token = ["R", &family.to_string(), "-", &self.next.to_string()].concat();
        self.tokens.insert(
            token.clone(),
            Token {
                family,
                status: Status::Active,
            },
        );
        token
    }

    /// A JWTResponse as Descope answers it: `""` for the cookie settings the project does not
    /// use, and a `trustedDeviceJwt` (a token, which no hook may see).
    fn response(&self, session: String, refresh: Option<String>) -> Value {
        let trusted = ["TD", &self.next.to_string()].concat();
        let mut body = json!({
            "sessionJwt": session,
            "user": {"name": "Ada", "loginIds": ["ada@example.com"]},
            "cookieDomain": "",
            "sessionCookieDomain": "",
            "cookiePath": "/",
            "cookieName": "",
            "sessionCookieName": "",
            "trustedDeviceJwt": trusted,
        });
        if let Some(refresh) = refresh {
            body["refreshJwt"] = refresh.into();
        }
        if let Some(seconds) = self.next_refresh_seconds {
            body["nextRefreshSeconds"] = seconds.into();
        }
        body
    }

    /// A password sign-in: a new family. Answers what the tab applies and its refresh token.
    pub fn sign_in(&mut self, now: f64) -> (JwtReply, String) {
        self.families += 1;
        let family = self.families;
        let refresh = self.refresh_token(family);
        let session = self.session_jwt(now, family);
        let answer = Http::ok(self.response(session, Some(refresh.clone())));
        match answer.decode(Expect::Jwt, now) {
            Ok(Reply::Jwt(reply)) => (*reply, refresh),
            other => panic!("the sign-in answer does not decode: {other:?}"),
        }
    }

    fn revoke_family(&mut self, family: u32) {
        for token in self.tokens.values_mut() {
            if token.family == family {
                token.status = Status::Revoked;
            }
        }
    }

    /// Whether the last sign-in's family still has a usable token.
    pub fn current_alive(&self) -> bool {
        self.tokens
            .values()
            .any(|t| t.family == self.families && t.status == Status::Active)
    }

    /// Whether `token` may be used now.
    pub fn active(&self, token: &str) -> bool {
        self.tokens
            .get(token)
            .is_some_and(|t| t.status == Status::Active)
    }

    /// Handles a request; answers the reply and what happened.
    pub fn handle(&mut self, now: f64, path: &str, token: Option<&str>) -> (Http, Outcome) {
        // try-refresh answers `{}` instead of refusing, as the devserver does.
        let trying = path == "/v1/auth/try-refresh";
        let unauthorized = || {
            if trying {
                Http::ok(json!({}))
            } else {
                Http::refused(401, "E061004", "Refresh token is invalid")
            }
        };
        let Some(token) = token else {
            return (unauthorized(), Outcome::Refused);
        };
        let Some(entry) = self.tokens.get(token) else {
            return (unauthorized(), Outcome::Refused);
        };
        let family = entry.family;
        if path == "/v1/auth/logout" && self.per_token_logout && entry.status == Status::Rotated {
            // A server that revokes per token takes a logout of a token just rotated as the end
            // of that token only (no reuse): the successor lives on unless the client revokes
            // it too.
            return (Http::ok(json!({})), Outcome::Other);
        }
        match entry.status {
            Status::Revoked => return (unauthorized(), Outcome::Refused),
            Status::Rotated => {
                self.revoke_family(family);
                return (
                    unauthorized(),
                    Outcome::Reuse {
                        presented: token.into(),
                    },
                );
            }
            Status::Active => {}
        }
        match path {
            "/v1/auth/refresh" | "/v1/auth/tenant/select" | "/v1/auth/try-refresh" => {
                let issued = if self.rotating {
                    if let Some(t) = self.tokens.get_mut(token) {
                        t.status = Status::Rotated;
                    }
                    Some(self.refresh_token(family))
                } else {
                    None
                };
                let session = self.session_jwt(now, family);
                (
                    Http::ok(self.response(session, issued.clone())),
                    Outcome::Rotated {
                        presented: token.into(),
                        issued,
                    },
                )
            }
            "/v1/auth/logout" => {
                if self.per_token_logout {
                    if let Some(t) = self.tokens.get_mut(token) {
                        t.status = Status::Revoked;
                    }
                } else {
                    self.revoke_family(family);
                }
                (Http::ok(json!({})), Outcome::Other)
            }
            "/v1/auth/logoutall" => {
                for t in self.tokens.values_mut() {
                    t.status = Status::Revoked;
                }
                (Http::ok(json!({})), Outcome::Other)
            }
            "/v1/auth/me" => (
                Http::ok(json!({"name": "Ada", "loginIds": ["ada@example.com"]})),
                Outcome::Other,
            ),
            "/v1/auth/me/tenants" => (Http::ok(json!({"tenants": [{"id": "T1"}]})), Outcome::Other),
            _ => (Http::refused(404, "E000404", "Not found"), Outcome::Other),
        }
    }
}
