//! The one place that strips secrets from records. Keycloak hands some secrets to
//! read-only admins in clear text (a client's `secret` up to 26.7) and masks others as
//! `**********`; neither the value nor the mask is ever emitted. Each rule has its own test.

use serde_json::{Map, Value};

/// Top-level fields of a client representation that are credentials.
const CLIENT_SECRET_FIELDS: &[&str] = &["secret", "registrationAccessToken"];

/// True for attribute or config keys whose value is a credential or key material.
/// "token" is not on the list: it would take `tokenUrl` and token lifespans with it.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "private", "password", "credential"]
        .iter()
        .any(|needle| key.contains(needle))
}

/// Removes every entry of an attribute/config map whose key looks secret, and any value
/// that is Keycloak's mask.
fn strip_map(map: &mut Map<String, Value>) {
    map.retain(|key, value| !is_secret_key(key) && !is_mask(value));
}

fn is_mask(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s == "**********")
}

/// A client representation without its secret, registration token and secret-looking
/// attributes.
pub fn strip_client(client: &mut Value) {
    let Some(obj) = client.as_object_mut() else {
        return;
    };
    for field in CLIENT_SECRET_FIELDS {
        obj.remove(*field);
    }
    if let Some(Value::Object(attributes)) = obj.get_mut("attributes") {
        strip_map(attributes);
    }
}

/// An identity provider without `clientSecret` or any other secret-looking config entry.
pub fn strip_identity_provider(idp: &mut Value) {
    if let Some(Value::Object(config)) = idp.get_mut("config") {
        strip_map(config);
    }
}

/// True for keys that hold a credential anywhere in a nested object: used for the realm
/// representation and admin event representations, where fields such as `passwordPolicy`
/// or `accessTokenLifespan` must stay, so the rule is narrower than `is_secret_key`.
fn is_secret_anywhere(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "password"
        || key.contains("secret")
        || key.contains("privatekey")
        || key.contains("private.key")
        || key.contains("credential")
        || key == "registrationaccesstoken"
}

/// Removes secrets at any depth of a JSON value: secret-looking keys (a `credentials`
/// list goes whole) and Keycloak's mask.
pub fn strip_deep(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, v| !is_secret_anywhere(key) && !is_mask(v));
            for v in map.values_mut() {
                strip_deep(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_deep),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stripped(v: Value) -> Value {
        let mut v = v;
        strip_client(&mut v);
        v
    }

    #[test]
    fn client_secret_is_removed() {
        assert_eq!(
            stripped(json!({"id": "1", "secret": "s3cret"})),
            json!({"id": "1"})
        );
    }

    #[test]
    fn masked_client_secret_is_removed() {
        assert_eq!(
            stripped(json!({"id": "1", "secret": "**********"})),
            json!({"id": "1"})
        );
    }

    #[test]
    fn registration_access_token_is_removed() {
        let v = stripped(json!({"id": "1", "registrationAccessToken": "eyJ..."}));
        assert_eq!(v, json!({"id": "1"}));
    }

    #[test]
    fn secret_and_private_attributes_are_removed() {
        let v = stripped(json!({"id": "1", "attributes": {
            "client.secret.creation.time": "1718000000",
            "jwt.credential.private.key": "MIIE",
            "saml.signing.private.key": "MIIE",
            "client.secret.rotated": "old",
            "post.logout.redirect.uris": "+",
        }}));
        assert_eq!(
            v,
            json!({"id": "1", "attributes": {"post.logout.redirect.uris": "+"}})
        );
    }

    #[test]
    fn masked_attribute_values_are_removed() {
        let v = stripped(json!({"id": "1", "attributes": {"x": "**********", "y": "ok"}}));
        assert_eq!(v, json!({"id": "1", "attributes": {"y": "ok"}}));
    }

    #[test]
    fn identity_provider_client_secret_is_removed() {
        let mut idp = json!({"alias": "corp", "config": {"clientId": "x",
            "clientSecret": "idp-s3cret", "jwtX509HeadersEnabled": "false"}});
        strip_identity_provider(&mut idp);
        assert_eq!(
            idp,
            json!({"alias": "corp", "config": {"clientId": "x",
            "jwtX509HeadersEnabled": "false"}})
        );
    }

    #[test]
    fn identity_provider_urls_are_kept() {
        let mut idp = json!({"config": {"tokenUrl": "https://idp/token", "clientSecret": "s"}});
        strip_identity_provider(&mut idp);
        assert_eq!(idp, json!({"config": {"tokenUrl": "https://idp/token"}}));
    }

    #[test]
    fn masked_identity_provider_secret_is_removed() {
        let mut idp = json!({"alias": "corp", "config": {"clientSecret": "**********"}});
        strip_identity_provider(&mut idp);
        assert_eq!(idp, json!({"alias": "corp", "config": {}}));
    }

    #[test]
    fn smtp_password_is_removed_and_policies_kept() {
        let mut realm = json!({"realm": "acme", "passwordPolicy": "length(8)",
            "accessTokenLifespan": 300, "smtpServer": {"host": "mail", "password": "pw",
            "auth": "true"}});
        strip_deep(&mut realm);
        assert_eq!(
            realm,
            json!({"realm": "acme", "passwordPolicy": "length(8)",
            "accessTokenLifespan": 300, "smtpServer": {"host": "mail", "auth": "true"}})
        );
    }

    #[test]
    fn component_credentials_and_keys_are_removed_at_any_depth() {
        let mut v = json!({"components": [{"config": {"bindCredential": ["x"],
            "privateKey": ["MIIE"], "certificate": ["MIIC"]}}], "clientSecret": "s",
            "masked": "**********"});
        strip_deep(&mut v);
        assert_eq!(
            v,
            json!({"components": [{"config": {"certificate": ["MIIC"]}}]})
        );
    }

    #[test]
    fn other_fields_are_kept() {
        let v = json!({"id": "1", "clientId": "app", "publicClient": false, "newField": [1]});
        assert_eq!(stripped(v.clone()), v);
    }
}
