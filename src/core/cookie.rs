//! Cookie rules as plain functions: the `document.cookie` strings to write and to expire, the
//! domain rule, and reading a value back.

/// The `SameSite` attribute.
///
/// ```
/// use session_keeper::core::cookie::SameSite;
/// assert_eq!(SameSite::default(), SameSite::Strict);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SameSite {
    /// `Strict` (the default, as in Descope's SDK).
    #[default]
    Strict,
    /// `Lax`
    Lax,
    /// `None` (browsers require `Secure` with it).
    None,
}

impl SameSite {
    /// Parses the option value, exactly as documented.
    ///
    /// ```
    /// use session_keeper::core::cookie::SameSite;
    /// assert_eq!(SameSite::parse("Lax"), Some(SameSite::Lax));
    /// assert_eq!(SameSite::parse("lax"), None);
    /// ```
    pub fn parse(value: &str) -> Option<SameSite> {
        match value {
            "Strict" => Some(SameSite::Strict),
            "Lax" => Some(SameSite::Lax),
            "None" => Some(SameSite::None),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// Where a cookie lives: what is needed to overwrite or expire it later.
///
/// ```
/// use session_keeper::core::cookie::{expire_cookie, CookiePlace};
/// // Host-only: no `Domain` attribute is written, nor needed to expire it.
/// let place = CookiePlace { name: "DS".into(), path: "/".into(), domain: None };
/// assert!(!expire_cookie(&place).contains("Domain="));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookiePlace {
    /// Cookie name.
    pub name: String,
    /// `Path` attribute.
    pub path: String,
    /// `Domain` attribute; `None` for a host-only cookie.
    pub domain: Option<String>,
}

/// Everything needed to write one token cookie.
///
/// ```
/// use session_keeper::core::cookie::*;
/// let place = CookiePlace { name: "DS".into(), path: "/".into(), domain: None };
/// // Without a `Max-Age`, `expires` (epoch seconds) is written as `Expires`.
/// let write = CookieWrite { place: &place, value: "t", max_age: None,
///     expires: Some(784_111_777.0), same_site: SameSite::Lax, secure: false };
/// assert_eq!(set_cookie(&write), "DS=t; Path=/; Expires=Sun, 06 Nov 1994 08:49:37 GMT; SameSite=Lax");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CookieWrite<'a> {
    /// Name, path and domain.
    pub place: &'a CookiePlace,
    /// The token.
    pub value: &'a str,
    /// `Max-Age` in seconds, used when > 0.
    pub max_age: Option<f64>,
    /// `Expires` as epoch seconds, used when > 0 and there is no `Max-Age`.
    pub expires: Option<f64>,
    /// `SameSite`
    pub same_site: SameSite,
    /// `Secure`
    pub secure: bool,
}

/// The string to assign to `document.cookie` to write a cookie.
///
/// ```
/// use session_keeper::core::cookie::*;
/// let place = CookiePlace { name: "DS".into(), path: "/".into(), domain: None };
/// let write = CookieWrite { place: &place, value: "t", max_age: Some(60.0), expires: None,
///     same_site: SameSite::Strict, secure: true };
/// assert_eq!(set_cookie(&write), "DS=t; Path=/; Max-Age=60; SameSite=Strict; Secure");
/// ```
pub fn set_cookie(w: &CookieWrite) -> String {
    let mut out = String::with_capacity(w.value.len() + 96);
    out.push_str(&w.place.name);
    out.push('=');
    out.push_str(w.value);
    push_place(&mut out, w.place);
    match (positive(w.max_age), positive(w.expires)) {
        (Some(max_age), _) => {
            out.push_str("; Max-Age=");
            push_uint(&mut out, max_age.min(4e8) as u64, 1);
        }
        (None, Some(expires)) => {
            out.push_str("; Expires=");
            out.push_str(&http_date(expires * 1000.0));
        }
        (None, None) => {}
    }
    out.push_str("; SameSite=");
    out.push_str(w.same_site.as_str());
    if w.secure {
        out.push_str("; Secure");
    }
    out
}

/// The strings to assign to `document.cookie` to delete a cookie written at `place`: without
/// and with `Secure`, because browsers let only a secure write replace a `Secure` cookie.
///
/// ```
/// use session_keeper::core::cookie::*;
/// let place = CookiePlace { name: "DS".into(), path: "/".into(), domain: None };
/// let [plain, secure] = expire_cookies(&place);
/// assert!(!plain.contains("Secure") && secure.ends_with("; Secure"));
/// ```
pub fn expire_cookies(place: &CookiePlace) -> [String; 2] {
    let plain = expire_cookie(place);
    let mut secure = plain.clone();
    secure.push_str("; Secure");
    [plain, secure]
}

/// The string to assign to `document.cookie` to delete a cookie written at `place`.
///
/// ```
/// use session_keeper::core::cookie::*;
/// let place = CookiePlace { name: "DSR".into(), path: "/app".into(), domain: Some("example.com".into()) };
/// assert_eq!(expire_cookie(&place),
///     "DSR=; Path=/app; Domain=example.com; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
/// ```
pub fn expire_cookie(place: &CookiePlace) -> String {
    let mut out = String::with_capacity(96);
    out.push_str(&place.name);
    out.push('=');
    push_place(&mut out, place);
    out.push_str("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    out
}

fn push_place(out: &mut String, place: &CookiePlace) {
    out.push_str("; Path=");
    out.push_str(&place.path);
    if let Some(domain) = &place.domain {
        out.push_str("; Domain=");
        out.push_str(domain);
    }
}

fn positive(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v >= 1.0)
}

/// The `Domain` to write: `wanted` only when the page's `host` is that domain or a subdomain
/// of it; otherwise `None` (a host-only cookie). A leading dot is ignored.
///
/// ```
/// use session_keeper::core::cookie::cookie_domain;
/// assert_eq!(cookie_domain("app.example.com", Some("example.com")), Some("example.com".into()));
/// assert_eq!(cookie_domain("example.org", Some("example.com")), None);
/// assert_eq!(cookie_domain("badexample.com", Some("example.com")), None);
/// ```
pub fn cookie_domain(host: &str, wanted: Option<&str>) -> Option<String> {
    let wanted = super::trim_start_byte(wanted?.trim_ascii(), b'.').to_ascii_lowercase();
    let host = super::trim_end_byte(host, b'.').to_ascii_lowercase();
    // (An empty host matches nothing else: it is shorter than any `wanted`.)
    if wanted.is_empty() || !is_attribute_safe(&wanted) {
        return None;
    }
    let matches = host == wanted
        || (host.len() > wanted.len()
            && host.ends_with(&wanted)
            && host.as_bytes().get(host.len() - wanted.len() - 1) == Some(&b'.')
            // An IP address has no subdomains: 1.2.3.4 is not "under" 2.3.4.
            && !super::all_bytes(&host, |b| b.is_ascii_digit() || b == b'.'));
    matches.then_some(wanted)
}

/// The value of cookie `name` in a `document.cookie` string.
///
/// ```
/// use session_keeper::core::cookie::read_cookie;
/// assert_eq!(read_cookie("a=1; DS=tok; b=2", "DS"), Some("tok"));
/// assert_eq!(read_cookie("xDS=1", "DS"), None);
/// ```
pub fn read_cookie<'a>(all: &'a str, name: &str) -> Option<&'a str> {
    super::split(all, ';').find_map(|pair| {
        let (key, value) = super::split_once(pair, '=')?;
        (key.trim_ascii() == name).then(|| value.trim_ascii())
    })
}

/// Whether `value` can be a cookie name (an HTTP token).
///
/// ```
/// use session_keeper::core::cookie::is_cookie_name;
/// assert!(is_cookie_name("my_session-2"));
/// assert!(!is_cookie_name("my session"));
/// assert!(!is_cookie_name("a=b"));
/// ```
pub fn is_cookie_name(value: &str) -> bool {
    !value.is_empty()
        && super::all_bytes(value, |b| {
            // A `matches!`, not `contains` on the bytes: that is `memchr`.
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Whether `value` can be stored verbatim as a cookie value (RFC 6265 cookie-octets).
///
/// ```
/// use session_keeper::core::cookie::is_cookie_value;
/// assert!(is_cookie_value("eyJhbGci.eyJzdWIi.c2ln"));
/// assert!(!is_cookie_value("a;b"));
/// ```
pub fn is_cookie_value(value: &str) -> bool {
    super::all_bytes(value, |b| {
        (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b',' | b';' | b'\\')
    })
}

/// Whether `value` can be a `Path` or `Domain` attribute without breaking the cookie string.
///
/// ```
/// use session_keeper::core::cookie::is_attribute_safe;
/// assert!(is_attribute_safe("/app"));
/// assert!(!is_attribute_safe("/; Domain=evil.example"));
/// ```
pub fn is_attribute_safe(value: &str) -> bool {
    super::all_bytes(value, |b| (0x20..=0x7e).contains(&b) && b != b';')
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for epoch milliseconds, clamped to the
/// years 1970..=9999.
///
/// ```
/// use session_keeper::core::cookie::http_date;
/// assert_eq!(http_date(784_111_777_000.0), "Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(http_date(-1.0), "Thu, 01 Jan 1970 00:00:00 GMT");
/// ```
pub fn http_date(epoch_ms: f64) -> String {
    let secs = (epoch_ms / 1000.0).floor().clamp(0.0, 253_402_300_799.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(29);
    out.push_str(DAYS.get(days.rem_euclid(7) as usize).unwrap_or(&""));
    out.push_str(", ");
    push_uint(&mut out, day as u64, 2);
    out.push(' ');
    out.push_str(MONTHS.get((month - 1) as usize).unwrap_or(&""));
    out.push(' ');
    push_uint(&mut out, year as u64, 4);
    out.push(' ');
    push_uint(&mut out, (rem / 3600) as u64, 2);
    out.push(':');
    push_uint(&mut out, (rem / 60 % 60) as u64, 2);
    out.push(':');
    push_uint(&mut out, (rem % 60) as u64, 2);
    out.push_str(" GMT");
    out
}

/// Parses an IMF-fixdate into epoch milliseconds.
///
/// ```
/// use session_keeper::core::cookie::parse_http_date;
/// assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000.0));
/// assert_eq!(parse_http_date("tomorrow"), None);
/// ```
pub fn parse_http_date(value: &str) -> Option<f64> {
    // Unsigned digits only: a sign or a huge field must not reach the arithmetic.
    fn field(text: Option<&str>, max: i64) -> Option<i64> {
        let text = text?;
        if text.is_empty()
            || text.len() > 4
            || !crate::core::all_bytes(text, |b| b.is_ascii_digit())
        {
            return None;
        }
        // Four digits at most: it fits.
        super::parse_uint(text)
            .map(|n| n as i64)
            .filter(|n| *n <= max)
    }
    // `:` and `,` read as spaces, then split on spaces (no three-character pattern searcher).
    let mut spaced = String::with_capacity(value.len());
    for c in value.chars() {
        spaced.push(if matches!(c, ':' | ',') { ' ' } else { c });
    }
    let mut it = super::split(&spaced, ' ').filter(|s| !s.is_empty());
    let _weekday = it.next()?;
    let day = field(it.next(), 31).filter(|d| *d >= 1)?;
    let month_name = it.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year = field(it.next(), 9999).filter(|y| *y >= 1970)?;
    let hour = field(it.next(), 23)?;
    let minute = field(it.next(), 59)?;
    let second = field(it.next(), 60)?;
    if it.next() != Some("GMT") {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) as f64)
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits (no `core::fmt`: it keeps
/// float and formatting machinery out of the wasm build).
///
/// ```
/// let mut s = String::new();
/// session_keeper::core::cookie::push_uint(&mut s, 7, 2);
/// assert_eq!(s, "07");
/// ```
pub fn push_uint(out: &mut String, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut n = n;
    for slot in digits.iter_mut() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    while len > 0 {
        len -= 1;
        out.push(char::from(digits.get(len).copied().unwrap_or(b'0')));
    }
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(domain: Option<&str>) -> CookiePlace {
        CookiePlace {
            name: "DSR".into(),
            path: "/p".into(),
            domain: domain.map(String::from),
        }
    }

    #[test]
    fn same_site_reads_the_three_documented_values_exactly() {
        for value in ["Strict", "Lax", "None"] {
            assert_eq!(SameSite::parse(value).map(SameSite::as_str), Some(value));
        }
        for value in ["strict", "lax", "none", "", "Strict "] {
            assert_eq!(SameSite::parse(value), None, "{value}");
        }
    }

    #[test]
    fn writes_every_attribute() {
        let p = place(Some("example.com"));
        let mut w = CookieWrite {
            place: &p,
            value: "a.b.c",
            max_age: Some(3600.9),
            expires: Some(1_700_000_000.0),
            same_site: SameSite::Lax,
            secure: false,
        };
        assert_eq!(
            set_cookie(&w),
            "DSR=a.b.c; Path=/p; Domain=example.com; Max-Age=3600; SameSite=Lax"
        );
        w.max_age = Some(0.0);
        assert_eq!(
            set_cookie(&w),
            "DSR=a.b.c; Path=/p; Domain=example.com; Expires=Tue, 14 Nov 2023 22:13:20 GMT; SameSite=Lax"
        );
        w.expires = Some(-1.0);
        w.same_site = SameSite::None;
        w.secure = true;
        assert_eq!(
            set_cookie(&w),
            "DSR=a.b.c; Path=/p; Domain=example.com; SameSite=None; Secure"
        );
        w.max_age = Some(f64::INFINITY);
        w.expires = Some(f64::NAN);
        assert!(!set_cookie(&w).contains("Max-Age") && !set_cookie(&w).contains("Expires"));
    }

    #[test]
    fn expiring_keeps_domain_and_path() {
        assert_eq!(
            expire_cookie(&place(None)),
            "DSR=; Path=/p; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn domain_rule() {
        let cases = [
            ("example.com", "example.com", true),
            ("example.com", ".example.com", true),
            ("a.b.example.com", "example.com", true),
            ("APP.Example.com", "example.COM", true),
            ("example.com.", "example.com", true),
            ("notexample.com", "example.com", false),
            ("example.com", "app.example.com", false),
            ("example.org", "example.com", false),
            ("localhost", "localhost", true),
            ("app.localhost", "localhost", true),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "0.0.1", false),
            ("example.com", "", false),
            ("example.com", ".", false),
            ("", "", false),
            ("", ".", false),
            (".", ".", false),
            ("", "example.com", false),
            ("example.com", "example.com; Path=/", false),
        ];
        for (host, domain, ok) in cases {
            assert_eq!(
                cookie_domain(host, Some(domain)).is_some(),
                ok,
                "{host} / {domain}"
            );
        }
        assert_eq!(cookie_domain("example.com", None), None);
    }

    #[test]
    fn reads_back_values() {
        let all = "DSR=old; DS=a.b.c;  other=x=y ; empty=";
        assert_eq!(read_cookie(all, "DS"), Some("a.b.c"));
        assert_eq!(read_cookie(all, "DSR"), Some("old"));
        assert_eq!(read_cookie(all, "other"), Some("x=y"));
        assert_eq!(read_cookie(all, "empty"), Some(""));
        assert_eq!(read_cookie(all, "missing"), None);
        assert_eq!(read_cookie("", "DS"), None);
    }

    #[test]
    fn token_and_name_checks() {
        assert!(is_cookie_value("eyJ.eyJ-_.sig"));
        assert!(!is_cookie_value("a b"));
        assert!(!is_cookie_value("a;b"));
        assert!(!is_cookie_value("ä"));
        assert!(is_cookie_name("DS"));
        assert!(is_cookie_name("my_session-2"));
        assert!(!is_cookie_name(""));
        assert!(!is_cookie_name("a=b"));
        assert!(!is_cookie_name("a b"));
        assert!(is_attribute_safe("/a/b"));
        assert!(!is_attribute_safe("/a;Domain=x"));
    }

    #[test]
    fn integers_print_without_fmt() {
        for (n, width, text) in [
            (0, 1, "0"),
            (5, 2, "05"),
            (1234, 2, "1234"),
            (u64::MAX, 1, "18446744073709551615"),
            (9, 4, "0009"),
        ] {
            let mut s = String::new();
            push_uint(&mut s, n, width);
            assert_eq!(s, text);
        }
    }

    #[test]
    fn the_calendar_agrees_with_counting_days_from_1970_to_9999() {
        let (mut year, mut month, mut day) = (1970, 1, 1);
        for days in 0..2_932_897 {
            assert_eq!(civil_from_days(days), (year, month, day), "{days}");
            assert_eq!(days_from_civil(year, month, day), days);
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let length = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            day += 1;
            if day > length {
                (day, month) = (1, month + 1);
                if month > 12 {
                    (month, year) = (1, year + 1);
                }
            }
        }
        assert_eq!((year, month, day), (10_000, 1, 1));
    }

    #[test]
    fn a_cookie_pair_is_trimmed_of_ascii_whitespace_only() {
        assert_eq!(read_cookie(" DS = tok\t; b=2", "DS"), Some("tok"));
        // A no-break space is not whitespace to a browser's cookie parser: it is kept.
        assert_eq!(read_cookie("=\u{a0}", ""), Some("\u{a0}"));
        assert_eq!(read_cookie("DS=\u{a0}tok", "DS"), Some("\u{a0}tok"));
    }

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(http_date(0.0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            http_date(784_111_777_000.0),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            http_date(951_782_400_000.0),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(http_date(-5.0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1e300), "Fri, 31 Dec 9999 23:59:59 GMT");
        for ms in [
            0.0,
            784_111_777_000.0,
            1_700_000_000_000.0,
            4_102_444_800_000.0,
        ] {
            assert_eq!(parse_http_date(&http_date(ms)), Some(ms));
        }
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(
            parse_http_date("Sun, 06 Nov 9223372036854775807 08:49:37 GMT"),
            None
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        // Unsigned digits only, in every field (a `+` would pass a plain number parser).
        for date in [
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sun, 06 Nov 1994 +8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:+7 GMT",
            "Sun, 06 Nov 01994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(date), None, "{date}");
        }
    }
}
