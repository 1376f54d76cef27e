//! The calls of the JS API and the requests they send.

use super::*;

impl Session {
    pub(super) fn call(&mut self, now: f64, env: &dyn Env, id: u32, call: Call) {
        if self.disposed && !matches!(call, Call::Ready) {
            // A disposed session still answers, but starts nothing.
            self.out.push(Effect::Settle(
                id,
                Err(SessionError::new(ErrorCode::InvalidArgument, "disposed")),
            ));
            return;
        }
        match call {
            Call::Ready => match self
                .jobs
                .iter_mut()
                .find(|j| matches!(j.kind, JobKind::Refresh | JobKind::TryRefresh))
            {
                Some(job) => job.readies.push(id),
                None => self.out.push(Effect::Settle(id, Ok(Value::Undefined))),
            },
            Call::Refresh => {
                self.st.parked = false;
                self.push_job(JobKind::Refresh, Some(id));
            }
            Call::SelectTenant(body) => self.push_job(JobKind::Select(body), Some(id)),
            Call::Logout => self.sign_out(now, env, id, "/v1/auth/logout"),
            Call::LogoutAll => self.sign_out(now, env, id, "/v1/auth/logoutall"),
            Call::Me => self.push_job(JobKind::Me, Some(id)),
            Call::History => self.push_job(JobKind::History, Some(id)),
            Call::Validate => match self.st.session.as_ref().map(|t| t.jwt.clone()) {
                Some(jwt) => {
                    self.request(
                        now,
                        What::Plain {
                            call: id,
                            owner: Owner::Call,
                        },
                        "/v1/auth/validate",
                        Some(&jwt),
                        Some("{}".into()),
                        Expect::Object,
                    );
                }
                None => self.out.push(Effect::Settle(
                    id,
                    Err(SessionError::new(ErrorCode::Unauthorized, "no session")),
                )),
            },
            Call::Verify(body) => self.push_job(JobKind::Verify(body), Some(id)),
            Call::MyTenants(tenants) => self.push_job(JobKind::Tenants(tenants.body()), Some(id)),
            Call::Exchange(key, options) => {
                let body = exchange_body(options.as_deref());
                self.request(
                    now,
                    What::Plain {
                        call: id,
                        owner: Owner::Call,
                    },
                    "/v1/auth/accesskey/exchange",
                    Some(&key),
                    Some(body),
                    Expect::AccessKey,
                );
            }
        }
    }

    /// `logout()` / `logoutAll()`: the request is built before clearing, with what presents
    /// the session (the refresh token, and the refresh cookie's name a server with an httpOnly
    /// cookie needs); then everything is cleared here and told to the other tabs, whatever
    /// the server answers.
    fn sign_out(&mut self, now: f64, env: &dyn Env, id: u32, path: &str) {
        let refresh = self.st.refresh.clone();
        self.request(
            now,
            What::SignOut { call: id },
            path,
            refresh.as_deref(),
            Some("{}".into()),
            Expect::Any,
        );
        self.clear(now, env, By::ThisTab, now, token_hash(refresh.as_deref()));
        if !self.cfg.keep_last_user {
            self.shared(LAST_LOGIN_ID_KEY, None);
            self.shared(LAST_NAME_KEY, None);
        }
    }

    /// Queues a request to the API: a POST when it has a body, a GET otherwise; answers its id.
    pub(super) fn request(
        &mut self,
        now: f64,
        what: What,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        expect: Expect,
    ) -> u32 {
        let id = self.next_id();
        let bearer = match token {
            Some(token) => crate::core::cat(&["Bearer ", &self.cfg.project_id, ":", token]),
            None => crate::core::cat(&["Bearer ", &self.cfg.project_id]),
        };
        let mut headers = vec![("Authorization", bearer)];
        if let Some(name) = self
            .cfg
            .refresh_cookie_name
            .as_ref()
            .or(self.st.rcn.as_ref())
        {
            headers.push(("x-descope-refresh-cookie-name", name.clone()));
        }
        self.out.push(Effect::Send(Request {
            id,
            url: crate::core::cat(&[&self.cfg.base_url, path]),
            headers,
            body,
            expect,
        }));
        self.reqs.push(Pending {
            id,
            what,
            deadline: now + f64::from(self.cfg.timeout_ms),
        });
        id
    }

    pub(super) fn revoke(&mut self, now: f64, reply: &Result<Reply>) {
        if let Ok(Reply::Jwt(r)) = reply {
            if let Some(token) = r.fields.refresh_jwt.as_deref().filter(|t| usable_token(t)) {
                self.send_revoke(now, token);
            }
        }
    }

    /// Ends a refresh token at the server that this tab will not keep.
    pub(super) fn send_revoke(&mut self, now: f64, token: &str) {
        self.request(
            now,
            What::Revoke,
            "/v1/auth/logout",
            Some(token),
            Some("{}".into()),
            Expect::Any,
        );
    }
}
