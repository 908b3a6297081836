//! The one HTTP layer. It owns the reqwest client (one, reused: keep-alive), the token
//! (`auth.rs`), retries (`retry.rs`) and offset paging (`paging.rs`). Streams ask for JSON
//! by path segments and never see reqwest, URLs or tokens.
//!
//! Retries: 429, 408, 5xx, connection errors, timeouts and non-JSON 2xx bodies are retried
//! with exponential backoff and jitter, honouring `Retry-After`; a 401 on a data call gets
//! one new token and one more try (client-credentials tokens cannot be refreshed, and a
//! revoked or expired one only shows as a 401).
//!
//! Every byte of an answer is untrusted. The token request never follows a redirect (the
//! client secret goes to one place only); data calls follow redirects within the
//! configured origin only. An answer is read up to `max_response_mb` and within
//! `request_timeout_seconds` of its headers, whatever its Content-Length says; a page may
//! not hold more rows than asked for; path segments taken from the server's data cannot
//! climb out of their path.

mod answers;
mod auth;
mod page;
mod paging;
mod retry;

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client as Reqwest, ClientBuilder, RequestBuilder, Response};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::redact::Secret;

pub(crate) use answers::{keycloak_detail, parse_json, parse_with};
use answers::{read_error, redirect_target, transport_error};
pub(crate) use paging::MAX_OFFSET;
pub use paging::{Pager, Row};
pub use retry::RetryPolicy;

/// What the HTTP layer needs to know: where the server is, who signs in, and the
/// limits of every request. Built from the config (`Config::client_settings`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL without a trailing slash.
    pub server_url: String,
    /// The realm the token is requested in.
    pub realm: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub page_size: usize,
    pub request_timeout: Duration,
    pub max_retries: u32,
    /// The first backoff delay (1 s; tests make it short).
    pub retry_base_delay: Duration,
    /// The largest answer read, in MiB.
    pub max_response_mb: u64,
    /// PEM certificates of a private CA, trusted besides the system roots.
    pub ca_certificate: Option<String>,
    pub tls_insecure_skip_verify: bool,
}

pub struct Client {
    /// Data calls: redirects followed within the configured origin only.
    http: Reqwest,
    /// Token requests: no redirect is ever followed.
    token_http: Reqwest,
    base: Url,
    /// The largest answer read, in bytes, and how long reading one may take.
    max_body: usize,
    timeout: Duration,
    auth: auth::TokenSource,
    retry: RetryPolicy,
    page_size: usize,
    requests: AtomicU64,
}

impl Client {
    pub fn new(config: &Settings) -> Result<Client> {
        let base = Url::parse(&config.server_url)
            .map_err(|_| Error::Config("config field `server_url` is not a valid URL".into()))?;
        let origin = base.origin();
        let same_origin = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if attempt.url().origin() == origin {
                attempt.follow()
            } else {
                // Handed back as the 3xx answer: `read_body` makes it an Error::Redirect.
                attempt.stop()
            }
        });
        let build = |builder: ClientBuilder| {
            builder
                .build()
                .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))
        };
        Ok(Client {
            http: build(client_builder(config)?.redirect(same_origin))?,
            token_http: build(client_builder(config)?.redirect(reqwest::redirect::Policy::none()))?,
            base,
            max_body: usize::try_from(config.max_response_mb.saturating_mul(1 << 20))
                .unwrap_or(usize::MAX),
            timeout: config.request_timeout,
            auth: auth::TokenSource::new(config),
            retry: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
            },
            page_size: config.page_size,
            requests: AtomicU64::new(0),
        })
    }

    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// HTTP requests sent so far (data and token requests, retries included).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `{server_url}/{segments...}`, each segment percent-encoded. Segments come from
    /// the server's data too (ids): one that is empty, `.` or `..` would change which
    /// endpoint is asked, and is refused.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url> {
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(Error::BadResponse {
                path: format!("/{}", segments.join("/")),
                detail: format!(
                    "an id in Keycloak's data is {:?}, which is not a path segment",
                    bad
                ),
            });
        }
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        Ok(url)
    }

    /// Makes sure a token can be had: the credentials check of `check` and `read`.
    pub fn authenticate(&self) -> Result<()> {
        self.auth.token(self).map(|_| ())
    }

    /// GET `{server_url}/admin/realms/{realm}/{segments...}?{query}` as JSON.
    pub fn get_admin(
        &self,
        realm: &str,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Value> {
        self.get_admin_as(realm, segments, query)
    }

    /// `get_admin`, parsed into `T` (a page of raw rows, for instance).
    pub fn get_admin_as<T: DeserializeOwned>(
        &self,
        realm: &str,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        self.get_as(&admin_path(realm, segments), query)
    }

    /// GET `{server_url}/{segments...}?{query}` as JSON.
    pub fn get(&self, segments: &[&str], query: &[(&str, String)]) -> Result<Value> {
        self.get_as(segments, query)
    }

    /// GET `{server_url}/{segments...}?{query}` parsed into `T`, with token, retries and
    /// one re-authentication after a 401.
    pub fn get_as<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        self.get_with(segments, query, |body, path| parse_json(&body, path))
    }

    /// `get_admin` with a parser of the caller's (retried like a JSON error when it fails).
    pub(crate) fn get_admin_parsed<T>(
        &self,
        realm: &str,
        segments: &[&str],
        query: &[(&str, String)],
        parse: impl Fn(Vec<u8>, &str) -> Result<T>,
    ) -> Result<T> {
        self.get_with(&admin_path(realm, segments), query, parse)
    }

    /// A successful answer's body, unparsed (retried like `get_as`, except that a body
    /// which is not JSON is only found out by whoever parses it).
    pub fn get_admin_body(
        &self,
        realm: &str,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Vec<u8>> {
        self.get_with(&admin_path(realm, segments), query, |body, _| Ok(body))
    }

    /// GET with token, retries and one re-authentication after a 401; `parse` turns a
    /// 2xx body into `T` (its errors are retried too: a cut or garbled body).
    fn get_with<T>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        parse: impl Fn(Vec<u8>, &str) -> Result<T>,
    ) -> Result<T> {
        let url = self.url(segments)?;
        let path = url.path().to_string();
        let get = |token: &str| self.http.get(url.clone()).bearer_auth(token).query(query);
        let send = |token: &str| {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let response = get(token).send().map_err(|e| transport_error(&path, &e))?;
            parse(self.read_body(response, &path)?, &path)
        };
        self.retry.run(|| {
            let token = self.auth.token(self)?;
            match send(&token) {
                Err(Error::Http { status: 401, .. }) => {
                    // Revoked or expired early: one new token, one more try; a second 401
                    // is final (the client lost its access).
                    self.auth.invalidate(&token);
                    let token = self.auth.token(self)?;
                    send(&token)
                }
                other => other,
            }
        })
    }

    /// Paged GET: `first`/`max` offsets with an explicit `max` on every request.
    pub fn pages<'a, R: Row>(
        &'a self,
        realm: &'a str,
        segments: Vec<String>,
        query: Vec<(&'static str, String)>,
    ) -> Pager<'a, R> {
        Pager::new(self, realm, segments, query, self.page_size)
    }

    /// Sends one request and returns status and the raw body, for callers that interpret
    /// error answers themselves (the token endpoint, URL probing). A redirect is an error
    /// that names its target: the token client follows none.
    fn send_raw(&self, request: RequestBuilder, path: &str) -> Result<(StatusCode, String)> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().map_err(|e| transport_error(path, &e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(Error::Redirect {
                path: path.to_string(),
                to: redirect_target(&response),
                token_endpoint: true,
            });
        }
        // A token answer (or a probe's) is small: a larger one is not Keycloak's.
        let body = self.read_capped(response, path, self.max_body.min(1 << 20))?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    /// The body of a 2xx answer, or the typed error of any other.
    fn read_body(&self, response: Response, path: &str) -> Result<Vec<u8>> {
        let status = response.status();
        if status.is_redirection() {
            // Only a redirect out of the configured origin reaches here (see `new`).
            return Err(Error::Redirect {
                path: path.to_string(),
                to: redirect_target(&response),
                token_endpoint: false,
            });
        }
        let retry_after = header(&response, "retry-after");
        let bytes = self.read_capped(response, path, self.max_body)?;
        if !status.is_success() {
            return Err(Error::Http {
                status: status.as_u16(),
                path: path.to_string(),
                detail: keycloak_detail(&String::from_utf8_lossy(&bytes)),
                retry_after: retry_after.as_deref().and_then(retry::parse_retry_after),
            });
        }
        Ok(bytes)
    }

    /// Reads a body up to `cap` bytes and within `timeout` (each read is bounded by
    /// reqwest's timeout, the whole by this deadline, so a server that trickles bytes
    /// cannot hold a request open). Content-Length is only a hint for the first buffer.
    fn read_capped(&self, mut response: Response, path: &str, cap: usize) -> Result<Vec<u8>> {
        let started = Instant::now();
        let hint = response
            .content_length()
            .map_or(16 * 1024, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let mut body = Vec::with_capacity(hint.min(cap).min(4 << 20));
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match response.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(path, &e)),
            };
            if n == 0 {
                return Ok(body);
            }
            if body.len() + n > cap {
                return Err(Error::TooLarge {
                    path: path.to_string(),
                    cap_mb: (cap >> 20).max(1) as u64,
                });
            }
            body.extend_from_slice(&chunk[..n]);
            if started.elapsed() > self.timeout {
                return Err(Error::Transport {
                    path: path.to_string(),
                    detail: "the answer did not arrive within request_timeout_seconds".into(),
                });
            }
        }
    }
}

/// A reqwest client with the config's TLS settings, timeouts and user agent.
fn client_builder(config: &Settings) -> Result<ClientBuilder> {
    let mut builder = Reqwest::builder()
        .timeout(config.request_timeout)
        .connect_timeout(config.request_timeout.min(Duration::from_secs(30)))
        .user_agent(concat!("source-keycloak/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &config.ca_certificate {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| {
            Error::Config("config field `ca_certificate` is not a PEM certificate".into())
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if config.tls_insecure_skip_verify {
        builder = builder.danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

/// `admin/realms/{realm}/{segments...}`.
fn admin_path<'s>(realm: &'s str, segments: &[&'s str]) -> Vec<&'s str> {
    let mut all = vec!["admin", "realms", realm];
    all.extend_from_slice(segments);
    all
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
