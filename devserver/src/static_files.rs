//! Files served from `--www`, `--pkg` and `--static` directories.

use std::path::{Path, PathBuf};

use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::StatusCode;
use axum::response::Response;

use crate::config::Mount;
use crate::http::{set_header, ApiError};
use crate::util::percent_decode;

/// What a path under a mount leads to.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    File(PathBuf),
    /// A directory asked for without its trailing slash.
    Redirect(String),
    /// The path tries to climb out (`..`) or is not text.
    Refused,
}

/// `None` when no mount has a file at `raw_path` (the caller then answers 404).
pub fn resolve(mounts: &[Mount], raw_path: &str) -> Option<Lookup> {
    let Some(path) = percent_decode(raw_path, false) else {
        return Some(Lookup::Refused);
    };
    let mount = mounts
        .iter()
        .filter(|m| path.starts_with(&m.prefix) || format!("{path}/") == m.prefix)
        .max_by_key(|m| m.prefix.len())?;
    let rest = path.get(mount.prefix.len()..).unwrap_or("");
    if rest
        .split('/')
        .any(|s| s == ".." || s.contains(['\\', '\0']))
    {
        return Some(Lookup::Refused);
    }
    if path.len() < mount.prefix.len() {
        return Some(Lookup::Redirect(mount.prefix.clone()));
    }
    let file: PathBuf = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .fold(mount.dir.clone(), |p, s| p.join(s));
    if file.is_dir() {
        if !path.ends_with('/') {
            return Some(Lookup::Redirect(format!("{raw_path}/")));
        }
        let index = file.join("index.html");
        return index.is_file().then_some(Lookup::File(index));
    }
    file.is_file().then_some(Lookup::File(file))
}

pub async fn serve(lookup: Lookup) -> Response {
    match lookup {
        Lookup::Refused => ApiError::new(
            StatusCode::FORBIDDEN,
            "E000403",
            "Forbidden",
            "The path is not allowed",
        )
        .into_response(),
        Lookup::Redirect(location) => {
            let mut response = Response::new(Default::default());
            *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
            set_header(&mut response, LOCATION, &location);
            response
        }
        Lookup::File(file) => match tokio::fs::read(&file).await {
            Ok(bytes) => {
                let mut response = Response::new(bytes.into());
                set_header(&mut response, CONTENT_TYPE, content_type(&file));
                set_header(&mut response, CACHE_CONTROL, "no-store");
                // Readable from any origin, as a CDN serves a package: a sandboxed frame (an
                // opaque origin) loads the package's module and wasm too.
                set_header(&mut response, ACCESS_CONTROL_ALLOW_ORIGIN, "*");
                response
            }
            Err(_) => ApiError::not_found().into_response(),
        },
    }
}

fn content_type(file: &Path) -> &'static str {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("wasm") => "application/wasm",
        Some("ts") => "text/typescript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts() -> Vec<Mount> {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        vec![
            Mount {
                prefix: "/".into(),
                dir: here.clone(),
            },
            Mount {
                prefix: "/src/".into(),
                dir: here.join("src"),
            },
        ]
    }

    #[test]
    fn lookups() {
        let m = mounts();
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            resolve(&m, "/Cargo.toml"),
            Some(Lookup::File(here.join("Cargo.toml")))
        );
        assert_eq!(
            resolve(&m, "/src/main.rs"),
            Some(Lookup::File(here.join("src").join("main.rs")))
        );
        assert_eq!(resolve(&m, "/src"), Some(Lookup::Redirect("/src/".into())));
        assert_eq!(
            resolve(&m, "/src/descope"),
            Some(Lookup::Redirect("/src/descope/".into()))
        );
        assert_eq!(resolve(&m, "/src/"), None); // no index.html
        assert_eq!(resolve(&m, "/nope.txt"), None);
        assert_eq!(resolve(&m, "/src/../Cargo.toml"), Some(Lookup::Refused));
        assert_eq!(resolve(&m, "/%2e%2e/etc/passwd"), Some(Lookup::Refused));
        assert_eq!(resolve(&m, "/a\\..\\b"), Some(Lookup::Refused));
        assert_eq!(resolve(&[], "/x"), None);
    }
}
