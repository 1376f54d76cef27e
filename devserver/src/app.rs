//! The one handler every request goes through: CORS, the control API, faults, the Descope
//! and Rocket.Chat APIs, static files, and the request log.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::config::{ProjectConfig, ProjectOverride};
use crate::descope::{self, Bearer};
use crate::http::{ApiError, Req};
use crate::log::LogEntry;
use crate::rocketchat::{self, RcRoute};
use crate::state::{App, ServerState};
use crate::util::{now_ms, now_secs};
use crate::{control, cors, static_files};

/// Bodies larger than this are refused with 413.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The settings in force for `project`: its override over the flags.
fn project_config(
    projects: &HashMap<String, ProjectOverride>,
    base: &ProjectConfig,
    project: &str,
) -> ProjectConfig {
    projects
        .get(project)
        .map_or_else(|| base.clone(), |o| o.apply(base))
}

pub async fn entry(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let origin = cors::loopback_origin(&parts.headers);
    // Preflights are the browser's, not the client's: never logged, counted or faulted.
    let mut response = if parts.method == Method::OPTIONS {
        cors::preflight(&parts.headers, origin.as_deref())
    } else {
        let arrived = now_ms();
        let control = app.cfg.control && parts.uri.path().starts_with(control::PREFIX);
        let seq = (!control).then(|| app.lock().log.next_seq());
        let body = to_bytes(body, BODY_LIMIT).await;
        let req = Req {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts.headers,
            body: body.as_ref().cloned().unwrap_or_default(),
            peer,
        };
        let bearer = Bearer::parse(&req).ok();
        let project = bearer.as_ref().map(|b| b.project.as_str());
        let response = match (body, seq) {
            (Err(_), _) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "E011003",
                "Request is invalid",
                "The body is larger than 2 MiB",
            )
            .into_response(),
            (Ok(_), None) => control::handle(&app, &req),
            (Ok(_), Some(_)) => route(&app, &req, project).await,
        };
        if let Some(seq) = seq {
            log(&app, &req, bearer.as_ref(), seq, arrived, response.status());
        }
        response
    };
    cors::decorate(&mut response, origin.as_deref());
    response
}

async fn route(app: &App, req: &Req, project: Option<&str>) -> Response {
    let secret = app.cfg.jwt_secret.as_bytes();
    if let Some(route) = descope::Route::find(&req.method, &req.path) {
        return faulted(app, req, project, |st| {
            let base = &app.cfg.project;
            let ServerState {
                descope, projects, ..
            } = st;
            let cfg = |p: &str| project_config(projects, base, p);
            descope::handle(descope, route, req, secret, cfg, now_secs())
        })
        .await;
    }
    if let Some(route) = RcRoute::find(&req.method, &req.path) {
        return faulted(app, req, project, |st| {
            rocketchat::handle(&mut st.rc, route, req, now_ms())
        })
        .await;
    }
    if matches!(req.method, Method::GET | Method::HEAD) {
        if let Some(lookup) = static_files::resolve(&app.cfg.mounts, &req.path) {
            return static_files::serve(lookup).await;
        }
    }
    faulted(app, req, project, |_| ApiError::not_found().into_response()).await
}

/// Applies the first pending fault for the request, if any, around `handler`.
async fn faulted(
    app: &App,
    req: &Req,
    project: Option<&str>,
    handler: impl FnOnce(&mut ServerState) -> Response,
) -> Response {
    let fault = app.lock().faults.take(&req.path, project);
    if let Some(fault) = &fault {
        tokio::time::sleep(fault.delay()).await;
        if let Some(answer) = fault.answer() {
            return answer;
        }
    }
    let mut response = handler(&mut app.lock());
    if let Some(fault) = fault {
        fault.decorate(&mut response);
    }
    response
}

fn log(app: &App, req: &Req, bearer: Option<&Bearer>, seq: u64, at: u64, status: StatusCode) {
    let mut st = app.lock();
    let token_jti = bearer.and_then(|b| {
        let cfg = project_config(&st.projects, &app.cfg.project, &b.project);
        descope::presented_jti(req, b, app.cfg.jwt_secret.as_bytes(), &cfg)
    });
    st.log.record(LogEntry {
        seq,
        at,
        method: req.method.to_string(),
        path: req.path.clone(),
        project: bearer.map(|b| b.project.clone()),
        status: status.as_u16(),
        token_jti,
        origin: req.header("origin").map(str::to_string),
        content_type: req.header("content-type").map(str::to_string),
        bearers: req
            .header("authorization")
            .map_or(0, |v| v.matches("Bearer ").count()),
        refresh_cookie_name: req
            .header("x-descope-refresh-cookie-name")
            .map(str::to_string),
    });
}
