//! Config: raw JSON → validated against `spec.json` (all violations at once, each with its
//! field path, values masked so a secret in a wrong field is never echoed) → typed `Config`.
//! Explicit nulls count as absent, unknown keys are ignored, as real hosts send both.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
pub use crate::redact::Secret;

/// The connector's spec, embedded so the binary is self-contained.
pub const SPEC_JSON: &str = include_str!("../spec.json");

/// The spec as JSON. The file is part of the build and tested; if it does not parse,
/// that is a build defect, and every command says so (`check_embedded`) instead of
/// accepting any config.
pub fn spec() -> Result<Value> {
    serde_json::from_str(SPEC_JSON)
        .map_err(|e| Error::Internal(format!("the embedded spec.json is not valid JSON: {e}")))
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
    /// Parents (groups, roles, clients…) a fan-out stream reads side by side, 1–16.
    pub max_concurrency: usize,
    /// The largest answer read from the server, in MiB.
    pub max_response_mb: u64,
    /// PEM certificates of a private CA, trusted besides the system roots.
    pub ca_certificate: Option<String>,
    /// Accept any server certificate (explicit opt-in; every command warns).
    pub tls_insecure_skip_verify: bool,
    /// The first backoff delay of a retried request (then doubled). Not a config key:
    /// `RETRY_BASE_DELAY`, or what `Options` sets (tests that want fast retries).
    pub retry_base_delay: std::time::Duration,
}

/// The first backoff delay of a retried request: 1 s, then 2 s, 4 s…
pub const RETRY_BASE_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

impl Config {
    /// Reads and validates a config file.
    /// Reads and validates a config file, and registers its secret with the redaction
    /// point (`crate::redact`): from here on it never leaves the process.
    pub fn load(path: &str) -> Result<Config> {
        let raw = read_json_file(path, "config")?;
        let config = Config::from_value(raw)?;
        crate::redact::register(config.client_secret.expose());
        crate::redact::register_basic(&config.client_id, config.client_secret.expose());
        Ok(config)
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
        let Ok(url) = reqwest::Url::parse(&server_url) else {
            return Err(Error::Config(
                "config field `server_url` is not a valid URL; use a form like \
                 https://sso.example.com"
                    .into(),
            ));
        };
        // Credentials in the URL would be sent as Basic auth on every request and echoed
        // wherever the URL is; the connector authenticates with the client only.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(
                "config field `server_url` contains a user name or password (user:pass@host); \
                 the connector signs in with client_id and client_secret only: remove them \
                 from server_url"
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
        let ca_certificate = match value["ca_certificate"].as_str().map(str::trim) {
            None | Some("") => None,
            Some(pem) => {
                check_pem(pem)?;
                Some(pem.to_string())
            }
        };
        Ok(Config {
            ca_certificate,
            tls_insecure_skip_verify: value["tls_insecure_skip_verify"].as_bool().unwrap_or(false),
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
            max_concurrency: num_field("max_concurrency", 4) as usize,
            max_response_mb: num_field("max_response_mb", 64),
            retry_base_delay: RETRY_BASE_DELAY,
        })
    }
}

impl Config {
    /// The HTTP layer's settings.
    pub fn client_settings(&self) -> crate::http::Settings {
        crate::http::Settings {
            server_url: self.server_url.clone(),
            realm: self.realm.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            page_size: self.page_size,
            request_timeout: std::time::Duration::from_secs(self.request_timeout_seconds),
            max_retries: self.max_retries,
            retry_base_delay: self.retry_base_delay,
            max_response_mb: self.max_response_mb,
            ca_certificate: self.ca_certificate.clone(),
            tls_insecure_skip_verify: self.tls_insecure_skip_verify,
        }
    }

    /// Things about the config a person should hear about in every command.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.tls_insecure_skip_verify {
            warnings.push(
                "tls_insecure_skip_verify is on: the Keycloak server's TLS certificate is not \
                 verified, so anyone between this machine and the server could read the client \
                 secret, the tokens and the data. Put the server's CA certificate in \
                 ca_certificate and turn this off"
                    .to_string(),
            );
        }
        if self.server_url.starts_with("http://") && !is_loopback(&self.server_url) {
            warnings.push(
                "server_url uses plain http: the client secret, the tokens and the data cross \
                 the network unencrypted; use https"
                    .to_string(),
            );
        }
        warnings
    }
}

fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]")
}

/// `ca_certificate` must hold at least one PEM certificate that parses.
fn check_pem(pem: &str) -> Result<()> {
    let bad = || {
        Error::Config(
            "config field `ca_certificate` is not a PEM certificate: paste the CA's \
             certificate including the -----BEGIN CERTIFICATE----- and -----END \
             CERTIFICATE----- lines"
                .into(),
        )
    };
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(bad());
    }
    match reqwest::Certificate::from_pem_bundle(pem.as_bytes()) {
        Ok(certs) if !certs.is_empty() => Ok(()),
        _ => Err(bad()),
    }
}

fn validate(value: &Value) -> Result<()> {
    let validator = jsonschema::draft7::new(&spec()?)
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
    fn max_concurrency_defaults_to_four_and_takes_1_to_16() {
        assert_eq!(Config::from_value(base()).unwrap().max_concurrency, 4);
        for ok in [1, 16] {
            let mut v = base();
            v["max_concurrency"] = json!(ok);
            assert_eq!(Config::from_value(v).unwrap().max_concurrency, ok);
        }
        let mut v = base();
        v["max_concurrency"] = Value::Null;
        assert_eq!(Config::from_value(v).unwrap().max_concurrency, 4);
        for bad in [json!(0), json!(17), json!(-1), json!(2.5), json!("4")] {
            let mut v = base();
            v["max_concurrency"] = bad.clone();
            let msg = Config::from_value(v).unwrap_err().to_string();
            assert!(msg.contains("`max_concurrency`"), "{bad}: {msg}");
        }
        let mut v = base();
        v["max_concurrency"] = json!(0);
        let msg = Config::from_value(v).unwrap_err().to_string();
        assert!(msg.contains("minimum of 1"), "{msg}");
        let mut v = base();
        v["max_concurrency"] = json!(17);
        let msg = Config::from_value(v).unwrap_err().to_string();
        assert!(msg.contains("maximum of 16"), "{msg}");
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

    proptest::proptest! {
        #[test]
        fn any_json_is_a_config_or_a_config_error(value in crate::arb::json()) {
            match Config::from_value(value) {
                Ok(_) => {}
                Err(Error::Config(message)) => proptest::prop_assert!(!message.is_empty()),
                Err(other) => proptest::prop_assert!(false, "not a config error: {other:?}"),
            }
        }

        #[test]
        fn any_value_in_any_field_of_a_valid_config(
            field in proptest::sample::select(arb_fields()),
            value in crate::arb::json(),
        ) {
            let mut config = base();
            config[field] = value;
            let _ = Config::from_value(config);
        }
    }

    fn arb_fields() -> Vec<&'static str> {
        spec().expect("spec.json parses")["properties"]
            .as_object()
            .map(|p| p.keys().map(|k| &*k.clone().leak()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn secret_debug_prints_nothing() {
        let c = Config::from_value(base()).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
