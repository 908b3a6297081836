//! The connector's one error type. Every error knows which Airbyte `failure_type` it is
//! (config_error: the user must change something; transient_error: a retry may help;
//! system_error: a bug or an unexpected server answer) and carries a message written for
//! the person who has to act on it. Messages never contain tokens, secrets, request bodies
//! or full URLs with queries: they are built from the endpoint path and Keycloak's own
//! `error`/`errorMessage` text only.

use std::fmt;

/// Airbyte's `failure_type` of a TRACE ERROR message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureType {
    Config,
    Transient,
    System,
}

impl FailureType {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureType::Config => "config_error",
            FailureType::Transient => "transient_error",
            FailureType::System => "system_error",
        }
    }
}

#[derive(Debug)]
pub enum Error {
    /// Invalid config, catalog or state: the user must fix their input.
    Config(String),
    /// The token request was refused; the message says what to change in Keycloak or the config.
    Auth(String),
    /// Keycloak answered with an HTTP error status.
    Http {
        status: u16,
        path: String,
        detail: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<std::time::Duration>,
    },
    /// No usable answer: connection refused or reset, timeout, TLS failure.
    Transport { path: String, detail: String },
    /// A 2xx answer whose body is not the JSON we expect (a proxy's HTML page, a cut body).
    BadResponse { path: String, detail: String },
    /// The same page came back twice: the server ignores `first`, paging would never end.
    PagingLoop { path: String, first: usize },
    /// The list changed so much between two page requests that no row of the page
    /// before could be found again: reading on could skip rows.
    PagingShifted { path: String },
    /// A redirect the connector does not follow: any redirect of the token request (the
    /// client secret goes to one place only), and data calls to another origin (the
    /// token does not leave the server). `to` is the target without user info or query.
    Redirect {
        path: String,
        to: String,
        token_endpoint: bool,
    },
    /// An answer larger than `max_response_mb`.
    TooLarge { path: String, cap_mb: u64 },
    /// The account may not read what a stream needs, seen without a 403: a probe refused
    /// earlier, an empty client list (Keycloak 22–24 answer `200 []` without
    /// view-clients), a realm without its id (the public part any admin gets).
    RoleMissing { path: String, detail: String },
    /// The host closed stdout: end quietly.
    BrokenPipe,
    /// Anything else that is our fault.
    Internal(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The statuses a retry may cure (timeout, rate limit, server errors): the one table
/// of defaults behind both `failure_type` and `is_retryable`.
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

impl Error {
    pub fn failure_type(&self) -> FailureType {
        match self {
            Error::Config(_)
            | Error::Auth(_)
            | Error::Redirect { .. }
            | Error::TooLarge { .. }
            | Error::RoleMissing { .. } => FailureType::Config,
            Error::Http { status, .. } if is_transient_status(*status) => FailureType::Transient,
            Error::Http {
                status: 401 | 403 | 404,
                ..
            } => FailureType::Config,
            Error::Http { .. } => FailureType::System,
            Error::Transport { .. } | Error::BadResponse { .. } | Error::PagingShifted { .. } => {
                FailureType::Transient
            }
            Error::PagingLoop { .. } | Error::BrokenPipe | Error::Internal(_) => {
                FailureType::System
            }
        }
    }

    /// True when a retry of the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::BadResponse { .. } => true,
            Error::Http { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) | Error::Auth(m) | Error::Internal(m) => f.write_str(m),
            Error::Http {
                status,
                path,
                detail,
                ..
            } => {
                write!(f, "Keycloak answered HTTP {status} for GET {path}")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
                Ok(())
            }
            Error::Transport { path, detail } => {
                write!(
                    f,
                    "could not get an answer from Keycloak for {path}: {detail}"
                )
            }
            Error::BadResponse { path, detail } => write!(
                f,
                "Keycloak's answer for {path} is not the JSON expected ({detail}); a proxy or \
                 load balancer in front of Keycloak may have answered instead"
            ),
            Error::PagingLoop { path, first } => write!(
                f,
                "{path} returned the same page again at offset {first}: the server ignores \
                 the `first` paging parameter, so reading would never end; stopping"
            ),
            Error::PagingShifted { path } => write!(
                f,
                "{path} changed too much while it was read (rows before the current page were \
                 created or deleted faster than paging could follow), so rows could have been \
                 skipped; stopping this stream. A new sync will read it again"
            ),
            Error::Redirect {
                path,
                to,
                token_endpoint: true,
            } => write!(
                f,
                "the token endpoint {path} answered with a redirect to {to}; the connector \
                 never sends the client secret to a redirect target. Set server_url to the \
                 address where Keycloak itself answers (if a proxy redirects, use the address \
                 it redirects to)"
            ),
            Error::Redirect { path, to, .. } => write!(
                f,
                "Keycloak answered GET {path} with a redirect to another origin, {to}; it is \
                 not followed, so the access token and the data stay with the configured \
                 server. Set server_url to the address where Keycloak itself answers"
            ),
            Error::TooLarge { path, cap_mb } => write!(
                f,
                "Keycloak's answer for {path} is larger than {cap_mb} MiB (max_response_mb), so \
                 reading it was stopped. Lower page_size, or raise max_response_mb if the \
                 server really sends that much"
            ),
            Error::RoleMissing { path, detail } => {
                write!(f, "Keycloak did not let the account read {path} ({detail})")
            }
            Error::BrokenPipe => f.write_str("the host closed standard output"),
        }
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("JSON serialization failed: {e}"))
    }
}
