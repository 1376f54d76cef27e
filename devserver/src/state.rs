//! The server's shared state: the settings and everything `POST /__control/reset` forgets.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::config::{Config, ProjectOverride};
use crate::descope::DescopeState;
use crate::faults::Faults;
use crate::log::RequestLog;
use crate::rocketchat::RcState;
use crate::util::now_secs;

pub struct App {
    pub cfg: Config,
    state: Mutex<ServerState>,
}

/// Everything `POST /__control/reset` forgets.
pub struct ServerState {
    pub descope: DescopeState,
    pub rc: RcState,
    pub projects: HashMap<String, ProjectOverride>,
    pub faults: Faults,
    pub log: RequestLog,
}

impl ServerState {
    fn new() -> Self {
        Self {
            descope: DescopeState::new(now_secs()),
            rc: RcState::new(),
            projects: HashMap::new(),
            faults: Faults::default(),
            log: RequestLog::default(),
        }
    }

    /// Back to the seed; the log keeps numbering on.
    pub fn reset(&mut self) {
        let mut log = std::mem::take(&mut self.log);
        log.clear();
        *self = Self { log, ..Self::new() };
    }
}

impl App {
    pub fn new(cfg: Config) -> Self {
        Self {
            cfg,
            state: Mutex::new(ServerState::new()),
        }
    }

    /// The state; a handler that panicked while holding it leaves it usable.
    pub fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
