//! What a security review reads: credentials, lockouts, consents, the authentication
//! policy, keys, identity provider mappers and organization invitations, keyed the way
//! the routes look them up (per user, flow, provider or organization).

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Security {
    /// user id → credentials, with `secretData` in clear (Keycloak's Admin API never
    /// sends it; a hostile server might, and the connector must drop it).
    pub credentials: BTreeMap<String, Vec<Value>>,
    /// user id → consents (`clientId`, `grantedClientScopes`, dates).
    pub consents: BTreeMap<String, Vec<Value>>,
    /// user id → brute-force status of users with failures; every other user has the
    /// zero status (`zero_lockout`).
    pub lockouts: BTreeMap<String, Value>,
    pub required_actions: Vec<Value>,
    /// Top-level flows.
    pub flows: Vec<Value>,
    /// flow alias → its executions, nested sub-flows included, depth first.
    pub executions: BTreeMap<String, Vec<Value>>,
    /// `GET /keys`' `keys`.
    pub keys: Vec<Value>,
    /// identity provider alias → mappers.
    pub idp_mappers: BTreeMap<String, Vec<Value>>,
    /// organization id → invitations.
    pub invitations: BTreeMap<String, Vec<Value>>,
}

/// The brute-force status of a user without failures, as Keycloak 26.7 answers it.
pub fn zero_lockout() -> Value {
    serde_json::json!({
        "failedLoginNotBefore": 0, "numFailures": 0, "numTemporaryLockouts": 0,
        "disabled": false, "numSecondaryAuthFailures": 0, "lastIPFailure": "n/a",
        "lastFailure": 0
    })
}
