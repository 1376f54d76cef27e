//! Command-line flags, their `DEVSERVER_*` environment twins, and per-project settings.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{json, Value};

pub const USAGE: &str = "\
usage: devserver [flags]   (every flag also reads DEVSERVER_<FLAG>; the flag wins)
  --host <addr>                    address to bind (127.0.0.1)
  --port <n>                       port, 0 picks a free one (8787)
  --session-ttl <s>                session JWT lifetime (300)
  --refresh-ttl <s>                refresh JWT lifetime (2592000)
  --next-refresh-seconds <s>       nextRefreshSeconds in JWT responses, 0 leaves it out (0)
  --cookie-name <n>                cookieName (DSR)
  --session-cookie-name <n>        sessionCookieName (DS)
  --cookie-domain <d>              cookieDomain, empty leaves it out
  --session-cookie-domain <d>      sessionCookieDomain, empty leaves it out
  --cookie-path <p>                cookiePath (/)
  --cookie-max-age <s>             cookieMaxAge (refresh TTL)
  --cookie-expiration <epoch s>    cookieExpiration (now + refresh TTL)
  --refresh-cookie                 refresh token in an HttpOnly cookie, not in the body
  --no-rotation                    refresh, try-refresh and tenant select keep the refresh token
  --control                        enable the test-control API under /__control/
  --www <dir>                      serve <dir> at /
  --pkg <dir>                      serve <dir> at /pkg/
  --static <prefix>=<dir>          serve <dir> at <prefix> (repeatable; comma-separated in env)
  --jwt-secret <s>                 HS256 key (devserver-secret)
";

/// Everything the flags decide.
#[derive(Clone, Debug)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub control: bool,
    pub jwt_secret: String,
    pub mounts: Vec<Mount>,
    /// Descope settings of every project without an override.
    pub project: ProjectConfig,
}

/// A directory served at a URL prefix (which starts and ends with `/`).
#[derive(Clone, Debug)]
pub struct Mount {
    pub prefix: String,
    pub dir: PathBuf,
}

/// The Descope settings in force for one project.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectConfig {
    pub session_ttl: u64,
    pub refresh_ttl: u64,
    pub next_refresh_seconds: u64,
    pub cookie_name: String,
    pub session_cookie_name: String,
    pub cookie_domain: String,
    pub session_cookie_domain: String,
    pub cookie_path: String,
    /// `None`: the refresh TTL.
    pub cookie_max_age: Option<u64>,
    /// `None`: now + the refresh TTL, at the time of each response.
    pub cookie_expiration: Option<u64>,
    pub refresh_cookie: bool,
    /// `false`: refresh, try-refresh and tenant select keep the presented refresh token.
    pub rotation: bool,
}

impl ProjectConfig {
    pub fn cookie_max_age(&self) -> u64 {
        self.cookie_max_age.unwrap_or(self.refresh_ttl)
    }

    pub fn cookie_expiration(&self, now: u64) -> u64 {
        self.cookie_expiration
            .unwrap_or(now.saturating_add(self.refresh_ttl))
    }

    /// The effective settings as the control API shows them (`cookieExpiration` is `null` when
    /// it follows the clock).
    pub fn to_json(&self) -> Value {
        json!({
            "sessionTtl": self.session_ttl,
            "refreshTtl": self.refresh_ttl,
            "nextRefreshSeconds": self.next_refresh_seconds,
            "cookieName": self.cookie_name,
            "sessionCookieName": self.session_cookie_name,
            "cookieDomain": self.cookie_domain,
            "sessionCookieDomain": self.session_cookie_domain,
            "cookiePath": self.cookie_path,
            "cookieMaxAge": self.cookie_max_age(),
            "cookieExpiration": self.cookie_expiration,
            "refreshCookie": self.refresh_cookie,
            "rotation": self.rotation,
        })
    }
}

/// `PUT /__control/projects/{id}`: absent (or `null`) fields keep the flag's value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectOverride {
    session_ttl: Option<u64>,
    refresh_ttl: Option<u64>,
    next_refresh_seconds: Option<u64>,
    cookie_name: Option<String>,
    session_cookie_name: Option<String>,
    cookie_domain: Option<String>,
    session_cookie_domain: Option<String>,
    cookie_path: Option<String>,
    cookie_max_age: Option<u64>,
    cookie_expiration: Option<u64>,
    refresh_cookie: Option<bool>,
    rotation: Option<bool>,
}

impl ProjectOverride {
    pub fn apply(&self, base: &ProjectConfig) -> ProjectConfig {
        let text = |o: &Option<String>, b: &String| o.clone().unwrap_or_else(|| b.clone());
        ProjectConfig {
            session_ttl: self.session_ttl.unwrap_or(base.session_ttl),
            refresh_ttl: self.refresh_ttl.unwrap_or(base.refresh_ttl),
            next_refresh_seconds: self
                .next_refresh_seconds
                .unwrap_or(base.next_refresh_seconds),
            cookie_name: text(&self.cookie_name, &base.cookie_name),
            session_cookie_name: text(&self.session_cookie_name, &base.session_cookie_name),
            cookie_domain: text(&self.cookie_domain, &base.cookie_domain),
            session_cookie_domain: text(&self.session_cookie_domain, &base.session_cookie_domain),
            cookie_path: text(&self.cookie_path, &base.cookie_path),
            cookie_max_age: self.cookie_max_age.or(base.cookie_max_age),
            cookie_expiration: self.cookie_expiration.or(base.cookie_expiration),
            refresh_cookie: self.refresh_cookie.unwrap_or(base.refresh_cookie),
            rotation: self.rotation.unwrap_or(base.rotation),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Value,
    Switch,
    Repeat,
}

const FLAGS: &[(&str, Kind)] = &[
    ("host", Kind::Value),
    ("port", Kind::Value),
    ("session-ttl", Kind::Value),
    ("refresh-ttl", Kind::Value),
    ("next-refresh-seconds", Kind::Value),
    ("cookie-name", Kind::Value),
    ("session-cookie-name", Kind::Value),
    ("cookie-domain", Kind::Value),
    ("session-cookie-domain", Kind::Value),
    ("cookie-path", Kind::Value),
    ("cookie-max-age", Kind::Value),
    ("cookie-expiration", Kind::Value),
    ("refresh-cookie", Kind::Switch),
    ("no-rotation", Kind::Switch),
    ("control", Kind::Switch),
    ("www", Kind::Value),
    ("pkg", Kind::Value),
    ("static", Kind::Repeat),
    ("jwt-secret", Kind::Value),
];

/// Reads the configuration from `args` (without the program name) over `env`.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, String> {
    let mut raw: HashMap<&str, Vec<String>> = HashMap::new();
    for &(name, kind) in FLAGS {
        let var = format!("DEVSERVER_{}", name.to_uppercase().replace('-', "_"));
        if let Some(value) = env(&var) {
            let values = match kind {
                Kind::Repeat => value
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
                _ => vec![value],
            };
            raw.insert(name, values);
        }
    }
    let mut from_args: Vec<&str> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let body = arg
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {arg:?}"))?;
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let &(name, kind) = FLAGS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("unknown flag --{name}"))?;
        let value = match (kind, inline) {
            (_, Some(v)) => v,
            (Kind::Switch, None) => "true".to_string(),
            (_, None) => args
                .next()
                .ok_or_else(|| format!("--{name} needs a value"))?,
        };
        // A flag replaces what the environment said, and a repeated flag adds up.
        if !from_args.contains(&name) {
            from_args.push(name);
            raw.remove(name);
        }
        let values = raw.entry(name).or_default();
        if kind != Kind::Repeat {
            values.clear();
        }
        values.push(value);
    }

    let get = |name: &str| raw.get(name).and_then(|v| v.last()).map(String::as_str);
    let text = |name: &str, default: &str| get(name).unwrap_or(default).to_string();
    let number = |name: &str| -> Result<Option<u64>, String> {
        get(name)
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("--{name}: {v:?} is not a whole number"))
            })
            .transpose()
    };
    let switch = |name: &str| -> Result<bool, String> {
        match get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["", "0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(format!("--{name}: {v:?} is not a boolean")),
        }
    };

    let port = match number("port")? {
        None => 8787,
        Some(p) => u16::try_from(p).map_err(|_| format!("--port: {p} is out of range"))?,
    };
    let refresh_ttl = number("refresh-ttl")?.unwrap_or(2_592_000);
    let mut mounts = Vec::new();
    if let Some(dir) = get("www") {
        mounts.push(mount("/", dir)?);
    }
    if let Some(dir) = get("pkg") {
        mounts.push(mount("/pkg/", dir)?);
    }
    for spec in raw.get("static").into_iter().flatten() {
        let (prefix, dir) = spec
            .split_once('=')
            .ok_or_else(|| format!("--static: {spec:?} is not <prefix>=<dir>"))?;
        mounts.push(mount(prefix, dir)?);
    }

    Ok(Config {
        host: text("host", "127.0.0.1"),
        port,
        control: switch("control")?,
        jwt_secret: text("jwt-secret", "devserver-secret"),
        mounts,
        project: ProjectConfig {
            session_ttl: number("session-ttl")?.unwrap_or(300),
            refresh_ttl,
            next_refresh_seconds: number("next-refresh-seconds")?.unwrap_or(0),
            cookie_name: text("cookie-name", "DSR"),
            session_cookie_name: text("session-cookie-name", "DS"),
            cookie_domain: text("cookie-domain", ""),
            session_cookie_domain: text("session-cookie-domain", ""),
            cookie_path: text("cookie-path", "/"),
            cookie_max_age: number("cookie-max-age")?,
            cookie_expiration: number("cookie-expiration")?,
            refresh_cookie: switch("refresh-cookie")?,
            rotation: !switch("no-rotation")?,
        },
    })
}

fn mount(prefix: &str, dir: &str) -> Result<Mount, String> {
    let dir = PathBuf::from(dir);
    let prefix = format!("/{}/", prefix.trim_matches('/'));
    let prefix = if prefix == "//" {
        "/".to_string()
    } else {
        prefix
    };
    Ok(Mount { prefix, dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults() {
        let c = parse(args(&[]), |_| None).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.control),
            ("127.0.0.1", 8787, false)
        );
        assert_eq!(c.project.cookie_max_age(), 2_592_000);
        assert_eq!(c.project.cookie_expiration(10), 2_592_010);
        assert_eq!(c.project.session_cookie_name, "DS");
        assert!(c.project.rotation);
    }

    #[test]
    fn flags_win_over_env() {
        let env = |k: &str| match k {
            "DEVSERVER_NEXT_REFRESH_SECONDS" => Some("2".to_string()),
            "DEVSERVER_PORT" => Some("1".to_string()),
            "DEVSERVER_CONTROL" => Some("1".to_string()),
            _ => None,
        };
        let c = parse(args(&["--port", "0", "--cookie-max-age=0"]), env).unwrap();
        assert_eq!(c.port, 0);
        assert!(c.control);
        assert_eq!(c.project.next_refresh_seconds, 2);
        assert_eq!(c.project.cookie_max_age(), 0);
    }

    #[test]
    fn no_rotation_switch() {
        assert!(
            !parse(args(&["--no-rotation"]), |_| None)
                .unwrap()
                .project
                .rotation
        );
        let env = |value: &'static str| {
            move |k: &str| (k == "DEVSERVER_NO_ROTATION").then(|| value.to_string())
        };
        assert!(!parse(args(&[]), env("1")).unwrap().project.rotation);
        assert!(parse(args(&[]), env("off")).unwrap().project.rotation);
        assert!(
            parse(args(&["--no-rotation=false"]), env("1"))
                .unwrap()
                .project
                .rotation
        );
        assert!(parse(args(&[]), env("maybe")).is_err());
    }

    #[test]
    fn mounts_and_errors() {
        let c = parse(
            args(&["--www", ".", "--static", "x/y=.", "--static=/z/=."]),
            |_| None,
        )
        .unwrap();
        let prefixes: Vec<_> = c.mounts.iter().map(|m| m.prefix.as_str()).collect();
        assert_eq!(prefixes, ["/", "/x/y/", "/z/"]);
        assert!(parse(args(&["--nope"]), |_| None).is_err());
        assert!(parse(args(&["--port"]), |_| None).is_err());
        assert!(parse(args(&["--port", "70000"]), |_| None).is_err());
        assert!(parse(args(&["--static", "nodir"]), |_| None).is_err());
    }

    #[test]
    fn overrides_replace_single_fields() {
        let base = parse(args(&[]), |_| None).unwrap().project;
        let o: ProjectOverride = serde_json::from_str(
            r#"{"refreshTtl": 60, "refreshCookie": true, "cookieName": null}"#,
        )
        .unwrap();
        let p = o.apply(&base);
        assert_eq!(
            (p.refresh_ttl, p.refresh_cookie, p.cookie_max_age()),
            (60, true, 60)
        );
        assert_eq!(p.cookie_name, "DSR");
        assert!(p.rotation);
        let o: ProjectOverride = serde_json::from_str(r#"{"rotation": false}"#).unwrap();
        assert!(!o.apply(&base).rotation);
        assert_eq!(o.apply(&base).to_json()["rotation"], false);
        assert!(serde_json::from_str::<ProjectOverride>(r#"{"rotation": "no"}"#).is_err());
        assert!(serde_json::from_str::<ProjectOverride>(r#"{"sessionTTL": 1}"#).is_err());
    }
}
