//! Where a token cookie could be, so that clearing leaves none behind: a cookie is only
//! replaced (or expired) by a write with the same name, domain and path, and `document.cookie`
//! does not tell which ones a visible cookie has.

use super::cookie::{cookie_domain, is_attribute_safe, CookiePlace};

/// The domains a cookie of a page on `host` can have: host-only (`None`), the host itself,
/// and every parent the domain rule allows (at least two labels: browsers refuse public
/// suffixes such as `com`). An IP address has no parents.
///
/// ```
/// use session_keeper::core::places::domains;
/// let all: Vec<_> = domains("app.example.com").into_iter().flatten().collect();
/// assert_eq!(all, ["app.example.com", "example.com"]);
/// ```
pub fn domains(host: &str) -> Vec<Option<String>> {
    let host = super::trim_end_byte(host, b'.').to_ascii_lowercase();
    let mut out = vec![None];
    let mut rest = host.as_str();
    loop {
        // The host itself, or a parent of two labels or more.
        if cookie_domain(&host, Some(rest)).is_some()
            && (rest == host || !super::all_bytes(rest, |b| b != b'.'))
        {
            out.push(Some(rest.to_owned()));
        }
        match super::split_once(rest, '.') {
            Some((_, parent)) => rest = parent,
            None => break,
        }
    }
    out
}

/// The paths a cookie visible to (or written for) a page at `page_path` can have: `/`, each
/// prefix of the page's path with and without its trailing slash, and `extra` paths (where
/// cookies were written by path).
///
/// ```
/// use session_keeper::core::places::paths;
/// assert_eq!(paths("/app/a.html", &[]), ["/", "/app", "/app/", "/app/a.html"]);
/// assert_eq!(paths("/", &["/x"]), ["/", "/x"]);
/// ```
pub fn paths(page_path: &str, extra: &[&str]) -> Vec<String> {
    let mut out = vec!["/".to_owned()];
    let mut add = |p: &str| {
        if p.starts_with('/') && is_attribute_safe(p) && !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    };
    // Up to the query or fragment (a byte loop: no pattern searcher).
    let mut end = 0;
    while let Some(&b) = page_path.as_bytes().get(end) {
        if b == b'?' || b == b'#' {
            break;
        }
        end += 1;
    }
    let page_path = page_path.get(..end).unwrap_or("/");
    for (i, b) in page_path.bytes().enumerate().skip(1) {
        if b == b'/' {
            // `get`: never a panic (and no formatting code for its message) on odd input.
            for end in [i, i + 1] {
                if let Some(prefix) = page_path.get(..end) {
                    add(prefix);
                }
            }
        }
    }
    add(page_path);
    for p in extra {
        add(p);
    }
    out
}

/// Every place to expire for these cookie names: each domain × each path.
pub fn places(
    host: &str,
    page_path: &str,
    names: &[&str],
    extra_paths: &[&str],
) -> Vec<CookiePlace> {
    let domains = domains(host);
    let paths = paths(page_path, extra_paths);
    let mut out = Vec::with_capacity(names.len() * domains.len() * paths.len());
    for name in names {
        for domain in &domains {
            for path in &paths {
                out.push(CookiePlace {
                    name: (*name).to_owned(),
                    path: path.clone(),
                    domain: domain.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_of_hosts() {
        let of = |host: &str| -> Vec<Option<String>> { domains(host) };
        let some = |d: &[&str]| -> Vec<Option<String>> {
            std::iter::once(None)
                .chain(d.iter().map(|d| Some(d.to_string())))
                .collect()
        };
        assert_eq!(
            of("a.b.example.com"),
            some(&["a.b.example.com", "b.example.com", "example.com"])
        );
        assert_eq!(of("example.com"), some(&["example.com"]));
        assert_eq!(of("localhost"), some(&["localhost"]));
        assert_eq!(of("app.localhost"), some(&["app.localhost"]));
        assert_eq!(of("127.0.0.1"), some(&["127.0.0.1"]));
        assert_eq!(of("Example.COM."), some(&["example.com"]));
        assert_eq!(of(""), some(&[]));
    }

    #[test]
    fn paths_of_pages() {
        assert_eq!(paths("/", &[]), ["/"]);
        assert_eq!(paths("", &[]), ["/"]);
        assert_eq!(
            paths("/a/b/c.html?x=/y#/z", &["/a", "/p", "bad", "/q;Domain=x"]),
            ["/", "/a", "/a/", "/a/b", "/a/b/", "/a/b/c.html", "/p"]
        );
        assert_eq!(paths("/dir/", &[]), ["/", "/dir", "/dir/"]);
    }

    #[test]
    fn every_combination() {
        let all = places("app.example.com", "/x/", &["DS", "DSR"], &[]);
        // 2 names × (host-only, app.example.com, example.com) × ("/", "/x", "/x/")
        assert_eq!(all.len(), 2 * 3 * 3);
        assert!(all.contains(&CookiePlace {
            name: "DSR".into(),
            path: "/x".into(),
            domain: Some("example.com".into())
        }));
    }
}
