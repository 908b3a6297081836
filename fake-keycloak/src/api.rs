//! Request routing: strips the relative path, sends `/realms/...` to the public
//! endpoints (realm info, discovery, token) and `/admin/realms/...` to
//! `admin.rs`; also the shared paging helpers and Keycloak's stock errors.

use crate::auth::{self, TokenStore};
use crate::http::{Request, Response, percent_decode};
use crate::state::World;
use serde_json::json;
use std::ops::Range;
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

/// Routes one request.
pub(crate) fn dispatch(ctx: &Ctx) -> Outcome {
    let bearer = auth::valid_bearer(ctx.tokens, ctx.req);
    let authorized = bearer.is_some();
    let Some(rest) = strip_relative(&ctx.req.path, &ctx.world.relative_path) else {
        return Outcome {
            response: not_found(),
            authorized,
        };
    };
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let response = match segs.as_slice() {
        ["realms", realm, "protocol", "openid-connect", "token"] => {
            if ctx.req.method != "POST" {
                method_not_allowed()
            } else {
                return auth::token_endpoint(ctx, realm);
            }
        }
        ["realms", realm] => get_only(ctx, || realm_info(ctx, realm)),
        ["realms", realm, ".well-known", "openid-configuration"] => {
            get_only(ctx, || discovery(ctx, realm))
        }
        ["admin", "realms"] => crate::admin::realm_list(ctx, bearer.as_ref()),
        ["admin", "realms", realm, rest @ ..] => {
            crate::admin::handle(ctx, bearer.as_ref(), realm, rest)
        }
        _ => not_found(),
    };
    Outcome {
        response,
        authorized,
    }
}

/// The path below the relative path, or `None` if it lacks the prefix.
fn strip_relative<'a>(path: &'a str, relative: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(relative)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

fn get_only(ctx: &Ctx, f: impl FnOnce() -> Response) -> Response {
    if ctx.req.method == "GET" {
        f()
    } else {
        method_not_allowed()
    }
}

fn realm_info(ctx: &Ctx, realm: &str) -> Response {
    if ctx.world.realm(realm).is_none() {
        return Response::error(404, "Realm does not exist");
    }
    let base = format!("{}/realms/{realm}", ctx.world.base_url);
    Response::json(
        200,
        &json!({
            "realm": realm, "public_key": public_key(realm),
            "token-service": format!("{base}/protocol/openid-connect"),
            "account-service": format!("{base}/account"), "tokens-not-before": 0,
        }),
    )
}

fn discovery(ctx: &Ctx, realm: &str) -> Response {
    if ctx.world.realm(realm).is_none() {
        return Response::error(404, "Realm does not exist");
    }
    let issuer = format!("{}/realms/{realm}", ctx.world.base_url);
    Response::json(
        200,
        &json!({
            "issuer": issuer,
            "token_endpoint": format!("{issuer}/protocol/openid-connect/token"),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }),
    )
}

/// A deterministic RSA-public-key-looking base64 string for `realm`.
fn public_key(realm: &str) -> String {
    let mut rng = crate::ids::SplitMix::new(crate::ids::fnv1a(realm.as_bytes()));
    let middle = rng.chars(crate::ids::BASE64, 342);
    format!("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA{middle}IDAQAB")
}

/// A `first`/`max` window over a stable order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub first: usize,
    /// `None`: everything from `first` on.
    pub max: Option<usize>,
}

impl Page {
    /// The index range [first, first+max) clipped to `len`.
    pub(crate) fn range(&self, len: usize) -> Range<usize> {
        let start = self.first.min(len);
        let end = match self.max {
            Some(max) => start.saturating_add(max).min(len),
            None => len,
        };
        start..end
    }
}

/// Reads `first` and `max` (default `default_max`); 400 if negative or not a number.
pub(crate) fn page(ctx: &Ctx, default_max: Option<usize>) -> Result<Page, Response> {
    let first = count_param(ctx.req, "first")?.unwrap_or(0);
    let max = count_param(ctx.req, "max")?.or(default_max);
    let first = if ctx.repeat_first { 0 } else { first };
    Ok(Page { first, max })
}

fn count_param(req: &Request, name: &str) -> Result<Option<usize>, Response> {
    match req.param(name).map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<usize>()
            .map(Some)
            .map_err(|_| Response::error(400, "invalid query")),
    }
}

/// A boolean query parameter ("true"/"false", any case), else `default`.
pub(crate) fn flag(req: &Request, name: &str, default: bool) -> bool {
    match req.param(name) {
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        _ => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_are_clipped_slices() {
        let p = |first, max| Page { first, max };
        assert_eq!(p(0, Some(100)).range(300), 0..100);
        assert_eq!(p(100, Some(100)).range(300), 100..200);
        assert_eq!(p(250, Some(100)).range(300), 250..300);
        assert_eq!(p(300, Some(100)).range(300), 300..300);
        assert_eq!(p(900, Some(10)).range(300), 300..300);
        assert_eq!(p(5, None).range(8), 5..8);
        assert_eq!(p(0, Some(0)).range(8), 0..0);
        assert_eq!(p(1, Some(usize::MAX)).range(8), 1..8);
    }

    #[test]
    fn relative_path_must_be_a_whole_prefix() {
        assert_eq!(strip_relative("/auth/realms/a", "/auth"), Some("/realms/a"));
        assert_eq!(strip_relative("/authx/realms/a", "/auth"), None);
        assert_eq!(strip_relative("/realms/a", "/auth"), None);
        assert_eq!(strip_relative("/realms/a", ""), Some("/realms/a"));
    }

    #[test]
    fn bad_paging_values_are_400() {
        let world = World {
            realms: vec![],
            clients: vec![],
            legacy_groups: false,
            token_lifetime_secs: 1,
            base_url: String::new(),
            relative_path: String::new(),
            legacy_idp_instances: false,
            legacy_idp_alias_filter: false,
            no_organizations_api: false,
            legacy_events: false,
            unstable_event_ties: false,
            log_endpoint: false,
            index: Default::default(),
        };
        let tokens = Mutex::new(TokenStore::new());
        for (q, ok) in [
            ("first=-1", false),
            ("max=abc", false),
            ("first=3&max=4", true),
        ] {
            let req = Request {
                query: crate::http::parse_pairs(q),
                ..Request::default()
            };
            let ctx = Ctx {
                world: &world,
                tokens: &tokens,
                req: &req,
                repeat_first: false,
            };
            assert_eq!(page(&ctx, Some(100)).is_ok(), ok, "{q}");
        }
    }
}
