//! What every route works with: the request's context ([`Ctx`]: the world, the token
//! store, the request), what a route returns ([`Outcome`]), and Keycloak's stock errors.

use crate::model::tokens::TokenStore;
use crate::model::world::World;
use crate::wire::http::{Request, Response};
use std::sync::Mutex;

/// What a request is served against.
pub(crate) struct Ctx<'a> {
    pub world: &'a World,
    pub tokens: &'a Mutex<TokenStore>,
    pub req: &'a Request,
    /// Fault::RepeatFirstPage: treat `first` as 0.
    pub repeat_first: bool,
}

/// The response plus whether the request was authorized (for the log).
pub(crate) struct Outcome {
    pub response: Response,
    pub authorized: bool,
}

pub(crate) fn not_found() -> Response {
    Response::error(404, "Unable to find matching target resource method")
}

pub(crate) fn unauthorized() -> Response {
    Response::error(401, "HTTP 401 Unauthorized")
}

pub(crate) fn forbidden() -> Response {
    Response::error(403, "HTTP 403 Forbidden")
}

pub(crate) fn method_not_allowed() -> Response {
    Response::error(405, "HTTP 405 Method Not Allowed")
}
