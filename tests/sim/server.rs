//! A simulated Descope server as strict as the devserver: refresh tokens rotate (or, in the
//! non-rotating mode, stay), a rotated token presented again is reuse and revokes its family,
//! logout revokes the family, logout-all every family of the user.

use std::collections::BTreeMap;

use serde_json::json;
use session_keeper::core::error::SessionError;
use session_keeper::core::fields::JwtFields;
use session_keeper::core::{JwtReply, Reply};

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
    pub session_ttl_ms: f64,
    pub next_refresh_seconds: Option<f64>,
    pub tokens: BTreeMap<String, Token>,
    next: u32,
    /// The family of the last sign-in.
    pub families: u32,
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

impl Server {
    pub fn new(rotating: bool, session_ttl_ms: f64, next_refresh_seconds: Option<f64>) -> Server {
        Server {
            rotating,
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

    fn response(&self, session: String, refresh: Option<String>) -> Reply {
        let mut fields = json!({"sessionJwt": session, "user": {"name": "Ada"}});
        if let Some(refresh) = refresh {
            fields["refreshJwt"] = refresh.into();
        }
        if let Some(seconds) = self.next_refresh_seconds {
            fields["nextRefreshSeconds"] = seconds.into();
        }
        Reply::Jwt(Box::new(JwtReply {
            fields: JwtFields::read(&crate::json::J(fields)).unwrap(),
            user: Some("{\"name\":\"Ada\"}".into()),
        }))
    }

    /// A password sign-in: a new family.
    pub fn sign_in(&mut self, now: f64) -> (JwtReply, String) {
        self.families += 1;
        let family = self.families;
        let refresh = self.refresh_token(family);
        let session = self.session_jwt(now, family);
        match self.response(session, Some(refresh.clone())) {
            Reply::Jwt(reply) => (*reply, refresh),
            _ => unreachable!(),
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
    pub fn handle(
        &mut self,
        now: f64,
        path: &str,
        token: Option<&str>,
    ) -> (Result<Reply, SessionError>, Outcome) {
        // try-refresh answers `{}` instead of refusing, as the devserver does.
        let trying = path == "/v1/auth/try-refresh";
        let unauthorized = || {
            if trying {
                Ok(Reply::Data)
            } else {
                Err(SessionError::http(401, None))
            }
        };
        let Some(token) = token else {
            return (unauthorized(), Outcome::Refused);
        };
        let Some(entry) = self.tokens.get(token) else {
            return (unauthorized(), Outcome::Refused);
        };
        let family = entry.family;
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
                    Ok(self.response(session, issued.clone())),
                    Outcome::Rotated {
                        presented: token.into(),
                        issued,
                    },
                )
            }
            "/v1/auth/logout" => {
                self.revoke_family(family);
                (Ok(Reply::Data), Outcome::Other)
            }
            "/v1/auth/logoutall" => {
                for t in self.tokens.values_mut() {
                    t.status = Status::Revoked;
                }
                (Ok(Reply::Data), Outcome::Other)
            }
            "/v1/auth/me" => (Ok(Reply::User("{\"name\":\"Ada\"}".into())), Outcome::Other),
            _ => (Err(SessionError::http(404, None)), Outcome::Other),
        }
    }
}
