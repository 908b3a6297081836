//! The service clients a fake knows: who may ask the token endpoint for a
//! client_credentials token, in which realm, and with which realm-management roles.

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
