//! The Rocket.Chat session as a state machine, in the same pattern as the Descope
//! [`Session`](crate::core::Session): inputs in, effects out, storage read through an
//! [`Env`]. Storage is the source of truth for the credentials, so a login or logout in another
//! tab sharing `localStorage` is seen at once.

pub mod rules;
pub mod sha256;

use crate::core::error::{ErrorCode, Result, SessionError};
use crate::core::io::{Effect, Env, Expect, Reply, Request, Value};
use rules::{request_headers, Credentials, RcConfig, TwoFactorCode, AUTH_TOKEN_KEY, USER_ID_KEY};

/// A user's call.
#[derive(Clone, Debug, PartialEq)]
pub enum RcCall {
    /// `login(user, password)` with its JSON body.
    Login(String),
    /// `logoutSession(sessionId, twoFactor?)`: the JSON body and the second factor.
    LogoutSession(String, Option<TwoFactorCode>),
    /// `logout()`
    Logout,
}

/// What happens to a Rocket.Chat session.
#[derive(Clone, Debug, PartialEq)]
pub enum RcInput {
    /// `apply(credentials)`
    Apply(Credentials),
    /// A user's call with its id.
    Call(u32, RcCall),
    /// The answer to request `id`.
    Answer(u32, Result<Reply>),
    /// The timer of [`Effect::Timer`] fired.
    Timer,
    /// The browser refused to store this key ([`Effect::Set`]).
    StorageRefused(String),
}

#[derive(Clone, Debug)]
enum What {
    Login(u32),
    /// A call made with these credentials; `undefined` (logout) or the body.
    Authed(u32, Credentials, bool),
}

/// The Rocket.Chat session state machine.
pub struct RcSession {
    cfg: RcConfig,
    user_id_key: String,
    token_key: String,
    reqs: Vec<(u32, What, f64)>,
    ids: u32,
    armed: Option<f64>,
    out: Vec<Effect>,
}

impl RcSession {
    /// A session for these options.
    pub fn new(cfg: RcConfig) -> RcSession {
        let key = |suffix| crate::core::cat(&[&cfg.prefix, suffix]);
        RcSession {
            user_id_key: key(USER_ID_KEY),
            token_key: key(AUTH_TOKEN_KEY),
            cfg,
            reqs: Vec::new(),
            ids: 0,
            armed: None,
            out: Vec::new(),
        }
    }

    /// The options.
    pub fn config(&self) -> &RcConfig {
        &self.cfg
    }

    /// The stored credentials.
    pub fn credentials(&self, env: &dyn Env) -> Option<Credentials> {
        Credentials::from_parts(env.item(&self.user_id_key), env.item(&self.token_key))
    }

    /// The effects queued so far, in order.
    pub fn drain(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }

    fn save(&mut self, login: Credentials) {
        self.out
            .push(Effect::Set(self.user_id_key.clone(), login.user_id));
        self.out
            .push(Effect::Set(self.token_key.clone(), login.auth_token));
    }

    fn forget(&mut self) {
        self.out.push(Effect::Remove(self.user_id_key.clone()));
        self.out.push(Effect::Remove(self.token_key.clone()));
    }

    fn send(
        &mut self,
        now: f64,
        what: What,
        path: &str,
        headers: Vec<(&'static str, String)>,
        body: String,
        expect: Expect,
    ) {
        self.ids = self.ids.wrapping_add(1);
        let id = self.ids;
        self.out.push(Effect::Send(Request {
            id,
            url: crate::core::cat(&[&self.cfg.base_url, path]),
            headers,
            body: Some(body),
            expect,
        }));
        self.reqs
            .push((id, what, now + f64::from(self.cfg.timeout_ms)));
    }

    /// Handles one input at time `now`.
    pub fn handle(&mut self, now: f64, input: RcInput, env: &dyn Env) -> Result<()> {
        let mut result = Ok(());
        match input {
            RcInput::StorageRefused(_) => {
                // Half a login is no login: both keys go, and the caller hears of it.
                self.forget();
                result = Err(SessionError::new(ErrorCode::Storage, "storage refused"));
            }
            RcInput::Apply(login) => self.save(login),
            RcInput::Call(call, RcCall::Login(body)) => {
                self.send(
                    now,
                    What::Login(call),
                    "/api/v1/login",
                    Vec::new(),
                    body,
                    Expect::RcLogin,
                );
            }
            RcInput::Call(call, RcCall::LogoutSession(body, two_factor)) => {
                self.logout_session(now, env, call, body, two_factor)
            }
            RcInput::Call(call, RcCall::Logout) => self.logout(now, env, call),
            RcInput::Answer(id, answer) => self.answer(id, answer, env),
            RcInput::Timer => self.time_out(now, env),
        }
        let at = self.reqs.iter().map(|r| r.2).reduce(f64::min);
        if at != self.armed {
            self.armed = at;
            self.out.push(Effect::Timer(at));
        }
        result
    }

    /// `logoutSession`: ends the stored login's session at the server (with a two-factor
    /// code when asked); the login stays until the server says it is over.
    fn logout_session(
        &mut self,
        now: f64,
        env: &dyn Env,
        call: u32,
        body: String,
        two_factor: Option<TwoFactorCode>,
    ) {
        match self.credentials(env) {
            Some(login) => {
                let headers = headers(&login, two_factor.as_ref());
                self.send(
                    now,
                    What::Authed(call, login, false),
                    "/api/v1/sessions/logout",
                    headers,
                    body,
                    Expect::RcSuccess,
                );
            }
            None => self.out.push(Effect::Settle(
                call,
                Err(SessionError::new(
                    ErrorCode::Unauthorized,
                    "there is no stored login",
                )),
            )),
        }
    }

    /// `logout`: signed out locally first, whatever the server answers.
    fn logout(&mut self, now: f64, env: &dyn Env, call: u32) {
        let login = self.credentials(env);
        self.forget();
        match login {
            Some(login) => {
                let headers = headers(&login, None);
                self.send(
                    now,
                    What::Authed(call, login, true),
                    "/api/v1/logout",
                    headers,
                    "{}".into(),
                    Expect::RcAny,
                );
            }
            None => self.out.push(Effect::Settle(call, Ok(Value::Undefined))),
        }
    }

    /// Requests past their deadline are aborted and answered with a timeout.
    fn time_out(&mut self, now: f64, env: &dyn Env) {
        while let Some(at) = self
            .reqs
            .iter()
            .position(|(_, _, deadline)| *deadline <= now)
        {
            let id = self.reqs[at].0;
            self.out.push(Effect::Abort(id));
            self.answer(
                id,
                Err(SessionError::new(
                    ErrorCode::Timeout,
                    "the request timed out",
                )),
                env,
            );
        }
    }

    fn answer(&mut self, id: u32, answer: Result<Reply>, env: &dyn Env) {
        let Some(at) = self.reqs.iter().position(|r| r.0 == id) else {
            return;
        };
        let (_, what, _) = self.reqs.swap_remove(at);
        match what {
            What::Login(call) => {
                let result = match answer {
                    Ok(Reply::RcLogin(user_id, auth_token)) => {
                        self.save(Credentials {
                            user_id,
                            auth_token,
                        });
                        Ok(Value::Body)
                    }
                    Ok(_) => Err(SessionError::invalid_response(
                        "the login answer has no usable data",
                    )),
                    Err(err) => Err(err),
                };
                self.out.push(Effect::Settle(call, result));
            }
            What::Authed(call, login, logout) => {
                if let Err(err) = &answer {
                    // A 401 means these credentials are dead: forget them, unless another
                    // login replaced them meanwhile.
                    if err.status == Some(401) && self.credentials(env).as_ref() == Some(&login) {
                        self.forget();
                    }
                }
                let value = if logout {
                    Value::Undefined
                } else {
                    Value::Body
                };
                self.out.push(Effect::Settle(call, answer.map(|_| value)));
            }
        }
    }
}

fn headers(login: &Credentials, two_factor: Option<&TwoFactorCode>) -> Vec<(&'static str, String)> {
    let (all, n) = request_headers(Some(login), two_factor);
    // The first is Content-Type, which every request carries anyway.
    all.iter()
        .take(n)
        .skip(1)
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect()
}
