//! The TypeScript declarations of the package, generated from these definitions by tsify.
//! Nothing here is compiled into code: the sessions read what they act on through
//! [`crate::core`] and pass the rest to JS untouched. Shared by both entries (Descope and
//! Rocket.Chat); the Descope options and wire types are in its `descope` part.

#![allow(missing_docs)] // The fields mirror the documented wire formats one to one.

use tsify::Tsify;
use wasm_bindgen::prelude::*;

#[cfg(feature = "descope")]
mod descope;
#[cfg(feature = "descope")]
pub use descope::*;

#[wasm_bindgen(typescript_custom_section)]
const SESSION_ERROR_TS: &str = r#"
/** The `code` of a {@link SessionError}. */
export type SessionErrorCode = "network" | "timeout" | "unauthorized" | "forbidden" | "rate_limited" | "http" | "invalid_response" | "invalid_argument" | "storage" | "two_factor_required";

/** Every rejected promise and thrown error of this package. Tokens never appear in it. */
export interface SessionError extends Error {
    name: "SessionError";
    code: SessionErrorCode;
    /** HTTP status, when there was an answer. */
    status?: number;
    /** Descope's `errorCode`. */
    errorCode?: string;
    /** Descope's `errorDescription`. */
    errorDescription?: string;
    /** Seconds to wait, from `Retry-After`. */
    retryAfter?: number;
    /** Extra data, e.g. Rocket.Chat's two-factor challenge. */
    details?: TwoFactorDetails | Record<string, unknown>;
}
"#;

/// Where tokens that are not in cookies are kept.
///
/// ```js
/// const session = new SessionManager({ projectId: "P2abc", persist: "sessionStorage" });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Persist {
    /// Survives reloads and is shared by the origin's tabs (the default).
    #[default]
    LocalStorage,
    /// Survives reloads of this tab only.
    SessionStorage,
    /// Lives as long as the page.
    Memory,
}

/// A Rocket.Chat two-factor method.
///
/// ```js
/// await rc.logoutSession(sessionId, { method: "email", code: "123456" });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum TwoFactorMethod {
    /// A code from an authenticator app.
    Totp,
    /// A code the server sent by email.
    Email,
    /// The account password (sent as its SHA-256 hex digest).
    Password,
}

/// The `details` of a `two_factor_required` error: the server's object, passed through.
///
/// ```js
/// try { await rc.logoutSession(sessionId); } catch (e) {
///   if (e.code === "two_factor_required" && e.details.codeGenerated) askForTheEmailedCode();
/// }
/// ```
#[derive(Clone, Debug, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorDetails {
    /// The method the server wants a code for.
    #[tsify(optional)]
    pub method: Option<TwoFactorMethod>,
    /// Whether the server has just sent a code (the `email` method).
    #[tsify(optional)]
    pub code_generated: Option<bool>,
    /// The methods the user has.
    #[tsify(optional)]
    pub available_methods: Option<Vec<TwoFactorMethod>>,
}
