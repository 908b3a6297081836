//! fake-keycloak: a local fake of Keycloak's token endpoint and Admin REST API
//! (as observed on Keycloak 26), with a hand-written HTTP/1.1 server so tests
//! can inject low-level faults. This file owns the public API: the
//! [`FakeKeycloak`] handle and the re-exported configuration and data types.
//!
//! Layers, each a folder; a layer uses only the layers below it (checked by the test
//! `layers` in `tests/it/`), and no two files import each other, even within a layer:
//!
//! - top: `lib.rs` (this handle and the re-exports), `config.rs` ([`FakeConfig`] and the
//!   sample configurations), `state.rs` (the world, tokens and hooks of a running fake,
//!   built from a config; the wire's handler, answering by the routes).
//! - `routes/`: Keycloak's endpoints. `router` (public, token or admin), `public`
//!   (realm info, discovery), `tokens` (token endpoint, bearer lookup), `admin`
//!   (401/404/403 checks, Admin API routing), one file per family (`realm`, `users`,
//!   `groups`, `roles`, `identity`, `activity`), and what they share (`context`:
//!   request context and stock errors; `params`: paging, flags, date bounds). Uses the
//!   model and the wire's message types.
//! - `sample/`: the sample realm (`realm`, `clients`, `roles`, `identity`,
//!   `activity`), the bench realm (`bench`) and the sample's names and secrets
//!   (`secrets`). Uses the model.
//! - `model/`: [`RealmData`], service clients, the served world, lookup tables
//!   (`index`), issued tokens, deterministic ids, dates arithmetic. Uses nothing above.
//! - `wire/`: HTTP/1.1 messages and codecs, TLS, the listener and connections
//!   (`server`, `shared`), one request's way through faults and the log (`exchange`),
//!   and the `Handler` it asks for answers (`handler`). Knows no model, no routes.
//! - `locks.rs`: non-poisoning locks, usable by every layer; uses nothing.

mod config;
mod locks;
mod model;
mod routes;
mod sample;
mod state;
mod wire;

pub use config::FakeConfig;
pub use model::clients::ServiceClient;
pub use model::realm::RealmData;
pub use model::tokens::TOKEN_PREFIX;
pub use sample::activity::SAMPLE_EPOCH_MS;
pub use sample::bench::{BENCH_CLIENTS, BENCH_GROUPS, BENCH_REALM_ROLES, bench_realm};
pub use sample::realm::sample_realm;
pub use sample::secrets::{
    BILLING_PRIVATE_KEY, BILLING_REGISTRATION_TOKEN, BILLING_SECRET, CORP_IDP_SECRET, CRM_SECRET,
    GITHUB_IDP_SECRET, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_REALM, SAMPLE_SECRETS,
    SMTP_PASSWORD,
};
pub use wire::faults::{Fault, FaultRule};
pub use wire::log::LoggedRequest;
pub use wire::tls::TlsIdentity;

use locks::{lock, read, write};
use state::{App, Hook};
use std::io;
use std::sync::Arc;
use wire::server::Server;

/// A running fake server on 127.0.0.1. Dropping it stops the server: the
/// listener closes, open connections are shut down and their threads joined.
pub struct FakeKeycloak {
    app: Arc<App>,
    server: Server,
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
        let bound = wire::server::bind(config.port, config.tls.as_ref())?;
        let log_endpoint = config.log_endpoint;
        let app = Arc::new(App::new(config, bound.port()));
        let server = bound.serve(Arc::clone(&app) as _, log_endpoint)?;
        Ok(FakeKeycloak { app, server })
    }

    /// "http://127.0.0.1:PORT" plus the relative path (e.g. "/auth").
    pub fn base_url(&self) -> String {
        read(&self.app.world).base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Adds a rule after the existing ones; the first matching rule with
    /// times left fires.
    pub fn push_fault(&self, rule: FaultRule) {
        self.server.push_fault(rule);
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
        lock(&self.app.hooks).push(Hook {
            path_contains: path_contains.to_string(),
            times,
            realm: realm.to_string(),
            change: Box::new(change),
        });
    }

    /// Builds the lookup tables every realm's requests use now, instead of at the first
    /// request that needs them (a benchmark's first stream would pay for them).
    pub fn prepare(&self) {
        let world = read(&self.app.world);
        for realm in &world.realms {
            world.index(realm);
        }
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.server.requests()
    }

    pub fn clear_requests(&self) {
        self.server.clear_requests();
    }

    /// The most requests served at the same time since start (or the last reset):
    /// whether a client's requests really overlap, counted, not timed.
    pub fn max_in_flight(&self) -> usize {
        self.server.max_in_flight()
    }

    pub fn reset_max_in_flight(&self) {
        self.server.reset_max_in_flight();
    }

    /// Every token issued so far stops working (401).
    pub fn revoke_tokens(&self) {
        lock(&self.app.tokens).revoke_all();
    }

    /// How many tokens were issued since start (revocation does not reset it).
    pub fn tokens_issued(&self) -> usize {
        lock(&self.app.tokens).issued()
    }

    /// Switches between legacy (Keycloak 22 and older) and modern groups.
    pub fn set_groups_legacy(&self, legacy: bool) {
        write(&self.app.world).legacy_groups = legacy;
    }

    /// Runs `f` on realm `name`'s data (None if there is no such realm).
    /// Requests wait while `f` runs; do not call back into `self` from `f`.
    pub fn with_realm_mut<R>(&self, name: &str, f: impl FnOnce(&mut RealmData) -> R) -> Option<R> {
        let mut world = write(&self.app.world);
        world.index.clear();
        world.realms.iter_mut().find(|r| r.name == name).map(f)
    }
}

impl Drop for FakeKeycloak {
    fn drop(&mut self) {
        self.server.stop();
    }
}
