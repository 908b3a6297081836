//! What the server answered, made safe to tell: bodies parsed (in place, a row limit
//! where paging asks for one) or described without echoing them, Keycloak's own error
//! text bounded and cleaned, transport failures and redirects named by path and origin
//! only (never a URL with a query or user info in it).

use reqwest::blocking::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::header;
use crate::error::{Error, Result};
/// Where a redirect points, as `scheme://host:port/path`: without user info, query or
/// fragment (they may carry anything), and at most 200 characters.
pub(super) fn redirect_target(response: &Response) -> String {
    let Some(location) = header(response, "location") else {
        return "an address it did not name".into();
    };
    let Ok(mut url) = response.url().join(&location) else {
        return "an address that is not a URL".into();
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    let text = url.to_string();
    if text.chars().count() > 200 {
        text.chars().take(200).chain("…".chars()).collect()
    } else {
        text
    }
}

/// A failed read of a body, with the path only (reqwest's own text names the URL).
pub(super) fn read_error(path: &str, e: &std::io::Error) -> Error {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>()) {
        return transport_error(path, inner);
    }
    let detail = if e.kind() == std::io::ErrorKind::TimedOut {
        "the request timed out (see request_timeout_seconds)"
    } else {
        "the connection broke while reading the answer"
    };
    Error::Transport {
        path: path.to_string(),
        detail: detail.into(),
    }
}

/// A body as JSON. Parsed in place, without a copy. UTF-8 is checked once for the whole
/// body (fast), so the parser does not check each raw value it keeps again (the profile
/// of the benchmark showed both costs). A body that is not UTF-8 is read through its
/// lossy decoding.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8], path: &str) -> Result<T> {
    parse_with(bytes, path, |text| serde_json::from_str(text))
}

/// `parse_json` with a parser of one's own (a page with a row limit).
pub(crate) fn parse_with<T>(
    bytes: &[u8],
    path: &str,
    parse: impl FnOnce(&str) -> serde_json::Result<T>,
) -> Result<T> {
    let body = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    parse(&body).map_err(|e| Error::BadResponse {
        path: path.to_string(),
        detail: describe_bad_body(&body, &e),
    })
}

/// What went wrong with a body, without echoing it (it may be large or sensitive).
fn describe_bad_body(body: &str, e: &serde_json::Error) -> String {
    let start = body.trim_start();
    if start.starts_with('<') {
        "got an HTML page".to_string()
    } else if e.is_eof() {
        format!("the body ends early, after {} bytes", body.len())
    } else if e.is_data() && e.to_string().contains("asked for (max)") {
        // Our own limit of rows per page. (Other data errors quote the server's values,
        // which are not echoed.)
        e.to_string()
    } else if e.is_data() {
        format!("unexpected JSON at line {} column {}", e.line(), e.column())
    } else {
        format!("invalid JSON at line {} column {}", e.line(), e.column())
    }
}

/// Keycloak's own explanation from an error body: `errorMessage`, `error_description`
/// or `error`; anything else is summarised, not echoed. It is the server's text, so it
/// is data: at most 300 characters of each, control characters (terminal escapes, line
/// breaks that would forge log lines) made spaces, and redacted by the writers like
/// everything else (it may echo what we sent).
pub(crate) fn keycloak_detail(body: &str) -> String {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return if body.trim().is_empty() {
            String::new()
        } else {
            "the error body is not JSON".to_string()
        };
    };
    let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    let mut parts: Vec<String> = Vec::new();
    for key in ["error", "error_description", "errorMessage"] {
        if let Some(text) = field(key) {
            let text: String = text
                .chars()
                .take(300)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if !parts.contains(&text) {
                parts.push(text);
            }
        }
    }
    parts.join(": ")
}

pub(super) fn transport_error(path: &str, e: &reqwest::Error) -> Error {
    // reqwest's Display includes the URL; ours carry only the path, and the cause chain.
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes
        .iter()
        .any(|c| c.to_ascii_lowercase().contains("certificate"))
    {
        // Not transient: retrying cannot make an untrusted certificate trusted.
        return Error::Config(format!(
            "the TLS certificate of the Keycloak server is not trusted ({path}: {}). If the \
             server uses a certificate from a private CA, put that CA's certificate (PEM) in \
             ca_certificate; check that server_url names the host the certificate was issued \
             for",
            causes
                .last()
                .map(String::as_str)
                .unwrap_or("certificate rejected")
        ));
    }
    let mut detail = if e.is_timeout() {
        "the request timed out (see request_timeout_seconds)".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the answer".to_string()
    } else {
        "the request failed".to_string()
    };
    for cause in causes {
        detail.push_str(": ");
        detail.push_str(&cause);
    }
    Error::Transport {
        path: path.to_string(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keycloak_detail_picks_keycloak_fields_only() {
        assert_eq!(
            keycloak_detail(r#"{"error":"invalid_grant","error_description":"x"}"#),
            "invalid_grant: x"
        );
        assert_eq!(
            keycloak_detail("<html>secret page</html>"),
            "the error body is not JSON"
        );
        assert_eq!(keycloak_detail("  "), "");
        assert_eq!(keycloak_detail(r#"{"other":"echo me"}"#), "");
    }

    proptest! {
        #[test]
        fn keycloak_detail_never_panics_and_is_bounded(body in ".{0,400}") {
            let detail = keycloak_detail(&body);
            prop_assert!(detail.chars().count() <= 3 * 300 + 4);
        }

        #[test]
        fn keycloak_detail_on_any_json(value in crate::arb::json()) {
            let _ = keycloak_detail(&value.to_string());
        }

        #[test]
        fn bad_bodies_are_described_without_echoing_them(body in ".{0,200}") {
            if let Err(e) = serde_json::from_str::<Value>(&body) {
                let text = describe_bad_body(&body, &e);
                prop_assert!(body.len() < 12 || !text.contains(body.as_str()));
            }
        }
    }
}
