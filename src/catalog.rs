//! The configured catalog a host sends to `read`, parsed leniently: unknown keys are
//! ignored, `sync_mode: incremental` on a stream without a cursor is read as full
//! refresh, a stream listed twice is read once, an empty stream list reads nothing (exit
//! 0, with a warning). A stream this source does not have, or a
//! sync mode Airbyte does not define, is a config error before anything is read.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::streams::{self, STREAMS, Stream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    FullRefresh,
    Incremental,
}

#[derive(Debug)]
pub struct Configured {
    pub stream: &'static Stream,
    pub sync_mode: SyncMode,
}

#[derive(Debug)]
pub struct Catalog {
    pub streams: Vec<Configured>,
    /// Things worth a warning LOG that do not stop the read.
    pub warnings: Vec<String>,
}

pub fn parse(value: &Value) -> Result<Catalog> {
    let entries = value
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::Config(
                "the catalog has no `streams` list; pass a configured catalog \
                 ({\"streams\": [{\"stream\": {\"name\": ...}, \"sync_mode\": ...}]})"
                    .into(),
            )
        })?;
    let mut catalog = Catalog {
        streams: Vec::new(),
        warnings: Vec::new(),
    };
    if entries.is_empty() {
        catalog
            .warnings
            .push("the catalog selects no stream: nothing is read".to_string());
    }
    for (index, entry) in entries.iter().enumerate() {
        let name = entry
            .pointer("/stream/name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Config(format!("catalog entry {index} has no `stream.name`")))?;
        let stream = streams::find(name).ok_or_else(|| unknown_stream(name))?;
        let sync_mode = match entry.get("sync_mode").and_then(Value::as_str) {
            None | Some("full_refresh") => SyncMode::FullRefresh,
            Some("incremental") => SyncMode::Incremental,
            Some(other) => {
                return Err(Error::Config(format!(
                    "catalog entry for stream '{name}' has sync_mode '{other}'; use \
                     'full_refresh' or 'incremental'"
                )));
            }
        };
        if catalog.streams.iter().any(|c| c.stream.name == name) {
            catalog.warnings.push(format!(
                "stream '{name}' is listed twice in the catalog; reading it once"
            ));
            continue;
        }
        catalog.streams.push(Configured { stream, sync_mode });
    }
    Ok(catalog)
}

fn unknown_stream(name: &str) -> Error {
    let known: Vec<&str> = STREAMS.iter().map(|s| s.name).collect();
    Error::Config(format!(
        "the catalog names stream '{name}', which this source does not have; its streams \
         are: {}. Run discover again and rebuild the catalog",
        known.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_parse() {
        let c = parse(&json!({"streams": [
            {"stream": {"name": "users", "json_schema": {}}, "sync_mode": "incremental",
             "destination_sync_mode": "append", "extra": 1},
            {"stream": {"name": "users"}, "sync_mode": "full_refresh"},
            {"stream": {"name": "groups"}},
        ]}))
        .unwrap();
        let names: Vec<_> = c.streams.iter().map(|s| s.stream.name).collect();
        assert_eq!(names, ["users", "groups"]);
        assert_eq!(c.warnings.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn any_json_is_a_catalog_or_a_config_error(value in crate::arb::json()) {
            if let Err(e) = parse(&value) {
                proptest::prop_assert!(matches!(e, Error::Config(_)), "{e:?}");
            }
        }

        #[test]
        fn any_entry_in_a_streams_list(entries in proptest::collection::vec(
            crate::arb::json(), 0..5)) {
            let mut list = entries;
            list.push(json!({"stream": {"name": "users"}, "sync_mode": "incremental"}));
            let _ = parse(&json!({"streams": list}));
        }
    }

    #[test]
    fn unknown_stream_and_mode_are_errors() {
        let e = parse(&json!({"streams": [{"stream": {"name": "nope"}}]})).unwrap_err();
        assert!(e.to_string().contains("'nope'"));
        let e = parse(&json!({"streams": [{"stream": {"name": "users"}, "sync_mode": "cdc"}]}))
            .unwrap_err();
        assert!(e.to_string().contains("'cdc'"));
        assert!(parse(&json!([])).is_err());
    }
}
