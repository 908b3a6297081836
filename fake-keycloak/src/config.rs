//! Configuration of a fake server (realms, service clients, token lifetime,
//! group style, relative path, port) and the ready-made sample configuration.

use crate::realm::{RealmData, sample_realm};

/// The realm of [`FakeConfig::sample`].
pub const SAMPLE_REALM: &str = "acme";
/// The fully privileged service client of [`FakeConfig::sample`].
pub const SAMPLE_CLIENT_ID: &str = "source-keycloak";
/// The secret of [`SAMPLE_CLIENT_ID`] (a fake secret, safe to print).
pub const SAMPLE_CLIENT_SECRET: &str = "fake-secret-9f8e7d6c5b4a";

/// A client that can ask the token endpoint for a client_credentials token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceClient {
    /// The realm the client lives in (tokens are issued in this realm).
    pub realm: String,
    pub client_id: String,
    pub secret: String,
    /// Whether "service accounts" are enabled (needed for client_credentials).
    pub service_account: bool,
    /// Public clients have no secret and cannot use client_credentials.
    pub public: bool,
    /// realm-management role names: view-users, view-realm, view-clients, view-events.
    pub roles: Vec<String>,
    /// Other realms whose admin API this client's tokens may also read.
    pub extra_realms: Vec<String>,
}

/// Everything a [`crate::FakeKeycloak`] serves.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub realms: Vec<RealmData>,
    pub clients: Vec<ServiceClient>,
    /// `expires_in` of issued tokens; they really stop working after it.
    pub token_lifetime_secs: u64,
    /// Keycloak 22-and-older group API (nested subGroups, no /children GET).
    pub legacy_groups: bool,
    /// "" or e.g. "/auth": prefix every path must carry.
    pub relative_path: String,
    /// 0 = any free port.
    pub port: u16,
}

impl FakeConfig {
    /// One realm `sample_realm("acme", 300)`, the five sample clients, token
    /// lifetime 300 s, modern groups, no relative path, any free port.
    pub fn sample() -> FakeConfig {
        let all = ["view-users", "view-realm", "view-clients", "view-events"];
        let no_clients = ["view-users", "view-realm", "view-events"];
        FakeConfig {
            realms: vec![sample_realm(SAMPLE_REALM, 300)],
            clients: vec![
                client(SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, true, false, &all),
                client("no-roles", "fake-secret-noroles-1", true, false, &[]),
                client(
                    "no-clients-role",
                    "fake-secret-noclients-2",
                    true,
                    false,
                    &no_clients,
                ),
                client("no-sa", "fake-secret-nosa-3", false, false, &[]),
                client("web-spa", "", false, true, &[]),
            ],
            token_lifetime_secs: 300,
            legacy_groups: false,
            relative_path: String::new(),
            port: 0,
        }
    }
}

fn client(id: &str, secret: &str, sa: bool, public: bool, roles: &[&str]) -> ServiceClient {
    ServiceClient {
        realm: SAMPLE_REALM.to_string(),
        client_id: id.to_string(),
        secret: secret.to_string(),
        service_account: sa,
        public,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        extra_realms: Vec::new(),
    }
}
