//! The one place that strips secrets from records. Keycloak hands some secrets to
//! read-only admins in clear text (a client's `secret` up to 26.7) and masks others as
//! `**********`; neither the value nor the mask is ever emitted. Each rule has its own test.

use serde_json::{Map, Value};

/// Top-level fields of a client representation that are credentials.
const CLIENT_SECRET_FIELDS: &[&str] = &["secret", "registrationAccessToken"];

/// True for attribute or config keys whose value is a credential or key material.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "private", "password", "credential", "token"]
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
    fn other_fields_are_kept() {
        let v = json!({"id": "1", "clientId": "app", "publicClient": false, "newField": [1]});
        assert_eq!(stripped(v.clone()), v);
    }
}
