//! fake-keycloak: a local fake of Keycloak's token endpoint and Admin REST API
//! (as observed on Keycloak 26), with a hand-written HTTP/1.1 server so tests
//! can inject low-level faults. This file owns the public API: the
//! [`FakeKeycloak`] handle and the re-exported configuration and data types.
//!
//! Module map: `http` (wire), `server` (listener, connections, faults applied),
//! `api` (routing, public endpoints, paging), `admin`, `groups`, `roles`,
//! `identity`, `activity` and `dates` (Admin API), `auth` (tokens), `realm`
//! (data model, sample generator) with `sample_clients`, `sample_roles`,
//! `sample_identity` and `sample_activity`, `config`, `faults`, `state`
//! (shared state, request log), `ids` (deterministic ids).

mod activity;
mod admin;
mod api;
mod auth;
mod config;
mod dates;
mod faults;
mod groups;
mod http;
mod identity;
mod ids;
mod index;
mod realm;
mod roles;
mod sample_activity;
mod sample_clients;
mod sample_identity;
mod sample_roles;
mod scale;
mod server;
mod state;
mod tls;

pub use config::{
    BILLING_PRIVATE_KEY, BILLING_REGISTRATION_TOKEN, BILLING_SECRET, CORP_IDP_SECRET, CRM_SECRET,
    FakeConfig, GITHUB_IDP_SECRET, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_REALM,
    SAMPLE_SECRETS, SMTP_PASSWORD, ServiceClient, TlsIdentity,
};
pub use faults::{Fault, FaultRule};
pub use realm::{RealmData, sample_realm};
pub use sample_activity::SAMPLE_EPOCH_MS;
pub use scale::{BENCH_CLIENTS, BENCH_GROUPS, BENCH_REALM_ROLES, bench_realm};
pub use state::LoggedRequest;

/// Every access token the fake issues starts with this, so tests can assert that no
/// token ever reaches the connector's output.
pub const TOKEN_PREFIX: &str = "fakeKcToken_";

use state::{Shared, lock, write};
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A running fake server on 127.0.0.1. Dropping it stops the server: the
/// listener closes, open connections are shut down and their threads joined.
pub struct FakeKeycloak {
    shared: Arc<Shared>,
    port: u16,
    accept: Option<JoinHandle<()>>,
}

impl FakeKeycloak {
    /// Starts serving `config`. Panics if the port cannot be bound
    /// (see [`FakeKeycloak::try_start`]).
    pub fn start(config: FakeConfig) -> FakeKeycloak {
        match Self::try_start(config) {
            Ok(fake) => fake,
            Err(e) => panic!("fake-keycloak: cannot start: {e}"),
        }
    }

    /// Starts serving `config`, or reports why the port cannot be bound.
    pub fn try_start(config: FakeConfig) -> io::Result<FakeKeycloak> {
        let (shared, port, accept) = server::start(config)?;
        Ok(FakeKeycloak {
            shared,
            port,
            accept: Some(accept),
        })
    }

    /// "http://127.0.0.1:PORT" plus the relative path (e.g. "/auth").
    pub fn base_url(&self) -> String {
        state::read(&self.shared.world).base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Adds a rule after the existing ones; the first matching rule with
    /// times left fires.
    pub fn push_fault(&self, rule: FaultRule) {
        lock(&self.shared.faults).push(rule);
    }

    /// Runs `change` on realm `realm`'s data just before each of the next `times`
    /// requests whose target (path plus `?query`) contains `path_contains` is served
    /// (`usize::MAX`: forever). Deterministic churn between page requests.
    pub fn push_hook(
        &self,
        path_contains: &str,
        times: usize,
        realm: &str,
        change: impl FnMut(&mut RealmData) + Send + 'static,
    ) {
        lock(&self.shared.hooks).push(state::Hook {
            path_contains: path_contains.to_string(),
            times,
            realm: realm.to_string(),
            change: Box::new(change),
        });
    }

    /// Builds the lookup tables every realm's requests use now, instead of at the first
    /// request that needs them (a benchmark's first stream would pay for them).
    pub fn prepare(&self) {
        let world = state::read(&self.shared.world);
        for realm in &world.realms {
            world.index(realm);
        }
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// The most requests served at the same time since start (or the last reset):
    /// whether a client's requests really overlap, counted, not timed.
    pub fn max_in_flight(&self) -> usize {
        self.shared
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn reset_max_in_flight(&self) {
        self.shared
            .max_in_flight
            .store(0, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every token issued so far stops working (401).
    pub fn revoke_tokens(&self) {
        lock(&self.shared.tokens).revoke_all();
    }

    /// How many tokens were issued since start (revocation does not reset it).
    pub fn tokens_issued(&self) -> usize {
        lock(&self.shared.tokens).issued()
    }

    /// Switches between legacy (Keycloak 22 and older) and modern groups.
    pub fn set_groups_legacy(&self, legacy: bool) {
        write(&self.shared.world).legacy_groups = legacy;
    }

    /// Runs `f` on realm `name`'s data (None if there is no such realm).
    /// Requests wait while `f` runs; do not call back into `self` from `f`.
    pub fn with_realm_mut<R>(&self, name: &str, f: impl FnOnce(&mut RealmData) -> R) -> Option<R> {
        let mut world = write(&self.shared.world);
        world.index.clear();
        world.realms.iter_mut().find(|r| r.name == name).map(f)
    }
}

impl Drop for FakeKeycloak {
    fn drop(&mut self) {
        self.shared.request_stop();
        server::wake(self.port);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
        self.shared.close_connections();
    }
}
