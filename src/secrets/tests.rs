//! One test per rule of the secrets policy, and a property test that the text scan
//! (`needs_tree`) never lets through a record the tree rule would change.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn cleaned(v: Value) -> Value {
    let mut record = Record::Tree(v);
    apply(Policy::Rule, &mut record);
    record.to_value()
}

#[test]
fn client_secret_and_registration_token_are_removed() {
    assert_eq!(
        cleaned(json!({"id": "1", "secret": "s3cret", "registrationAccessToken": "eyJ"})),
        json!({"id": "1"})
    );
}

#[test]
fn masked_values_are_removed_anywhere() {
    assert_eq!(
        cleaned(
            json!({"id": "1", "secret": "**********", "attributes": {"x": "**********",
            "y": "ok"}, "list": ["**********", "a"]})
        ),
        json!({"id": "1", "attributes": {"y": "ok"}, "list": ["a"]})
    );
}

#[test]
fn secret_and_private_attributes_are_removed_and_token_settings_kept() {
    let v = cleaned(json!({"id": "1", "attributes": {
        "client.secret.creation.time": "1718000000",
        "jwt.credential.private.key": "MIIE",
        "jwt.credential.certificate": "MIIC",
        "saml.signing.private.key": "MIIE",
        "client.secret.rotated": "old",
        "post.logout.redirect.uris": "+",
        "use.refresh.tokens": "true",
        "access.token.lifespan": "300",
    }}));
    assert_eq!(
        v,
        json!({"id": "1", "attributes": {"post.logout.redirect.uris": "+",
            "use.refresh.tokens": "true", "access.token.lifespan": "300"}})
    );
}

#[test]
fn identity_provider_client_secret_is_removed_and_urls_kept() {
    assert_eq!(
        cleaned(json!({"alias": "corp", "config": {"clientId": "x",
            "clientSecret": "idp-s3cret", "tokenUrl": "https://idp/token",
            "jwtX509HeadersEnabled": "false"}})),
        json!({"alias": "corp", "config": {"clientId": "x", "tokenUrl": "https://idp/token",
            "jwtX509HeadersEnabled": "false"}})
    );
}

#[test]
fn realm_secrets_go_and_policies_stay() {
    let realm = json!({"realm": "acme", "passwordPolicy": "length(8)",
        "accessTokenLifespan": 300, "revokeRefreshToken": false,
        "smtpServer": {"host": "mail", "password": "pw", "auth": "true"},
        "keystorePassword": "ks", "keyPassword": "kp", "privateKey": "MIIE",
        "private_key": "MIIE", "bindCredential": "b", "apiKey": "a", "passphrase": "p",
        "webAuthnPolicyPasswordlessRpEntityName": "keycloak",
        "disableableCredentialTypes": []});
    assert_eq!(
        cleaned(realm),
        json!({"realm": "acme", "passwordPolicy": "length(8)", "accessTokenLifespan": 300,
            "revokeRefreshToken": false, "smtpServer": {"host": "mail", "auth": "true"},
            "webAuthnPolicyPasswordlessRpEntityName": "keycloak",
            "disableableCredentialTypes": []})
    );
}

#[test]
fn component_credentials_and_keys_are_removed_at_any_depth() {
    let v = json!({"components": {"k": [{"config": {"bindCredential": ["x"],
        "privateKey": ["MIIE"], "certificate": ["MIIC"], "keySize": ["2048"]}}]},
        "clientSecret": "s"});
    assert_eq!(
        cleaned(v),
        json!({"components": {"k": [{"config": {"certificate": ["MIIC"],
            "keySize": ["2048"]}}]}})
    );
}

#[test]
fn private_members_of_a_json_web_key_are_removed() {
    let jwk = json!({"keys": [{"kty": "RSA", "kid": "k1", "n": "PUBN", "e": "AQAB",
        "d": "D", "p": "P", "q": "Q", "dp": "DP", "dq": "DQ", "qi": "QI"},
        {"kty": "oct", "k": "SYM"}], "d": "not a jwk member"});
    assert_eq!(
        cleaned(jwk),
        json!({"keys": [{"kty": "RSA", "kid": "k1", "n": "PUBN", "e": "AQAB"},
            {"kty": "oct"}], "d": "not a jwk member"})
    );
}

#[test]
fn a_credential_loses_its_value() {
    assert_eq!(
        cleaned(json!({"credentials": null, "reset": {"type": "password",
            "value": "hunter2", "temporary": false}, "value": "kept: no type beside it"})),
        json!({"credentials": null, "reset": {"type": "password", "temporary": false},
            "value": "kept: no type beside it"})
    );
}

#[test]
fn what_is_nested_too_deep_is_dropped_and_counted() {
    let mut deep = json!({"password": "bottom"});
    for _ in 0..MAX_DEPTH + 5 {
        deep = json!({"a": deep});
    }
    let mut record = Record::Tree(json!({"id": "1", "deep": deep}));
    let report = apply(Policy::Rule, &mut record);
    assert_eq!(report.unchecked, 1);
    assert!(!record.to_value().to_string().contains("bottom"));
}

#[test]
fn embedded_json_is_cleaned_or_dropped() {
    let policy = Policy::Embedded(&["representation"]);
    let mut deep = String::from(r#"{"password":"p3"}"#);
    for _ in 0..200 {
        deep = format!("{{\"a\":{deep}}}");
    }
    let cases = [
        (
            json!(r#"{"clientId":"x","secret":"s1"}"#),
            json!(r#"{"clientId":"x"}"#),
            0,
        ),
        (
            json!({"clientId": "x", "secret": "s1"}),
            json!(r#"{"clientId":"x"}"#),
            0,
        ),
        (json!(r#"{"secret":"s2""#), Value::Null, 1),
        (json!(deep), Value::Null, 1),
        (
            json!(r#"{"type":"password","value":"s4"}"#),
            json!(r#"{"type":"password"}"#),
            0,
        ),
        (json!(17), Value::Null, 1),
        (Value::Null, Value::Null, 0),
    ];
    for (representation, expected, unchecked) in cases {
        let mut record = Record::Tree(json!({"id": "e", "representation": representation}));
        let report = apply(policy, &mut record);
        assert_eq!(record.to_value()["representation"], expected);
        assert_eq!(report.unchecked, unchecked);
    }
}

#[test]
fn other_fields_are_kept() {
    let v = json!({"id": "1", "clientId": "app", "publicClient": false, "newField": [1],
        "tokenUrl": "https://x", "token_id": "t1", "refresh_token_type": "Refresh"});
    assert_eq!(cleaned(v.clone()), v);
}

#[test]
fn key_words() {
    assert_eq!(words("keyPassword"), ["key", "password"]);
    assert_eq!(words("APIKey"), ["api", "key"]);
    assert_eq!(
        words("jwt.credential.private_key"),
        ["jwt", "credential", "private", "key"]
    );
    for secret in [
        "secret",
        "clientSecret",
        "keystorepassword",
        "API_KEY",
        "x-api-key",
        "bindCredential",
        "refresh_token",
        "userPwd",
        "hashedSaltedValue",
        "salt",
        "client.secret.creation.time",
        "disableableCredentialTypes",
    ] {
        assert!(is_secret_key(secret), "{secret}");
    }
    for plain in [
        "passwordPolicy",
        "tokenUrl",
        "passwordless",
        "accessTokenLifespan",
        "token_id",
        "apiVersion",
        "keyAlias",
        "kid",
        "username",
        "refresh_token_type",
    ] {
        assert!(!is_secret_key(plain), "{plain}");
    }
}

#[test]
fn text_records_are_scanned_and_cleaned_only_when_needed() {
    let plain = r#"{"id":"u1","username":"tokenmaster","requiredActions":["UPDATE_PASSWORD"],"disableableCredentialTypes":[],"attributes":{"api":["x"]}}"#;
    assert!(!needs_tree(plain));
    let mut record = Record::Text(plain.into());
    assert_eq!(apply(Policy::Rule, &mut record), Report::default());
    assert_eq!(record, Record::Text(plain.into()));
    for dirty in [
        r#"{"id":"u1","attributes":{"api_token":["t"]}}"#,
        r#"{"id":"u1","attributes":{"x":["**********"]}}"#,
        r#"{"id":"u1","attributes":{"pass\u0077ord":["t"]}}"#,
        r#"{"id":"u1","k":{"kty":"RSA","d":"x"}}"#,
    ] {
        assert!(needs_tree(dirty), "{dirty}");
        let mut record = Record::Text(dirty.into());
        apply(Policy::Rule, &mut record);
        assert_eq!(record.to_value()["id"], "u1");
        let out = record.to_value().to_string();
        assert!(
            !out.contains("\"t\"") && !out.contains("**") && !out.contains("\"d\""),
            "{out}"
        );
    }
    let deep = format!(
        "{{\"id\":\"u1\",\"x\":{}1{}}}",
        "[".repeat(300),
        "]".repeat(300)
    );
    assert!(needs_tree(&deep));
    let mut record = Record::Text(deep);
    assert_eq!(apply(Policy::Rule, &mut record).unchecked, 1);
    assert_eq!(record.to_value(), json!({"id": "u1"}));
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["id", "password", "clientSecret", "kty", "d", "type",
            "value", "passwordPolicy", "tokenUrl", "API_KEY", "x", "attributes", "token_id",
            "disableableCredentialTypes", "client.secret.rotated", "Token"])
            .prop_map(str::to_string),
        1 => "[a-zA-Z_.]{0,10}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(json!("")),
        Just(json!("true")),
        Just(json!(MASK)),
        Just(json!("password")),
        ".{0,8}".prop_map(Value::String),
    ]
}

fn record() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn the_text_scan_never_misses_what_the_tree_rule_removes(
        fields in prop::collection::vec((key(), record()), 0..6)
    ) {
        let value = Value::Object(fields.into_iter().collect());
        let text = value.to_string();
        let mut tree = Record::Tree(value.clone());
        let tree_report = apply(Policy::Rule, &mut tree);
        if !needs_tree(&text) {
            prop_assert_eq!(tree_report, Report::default(), "{}", text);
        }
        let mut as_text = Record::Text(text);
        apply(Policy::Rule, &mut as_text);
        prop_assert_eq!(as_text.to_value(), tree.to_value());
    }
}
