//! The network and the strict server: requests arrive, are served (or faulted), and their
//! answers travel back through the package's own decoder.

use super::*;

impl World {
    pub(super) fn arrive(&mut self, req: usize) {
        if self.script.is_some() {
            self.arrive_scripted(req);
            return;
        }
        let path = self.reqs[req].path.clone();
        let token = self.reqs[req].token.clone();
        if path == "/v1/auth/refresh" && !self.reqs[req].aborted {
            let from = (self.reqs[req].tab, self.reqs[req].inc);
            // The tab told waits it out, and with crossTab (and Web Locks) every tab while that
            // tab keeps the turn: once it is closed or reloaded, its lock is free and nothing
            // remembers the wait for a page that opens next (storage may be per tab).
            let sent = self.reqs[req].sent;
            let tabs = &self.tabs;
            let bound = |(_, tab, inc, read): &(f64, usize, u32, f64)| {
                let holder_alive = tabs[*tab].alive && tabs[*tab].inc == *inc;
                sent >= *read
                    && ((*tab, *inc) == from
                        || (self.p.cross_tab && !self.p.locks_denied && holder_alive))
            };
            // (A token the server no longer takes has nothing to wait for.)
            if let Some((until, ..)) = token
                .as_ref()
                .filter(|t| self.server.active(t))
                .and_then(|t| self.not_before.get(t))
                .filter(|nb| bound(nb))
            {
                if self.now < *until {
                    self.fail(&format!(
                        "a refresh came {:.0} ms before the Retry-After the server gave",
                        until - self.now
                    ));
                }
            }
        }
        let t = self.t();
        let down = self
            .p
            .outage
            .is_some_and(|(start, len)| t >= start && t < start + len);
        let r = self.rng.unit();
        let p = &self.p;
        let fault = if down {
            Some(Err(SessionError::new(
                ErrorCode::Network,
                "server unreachable",
            )))
        } else if path == "/v1/auth/logout" || path == "/v1/auth/logoutall" {
            None
        } else if r < p.p_5xx {
            Some(Ok(Http::status(503)))
        } else if r < p.p_5xx + p.p_429 {
            let mut limited = Http::refused(429, "E011004", "Too many requests");
            limited.retry_after = Some("2".into());
            // Binding once the tab reads it (an answer it gave up on tells it nothing).
            self.reqs[req].retry_after_until = Some(self.now + 2_000.0);
            Some(Ok(limited))
        } else if r < p.p_5xx + p.p_429 + p.p_network {
            Some(Err(SessionError::new(ErrorCode::Network, "network error")))
        } else if r < p.p_5xx + p.p_429 + p.p_network + p.p_garbage {
            // A broken proxy answers instead of the server: cut short, not JSON, or the wrong
            // shape.
            let mut broken = match self.rng.below(3) {
                0 => Http::ok(json!({"sessionJwt": 5, "refreshJwt": ["x"]})),
                1 => Http::ok(json!(["not", "an", "object"])),
                _ => Http::ok(Json::Null),
            };
            broken.garbled = broken.body.is_null();
            Some(Ok(broken))
        } else {
            None
        };
        if fault.is_some() {
            self.last_chaos = self.now;
        }
        let answer = match fault {
            Some(answer) => answer,
            None => self.serve(req),
        };
        self.respond(req, answer, 0.0);
    }

    /// A scripted world's request reaches the server: a fault forced on its path is taken now
    /// and may hold it back, as the devserver's faults do.
    pub(super) fn arrive_scripted(&mut self, req: usize) {
        let path = self.reqs[req].path.clone();
        let fault = self
            .script
            .as_mut()
            .and_then(|s| s.faults.get_mut(&path))
            .and_then(VecDeque::pop_front);
        match fault {
            Some(fault) if fault.delay_ms > 0.0 => {
                self.log(format!(
                    "  server holds #{} {path} back for {:.0} ms",
                    self.reqs[req].id, fault.delay_ms
                ));
                let after = fault.delay_ms;
                let fault = Fault {
                    delay_ms: 0.0,
                    ..fault
                };
                self.schedule(after, Ev::Serve { req, fault });
            }
            Some(fault) => self.serve_forced(req, fault),
            None => {
                let answer = self.serve(req);
                self.respond(req, answer, 0.0);
            }
        }
    }

    pub(super) fn serve_forced(&mut self, req: usize, fault: Fault) {
        let answer = match fault.answer() {
            Some(answer) => answer,
            None => self.serve(req),
        };
        self.respond(req, answer, fault.slow_answer_ms);
    }

    /// The server handles a request (the invariants about what it sees are checked here).
    pub(super) fn serve(&mut self, req: usize) -> Result<Http, SessionError> {
        let path = self.reqs[req].path.clone();
        let token = self.reqs[req].token.clone();
        // Concurrent requests for one refresh token from two tabs. A request of a tab closed
        // mid-refresh is sent by the browser with nobody waiting for it (its lock went with the
        // tab): not a second refresh.
        // (Without Web Locks the tabs cannot take turns: the contract asks only that nothing
        // stalls.)
        if path == "/v1/auth/refresh"
            && token.is_some()
            && !self.reqs[req].aborted
            && self.p.cross_tab
            && !self.p.locks_denied
            && !excused(&self.excused, token.as_deref())
            && !self.logged_out
        {
            let busy = self.reqs.iter().enumerate().any(|(i, o)| {
                i != req
                    && o.path == path
                    && o.token == token
                    && o.tab != self.reqs[req].tab
                    && !o.done
                    && o.answer.is_some()
                    && !o.aborted
            });
            if busy {
                self.fail("two tabs had a refresh for the same token in flight");
            }
        }
        let (answer, outcome) = self.server.handle(self.now, &path, token.as_deref());
        if path.ends_with("/logout") || path.ends_with("/logoutall") {
            // A logout the user asked for may reach the server after a new sign-in
            // (logout-all ends that one too): the session ended on purpose.
            if !self.server.current_alive() {
                self.ended = true;
            }
        }
        match outcome {
            Outcome::Reuse { presented } => {
                self.log(format!("  server: reuse of {}", short(Some(&presented))));
                // A request of a tab closed mid-refresh races its successor: the
                // browser sent it, nobody waits for it.
                // A logout presenting a token rotated meanwhile revokes the family,
                // as a logout does.
                let orphan = self.reqs[req].aborted || path.contains("/logout");
                if self.p.cross_tab
                    && !self.p.locks_denied
                    && !excused(&self.excused, token.as_deref())
                    && !self.logged_out
                    && !orphan
                {
                    self.fail("the server saw a rotated refresh token again (reuse)");
                }
                self.ended = true;
            }
            Outcome::Rotated { issued, .. } => {
                self.reqs[req].rotated = true;
                self.reqs[req].issued = issued.clone();
                if self.reqs[req].aborted {
                    // The client gave up before the server rotated: a lost answer.
                    excuse(&mut self.excused, token.as_deref());
                    self.unread.extend(issued.clone());
                }
                if self.script.is_none() && self.rng.chance(self.p.p_lost) {
                    // Handled, but the answer never comes back.
                    self.reqs[req].lost = true;
                    excuse(&mut self.excused, token.as_deref());
                    self.unread.extend(issued);
                    self.last_chaos = self.now;
                }
            }
            _ => {}
        }
        Ok(answer)
    }

    /// The answer of a request is decided: it travels back (`slower`: extra ms).
    pub(super) fn respond(&mut self, req: usize, answer: Result<Http, SessionError>, slower: f64) {
        let path = &self.reqs[req].path;
        if path.starts_with("/v1/auth/logout") && answer.is_err() {
            self.revoke_lost = true;
        }
        if let (Ok(http), Some(token)) = (&answer, &self.reqs[req].token) {
            if matches!(http.status, 400 | 401 | 403) && self.server.active(token) {
                self.refused.insert(token.clone());
            }
        }
        let status = match &answer {
            Ok(http) => http.status.to_string(),
            Err(e) => e.code.as_str().to_string(),
        };
        self.log(format!(
            "  server #{} {} → {status}",
            self.reqs[req].id, self.reqs[req].path
        ));
        self.reqs[req].answer = Some(answer);
        self.reqs[req].status = Some(status);
        self.reqs[req].served_at = Some(self.t());
        let lost = self.reqs[req].lost;
        if !lost {
            let down = match self.fixed_latency(req) {
                Some(fixed) => fixed + slower,
                None => self.rng.unit() * self.p.max_latency_ms,
            };
            self.schedule(down, Ev::Answer { req });
        }
    }

    /// A scripted world's one-way latency for a request.
    pub(super) fn fixed_latency(&self, req: usize) -> Option<f64> {
        let script = self.script.as_ref()?;
        let path = &self.reqs[req].path;
        Some(
            script
                .latency
                .get(path)
                .copied()
                .unwrap_or(self.p.max_latency_ms),
        )
    }

    pub(super) fn answer(&mut self, req: usize) {
        let r = &mut self.reqs[req];
        r.done = true;
        if r.aborted {
            if r.rotated {
                // A rotation whose answer nobody takes: the token presented is now stale.
                excuse(&mut self.excused, r.token.as_deref());
                let issued = r.issued.clone();
                self.unread.extend(issued);
            }
            return;
        }
        let (tab, inc, id, expect, rotated) = (r.tab, r.inc, r.id, r.expect, r.rotated);
        let token = r.token.clone();
        let issued = r.issued.clone();
        let answer = r
            .answer
            .take()
            .unwrap_or(Err(SessionError::new(ErrorCode::Network, "x")));
        if self.tabs[tab].inc != inc || !self.tabs[tab].alive {
            if rotated {
                excuse(&mut self.excused, token.as_deref());
                self.unread.extend(issued);
            }
            return;
        }
        if let Ok(http) = &answer {
            self.check_hook_view(tab, http);
        }
        if let (Some(until), Some(token), true) = (
            self.reqs[req].retry_after_until,
            token.clone(),
            self.reqs[req].path == "/v1/auth/refresh",
        ) {
            self.not_before.insert(token, (until, tab, inc, self.now));
        }
        // Read by the package's own decoder, as the browser shell reads it.
        let now = self.now;
        let reply = answer.and_then(|http| http.decode(expect, now));
        let answered = match &reply {
            Ok(Reply::Jwt(r)) => r.fields.session_jwt.clone(),
            _ => None,
        };
        self.feed(tab, Input::Answer(id, reply));
        if answered.is_some() && self.tabs[tab].s.session_token() == answered.as_deref() {
            self.check_planned(tab);
        }
    }
}
