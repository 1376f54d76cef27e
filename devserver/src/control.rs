//! The test-control API under `/__control/` (only with `--control`).

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::config::ProjectOverride;
use crate::faults::{Fault, FaultSpec};
use crate::http::{json, ApiError, Req};
use crate::state::App;
use crate::util::{now_ms, percent_decode, query_param};

pub const PREFIX: &str = "/__control/";

pub fn handle(app: &App, req: &Req) -> Response {
    answer(app, req).unwrap_or_else(ApiError::into_response)
}

fn answer(app: &App, req: &Req) -> Result<Response, ApiError> {
    let rest = req.path.strip_prefix(PREFIX).unwrap_or("");
    let (resource, arg) = match rest.split_once('/') {
        Some((r, a)) => (r, Some(percent_decode(a, false).unwrap_or_default())),
        None => (rest, None),
    };
    let arg = arg.filter(|a| !a.is_empty());
    let query = |key| query_param(req.query.as_deref(), key);
    let mut st = app.lock();
    let body = match (&req.method, resource, arg) {
        (&Method::POST, "reset", None) => {
            st.reset();
            json!({ "ok": true })
        }
        (&Method::PUT, "projects", Some(project)) => {
            let over: ProjectOverride = req.json(true).map_err(ApiError::bad_request)?;
            let effective = over.apply(&app.cfg.project);
            st.projects.insert(project.clone(), over);
            let mut body = effective.to_json();
            body["projectId"] = project.into();
            body
        }
        (&Method::POST, "faults", None) => {
            let spec: FaultSpec = req.json(false).map_err(ApiError::bad_request)?;
            st.faults
                .push(Fault::from_spec(spec).map_err(ApiError::bad_request)?);
            json!({ "pending": st.faults.len() })
        }
        (&Method::DELETE, "faults", None) => {
            st.faults = Default::default();
            json!({ "pending": 0 })
        }
        (&Method::GET, "log", None) => {
            let (project, path) = (query("project"), query("path"));
            let entries: Vec<_> = st
                .log
                .entries(project.as_deref(), path.as_deref())
                .collect();
            serde_json::to_value(entries).unwrap_or(Value::Null)
        }
        (&Method::GET, "counters", None) => st.log.counters(query("project").as_deref()),
        (&Method::GET, "2fa", Some(user)) => st
            .rc
            .codes(&user, now_ms())
            .ok_or_else(ApiError::not_found)?,
        _ => return Err(ApiError::not_found()),
    };
    Ok(json(StatusCode::OK, &body))
}
