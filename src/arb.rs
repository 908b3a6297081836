//! Arbitrary JSON for the property tests of every input parser: any shape, with keys
//! drawn mostly from the names the parsers look for, so deep paths get exercised.

use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "server_url",
    "realm",
    "client_id",
    "client_secret",
    "realms",
    "start_date",
    "page_size",
    "request_timeout_seconds",
    "max_retries",
    "max_concurrency",
    "max_response_mb",
    "ca_certificate",
    "tls_insecure_skip_verify",
    "include_admin_event_representation",
    "streams",
    "stream",
    "name",
    "sync_mode",
    "type",
    "state",
    "data",
    "global",
    "stream_states",
    "stream_descriptor",
    "stream_state",
    "shared_state",
    "access_token",
    "expires_in",
    "error",
    "error_description",
    "errorMessage",
    "users",
    "events",
    "time",
    "ids",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(KEYS).prop_map(|k| Value::String(k.to_string())),
        Just(Value::String("https://sso.example.com".into())),
        Just(Value::String("-----BEGIN CERTIFICATE-----\nAAAA\n".into())),
        Just(Value::String("2024-02-30T25:61:00Z".into())),
        Just(Value::String("incremental".into())),
        Just(Value::String("STREAM".into())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => ".{0,8}",
    ]
}

pub(crate) fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}
