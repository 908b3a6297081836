//! The sample realm's clients: Keycloak 26's built-in clients plus the sample
//! applications (billing-app, crm, login-app, web-spa) and service clients,
//! and [`sync_client`], which makes the list agree with the configured
//! [`ServiceClient`]s.

use super::secrets::{
    BILLING_PRIVATE_KEY, BILLING_REGISTRATION_TOKEN, BILLING_SECRET, CRM_SECRET, SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
};
use crate::model::clients::ServiceClient;
use crate::model::ids::{fnv1a, uuid};
use crate::model::json::set;
use crate::model::realm::RealmData;
use serde_json::{Value, json};

/// The internal id (uuid) of client `client_id` in `realm`'s sample.
pub(crate) fn client_uuid(realm: &str, client_id: &str) -> String {
    uuid(realm, "client", fnv1a(client_id.as_bytes()))
}

/// A client representation with Keycloak 26's default fields.
pub(crate) fn base_client(realm: &str, client_id: &str, name: &str) -> Value {
    json!({
        "id": client_uuid(realm, client_id),
        "clientId": client_id, "name": name,
        "surrogateAuthRequired": false, "enabled": true, "alwaysDisplayInConsole": false,
        "clientAuthenticatorType": "client-secret", "redirectUris": [], "webOrigins": [],
        "notBefore": 0, "bearerOnly": false, "consentRequired": false,
        "standardFlowEnabled": true, "implicitFlowEnabled": false,
        "directAccessGrantsEnabled": false, "serviceAccountsEnabled": false,
        "publicClient": true, "frontchannelLogout": true, "protocol": "openid-connect",
        "attributes": {}, "authenticationFlowBindingOverrides": {}, "fullScopeAllowed": true,
        "nodeReRegistrationTimeout": 0,
        "defaultClientScopes": ["web-origins", "acr", "profile", "roles", "basic", "email"],
        "optionalClientScopes": ["address", "phone", "offline_access", "organization", "microprofile-jwt"],
        "access": {"view": true, "configure": true, "manage": true},
    })
}

fn with(mut v: Value, fields: Value) -> Value {
    if let Value::Object(extra) = fields {
        for (k, val) in extra {
            set(&mut v, &k, val);
        }
    }
    v
}

/// The sample clients, ordered by clientId as Keycloak lists them.
pub(crate) fn sample_clients(realm: &str) -> Vec<Value> {
    let account = format!("/realms/{realm}/account/");
    vec![
        with(
            base_client(realm, "account", "${client_account}"),
            json!({
            "rootUrl": "${authBaseUrl}", "baseUrl": account,
            "redirectUris": [format!("/realms/{realm}/account/*")]}),
        ),
        with(
            base_client(realm, "account-console", "${client_account-console}"),
            json!({
            "rootUrl": "${authBaseUrl}", "baseUrl": account,
            "redirectUris": [format!("/realms/{realm}/account/*")],
            "attributes": {"post.logout.redirect.uris": "+", "pkce.code.challenge.method": "S256"}}),
        ),
        with(
            base_client(realm, "admin-cli", "${client_admin-cli}"),
            json!({
            "standardFlowEnabled": false, "directAccessGrantsEnabled": true}),
        ),
        billing_app(realm),
        with(
            base_client(realm, "broker", "${client_broker}"),
            json!({
            "bearerOnly": true, "publicClient": false}),
        ),
        with(
            base_client(realm, "crm", "CRM"),
            json!({
            "publicClient": false, "secret": CRM_SECRET, "rootUrl": "https://crm.example.com",
            "redirectUris": ["https://crm.example.com/*"],
            "attributes": {"client.secret.creation.time": "1718000000"}}),
        ),
        with(
            base_client(realm, "login-app", "Login App"),
            json!({
            "rootUrl": "https://login.example.com", "redirectUris": ["https://login.example.com/*"],
            "webOrigins": ["+"], "attributes": {"pkce.code.challenge.method": "S256"}}),
        ),
        with(
            base_client(realm, "realm-management", "${client_realm-management}"),
            json!({
            "bearerOnly": true, "publicClient": false}),
        ),
        with(
            base_client(
                realm,
                "security-admin-console",
                "${client_security-admin-console}",
            ),
            json!({
            "rootUrl": "${authAdminUrl}", "baseUrl": format!("/admin/{realm}/console/"),
            "redirectUris": [format!("/admin/{realm}/console/*")], "webOrigins": ["+"]}),
        ),
        service_client_rep(realm, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, true),
        with(
            base_client(realm, "web-spa", "Web SPA"),
            json!({
            "rootUrl": "https://spa.example.com", "redirectUris": ["https://spa.example.com/*"],
            "webOrigins": ["+"]}),
        ),
    ]
}

fn billing_app(realm: &str) -> Value {
    with(
        base_client(realm, "billing-app", "Billing — Rechnungen"),
        json!({
        "publicClient": false, "secret": BILLING_SECRET,
        "registrationAccessToken": BILLING_REGISTRATION_TOKEN,
        "redirectUris": ["https://billing.example.com/*"],
        "attributes": {
            "client.secret.creation.time": "1718000000",
            "jwt.credential.private.key": BILLING_PRIVATE_KEY,
            "post.logout.redirect.uris": "+",
            "backchannel.logout.session.required": "true",
        }}),
    )
}

/// A confidential (or service-account) client as the admin API shows it.
fn service_client_rep(realm: &str, client_id: &str, secret: &str, service_account: bool) -> Value {
    with(
        base_client(realm, client_id, client_id),
        json!({
        "publicClient": false, "secret": secret, "standardFlowEnabled": false,
        "serviceAccountsEnabled": service_account,
        "attributes": {"client.secret.creation.time": "1718000000"}}),
    )
}

/// Makes the realm's client list agree with a configured service client:
/// same clientId, secret, public flag and service-account flag.
pub(crate) fn sync_client(realm: &mut RealmData, sc: &ServiceClient) {
    let existing = realm
        .clients
        .iter_mut()
        .find(|c| c["clientId"].as_str() == Some(sc.client_id.as_str()));
    let Some(rep) = existing else {
        let rep = if sc.public {
            base_client(&realm.name, &sc.client_id, &sc.client_id)
        } else {
            service_client_rep(&realm.name, &sc.client_id, &sc.secret, sc.service_account)
        };
        realm.clients.push(rep);
        return;
    };
    set(rep, "publicClient", json!(sc.public));
    set(rep, "serviceAccountsEnabled", json!(sc.service_account));
    if sc.public {
        if let Some(map) = rep.as_object_mut() {
            map.remove("secret");
        }
    } else {
        set(rep, "secret", json!(sc.secret));
    }
}
