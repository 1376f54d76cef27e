//! The devserver over real HTTP: every test starts its own process (`--port 0 --control`),
//! reads the port from its first line, and talks to it with a tiny HTTP/1.1 client.

#[path = "http/control.rs"]
mod control;
#[path = "http/descope.rs"]
mod descope;
#[path = "http/my_tenants.rs"]
mod my_tenants;
#[path = "http/rocketchat.rs"]
mod rocketchat;
#[path = "http/rotation.rs"]
mod rotation;
#[path = "http/sdk_headers.rs"]
mod sdk_headers;
#[path = "http/server.rs"]
mod server;
#[path = "http/support.rs"]
mod support;
#[path = "http/try_refresh.rs"]
mod try_refresh;

use serde_json::Value;

const P: &str = "P-test";
const DEMO: &str = "demo@example.com";

fn refresh_of(r: &Value) -> String {
    r["refreshJwt"].as_str().expect("refreshJwt").to_string()
}
