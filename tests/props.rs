#![cfg(not(target_arch = "wasm32"))]
//! Property tests of the pure core (native only): the parsers and rules never panic on
//! arbitrary input, what they accept satisfies their invariants, and encoders and decoders
//! round-trip. Run with `cargo test --test props`.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Number, Value};
use session_keeper::core::claims::{base64url_decode, payload_json, Claims};
use session_keeper::core::cookie::{
    cookie_domain, expire_cookie, expire_cookies, http_date, is_attribute_safe, is_cookie_name,
    is_cookie_value, parse_http_date, read_cookie, set_cookie, CookiePlace, CookieWrite, SameSite,
};
use session_keeper::core::error::parse_retry_after;
use session_keeper::core::fields::{
    check_access_key_response, check_security_questions_request, JwtFields, JWT_FIELD_NAMES,
};
use session_keeper::core::layout::{
    usable_token, Meta, MAX_EPOCH_MS, MAX_GEN, MAX_NAMES, META_LINES, SKEW_MS,
};
use session_keeper::core::message::Message;
use session_keeper::core::options::Config;
use session_keeper::core::places::{domains, paths};
use session_keeper::core::rc::rules::{
    classify as rc_classify, read_session_id, read_two_factor, Credentials, RcConfig,
    TwoFactorMethod,
};
use session_keeper::core::schedule::{
    backoff, classify, due_after_response, retry_delay, tick, Failure, Tick, BACKOFF_BASE_MS,
    BACKOFF_MAX_MS, MAX_TIMEOUT_MS, MIN_DELAY_MS,
};
use session_keeper::{ErrorCode, SessionError};

/// 9999-12-31 23:59:59 GMT, the last time `http_date` writes.
const MAX_HTTP_DATE_MS: f64 = 253_402_300_799_000.0;
/// 9999-12-31 23:59:60 GMT: the latest IMF-fixdate there is (a leap second).
const MAX_IMF_FIXDATE_MS: f64 = MAX_HTTP_DATE_MS + 1000.0;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1024,
        // Never write `proptest-regressions/` into the repository.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// JSON-like input
// ---------------------------------------------------------------------------------------------

/// The member `key` as [`Obj::field`] sees it (present and not null).
fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|v| !v.is_null())
}

const SPECIAL_NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    0.1,
    0.5,
    0.999,
    1.0,
    -1.0,
    1.5,
    60.0,
    1000.0,
    2_147_483_647.0,
    2_147_483_647.5,
    2_147_483_648.0,
    -2_147_483_648.0,
    4_294_967_296.0,
    1.7e9,
    1.7e12,
    253_402_300_799.0,
    8.64e15,
    9_007_199_254_740_993.0,
    1e16,
    1e21,
    1e300,
    1e306,
    -1e300,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-300,
];

/// Strings the rules look for, and strings that are almost those.
const INTERESTING_STRINGS: &[&str] = &[
    "",
    " ",
    "  \n",
    "\t",
    "P2abc",
    " P2abc ",
    "a b",
    "a:b",
    "localStorage",
    "sessionStorage",
    "memory",
    "cookies",
    "Strict",
    "Lax",
    "None",
    "strict",
    "https://api.descope.com",
    "http://127.0.0.1:8787/",
    "https://chat.example.com//",
    "https://",
    "http://",
    "http:///",
    "https:///x",
    "ftp://x",
    "https://a b",
    "api.descope.com",
    "DS",
    "DSR",
    "a;b",
    "a=b",
    "example.com",
    ".example.com",
    "x;Path=/",
    "totp",
    "email",
    "password",
    "TOTP",
    "sms",
    "123456",
    " 123456 ",
    "１２３",
    "12\n34",
    "totp-required",
    "totp-invalid",
    "totp-",
    "error-x",
    "é",
    "🦀",
    "\u{0}",
    "\u{feff}",
    "\u{a0}P\u{a0}",
    "Ada\nLovelace",
    "{}",
    "{\"a\":1}",
    "Sun, 06 Nov 1994 08:49:37 GMT",
];

/// Member names the core reads, so that generated objects hit them (with the JWT response's,
/// [`JWT_FIELD_NAMES`]).
const KEYS: &[&str] = &[
    "projectId",
    "baseUrl",
    "storagePrefix",
    "persist",
    "sessionTokenViaCookie",
    "refreshTokenViaCookie",
    "autoRefresh",
    "crossTab",
    "requestTimeoutMs",
    "name",
    "domain",
    "sameSite",
    "secure",
    "keyId",
    "expiration",
    "answers",
    "questionId",
    "answer",
    "loginId",
    "stepup",
    "method",
    "code",
    "error",
    "errorType",
    "message",
    "details",
    "codeGenerated",
    "availableMethods",
    "exp",
    "dct",
    "iat",
    "roles",
    "permissions",
    "tenants",
    "success",
    "userId",
    "authToken",
];

fn f64_number(f: f64) -> Option<Value> {
    Number::from_f64(f).map(Value::Number)
}

/// JSON numbers: integers of any size, odd floats (NaN and infinities are not JSON).
fn json_number() -> BoxedStrategy<Value> {
    prop_oneof![
        2 => (-5i64..=5).prop_map(Value::from),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => any::<f64>().prop_filter_map("not JSON", f64_number),
        2 => select(SPECIAL_NUMBERS).prop_filter_map("not JSON", f64_number),
        1 => (0.0f64..4e12).prop_filter_map("not JSON", f64_number),
        1 => (1u32..=2_147_483_647).prop_map(Value::from),
    ]
    .boxed()
}

/// Strings: the interesting ones, arbitrary unicode, cookie-breaking characters, long ones.
fn json_string() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(INTERESTING_STRINGS).prop_map(String::from),
        2 => any::<String>(),
        1 => "[ -~]{0,30}",
        2 => "[a-zA-Z0-9;=\n\r\t ,:/.{}\"\\\\-]{0,40}",
        1 => "\\PC{0,60}",
        1 => ("https?://", "[ -~]{0,20}", "/{0,3}").prop_map(|(a, b, c)| a + &b + &c),
        1 => "totp-[a-z-]{0,12}",
        1 => ("[a-z;= \n]", 250usize..=600).prop_map(|(c, n)| c.repeat(n)),
    ]
    .boxed()
}

fn json_key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select([KEYS, JWT_FIELD_NAMES].concat()).prop_map(String::from),
        1 => json_string(),
    ]
    .boxed()
}

/// Arbitrary JSON: nested objects and arrays of the leaves above.
fn json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => json_number(),
        3 => json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            1 => vec(inner.clone(), 0..6).prop_map(Value::Array),
            3 => vec((json_key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// What a member of a [`typed_object`] usually holds.
#[derive(Clone, Copy, Debug)]
enum K {
    /// A string, often one of these.
    Str(&'static [&'static str]),
    Num,
    /// A number, often a valid timeout.
    Ms,
    Bool,
    /// `true`, `false` or a cookie-options object.
    Cookie,
    /// `[{questionId, answer}]`
    Answers,
    /// `{method, codeGenerated, availableMethods}`
    Details,
    Any,
}

fn good(kind: K) -> BoxedStrategy<Value> {
    match kind {
        K::Str(candidates) => prop_oneof![
            4 => select(candidates).prop_map(Value::from),
            1 => json_string().prop_map(Value::String),
        ]
        .boxed(),
        K::Num => json_number(),
        K::Ms => prop_oneof![
            3 => (1u32..=2_147_483_647).prop_map(Value::from),
            1 => json_number(),
        ]
        .boxed(),
        K::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        K::Cookie => prop_oneof![
            1 => any::<bool>().prop_map(Value::Bool),
            2 => typed_object(COOKIE_FIELDS),
        ]
        .boxed(),
        K::Answers => vec(typed_object(ANSWER_FIELDS), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        K::Details => typed_object(DETAILS_FIELDS),
        K::Any => json(),
    }
}

/// Objects whose members are mostly `fields` (those marked required nearly always), mostly of
/// the expected type, with a few unknown members.
fn typed_object(fields: &'static [(&'static str, K, bool)]) -> BoxedStrategy<Value> {
    let members: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .iter()
        .map(|&(key, kind, required)| {
            let value = prop_oneof![
                8 => good(kind),
                1 => json(),
                1 => Just(Value::Null),
            ];
            let presence = if required { 0.9 } else { 0.4 };
            prop::option::weighted(presence, value.prop_map(move |v| (key.to_string(), v))).boxed()
        })
        .collect();
    (members, vec((json_key(), json()), 0..2))
        .prop_map(|(members, extra)| {
            // Unknown members first, so that a known one wins a clash of names.
            let mut all = extra;
            all.extend(members.into_iter().flatten());
            Value::Object(all.into_iter().collect())
        })
        .boxed()
}

/// Input for a reader of `fields`: mostly objects of that shape, sometimes anything.
fn input_for(fields: &'static [(&'static str, K, bool)]) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => typed_object(fields),
        1 => json(),
    ]
    .boxed()
}

const URLS: &[&str] = &[
    "https://api.descope.com",
    "http://127.0.0.1:8787/",
    "https://chat.example.com//",
    "https://",
    "http://",
    "https://a b",
    " https://x ",
    "ftp://x",
    "api.descope.com",
];
const PERSIST: &[&str] = &["localStorage", "sessionStorage", "memory", "disk", ""];
const PROJECT_IDS: &[&str] = &[
    "P2abc", " P2abc ", "P2xyz\t", "P!~", "a b", "a:b", "", "   ", "P\u{e9}",
];

const CONFIG_FIELDS: &[(&str, K, bool)] = &[
    ("projectId", K::Str(PROJECT_IDS), true),
    ("baseUrl", K::Str(URLS), false),
    ("storagePrefix", K::Str(&["app.", ""]), false),
    ("persist", K::Str(PERSIST), false),
    ("sessionTokenViaCookie", K::Cookie, false),
    ("refreshTokenViaCookie", K::Cookie, false),
    ("autoRefresh", K::Bool, false),
    ("crossTab", K::Bool, false),
    ("requestTimeoutMs", K::Ms, false),
];
const COOKIE_FIELDS: &[(&str, K, bool)] = &[
    (
        "name",
        K::Str(&["DS", "my_session-2", "R", "a;b", "a b", ""]),
        false,
    ),
    (
        "domain",
        K::Str(&["example.com", ".example.com", "", " ", "x;Path=/", "a b"]),
        false,
    ),
    ("sameSite", K::Str(&["Strict", "Lax", "None", "lax"]), false),
    ("secure", K::Bool, false),
];
const RC_CONFIG_FIELDS: &[(&str, K, bool)] = &[
    ("baseUrl", K::Str(URLS), true),
    ("storagePrefix", K::Str(&["app.", ""]), false),
    ("persist", K::Str(PERSIST), false),
    ("requestTimeoutMs", K::Ms, false),
];
const JWT_FIELDS: &[(&str, K, bool)] = &[
    ("sessionJwt", K::Str(&["a.b.c"]), true),
    ("refreshJwt", K::Str(&["r.r.r"]), false),
    ("cookieDomain", K::Str(&["example.com"]), false),
    ("cookiePath", K::Str(&["/"]), false),
    ("cookieMaxAge", K::Num, false),
    ("cookieExpiration", K::Num, false),
    ("sessionExpiration", K::Num, false),
    ("nextRefreshSeconds", K::Num, false),
    ("cookieName", K::Str(&["DSR"]), false),
    ("sessionCookieName", K::Str(&["DS"]), false),
    ("sessionCookieDomain", K::Str(&["example.com"]), false),
    ("user", K::Any, false),
];
const JWT_NUMBER_FIELDS: &[&str] = &[
    "cookieMaxAge",
    "cookieExpiration",
    "sessionExpiration",
    "nextRefreshSeconds",
];
const ACCESS_KEY_FIELDS: &[(&str, K, bool)] = &[
    ("keyId", K::Str(&["K1"]), true),
    ("sessionJwt", K::Str(&["a.b.c"]), true),
    ("expiration", K::Num, false),
];
const QUESTIONS_FIELDS: &[(&str, K, bool)] = &[
    ("loginId", K::Str(&["u"]), false),
    ("answers", K::Answers, true),
    ("stepup", K::Bool, false),
];
const ANSWER_FIELDS: &[(&str, K, bool)] = &[
    ("questionId", K::Str(&["q1"]), true),
    ("answer", K::Str(&["Rex"]), true),
];
const TWO_FACTOR_FIELDS: &[(&str, K, bool)] = &[
    (
        "method",
        K::Str(&["totp", "email", "password", "sms", "TOTP"]),
        true,
    ),
    (
        "code",
        K::Str(&[
            "123456",
            " 123456 ",
            "",
            "   ",
            "12 34",
            "１２３",
            "pässwörd",
        ]),
        true,
    ),
];
const REFUSAL_FIELDS: &[(&str, K, bool)] = &[
    (
        "error",
        K::Str(&["totp-invalid", "TOTP Invalid [totp-invalid]", "  ", "X"]),
        false,
    ),
    (
        "errorType",
        K::Str(&["totp-required", "totp-max-attempts", "error-x"]),
        false,
    ),
    (
        "message",
        K::Str(&["You must be logged in to do this."]),
        false,
    ),
    ("details", K::Details, false),
    ("success", K::Bool, false),
];
const DETAILS_FIELDS: &[(&str, K, bool)] = &[
    ("method", K::Str(&["email", "totp"]), true),
    ("codeGenerated", K::Bool, false),
    ("availableMethods", K::Any, false),
];
const CLAIMS_FIELDS: &[(&str, K, bool)] = &[
    ("exp", K::Num, true),
    ("iat", K::Num, false),
    ("dct", K::Str(&["T1"]), false),
    ("roles", K::Any, false),
    ("tenants", K::Any, false),
];
const CREDENTIALS_FIELDS: &[(&str, K, bool)] = &[
    ("userId", K::Str(&["RCadmin", "u1", "", "u\n", "ü"]), true),
    ("authToken", K::Str(&["tok_1", "t", "a b"]), true),
];

// ---------------------------------------------------------------------------------------------
// Other inputs
// ---------------------------------------------------------------------------------------------

/// Any `f64`, with the edges over-represented.
fn any_f64() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => any::<f64>(),
        2 => select(EDGE_F64),
        2 => -1e6f64..1e6,
        2 => 0.0f64..1e13,
    ]
    .boxed()
}

const EDGE_F64: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    f64::EPSILON,
    0.0,
    -0.0,
    -1.0,
    0.999,
    1.0,
    1e300,
    -1e300,
    MAX_HTTP_DATE_MS,
    MAX_HTTP_DATE_MS + 999.0,
    MAX_HTTP_DATE_MS + 1000.0,
    MAX_EPOCH_MS,
    9.3e18,
    -9.3e18,
];

/// A finite `f64`: a clock reading of any sign or size.
fn finite_f64() -> BoxedStrategy<f64> {
    prop_oneof![
        2 => any_f64().prop_filter("finite", |f| f.is_finite()),
        2 => 1.5e12f64..2e12,
    ]
    .boxed()
}

fn cookie_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}"
}

fn cookie_path() -> BoxedStrategy<String> {
    prop_oneof![Just("/".to_string()), "/[ -:<-~]{0,20}"].boxed()
}

/// A `Domain` attribute value that [`is_attribute_safe`] accepts (not necessarily a host).
fn attribute_domain() -> BoxedStrategy<String> {
    prop_oneof![hostname(), "[ -:<-~]{1,20}"].boxed()
}

fn cookie_place() -> impl Strategy<Value = CookiePlace> {
    (
        cookie_name(),
        cookie_path(),
        prop::option::of(attribute_domain()),
    )
        .prop_map(|(name, path, domain)| CookiePlace { name, path, domain })
}

/// A value [`is_cookie_value`] accepts: visible ASCII but `"` `,` `;` `\`.
fn cookie_value() -> impl Strategy<Value = String> {
    "[!#-+\\--:<-\\[\\]-~]{0,40}"
}

/// Host names: labels of any case, an optional trailing dot, or an IPv4 address.
fn hostname() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (vec("[a-zA-Z0-9-]{1,6}", 1..5), any::<bool>()).prop_map(|(labels, dot)| {
            labels.join(".") + if dot { "." } else { "" }
        }),
        1 => (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        1 => select(&["localhost", "app.localhost", "example.com", "a.b.example.com"][..])
            .prop_map(String::from),
    ]
    .boxed()
}

/// A host, and a domain that is often a suffix of it (as written by a user: any case, a
/// leading dot, spaces).
fn host_and_domain() -> BoxedStrategy<(String, String)> {
    prop_oneof![
        3 => (hostname(), any::<prop::sample::Index>(), "[ .]{0,2}", "[ ]{0,1}").prop_map(
            |(host, i, lead, trail)| {
                let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
                let from = i.index(labels.len());
                let suffix = labels[from..].join(".");
                (host.clone(), lead + &suffix + &trail)
            }
        ),
        1 => (hostname(), hostname()),
        1 => (any::<String>(), any::<String>()),
        1 => ("[a-zA-Z0-9.;= \u{e9}\u{130}\u{212a}]{0,12}", "[a-zA-Z0-9.;= \u{e9}\u{130}\u{212a}]{0,12}"),
    ]
    .boxed()
}

/// The text of a number field of a date: valid, negative, signed, huge, zero-padded.
fn date_number(valid: std::ops::RangeInclusive<i64>) -> BoxedStrategy<String> {
    prop_oneof![
        24 => valid.prop_map(|n| format!("{n:02}")),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (-100i64..0).prop_map(|n| n.to_string()),
        1 => (0i64..100).prop_map(|n| format!("+{n}")),
        1 => "[0-9]{1,25}",
        1 => Just(i64::MIN.to_string()),
    ]
    .boxed()
}

/// Strings shaped like IMF-fixdates, with every field sometimes wrong.
fn date_like() -> BoxedStrategy<String> {
    (
        prop_oneof![
            4 => select(&["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][..]).prop_map(String::from),
            1 => "[A-Za-z0-9]{1,5}",
        ],
        date_number(1..=31),
        prop_oneof![
            6 => select(&["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][..])
                .prop_map(String::from),
            1 => "[A-Za-z]{0,4}",
        ],
        date_number(1970..=9999),
        date_number(0..=23),
        date_number(0..=59),
        date_number(0..=60),
        prop_oneof![6 => Just("GMT".to_string()), 1 => "[A-Z]{0,4}", 1 => Just("GMT x".to_string())],
        prop_oneof![6 => Just(", "), 1 => Just(","), 1 => Just(" "), 1 => Just(",,  ")],
    )
        .prop_map(|(wd, d, mo, y, h, mi, s, tz, sep)| {
            format!("{wd}{sep}{d} {mo} {y} {h}:{mi}:{s} {tz}")
        })
        .boxed()
}

fn meta_strategy(max_born: f64) -> impl Strategy<Value = Meta> {
    let whole = |max: f64| (0u64..=max as u64).prop_map(|n| n as f64);
    (
        prop_oneof![Just(0.0), whole(max_born)],
        prop_oneof![Just(0u64), 0u64..100, 0u64..=MAX_GEN],
        (any::<bool>(), any::<bool>()),
        prop::option::of(prop_oneof![whole(MAX_EPOCH_MS), Just(MAX_EPOCH_MS)]),
        prop::option::of(cookie_place()),
        prop::option::of(cookie_place()),
        vec(cookie_name(), 0..=MAX_NAMES),
    )
        .prop_map(
            |(born, gen, (http_only, idle), due_at, session_cookie, refresh_cookie, names)| Meta {
                born,
                gen,
                http_only,
                idle,
                due_at,
                session_cookie: session_cookie.map(Box::new),
                refresh_cookie: refresh_cookie.map(Box::new),
                names,
            },
        )
}

/// A line of an encoded `Meta`, right or wrong.
fn meta_line() -> BoxedStrategy<String> {
    prop_oneof![
        3 => Just(String::new()),
        1 => Just("h".to_string()),
        1 => Just("i".to_string()),
        1 => Just("hi".to_string()),
        1 => Just("sk2".to_string()),
        2 => "[0-9]{1,18}",
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => select(&["-1", "+5", "1e300", "NaN", "1099511627777", "8640000000000001"][..])
            .prop_map(String::from),
        2 => cookie_name().boxed(),
        2 => cookie_path(),
        1 => vec(cookie_name(), 0..=MAX_NAMES + 1).prop_map(|n| n.join(",")),
        1 => "[a-z,;]{0,12}",
        1 => "[ -~]{0,12}",
        1 => "\\PC{0,8}",
    ]
    .boxed()
}

/// Text that is often almost an encoded `Meta`.
/// `text` with its line `i` replaced by `line`.
fn replace_line(text: &str, i: prop::sample::Index, line: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    let i = i.index(lines.len());
    lines[i] = line;
    lines.join("\n")
}

fn meta_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => vec(meta_line(), META_LINES..=META_LINES).prop_map(|lines| ["sk2".to_string()]
            .into_iter()
            .chain(lines.into_iter().skip(1))
            .collect::<Vec<_>>()
            .join("\n")),
        2 => vec(meta_line(), 0..META_LINES + 3).prop_map(|lines| lines.join("\n")),
        3 => (meta_strategy(2e12), any::<prop::sample::Index>(), meta_line())
            .prop_map(|(meta, i, line)| replace_line(&meta.encode(), i, &line)),
        2 => meta_strategy(2e12).prop_map(|meta| meta.encode()),
        1 => any::<String>(),
    ]
    .boxed()
}

/// A usable token ([`usable_token`]): visible ASCII, no spaces.
fn token() -> impl Strategy<Value = String> {
    "[!-~]{1,60}"
}

/// A user JSON as the session writes it: `{…}`, possibly over several lines.
fn user_json() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| ["{", &s, "}"].concat())
}

/// Text that is often almost an encoded `Message`.
fn message_text() -> BoxedStrategy<String> {
    let time = prop_oneof![
        3 => "[0-9]{1,17}",
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => select(&["", "-5", "+5", "1e300", "1.5", " 1"][..]).prop_map(String::from),
        1 => any::<String>(),
    ];
    let field = prop_oneof![
        3 => token().boxed(),
        1 => Just(String::new()).boxed(),
        1 => user_json().boxed(),
        1 => any::<String>().boxed(),
    ]
    .boxed();
    prop_oneof![
        2 => (select(&["H\n", "L\n", "A\n", "T\n", "Q\n"][..]), time).prop_map(|(k, t)| [k, &t].concat()),
        3 => (meta_text(), field.clone(), field.clone(), field.clone())
            .prop_map(|(m, s, r, u)| ["S\n", &m, "\n", &s, "\n", &r, "\n", &u].concat()),
        2 => (
            meta_strategy(2e12),
            token(),
            prop::option::of(token()),
            prop::option::of(user_json()),
            prop::option::of((any::<prop::sample::Index>(), prop_oneof![meta_line(), field])),
        )
            .prop_map(|(meta, session, refresh, user, edit)| {
                let text = Message::Sync { meta, session, refresh, user }.encode();
                match edit {
                    Some((i, line)) => replace_line(&text, i, &line),
                    None => text,
                }
            }),
        1 => any::<String>(),
    ]
    .boxed()
}

/// The invariants of every accepted cookie place.
fn place_ok(place: &Option<Box<CookiePlace>>) -> bool {
    place.as_deref().is_none_or(|p| {
        is_cookie_name(&p.name)
            && p.path.starts_with('/')
            && is_attribute_safe(&p.path)
            && p.domain
                .as_deref()
                .is_none_or(|d| !d.is_empty() && is_attribute_safe(d))
    })
}

/// The invariants of every accepted `Meta`.
fn meta_ok(meta: &Meta, now: f64) -> Result<(), TestCaseError> {
    prop_assert!(meta.born >= 0.0 && meta.born <= MAX_EPOCH_MS && meta.born.fract() == 0.0);
    prop_assert!(
        meta.born <= now + SKEW_MS,
        "born {} later than now {} + skew",
        meta.born,
        now
    );
    prop_assert!(meta.gen <= MAX_GEN);
    if let Some(due) = meta.due_at {
        prop_assert!((0.0..=MAX_EPOCH_MS).contains(&due) && due.fract() == 0.0);
    }
    prop_assert!(place_ok(&meta.session_cookie) && place_ok(&meta.refresh_cookie));
    prop_assert!(meta.names.len() <= MAX_NAMES);
    prop_assert!(meta.names.iter().all(|n| is_cookie_name(n)));
    Ok(())
}

use session_keeper::core::testing::{base64 as base64url_encode, STD_ALPHABET, URL_ALPHABET};

/// The invariants of an accepted base URL.
fn base_url_ok(url: &str) -> bool {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    host.is_some_and(|h| !h.is_empty())
        && !url.ends_with('/')
        && url.bytes().all(|b| b.is_ascii_graphic())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    // --- cookie ------------------------------------------------------------------------------

    /// `read_cookie` takes any text; what it finds is one `;`-free part of it, trimmed of ASCII
    /// whitespace (as browsers trim cookie pairs; other spaces are part of the value).
    #[test]
    fn read_cookie_never_panics(
        all in prop_oneof![any::<String>(), "[a-zA-Z =;\t]{0,40}"],
        name in prop_oneof![any::<String>(), "[a-zA-Z ]{0,3}"],
    ) {
        if let Some(value) = read_cookie(&all, &name) {
            prop_assert!(all.contains(value));
            prop_assert!(!value.contains(';'));
            prop_assert_eq!(value, value.trim_ascii());
        }
    }

    /// A cookie written at a valid place reads back, and every attribute is one written.
    #[test]
    fn set_cookie_reads_back(
        place in cookie_place(),
        value in cookie_value(),
        max_age in prop::option::of(any_f64()),
        expires in prop::option::of(any_f64()),
        same_site in select(&[SameSite::Strict, SameSite::Lax, SameSite::None][..]),
        secure in any::<bool>(),
    ) {
        prop_assert!(is_cookie_name(&place.name) && is_cookie_value(&value));
        let write = CookieWrite { place: &place, value: &value, max_age, expires, same_site, secure };
        let text = set_cookie(&write);
        prop_assert_eq!(read_cookie(&text, &place.name), Some(value.as_str()), "{}", text);
        let (first, path) = ([place.name.as_str(), "=", &value].concat(), ["Path=", &place.path].concat());
        let mut parts = text.split("; ");
        prop_assert_eq!(parts.next(), Some(first.as_str()));
        prop_assert_eq!(parts.next(), Some(path.as_str()));
        for part in parts {
            let (key, val) = part.split_once('=').unwrap_or((part, ""));
            match key {
                "Domain" => prop_assert_eq!(Some(val), place.domain.as_deref()),
                "Max-Age" => prop_assert!(val.parse::<u64>().is_ok_and(|s| s >= 1), "{}", part),
                "Expires" => prop_assert!(parse_http_date(val).is_some(), "{}", part),
                "SameSite" => prop_assert_eq!(SameSite::parse(val), Some(same_site)),
                "Secure" => prop_assert!(secure),
                _ => prop_assert!(false, "unexpected attribute {:?} in {:?}", part, text),
            }
        }
    }

    /// Expiring writes an empty value at the same place, in the past.
    #[test]
    fn expire_cookie_reads_back_empty(place in cookie_place()) {
        let text = expire_cookie(&place);
        prop_assert_eq!(read_cookie(&text, &place.name), Some(""));
        if place.name != "Path" && place.name != "Max-Age" {
            prop_assert_eq!(read_cookie(&text, "Path"), Some(place.path.trim()));
            prop_assert_eq!(read_cookie(&text, "Max-Age"), Some("0"));
        }
        let [plain, secure] = expire_cookies(&place);
        prop_assert_eq!(&plain, &text);
        prop_assert_eq!(secure, text + "; Secure");
    }

    /// The domain rule: a domain is only ever the host or one of its parents.
    #[test]
    fn cookie_domain_is_the_host_or_a_parent((host, wanted) in host_and_domain()) {
        let got = cookie_domain(&host, Some(&wanted));
        if let Some(d) = got {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            prop_assert!(
                host == d || host.ends_with(&[".", &d].concat()),
                "host {:?} got domain {:?}", host, d
            );
            prop_assert!(!d.is_empty() && is_attribute_safe(&d) && !d.starts_with('.'));
        }
        prop_assert_eq!(cookie_domain(&host, None), None);
    }

    /// Cookie values never break the cookie string.
    #[test]
    fn cookie_values_have_no_separator(value in prop_oneof![any::<String>(), cookie_value().boxed(), "[ -~]{0,20}".boxed()]) {
        if is_cookie_value(&value) {
            prop_assert!(!value.contains(';') && !value.contains(' ') && value.is_ascii());
        }
    }

    // --- HTTP dates ----------------------------------------------------------------------------

    /// `http_date` takes any number, and what it writes parses back to a whole second in range.
    #[test]
    fn http_date_always_parses_back(ms in any_f64()) {
        let text = http_date(ms);
        prop_assert_eq!(text.len(), 29, "{:?}", text);
        let back = parse_http_date(&text);
        prop_assert!(
            back.is_some_and(|t| t % 1000.0 == 0.0 && (0.0..=MAX_HTTP_DATE_MS).contains(&t)),
            "{} -> {:?} -> {:?}", ms, text, back
        );
    }

    /// In range, `http_date` loses only the milliseconds, and names the right weekday.
    #[test]
    fn http_date_round_trips_in_range(ms in prop_oneof![
        (0u64..=253_402_300_799_000).prop_map(|n| n as f64),
        0.0f64..=MAX_HTTP_DATE_MS,
        (0u64..=253_402_300_799).prop_map(|s| s as f64 * 1000.0),
    ]) {
        let text = http_date(ms);
        prop_assert_eq!(parse_http_date(&text), Some((ms / 1000.0).floor() * 1000.0), "{}", text);
        let days = (ms / 86_400_000.0).floor() as usize;
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days % 7];
        prop_assert!(text.starts_with(weekday), "{} is day {}", text, days);
    }

    /// `parse_http_date` takes any text and only returns whole seconds of 1970..=9999.
    #[test]
    fn parse_http_date_stays_in_range(text in prop_oneof![3 => date_like(), 1 => any::<String>()]) {
        if let Some(t) = parse_http_date(&text) {
            prop_assert!(
                t.is_finite() && (0.0..=MAX_IMF_FIXDATE_MS).contains(&t) && t % 1000.0 == 0.0,
                "{:?} -> {}", text, t
            );
        }
    }

    /// `Retry-After` is seconds or a date; either way a finite delay that is not negative.
    #[test]
    fn parse_retry_after_is_a_delay(
        value in prop_oneof![
            2 => date_like(),
            1 => any::<u32>().prop_map(|n| format!(" {n} ")),
            1 => "[0-9+-]{0,12}",
            1 => any::<String>(),
        ],
        now in finite_f64(),
    ) {
        if let Some(seconds) = parse_retry_after(&value, now) {
            prop_assert!(seconds.is_finite() && seconds >= 0.0, "{:?} at {} -> {}", value, now, seconds);
        }
        if let Ok(n) = value.trim().parse::<u32>() {
            // Capped at what a timer can wait (2^31 - 1 ms).
            prop_assert_eq!(parse_retry_after(&value, now), Some(f64::from(n).min(2_147_483.0)));
        }
    }

    // --- claims --------------------------------------------------------------------------------

    /// `payload_json` takes any text; it only accepts three parts with a non-empty header and
    /// payload.
    #[test]
    fn payload_json_never_panics(token in prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_=+/.-]{0,40}",
        (vec(any::<u8>(), 0..40), "[A-Za-z0-9]{0,5}", "[A-Za-z0-9.]{0,5}")
            .prop_map(|(b, h, s)| [h.as_str(), ".", &base64url_encode(&b, URL_ALPHABET), ".", &s].concat()),
    ]) {
        if payload_json(&token).is_ok() {
            let parts: Vec<&str> = token.split('.').collect();
            prop_assert!(parts.len() == 3 && !parts[0].is_empty() && !parts[1].is_empty(), "{:?}", token);
        }
    }

    /// `base64url_decode` takes any text; what it accepts decodes to 6 bits a character.
    #[test]
    fn base64url_decode_never_panics(text in prop_oneof![any::<String>(), "[A-Za-z0-9_=+/ -]{0,40}"]) {
        if let Some(bytes) = base64url_decode(&text) {
            prop_assert_eq!(bytes.len(), text.trim_end_matches('=').len() * 6 / 8, "{:?}", text);
        }
    }

    /// base64url (and the standard alphabet) round-trips any bytes, padded or not.
    #[test]
    fn base64url_round_trips(bytes in vec(any::<u8>(), 0..200), padding in 0usize..3, std in any::<bool>()) {
        let encoded = base64url_encode(&bytes, if std { STD_ALPHABET } else { URL_ALPHABET });
        prop_assert_eq!(base64url_decode(&encoded), Some(bytes.clone()));
        let padded = encoded + &"=".repeat(padding);
        prop_assert_eq!(base64url_decode(&padded), Some(bytes));
    }

    /// Claims of any payload: the expiry in ms is finite and positive when there is one.
    #[test]
    fn claims_expiry_is_finite(payload in input_for(CLAIMS_FIELDS)) {
        let claims = Claims::read(&payload);
        prop_assert_eq!(claims.exp, member(&payload, "exp").and_then(Value::as_f64));
        if let Some(ms) = claims.expires_at_ms() {
            prop_assert!(ms.is_finite() && ms > 0.0, "exp {:?} -> {} ms", claims.exp, ms);
        }
    }

    // --- meta ----------------------------------------------------------------------------------

    /// Any `Meta` with whole times in range, born before now, round-trips.
    #[test]
    fn meta_round_trips(
        (meta, now) in meta_strategy(MAX_EPOCH_MS).prop_flat_map(|m| {
            let born = m.born;
            (Just(m), prop_oneof![Just(born), born..=MAX_EPOCH_MS, born..1e300])
        }),
    ) {
        let text = meta.encode();
        prop_assert_eq!(Meta::decode(&text, now), Some(meta.clone()), "{:?}", text);
        // A record from further in the future than the skew is refused.
        if meta.born > SKEW_MS + 1.0 {
            prop_assert_eq!(Meta::decode(&text, meta.born - SKEW_MS - 1.0), None);
        }
    }

    /// `Meta::decode` takes any text; what it accepts is sane and encodes back to itself.
    #[test]
    fn meta_decode_never_panics(text in meta_text(), now in finite_f64()) {
        if let Some(meta) = Meta::decode(&text, now) {
            meta_ok(&meta, now)?;
            prop_assert_eq!(Meta::decode(&meta.encode(), now), Some(meta));
        }
    }

    // --- message -------------------------------------------------------------------------------

    /// A Sync message with valid contents round-trips.
    #[test]
    fn sync_round_trips(
        (meta, now) in meta_strategy(MAX_EPOCH_MS).prop_flat_map(|m| {
            let born = m.born;
            (Just(m), prop_oneof![Just(born), born..=MAX_EPOCH_MS])
        }),
        session in token(),
        refresh in prop::option::of(token()),
        user in prop::option::of(user_json()),
    ) {
        prop_assert!(usable_token(&session));
        let msg = Message::Sync { meta, session, refresh, user };
        let text = msg.encode();
        prop_assert_eq!(Message::decode(&text, now), Some(msg), "{:?}", text);
    }

    /// A Turn at a whole ms round-trips, also from the future (a retry announced for later).
    #[test]
    fn turn_messages_round_trip(
        at in prop_oneof![Just(0u64), 0u64..=MAX_EPOCH_MS as u64].prop_map(|n| n as f64),
        now in finite_f64(),
    ) {
        let msg = Message::Turn(at);
        prop_assert_eq!(Message::decode(&msg.encode(), now), Some(msg));
    }

    /// Hello, Logout and Active at a whole ms round-trip, unless from the future.
    #[test]
    fn timed_messages_round_trip(
        at in prop_oneof![Just(0u64), 0u64..=MAX_EPOCH_MS as u64].prop_map(|n| n as f64),
        ahead in prop_oneof![-SKEW_MS..=0.0, 0.0f64..1e13, Just(-SKEW_MS)],
        kind in 0u8..3,
        token in any::<u64>(),
    ) {
        let now = at + ahead;
        let msg = match kind {
            0 => Message::Hello(at),
            1 => Message::Logout(at, token),
            _ => Message::Active(at),
        };
        prop_assert_eq!(Message::decode(&msg.encode(), now), Some(msg.clone()));
        prop_assert_eq!(Message::decode(&msg.encode(), at - SKEW_MS - 1.0), None);
    }

    /// `Message::decode` takes any text and never accepts anything from the future.
    #[test]
    fn message_decode_never_panics(text in message_text(), now in finite_f64()) {
        match Message::decode(&text, now) {
            None => {}
            Some(Message::Hello(at) | Message::Logout(at, _) | Message::Active(at) | Message::Ask(at)) => {
                prop_assert!(at >= 0.0 && at.fract() == 0.0);
                prop_assert!(at <= now + SKEW_MS, "{:?} at {}", text, now);
            }
            // A turn announces a time to come: any whole ms a date holds.
            Some(Message::Turn(at)) => {
                prop_assert!((0.0..=MAX_EPOCH_MS).contains(&at) && at.fract() == 0.0);
            }
            Some(msg @ Message::Sync { .. }) => {
                let Message::Sync { meta, session, refresh, user } = &msg else { unreachable!() };
                meta_ok(meta, now)?;
                prop_assert!(usable_token(session));
                prop_assert!(refresh.as_deref().is_none_or(usable_token));
                let user_ok = user.as_deref().is_none_or(|u| u.starts_with('{') && u.ends_with('}'));
                prop_assert!(user_ok);
                prop_assert_eq!(Message::decode(&msg.encode(), now), Some(msg.clone()));
            }
        }
    }

    // --- options -------------------------------------------------------------------------------

    /// `Config::read` takes any value; an accepted config keeps its invariants.
    #[test]
    fn config_read_keeps_invariants(options in input_for(CONFIG_FIELDS)) {
        if let Ok(c) = Config::read(&options) {
            prop_assert!(options.is_object());
            prop_assert!(!c.project_id.is_empty(), "{:?}", options);
            prop_assert!(
                c.project_id.bytes().all(|b| b.is_ascii_graphic() && b != b':'),
                "projectId {:?}", c.project_id
            );
            prop_assert!(base_url_ok(&c.base_url), "baseUrl {:?}", c.base_url);
            prop_assert!((1..=2_147_483_647).contains(&c.timeout_ms));
            for cookie in [&c.session_cookie, &c.refresh_cookie].into_iter().flatten() {
                prop_assert!(cookie.name.as_deref().is_none_or(is_cookie_name));
                prop_assert!(cookie
                    .domain
                    .as_deref()
                    .is_none_or(|d| !d.trim().is_empty() && is_attribute_safe(d) && !d.contains(' ')));
                prop_assert!(cookie.same_site != SameSite::None || cookie.secure);
            }
        }
    }

    /// `RcConfig::read` takes any value; an accepted config keeps its invariants.
    #[test]
    fn rc_config_read_keeps_invariants(options in input_for(RC_CONFIG_FIELDS)) {
        if let Ok(c) = RcConfig::read(&options) {
            prop_assert!(member(&options, "baseUrl").is_some_and(Value::is_string));
            prop_assert!(base_url_ok(&c.base_url), "baseUrl {:?}", c.base_url);
            prop_assert!((1..=2_147_483_647).contains(&c.timeout_ms));
        }
    }

    // --- fields --------------------------------------------------------------------------------

    /// `JwtFields::read` accepts exactly the objects whose fields have the right types, and
    /// reads them as they are.
    #[test]
    fn jwt_fields_read_by_type(response in input_for(JWT_FIELDS)) {
        let numeric = |k: &str| JWT_NUMBER_FIELDS.contains(&k);
        let typed = JWT_FIELD_NAMES.iter().all(|&k| {
            member(&response, k).is_none_or(|v| if numeric(k) { v.is_number() } else { v.is_string() })
        });
        let read = JwtFields::read(&response);
        prop_assert_eq!(read.is_ok(), response.is_object() && typed, "{:?}", response);
        if let Ok(f) = read {
            let s = |k| member(&response, k).and_then(Value::as_str).map(String::from);
            // Cookie settings: `""` (Descope's "not set") reads as absent.
            let setting = |k| s(k).filter(|v: &String| !v.is_empty());
            let n = |k| member(&response, k).and_then(Value::as_f64);
            prop_assert_eq!(f.session_jwt, s("sessionJwt"));
            prop_assert_eq!(f.refresh_jwt, s("refreshJwt"));
            prop_assert_eq!(f.cookie_domain, setting("cookieDomain"));
            prop_assert_eq!(f.session_cookie_name, setting("sessionCookieName"));
            prop_assert_eq!(f.session_cookie_domain, setting("sessionCookieDomain"));
            prop_assert_eq!(f.cookie_path, setting("cookiePath"));
            prop_assert_eq!(f.cookie_name, setting("cookieName"));
            prop_assert_eq!(f.cookie_max_age, n("cookieMaxAge"));
            prop_assert_eq!(f.next_refresh_seconds, n("nextRefreshSeconds"));
        }
    }

    /// The access-key answer check accepts exactly `{keyId, sessionJwt, expiration?}`.
    #[test]
    fn access_key_response_check(answer in input_for(ACCESS_KEY_FIELDS)) {
        let expected = answer.is_object()
            && member(&answer, "keyId").is_some_and(Value::is_string)
            && member(&answer, "sessionJwt").is_some_and(Value::is_string)
            && member(&answer, "expiration").is_none_or(Value::is_number);
        prop_assert_eq!(check_access_key_response(&answer).is_ok(), expected, "{:?}", answer);
    }

    /// The security-questions check accepts exactly its documented shape.
    #[test]
    fn security_questions_request_check(request in input_for(QUESTIONS_FIELDS)) {
        let answers_ok = member(&request, "answers").and_then(Value::as_array).is_some_and(|a| {
            a.iter().all(|a| {
                member(a, "questionId").is_some_and(Value::is_string)
                    && member(a, "answer").is_some_and(Value::is_string)
            })
        });
        let expected = request.is_object()
            && answers_ok
            && member(&request, "loginId").is_none_or(Value::is_string)
            && member(&request, "stepup").is_none_or(Value::is_boolean);
        prop_assert_eq!(
            check_security_questions_request(&request).is_ok(),
            expected,
            "{:?}", request
        );
    }

    // --- Rocket.Chat rules ---------------------------------------------------------------------

    /// `read_two_factor` takes any value; an accepted code can travel in a header.
    #[test]
    fn two_factor_codes_are_header_safe(arg in input_for(TWO_FACTOR_FIELDS)) {
        match read_two_factor(Some(&arg)) {
            Ok(None) => prop_assert!(false, "a given argument read as absent: {:?}", arg),
            Ok(Some(tf)) => {
                let method = member(&arg, "method").and_then(Value::as_str);
                prop_assert_eq!(Some(tf.method.as_str()), method);
                let code = member(&arg, "code").and_then(Value::as_str).unwrap_or_default();
                if tf.method == TwoFactorMethod::Password {
                    prop_assert!(!code.is_empty());
                    prop_assert!(tf.code.len() == 64
                        && tf.code.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
                } else {
                    prop_assert_eq!(tf.code.as_str(), code.trim());
                    prop_assert!(usable_token(&tf.code) && tf.code.len() <= 256);
                }
            }
            Err(e) => prop_assert_eq!(e.code, ErrorCode::InvalidArgument),
        }
        prop_assert!(matches!(read_two_factor::<Value>(None), Ok(None)));
    }

    /// `read_session_id` takes any value and only accepts a non-blank string.
    #[test]
    fn session_ids_are_not_blank(value in prop_oneof![json(), json_string().prop_map(Value::String)]) {
        match read_session_id(&value) {
            Ok(id) => {
                prop_assert_eq!(Some(id.as_str()), value.as_str());
                prop_assert!(!id.trim_ascii().is_empty());
            }
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::InvalidArgument);
                prop_assert!(value.as_str().is_none_or(|s| s.trim().is_empty()));
            }
        }
    }

    /// Credentials are only read when both parts can travel in a header.
    #[test]
    fn credentials_are_usable(data in input_for(CREDENTIALS_FIELDS)) {
        if let Some(c) = Credentials::read(&data) {
            prop_assert!(usable_token(&c.user_id) && usable_token(&c.auth_token));
            prop_assert_eq!(Some(c.user_id.as_str()), member(&data, "userId").and_then(Value::as_str));
        }
    }

    /// Any error answer is classified consistently with its status.
    #[test]
    fn refusals_are_classified(
        status in prop_oneof![select(&[400u16, 401, 403, 404, 429, 500, 503][..]), any::<u16>()],
        body in input_for(REFUSAL_FIELDS),
    ) {
        let r = rc_classify(status, &body);
        prop_assert_eq!(r.clear, status == 401);
        prop_assert_eq!(r.code == ErrorCode::Unauthorized, status == 401);
        prop_assert_eq!(r.details.is_some(), r.code == ErrorCode::TwoFactorRequired);
        if r.code == ErrorCode::TwoFactorRequired {
            let totp = |k| member(&body, k).and_then(Value::as_str).is_some_and(|t| t.starts_with("totp-"));
            prop_assert!(totp("error") || totp("errorType"), "{:?}", body);
        } else if status != 401 {
            prop_assert_eq!(r.code, ErrorCode::from_status(status));
        }
        if let Some(m) = &r.message {
            prop_assert!(!m.trim_ascii().is_empty() && m.len() <= 500, "message {:?}", m);
        }
        if let Some(t) = &r.error_type {
            prop_assert_eq!(Some(t.as_str()), member(&body, "errorType").and_then(Value::as_str));
        }
        let code = r.code;
        let err = r.into_error(status, None);
        prop_assert_eq!((err.code, err.status), (code, Some(status)));
    }

    // --- schedule ------------------------------------------------------------------------------

    /// The due time after a response: never a tight loop, never past what a `Date` holds.
    #[test]
    fn due_after_response_is_sane(
        now in prop_oneof![0.0f64..=(MAX_EPOCH_MS - MIN_DELAY_MS), 1.5e12f64..2e12],
        next in prop::option::of(any_f64()),
        exp in prop::option::of(any_f64()),
        expiration in prop::option::of(any_f64()),
    ) {
        let usable = |v: Option<f64>| v.is_some_and(|v| v.is_finite() && v > 0.0);
        match due_after_response(now, next, exp, expiration) {
            None => prop_assert!(!usable(next) && !usable(exp) && !usable(expiration)),
            Some(due) => {
                prop_assert!(due.is_finite() && due >= now + MIN_DELAY_MS && due <= MAX_EPOCH_MS,
                    "now {} -> due {}", now, due);
            }
        }
    }

    /// With any clock at all, the due time is still a number.
    #[test]
    fn due_after_response_never_nan(
        now in any_f64(),
        next in prop::option::of(any_f64()),
        exp in prop::option::of(any_f64()),
        expiration in prop::option::of(any_f64()),
    ) {
        if let Some(due) = due_after_response(now, next, exp, expiration) {
            prop_assert!(!due.is_nan() && due <= MAX_EPOCH_MS);
        }
    }

    /// Backoff stays within its bounds and grows with the jitter.
    #[test]
    fn backoff_is_bounded(attempt in any::<u32>(), jitter in any_f64(), a in 0.0f64..1.0, b in 0.0f64..1.0) {
        let d = backoff(attempt, jitter);
        prop_assert!((BACKOFF_BASE_MS..=BACKOFF_MAX_MS).contains(&d), "{} {} -> {}", attempt, jitter, d);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(backoff(attempt, lo) <= backoff(attempt, hi));
    }

    /// Retry delays: backoff, or the server's `Retry-After` never shortened and at most 10 %
    /// longer; a finite delay for every `Retry-After` header there can be.
    #[test]
    fn retry_delay_is_bounded(
        attempt in any::<u32>(),
        jitter in any_f64(),
        ms in prop_oneof![0.0f64..1e7, finite_f64().prop_map(f64::abs)],
        header in prop_oneof![date_like(), any::<u32>().prop_map(|n| n.to_string())],
        now in finite_f64(),
    ) {
        prop_assert_eq!(retry_delay(Failure::Ended, attempt, jitter), None);
        for f in [Failure::Transient, Failure::RateLimited(None)] {
            let d = retry_delay(f, attempt, jitter).unwrap();
            prop_assert!((BACKOFF_BASE_MS..=BACKOFF_MAX_MS).contains(&d));
        }
        let d = retry_delay(Failure::RateLimited(Some(ms)), attempt, jitter).unwrap();
        let floor = ms.max(MIN_DELAY_MS);
        prop_assert!(d >= floor && d <= floor * 1.1 + 1e-6 * floor, "{} -> {}", ms, d);
        let err = SessionError::http(429, parse_retry_after(&header, now));
        let d = retry_delay(classify(&err), attempt, jitter).unwrap();
        prop_assert!(d.is_finite() && d >= MIN_DELAY_MS, "{:?} -> {}", header, d);
    }

    /// A timer step never waits longer than `setTimeout` can, nor a non-positive time.
    #[test]
    fn tick_waits_are_bounded(now in any_f64(), due in any_f64()) {
        if let Tick::Wait(ms) = tick(now, due) {
            prop_assert!(ms > 0.0 && ms <= MAX_TIMEOUT_MS);
        }
    }

    // --- clear ---------------------------------------------------------------------------------

    /// Every domain to clear is one the domain rule allows for the host.
    #[test]
    fn cleared_domains_are_allowed(host in prop_oneof![
        3 => hostname(),
        1 => any::<String>(),
        1 => "[a-zA-Z0-9.]{0,12}",
    ]) {
        let all = domains(&host);
        prop_assert_eq!(all.first(), Some(&None));
        for d in all.iter().flatten() {
            prop_assert!(cookie_domain(&host, Some(d)).is_some(), "{:?} for {:?}", d, host);
        }
        for (i, d) in all.iter().enumerate() {
            prop_assert!(!all[..i].contains(d), "{:?} twice for {:?}", d, host);
        }
    }

    /// For real host names the rule is exact: the domain as written, the host or a parent of
    /// at least two labels, and an IP address has no parents.
    #[test]
    fn cleared_domains_of_host_names(host in hostname()) {
        let normal = host.trim_end_matches('.').to_ascii_lowercase();
        let is_ip = normal.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        for d in domains(&host).iter().flatten() {
            let got = cookie_domain(&host, Some(d));
            prop_assert_eq!(got.as_deref(), Some(d.as_str()));
            prop_assert!(*d == normal || (!is_ip && d.contains('.')), "{:?} for {:?}", d, host);
        }
        prop_assert!(domains(&host).contains(&Some(normal)));
    }

    /// Every path to clear is a valid `Path` attribute, once.
    #[test]
    fn cleared_paths_are_valid(
        page in prop_oneof![any::<String>(), "/[a-z/?#.;]{0,20}"],
        extra in vec(prop_oneof![any::<String>(), "/[a-z/;]{0,8}"], 0..4),
    ) {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let all = paths(&page, &extra);
        prop_assert_eq!(all.first().map(String::as_str), Some("/"));
        for (i, p) in all.iter().enumerate() {
            prop_assert!(p.starts_with('/') && is_attribute_safe(p), "{:?}", p);
            prop_assert!(!all[..i].contains(p), "{:?} twice", p);
        }
    }
}

/// The smallest inputs the properties above found wrong, as fixed cases (each one is an
/// instance of a property: `parse_http_date_stays_in_range`, `parse_retry_after_is_a_delay`,
/// `claims_expiry_is_finite`).
#[test]
fn cases_found_by_the_properties() {
    let in_range = |text: &str| {
        let t = std::panic::catch_unwind(|| parse_http_date(text))
            .unwrap_or_else(|_| panic!("parse_http_date({text:?}) panicked"));
        assert!(
            t.is_none_or(|t| (0.0..=MAX_IMF_FIXDATE_MS).contains(&t)),
            "parse_http_date({text:?}) = {t:?}"
        );
    };
    // A negative second, minute or hour passes the `> 59`-style checks.
    in_range("Thu, 01 Jan 1970 00:00:-1 GMT");
    // … and a large one overflows `i64` (a panic in debug builds).
    in_range("Thu, 01 Jan 1970 -2562047788016:00:00 GMT");
    let retry = std::panic::catch_unwind(|| {
        parse_retry_after("Thu, 01 Jan 1970 -2562047788016:00:00 GMT", 0.0)
    });
    assert!(retry.is_ok(), "parse_retry_after panicked");
    // An `exp` of 1e306 s is finite, 1e309 ms is not.
    let claims = Claims::read(&serde_json::json!({ "exp": 1e306 }));
    let ms = claims.expires_at_ms();
    assert!(ms.is_none_or(f64::is_finite), "expires_at_ms() = {ms:?}");
}
