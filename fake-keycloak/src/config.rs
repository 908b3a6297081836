//! Configuration of a fake server (realms, service clients, token lifetime,
//! compatibility switches for older Keycloak versions, relative path, port, TLS) and
//! the ready-made sample configurations.

use crate::model::clients::ServiceClient;
use crate::model::realm::RealmData;
use crate::sample::realm::sample_realm;
use crate::sample::secrets::{SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_REALM};
use crate::wire::tls::TlsIdentity;

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
    /// Keycloak 22: `/identity-provider/instances` ignores `first`/`max`.
    pub legacy_idp_instances: bool,
    /// Keycloak before `idpAlias` existed: `/users` ignores `idpAlias`.
    pub legacy_idp_alias_filter: bool,
    /// Keycloak before 25: every `/organizations` path is an unknown resource (404).
    pub no_organizations_api: bool,
    /// Keycloak before 26.2: events and admin events have no `id`, `direction`
    /// is ignored (newest first), and `dateFrom`/`dateTo` must be `yyyy-MM-dd`.
    pub legacy_events: bool,
    /// Events of the same millisecond come in a different order for each `first`/`max`,
    /// as a database sorting by time alone may return them (Keycloak 26.7.3 on H2 did).
    pub unstable_event_ties: bool,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<TlsIdentity>,
    /// Also answer `GET /__fake/log?from=N` (not logged itself): the request log from
    /// entry N on plus its length, for benchmarks that count and replay requests.
    pub log_endpoint: bool,
}

impl FakeConfig {
    /// One realm `sample_realm("acme", 300)`, the five sample clients, token
    /// lifetime 300 s, modern groups and APIs (Keycloak 26.2+), no relative
    /// path, any free port.
    pub fn sample() -> FakeConfig {
        let all = [
            "view-users",
            "view-realm",
            "view-clients",
            "view-events",
            "view-identity-providers",
            "view-organizations",
            "manage-organizations",
        ];
        let no_clients = [
            "view-users",
            "view-realm",
            "view-events",
            "view-identity-providers",
            "view-organizations",
            "manage-organizations",
        ];
        // every view-* role, no write role: organization invitations are not for it
        let read_only = &all[..all.len() - 1];
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
                client(
                    "read-only",
                    "fake-secret-readonly-4",
                    true,
                    false,
                    read_only,
                ),
                client("web-spa", "", false, true, &[]),
            ],
            token_lifetime_secs: 300,
            legacy_groups: false,
            relative_path: String::new(),
            port: 0,
            legacy_idp_instances: false,
            legacy_idp_alias_filter: false,
            no_organizations_api: false,
            legacy_events: false,
            unstable_event_ties: false,
            tls: None,
            log_endpoint: false,
        }
    }

    /// [`FakeConfig::sample`] plus realm `globex` (`sample_realm("globex", 40)`),
    /// which `source-keycloak` may also read (`extra_realms`), and realm
    /// `initech` (`sample_realm("initech", 10)`), which it may not (403).
    pub fn sample_two_realms() -> FakeConfig {
        let mut config = FakeConfig::sample();
        config.realms.push(sample_realm("globex", 40));
        config.realms.push(sample_realm("initech", 10));
        for client in &mut config.clients {
            if client.client_id == SAMPLE_CLIENT_ID {
                client.extra_realms = vec!["globex".to_string()];
            }
        }
        config
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
