//! The data model of one realm: [`RealmData`], every list the Admin API serves for it,
//! each in the stable order paging slices over.

use serde_json::Value;

/// Everything the admin API serves for one realm. Lists are in a stable order
/// (the order paging slices over).
#[derive(Debug, Clone, PartialEq)]
pub struct RealmData {
    pub name: String,
    pub id: String,
    /// What `GET /admin/realms/{realm}` returns.
    pub representation: Value,
    /// Full user representations.
    pub users: Vec<Value>,
    /// Flat list; each has id, name, path, parentId (null at top level),
    /// attributes, realmRoles, clientRoles.
    pub groups: Vec<Value>,
    /// (group_id, user_id) pairs: direct memberships.
    pub members: Vec<(String, String)>,
    /// Realm roles, full representation.
    pub roles: Vec<Value>,
    /// Full client representations, secrets in clear as Keycloak returns them.
    pub clients: Vec<Value>,
    /// Client roles of every client, full representation (`clientRole: true`,
    /// `containerId` = the client's `id`, `attributes`), by client then name.
    pub client_roles: Vec<Value>,
    /// (composite role id, child role id): the direct children of composite
    /// roles, realm and client roles alike. A role's `composite` flag is true
    /// exactly when it has children here.
    pub composites: Vec<(String, String)>,
    /// (user id, role id): direct role mappings of users, realm and client
    /// roles (not via groups or composites). Every sample user has
    /// `default-roles-<realm>`.
    pub user_role_mappings: Vec<(String, String)>,
    /// (group id, role id): direct role mappings of groups, what
    /// `/groups/{id}/role-mappings` serves. In the sample each group's
    /// `realmRoles`/`clientRoles` (served by `/groups/{id}`) agree with it.
    pub group_role_mappings: Vec<(String, String)>,
    /// Client scopes, full representation (`/client-scopes`, not paged).
    pub client_scopes: Vec<Value>,
    /// Identity providers, full representation with `config.clientSecret` in
    /// clear (Keycloak would mask it).
    pub identity_providers: Vec<Value>,
    /// (user id, link): federated identity links, each
    /// `{"identityProvider", "userId", "userName"}`, by user then provider.
    pub federated_identities: Vec<(String, Value)>,
    /// Online user sessions, as `/clients/{id}/user-sessions` shows them; a
    /// session belongs to every client in its `clients` map (uuid → clientId).
    pub user_sessions: Vec<Value>,
    /// Offline sessions, same shape as `user_sessions`.
    pub offline_sessions: Vec<Value>,
    /// Organizations, full representation (with `attributes`).
    pub organizations: Vec<Value>,
    /// (organization id, user id, membershipType "MANAGED"/"UNMANAGED").
    pub organization_members: Vec<(String, String, String)>,
    /// User events in full form (with `id`), oldest first.
    pub events: Vec<Value>,
    /// Admin events in full form (with `id`), oldest first.
    pub admin_events: Vec<Value>,
    /// Components (`/components?type=…`), e.g. user storage providers (LDAP); none in
    /// the sample.
    pub components: Vec<Value>,
    /// Credentials, lockouts, consents, flows, keys, mappers, invitations.
    pub security: crate::model::security::Security,
}
