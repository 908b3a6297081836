//! The world a running fake serves: its realms' data, the service clients, and the
//! settings fixed at start (except `legacy_groups`), with the lookup tables over the
//! realms that whoever changes them clears.

use crate::model::clients::ServiceClient;
use crate::model::index::{IndexCache, RealmIndex};
use crate::model::realm::RealmData;
use std::sync::Arc;

/// The data served, and settings fixed at start (except `legacy_groups`).
#[derive(Debug)]
pub(crate) struct World {
    pub realms: Vec<RealmData>,
    pub clients: Vec<ServiceClient>,
    pub legacy_groups: bool,
    pub token_lifetime_secs: u64,
    /// "http://127.0.0.1:PORT" plus the relative path.
    pub base_url: String,
    pub relative_path: String,
    /// Compatibility switches, as in `FakeConfig`.
    pub legacy_idp_instances: bool,
    pub legacy_idp_alias_filter: bool,
    pub no_organizations_api: bool,
    pub legacy_events: bool,
    pub unstable_event_ties: bool,
    /// Lookup tables over `realms`; whoever changes `realms` clears them.
    pub index: IndexCache,
}

impl World {
    pub(crate) fn realm(&self, name: &str) -> Option<&RealmData> {
        self.realms.iter().find(|r| r.name == name)
    }

    /// The lookup tables of `realm` (built on first use).
    pub(crate) fn index(&self, realm: &RealmData) -> Arc<RealmIndex> {
        self.index.get(realm)
    }

    pub(crate) fn client(&self, realm: &str, client_id: &str) -> Option<&ServiceClient> {
        self.clients
            .iter()
            .find(|c| c.realm == realm && c.client_id == client_id)
    }
}
