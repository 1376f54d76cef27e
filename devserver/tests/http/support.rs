//! A devserver child process and a tiny HTTP/1.1 client for the integration tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::{refresh_of, DEMO};

/// A running devserver, killed when dropped.
pub struct Server {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    pub port: u16,
}

impl Server {
    /// `devserver --port 0 --control <args>`.
    pub fn start(args: &[&str]) -> Server {
        Self::spawn(&[&["--port", "0", "--control"], args].concat(), &[])
    }

    /// `devserver --port 0 <args>` with extra environment variables.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_devserver"))
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn devserver");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("first line");
        let port = line
            .trim()
            .strip_prefix("devserver listening on http://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("port");
        Server {
            child,
            _stdout: stdout,
            port,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit (after a signal sent by the test).
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends raw bytes and reads the answer (the connection is closed after one request).
    pub fn raw(&self, request: &[u8]) -> Resp {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        stream.write_all(request).expect("write");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read");
        Resp::parse(&bytes)
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        if !body.is_empty() || method != "GET" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.request("GET", path, headers, b"")
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, body.to_string().as_bytes())
    }

    /// A Descope call with `Authorization: Bearer <project>[:<token>]`.
    pub fn descope(
        &self,
        method: &str,
        path: &str,
        project: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Resp {
        let auth = bearer(project, token);
        let text = body.to_string();
        let body = if body.is_null() { "" } else { text.as_str() };
        self.request(
            method,
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// `POST /v1/auth/password/signin`, which must succeed.
    pub fn sign_in(&self, project: &str, login_id: &str, password: &str) -> Value {
        let r = self.descope(
            "POST",
            "/v1/auth/password/signin",
            project,
            None,
            &serde_json::json!({ "loginId": login_id, "password": password }),
        );
        assert_eq!(r.status, 200, "sign-in: {}", r.text());
        r.json()
    }

    /// `POST <path>` with `Bearer <project>:<token>` and the body `{}` (refresh, logout,
    /// logoutall, validate, try-refresh).
    pub fn post_token(&self, path: &str, project: &str, token: &str) -> Resp {
        self.descope("POST", path, project, Some(token), &json!({}))
    }

    /// `GET <path>` with `Bearer <project>:<token>` (me, me/history).
    pub fn get_token(&self, path: &str, project: &str, token: &str) -> Resp {
        self.descope("GET", path, project, Some(token), &Value::Null)
    }

    /// `POST /v1/auth/refresh` with the body `{}`.
    pub fn refresh(&self, project: &str, token: &str) -> Resp {
        self.post_token("/v1/auth/refresh", project, token)
    }

    /// `POST /v1/auth/tenant/select` of `tenant`.
    pub fn select(&self, project: &str, token: &str, tenant: &str) -> Resp {
        let body = json!({ "tenant": tenant });
        self.descope(
            "POST",
            "/v1/auth/tenant/select",
            project,
            Some(token),
            &body,
        )
    }

    /// The demo user's password sign-in as it is answered (in cookie mode the refresh token is
    /// only in `Set-Cookie`).
    pub fn sign_in_demo(&self, project: &str) -> Resp {
        let body = json!({ "loginId": DEMO, "password": "demo1234" });
        self.descope("POST", "/v1/auth/password/signin", project, None, &body)
    }

    /// The refresh token of a new sign-in of the demo user, which must succeed.
    pub fn demo_token(&self, project: &str) -> String {
        refresh_of(&self.sign_in(project, DEMO, "demo1234"))
    }

    /// `<method> <path>` with `Bearer P-test`, `Cookie: <cookie>` and the `extra` headers.
    pub fn with_cookie(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let mut headers = vec![("Authorization", "Bearer P-test"), ("Cookie", cookie)];
        headers.extend_from_slice(extra);
        self.request(method, path, &headers, body)
    }

    /// `<method> <path>` with `Bearer P-test:<token>` and the cookie `DSR=garbage`, which the
    /// bearer must win over.
    pub fn bearer_over_cookie(&self, method: &str, path: &str, token: &str, body: &[u8]) -> Resp {
        let auth = bearer("P-test", Some(token));
        let headers = [("Authorization", auth.as_str()), ("Cookie", "DSR=garbage")];
        self.request(method, path, &headers, body)
    }

    /// `PUT /__control/projects/<id>` with `config`; returns the effective configuration.
    pub fn project(&self, id: &str, config: Value) -> Value {
        self.control("PUT", &format!("/__control/projects/{id}"), &config)
    }

    /// `POST /__control/faults` with `spec`.
    pub fn fault(&self, spec: Value) -> Value {
        self.control("POST", "/__control/faults", &spec)
    }

    /// A control call, which must succeed.
    pub fn control(&self, method: &str, path: &str, body: &Value) -> Value {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let r = self.request(
            method,
            path,
            &[("Content-Type", "application/json")],
            text.as_bytes(),
        );
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text());
        r.json()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn bearer(project: &str, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("Bearer {project}:{t}"),
        None => format!("Bearer {project}"),
    }
}

/// The payload of a JWT (signature not checked).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

/// The claims of a JWTResponse's `sessionJwt`.
pub fn session_claims(body: &Value) -> Value {
    claims(body["sessionJwt"].as_str().expect("sessionJwt"))
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    fn parse(bytes: &[u8]) -> Resp {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(bytes)));
        let head = String::from_utf8_lossy(&bytes[..split]).to_string();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = bytes[split + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        if chunked {
            body = dechunk(&body);
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    /// Asserts each header's value.
    pub fn assert_headers(&self, expected: &[(&str, &str)]) {
        for (name, value) in expected {
            assert_eq!(self.header(name), Some(*value), "{name}");
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts a 200 and returns the JSON body.
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.text());
        self.json()
    }

    /// The first pair of `Set-Cookie`, `<name>=<value>`.
    pub fn cookie_pair(&self) -> String {
        let cookie = self.header("set-cookie").expect("Set-Cookie");
        cookie.split(';').next().unwrap().to_string()
    }

    /// The value of `Set-Cookie`'s first pair: the refresh token in cookie mode.
    pub fn cookie_value(&self) -> String {
        self.cookie_pair().split_once('=').unwrap().1.to_string()
    }

    /// Asserts a Descope error body with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        let body = self.json();
        assert_eq!(body["errorCode"], code, "{body}");
        for key in ["errorDescription", "errorMessage", "message"] {
            assert!(body[key].is_string(), "{key} in {body}");
        }
        assert_eq!(self.header("content-type"), Some("application/json"));
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
}
