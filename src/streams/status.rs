//! Status policy as data: what an HTTP status of one of a stream's requests means for
//! that stream, beyond the defaults every request has (`crate::error`: 401 re-authenticates
//! once, 408/429/5xx are retried, 403 names the missing roles, the rest fail the stream).

use crate::error::Error;

/// A status that is not an error for a stream.
#[derive(Debug, Clone, Copy)]
pub struct OnStatus {
    pub status: u16,
    /// Which request: the stream's own list (for a child stream, the parents' list), or a
    /// parent's children.
    pub of: Of,
    pub then: Then,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    List,
    Children,
}

#[derive(Debug, Clone, Copy)]
pub enum Then {
    /// The parent vanished during the read (deleted between its listing and the read of
    /// its children): it has no children to emit.
    SkipParent,
    /// The server does not serve the stream here (a feature that is off, an endpoint
    /// this version lacks): a warning with the reason made from Keycloak's detail and the
    /// realm, not an error.
    NotServed(fn(&str, &str) -> String),
}

/// The rule of `rules` for an error of a request of kind `of`, if there is one.
pub(crate) fn rule(rules: &[OnStatus], of: Of, e: &Error) -> Option<Then> {
    let status = e.status()?;
    rules
        .iter()
        .find(|r| r.status == status && r.of == of)
        .map(|r| r.then)
}

/// `rule` turned into the stream's end: `Some(reason)` when the server does not serve
/// the stream, per `rules`.
pub(crate) fn not_served(rules: &[OnStatus], e: &Error, realm: &str) -> Option<String> {
    match (rule(rules, Of::List, e), e) {
        (Some(Then::NotServed(why)), Error::Http { detail, .. }) => Some(why(detail, realm)),
        _ => None,
    }
}
