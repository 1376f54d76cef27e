//! The server as a whole: configuration, CORS, unknown paths, shutdown, garbage input and
//! static files.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{bearer, Server};
use crate::{DEMO, P};

#[test]
fn environment_variables_configure_and_flags_win() {
    let env = [
        ("DEVSERVER_NEXT_REFRESH_SECONDS", "2"),
        ("DEVSERVER_COOKIE_NAME", "EnvName"),
        ("DEVSERVER_CONTROL", "1"),
    ];
    let s = Server::spawn(&["--port", "0", "--cookie-name", "FlagName"], &env);
    let r = s.sign_in(P, DEMO, "demo1234");
    assert_eq!(r["nextRefreshSeconds"], 2);
    assert_eq!(r["cookieName"], "FlagName");
    assert_eq!(s.request("POST", "/__control/reset", &[], b"").status, 200);
}

#[test]
fn cors_for_loopback_origins_only() {
    let s = Server::start(&[]);
    let pre = s.request(
        "OPTIONS",
        "/v1/auth/refresh",
        &[
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type,x-descope-sdk-name",
            ),
        ],
        b"",
    );
    assert_eq!(pre.status, 204);
    pre.assert_headers(&[
        ("access-control-allow-origin", "http://localhost:5173"),
        ("access-control-allow-credentials", "true"),
        (
            "access-control-allow-methods",
            "GET, POST, PUT, DELETE, OPTIONS",
        ),
        (
            "access-control-allow-headers",
            "authorization,content-type,x-descope-sdk-name",
        ),
        ("access-control-max-age", "600"),
    ]);

    for origin in [
        "http://127.0.0.1:9000",
        "https://app.localhost",
        "http://[::1]:8080",
        "http://localhost",
    ] {
        let r = s.request("POST", "/v1/auth/refresh", &[("Origin", origin)], b"{}");
        assert_eq!(r.status, 401);
        r.assert_headers(&[
            ("access-control-allow-origin", origin),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "Retry-After"),
            ("vary", "Origin"),
        ]);
    }
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
    ] {
        let r = s.request(
            "OPTIONS",
            "/v1/auth/refresh",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            b"",
        );
        assert_eq!(r.status, 204);
        let r2 = s.request("POST", "/v1/auth/refresh", &[("Origin", origin)], b"{}");
        for r in [&r, &r2] {
            assert!(
                r.headers
                    .iter()
                    .all(|(k, _)| !k.starts_with("access-control-")),
                "{origin}: {:?}",
                r.headers
            );
        }
    }
    // The control API has CORS too.
    let r = s.request(
        "GET",
        "/__control/log",
        &[("Origin", "http://localhost:1")],
        b"",
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:1")
    );
}

#[test]
fn unknown_paths_and_methods_are_404() {
    let s = Server::start(&[]);
    s.get("/v1/auth/nothing", &[]).assert_error(404, "E000404");
    s.get("/v1/auth/refresh", &[]).assert_error(404, "E000404");
    s.request("DELETE", "/api/v1/login", &[], b"")
        .assert_error(404, "E000404");
    s.get("/__control/nothing", &[])
        .assert_error(404, "E000404");
    s.get("/__control/2fa/nobody", &[])
        .assert_error(404, "E000404");
}

#[test]
fn sigterm_exits_cleanly() {
    let mut s = Server::start(&[]);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = s.wait_exit(Duration::from_secs(5)).expect("exited");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn garbage_is_refused_and_the_server_keeps_serving() {
    let s = Server::start(&[]);
    let signin = "/v1/auth/password/signin";
    let auth = [("Authorization", "Bearer P-test")];
    for body in [
        &b"{\"loginId\": \"a\""[..],
        b"not json",
        b"[1, 2]",
        b"\"text\"",
        b"{\"loginId\": 5, \"password\": \"x\"}",
        b"{\"loginId\": \"a@b.c\"}",
        b"{\"loginId\": \"\", \"password\": \"x\"}",
        b"{\"loginId\": null, \"password\": \"x\"}",
        b"\xff\xfe",
        b"",
    ] {
        s.request("POST", signin, &auth, body)
            .assert_error(400, "E011003");
    }
    let token = s.demo_token(P);
    let auth = bearer(P, Some(&token));
    for (path, body) in [
        ("/v1/auth/refresh", &b"{oops"[..]),
        ("/v1/auth/tenant/select", b"{\"tenant\": [1]}"),
        (
            "/v1/auth/security-questions/verify",
            b"{\"answers\": \"blue\"}",
        ),
    ] {
        s.request("POST", path, &[("Authorization", &auth)], body)
            .assert_error(400, "E011003");
    }

    for header in [
        "",
        "Bearer",
        "Bearer ",
        "Bearer :token",
        "Basic dXNlcjpwYXNz",
        "Bearer P-test:",
        "Bearer P-test:garbage",
        "Bearer P-test:a.b.c",
        "Bearer P-test:eyJhbGciOiJub25lIn0.eyJzdWIiOiJVLWRlbW8ifQ.",
    ] {
        let headers = [("Authorization", header)];
        let headers: &[(&str, &str)] = if header.is_empty() { &[] } else { &headers };
        s.request("POST", "/v1/auth/refresh", headers, b"{}")
            .assert_error(401, "E061004");
        s.request("GET", "/v1/auth/me", headers, b"")
            .assert_error(401, "E061004");
    }
    // A non-UTF-8 header value.
    let mut raw =
        b"GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer P:"
            .to_vec();
    raw.extend_from_slice(b"\xff\xfe\r\n\r\n");
    s.raw(&raw).assert_error(401, "E061004");

    // About 1 MB of garbage, then a JSON document with a huge field, then 3 MB.
    let big = vec![b'a'; 1_000_000];
    s.request("POST", signin, &[("Authorization", "Bearer P-test")], &big)
        .assert_error(400, "E011003");
    let huge_id = format!(
        "{{\"loginId\": \"{}\", \"password\": \"x\"}}",
        "x".repeat(1_000_000)
    );
    s.request(
        "POST",
        signin,
        &[("Authorization", "Bearer P-test")],
        huge_id.as_bytes(),
    )
    .assert_error(400, "E011003");
    let r = s.request(
        "POST",
        signin,
        &[("Authorization", "Bearer P-test")],
        &vec![b'{'; 3_000_000],
    );
    assert!(r.status == 413 || r.status == 400, "{}", r.status);

    // Rocket.Chat garbage.
    let r = s.request("POST", "/api/v1/login", &[], b"{\"user\": 1}");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], "error");
    assert_eq!(s.request("POST", "/api/v1/login", &[], &big).status, 400);
    let r = s.get(
        "/api/v1/sessions/list",
        &[("X-User-Id", "RCadmin"), ("X-Auth-Token", "garbage")],
    );
    assert_eq!(r.status, 401);

    // Not even HTTP.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    std::io::Write::write_all(&mut stream, b"\x00\x01garbage\r\n\r\n").unwrap();
    drop(stream);

    // Still serving.
    assert_eq!(s.sign_in(P, DEMO, "demo1234")["user"]["userId"], "U-demo");
    assert_eq!(s.get_token("/v1/auth/me", P, &token).status, 200);
}

#[test]
fn static_files() {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("static-{}", std::process::id()));
    let site = root.join("site");
    let pkg = root.join("pkg");
    let extra = root.join("extra");
    for dir in [&site, &pkg, &extra, &site.join("sub")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(root.join("secret.txt"), "secret").unwrap();
    std::fs::write(site.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(site.join("sub").join("index.html"), "<h1>sub</h1>").unwrap();
    let types = [
        ("a.html", "text/html; charset=utf-8"),
        ("a.js", "text/javascript; charset=utf-8"),
        ("a.mjs", "text/javascript; charset=utf-8"),
        ("a.css", "text/css; charset=utf-8"),
        ("a.json", "application/json"),
        ("a.wasm", "application/wasm"),
        ("a.js.map", "application/json"),
        ("a.d.ts", "text/typescript; charset=utf-8"),
        ("a.svg", "image/svg+xml"),
        ("a.png", "image/png"),
        ("favicon.ico", "image/x-icon"),
        ("a.txt", "text/plain; charset=utf-8"),
        ("a.bin", "application/octet-stream"),
    ];
    for (name, _) in types {
        std::fs::write(pkg.join(name), name).unwrap();
    }
    std::fs::write(extra.join("x.js"), "x").unwrap();
    let s = Server::start(&[
        "--www",
        site.to_str().unwrap(),
        "--pkg",
        pkg.to_str().unwrap(),
        "--static",
        &format!("/assets={}", extra.display()),
    ]);

    for (name, content_type) in types {
        let r = s.get(&format!("/pkg/{name}"), &[]);
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.header("content-type"), Some(content_type), "{name}");
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.text(), name);
    }
    let r = s.get("/", &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "<h1>home</h1>"));
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(s.get("/sub/", &[]).text(), "<h1>sub</h1>");
    let r = s.get("/sub", &[]);
    assert_eq!((r.status, r.header("location")), (301, Some("/sub/")));
    assert_eq!(s.get("/assets/x.js", &[]).text(), "x");
    assert_eq!(s.get("/pkg/a%2Etxt", &[]).text(), "a.txt");
    assert_eq!(s.request("HEAD", "/pkg/a.txt", &[], b"").status, 200);
    s.get("/pkg/missing.js", &[]).assert_error(404, "E000404");
    s.request("POST", "/pkg/a.txt", &[], b"")
        .assert_error(404, "E000404");

    for path in [
        "/pkg/../secret.txt",
        "/../secret.txt",
        "/pkg/%2e%2e/secret.txt",
        "/assets/..%2Fsecret.txt",
        "/pkg/..\\secret.txt",
    ] {
        let r = s.get(path, &[]);
        assert!(r.status == 403 || r.status == 400, "{path}: {}", r.status);
        assert!(
            !r.text().contains("secret\n") && r.text() != "secret",
            "{path}"
        );
    }
    // Static files are logged but never faulted.
    s.fault(json!({"path": "/pkg/a.txt", "status": 500}));
    assert_eq!(s.get("/pkg/a.txt", &[]).status, 200);
    let log = s.control("GET", "/__control/log?path=/pkg/a.txt", &Value::Null);
    let statuses: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert_eq!(statuses, [200, 200, 404, 200]); // GET, HEAD, POST, GET
                                                // The API wins over a static file at the same path.
    std::fs::create_dir_all(site.join("v1").join("auth")).unwrap();
    std::fs::write(site.join("v1").join("auth").join("me"), "file").unwrap();
    s.get("/v1/auth/me", &[]).assert_error(401, "E061004");
    let _ = std::fs::remove_dir_all(&root);
}
