//! What the wire asks of whatever answers its requests (the routes, in this crate), so
//! that the wire needs nothing from the layers above it.

use super::http::{Request, Response};

/// A request's normal answer.
pub(crate) struct Served {
    pub response: Response,
    /// Whether the request was authorized (for the log): a valid bearer token, or at the
    /// token endpoint valid client credentials that got a token.
    pub authorized: bool,
}

pub(crate) trait Handler: Send + Sync {
    /// Runs for each request (except the log endpoint's) before its fault is chosen: the
    /// data-change hooks.
    fn before(&self, req: &Request);

    /// The normal answer. `repeat_first`: a `Fault::RepeatFirstPage` fired, so paged
    /// endpoints serve the page that starts at 0 whatever `first` says.
    fn serve(&self, req: &Request, repeat_first: bool) -> Served;

    /// Whether the request carries a currently valid bearer token (logged when a fault
    /// answers instead of [`Handler::serve`]).
    fn authorized(&self, req: &Request) -> bool;
}
