//! Descope users, their fixed tenants and security questions, and the seeded access key.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// A user who can sign in with a password.
#[derive(Clone, Debug)]
pub struct User {
    pub login_id: String,
    pub user_id: String,
    pub name: String,
    pub password: String,
    /// Epoch seconds.
    pub created: u64,
}

pub struct Tenant {
    pub id: &'static str,
    pub name: &'static str,
    pub roles: &'static [&'static str],
    pub permissions: &'static [&'static str],
}

/// Top-level roles and permissions of every user.
pub const ROLES: &[&str] = &["viewer"];
pub const PERMISSIONS: &[&str] = &["read"];

/// Every user belongs to these tenants.
pub const TENANTS: &[Tenant] = &[
    Tenant {
        id: "T-acme",
        name: "Acme",
        roles: &["admin"],
        permissions: &["read", "write"],
    },
    Tenant {
        id: "T-globex",
        name: "Globex",
        roles: &["viewer"],
        permissions: &["read"],
    },
];

/// Every user's security questions: `(questionId, answer)`.
const QUESTIONS: &[(&str, &str)] = &[("q-color", "blue"), ("q-city", "paris")];

/// An access key for `POST /v1/auth/accesskey/exchange`.
pub struct AccessKey {
    pub key: &'static str,
    pub key_id: &'static str,
    pub roles: &'static [&'static str],
}

pub const ACCESS_KEYS: &[AccessKey] = &[AccessKey {
    key: "demo-access-key",
    key_id: "K-demo",
    roles: &["service"],
}];

impl User {
    /// The users present at start and after a reset.
    pub fn seed(now: u64) -> Vec<User> {
        vec![User {
            login_id: "demo@example.com".into(),
            user_id: "U-demo".into(),
            name: "Demo User".into(),
            password: "demo1234".into(),
            created: now,
        }]
    }

    /// A user registered by its first sign-in. The userId is derived from the loginId, so it is
    /// the same after a reset.
    pub fn register(login_id: &str, password: &str, now: u64) -> User {
        let digest = Sha256::digest(login_id.as_bytes());
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        let local = login_id.split('@').next().unwrap_or(login_id);
        User {
            login_id: login_id.into(),
            user_id: format!("U-{hex}"),
            name: local.into(),
            password: password.into(),
            created: now,
        }
    }

    /// The User object of `me` and of JWT responses.
    pub fn to_json(&self) -> Value {
        let email = if self.login_id.contains('@') {
            self.login_id.as_str()
        } else {
            ""
        };
        let (given, family) = self.name.split_once(' ').unwrap_or((&self.name, ""));
        let tenants: Vec<Value> = TENANTS
            .iter()
            .map(|t| {
                json!({
                    "tenantId": t.id,
                    "roleNames": t.roles,
                    "tenantName": t.name,
                    "permissions": t.permissions,
                })
            })
            .collect();
        json!({
            "loginIds": [self.login_id],
            "userId": self.user_id,
            "name": self.name,
            "email": email,
            "phone": "",
            "verifiedEmail": !email.is_empty(),
            "verifiedPhone": false,
            "roleNames": ROLES,
            "userTenants": tenants,
            "status": "enabled",
            "externalIds": [self.login_id],
            "picture": "",
            "test": false,
            "customAttributes": {},
            "createdTime": self.created,
            "TOTP": false,
            "SAML": false,
            "OAuth": {},
            "webauthn": false,
            "password": true,
            "ssoAppIds": [],
            "givenName": given,
            "middleName": "",
            "familyName": family,
            "editable": true,
            "SCIM": false,
            "push": false,
            "permissions": PERMISSIONS,
            "OIDC": false,
            "consentExpiration": 0,
        })
    }
}

/// The `tenants` claim: `{tenantId: {roles, permissions}}`.
pub fn tenants_claim() -> Value {
    let map: Map<String, Value> = TENANTS
        .iter()
        .map(|t| {
            (
                t.id.to_string(),
                json!({"roles": t.roles, "permissions": t.permissions}),
            )
        })
        .collect();
    Value::Object(map)
}

pub fn is_tenant(id: &str) -> bool {
    TENANTS.iter().any(|t| t.id == id)
}

impl Tenant {
    /// A Tenant of `me/tenants`: `{id, name, customAttributes}`.
    pub fn to_json(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "customAttributes": {} })
    }
}

/// Whether `answer` answers question `question_id` (case-insensitive, trimmed).
pub fn answer_is_right(question_id: &str, answer: &str) -> bool {
    QUESTIONS
        .iter()
        .any(|(q, a)| *q == question_id && answer.trim().eq_ignore_ascii_case(a))
}

pub fn access_key(key: &str) -> Option<&'static AccessKey> {
    ACCESS_KEYS.iter().find(|k| k.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_users() {
        let u = User::register("ann.lee@example.com", "pw", 5);
        assert_eq!(
            u.user_id,
            User::register("ann.lee@example.com", "x", 9).user_id
        );
        assert_ne!(
            u.user_id,
            User::register("bob@example.com", "pw", 5).user_id
        );
        let j = u.to_json();
        assert_eq!(j["email"], "ann.lee@example.com");
        assert_eq!(j["userTenants"][0]["tenantId"], "T-acme");
    }

    #[test]
    fn answers() {
        assert!(answer_is_right("q-color", "  Blue "));
        assert!(!answer_is_right("q-color", "paris"));
        assert!(!answer_is_right("q-nope", "blue"));
    }
}
