//! Config: raw JSON → validated against `spec.json` (all violations at once, each with its
//! field path, values masked so a secret in a wrong field is never echoed) → typed `Config`.
//! Explicit nulls count as absent, unknown keys are ignored, as real hosts send both.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The connector's spec, embedded so the binary is self-contained.
pub const SPEC_JSON: &str = include_str!("../spec.json");

pub fn spec() -> Value {
    // The file is part of the build and tested; a parse failure is a build defect.
    serde_json::from_str(SPEC_JSON).unwrap_or_else(|_| Value::Object(Map::new()))
}

/// A string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**********)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**********")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL without a trailing slash, e.g. `https://sso.example.com/auth`.
    pub server_url: String,
    pub realm: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Realms to read; `None` means just `realm`, `Some(["*"])` every visible realm.
    pub realms: Option<Vec<String>>,
    pub include_admin_event_representation: bool,
    /// `start_date` as epoch milliseconds.
    pub start_ms: Option<i64>,
    pub page_size: usize,
    pub request_timeout_seconds: u64,
    pub max_retries: u32,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &str) -> Result<Config> {
        let raw = read_json_file(path, "config")?;
        Config::from_value(raw)
    }

    pub fn from_value(raw: Value) -> Result<Config> {
        let Value::Object(map) = raw else {
            return Err(Error::Config(
                "the config must be a JSON object with server_url, realm, client_id and \
                 client_secret"
                    .into(),
            ));
        };
        // Hosts send explicit nulls for unset optional fields: treat them as absent.
        let map: Map<String, Value> = map.into_iter().filter(|(_, v)| !v.is_null()).collect();
        let value = Value::Object(map);
        validate(&value)?;
        let str_field = |k: &str| value[k].as_str().unwrap_or_default().trim().to_string();
        let num_field = |k: &str, default: u64| value[k].as_u64().unwrap_or(default);
        let server_url = str_field("server_url").trim_end_matches('/').to_string();
        if reqwest::Url::parse(&server_url).is_err() {
            return Err(Error::Config(
                "config field `server_url` is not a valid URL; use a form like \
                 https://sso.example.com"
                    .into(),
            ));
        }
        let start_ms = match value["start_date"].as_str() {
            None => None,
            Some(text) => Some(crate::time::parse_instant(text).ok_or_else(|| {
                Error::Config(
                    "config field `start_date` is not a date; use 2024-01-31 or \
                     2024-01-31T12:00:00Z"
                        .into(),
                )
            })?),
        };
        Ok(Config {
            server_url,
            start_ms,
            realm: str_field("realm"),
            client_id: str_field("client_id"),
            // Secrets are taken verbatim: whitespace may be part of them.
            client_secret: Secret::new(value["client_secret"].as_str().unwrap_or_default()),
            realms: value["realms"].as_array().map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(|r| r.trim().to_string())
                    .collect()
            }),
            include_admin_event_representation: value["include_admin_event_representation"]
                .as_bool()
                .unwrap_or(false),
            page_size: num_field("page_size", 100) as usize,
            request_timeout_seconds: num_field("request_timeout_seconds", 60),
            max_retries: num_field("max_retries", 5) as u32,
        })
    }
}

fn validate(value: &Value) -> Result<()> {
    let validator = jsonschema::draft7::new(&spec())
        .map_err(|e| Error::Internal(format!("spec.json is not a valid schema: {e}")))?;
    let problems: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let path = e.instance_path().to_string();
            let field = if path.is_empty() || path == "/" {
                "(top level)".to_string()
            } else {
                format!("`{}`", path.trim_start_matches('/').replace('/', "."))
            };
            format!("{field}: {}", e.masked())
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the config is invalid ({} problem{}): {}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        problems.join("; ")
    )))
}

/// Reads a JSON file given on the command line, with a message that names its role.
pub fn read_json_file(path: &str, what: &str) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read the {what} file {path}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!(
            "the {what} file {path} is not valid JSON (line {}, column {}): fix its syntax",
            e.line(),
            e.column()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"server_url": "https://sso.example.com/", "realm": "acme",
               "client_id": "c", "client_secret": "hunter2-secret"})
    }

    #[test]
    fn defaults_and_trailing_slash() {
        let c = Config::from_value(base()).unwrap();
        assert_eq!(c.server_url, "https://sso.example.com");
        assert_eq!(
            (c.page_size, c.request_timeout_seconds, c.max_retries),
            (100, 60, 5)
        );
    }

    #[test]
    fn nulls_and_unknown_keys_are_accepted() {
        let mut v = base();
        v["page_size"] = Value::Null;
        v["something_new"] = json!(1);
        assert_eq!(Config::from_value(v).unwrap().page_size, 100);
    }

    #[test]
    fn every_violation_is_reported_with_its_field() {
        let v = json!({"server_url": "ftp:/x", "realm": "", "page_size": "ten",
                       "client_secret": 5});
        let msg = Config::from_value(v).unwrap_err().to_string();
        for needle in [
            "client_id",
            "`server_url`",
            "`realm`",
            "`page_size`",
            "`client_secret`",
        ] {
            assert!(msg.contains(needle), "{needle} missing in {msg}");
        }
    }

    #[test]
    fn secret_values_are_masked_in_errors() {
        let mut v = base();
        v["client_secret"] = json!(["hunter2-secret"]);
        let msg = Config::from_value(v).unwrap_err().to_string();
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn secret_debug_prints_nothing() {
        let c = Config::from_value(base()).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
