//! CORS for loopback origins only.

use axum::http::header::{
    HeaderMap, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ORIGIN, VARY,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use crate::http::set_header;

/// The request's `Origin` when it is a loopback origin.
pub fn loopback_origin(headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(ORIGIN)?.to_str().ok()?;
    is_loopback(origin).then(|| origin.to_string())
}

/// `http(s)://` + `localhost`, `*.localhost`, `127.0.0.1` or `[::1]`, with any port.
fn is_loopback(origin: &str) -> bool {
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(rest) => ("[::1]", rest),
        None => authority
            .find(':')
            .map_or((authority, ""), |i| authority.split_at(i)),
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    let host = host.to_ascii_lowercase();
    let host_ok = host == "localhost"
        || host == "127.0.0.1"
        || host == "[::1]"
        || host.strip_suffix(".localhost").is_some_and(|sub| {
            !sub.is_empty()
                && sub
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        });
    port_ok && host_ok
}

/// Adds the CORS headers of an actual (non-preflight) response.
pub fn decorate(response: &mut Response, origin: Option<&str>) {
    let Some(origin) = origin else { return };
    set_header(response, ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    set_header(response, ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    set_header(response, ACCESS_CONTROL_EXPOSE_HEADERS, "Retry-After");
    set_header(response, VARY, "Origin");
}

/// The answer to any `OPTIONS` request: 204, with the preflight headers for a loopback origin
/// (the caller adds the common ones).
pub fn preflight(headers: &HeaderMap, origin: Option<&str>) -> Response {
    let mut response = Response::new(Default::default());
    *response.status_mut() = StatusCode::NO_CONTENT;
    if origin.is_some() {
        set_header(
            &mut response,
            ACCESS_CONTROL_ALLOW_METHODS,
            "GET, POST, PUT, DELETE, OPTIONS",
        );
        // Whatever headers are asked for (the SDK's `x-descope-*`, any `x-*`), echoed as sent.
        if let Some(asked) = requested_headers(headers) {
            response
                .headers_mut()
                .insert(ACCESS_CONTROL_ALLOW_HEADERS, asked);
        }
        set_header(&mut response, ACCESS_CONTROL_MAX_AGE, "600");
        // Chrome's Private Network Access asks this of requests into loopback.
        let pna = HeaderName::from_static("access-control-request-private-network");
        if headers.get(&pna).is_some() {
            let allow = HeaderName::from_static("access-control-allow-private-network");
            set_header(&mut response, allow, "true");
        }
    }
    response
}

/// The `Access-Control-Request-Headers` of a preflight, every line of it joined, byte for byte.
fn requested_headers(headers: &HeaderMap) -> Option<HeaderValue> {
    let lines: Vec<&[u8]> = headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .map(HeaderValue::as_bytes)
        .filter(|v| !v.is_empty())
        .collect();
    if lines.is_empty() {
        return None;
    }
    HeaderValue::from_bytes(&lines.join(&b", "[..])).ok()
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, requested_headers};
    use axum::http::header::{HeaderMap, HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS};

    #[test]
    fn requested_headers_are_echoed_whole() {
        let mut headers = HeaderMap::new();
        assert!(requested_headers(&headers).is_none());
        let asked = "authorization,x-descope-sdk-name,x-descope-refresh-cookie-name,x-anything";
        headers.append(
            ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static(asked),
        );
        headers.append(
            ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_bytes(b"x-caf\xc3\xa9").unwrap(),
        );
        let echoed = requested_headers(&headers).unwrap();
        assert_eq!(
            echoed.as_bytes(),
            format!("{asked}, x-caf\u{e9}").as_bytes()
        );
    }

    #[test]
    fn loopback_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:5173",
            "https://127.0.0.1:8443",
            "http://[::1]:80",
            "http://app.localhost:3000",
            "http://LOCALHOST",
        ] {
            assert!(is_loopback(ok), "{ok}");
        }
        for bad in [
            "null",
            "http://example.com",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
            "http://localhost:",
            "http://localhost:80/path",
            "ftp://localhost",
            "http://.localhost",
            "http://[::2]",
        ] {
            assert!(!is_loopback(bad), "{bad}");
        }
    }
}
