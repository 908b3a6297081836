//! Request routing: strips the relative path, sends `/realms/...` to the public
//! endpoints (`public.rs`) and the token endpoint (`tokens.rs`), and
//! `/admin/realms/...` to the Admin API (`admin.rs`).

use super::context::{Ctx, Outcome, method_not_allowed, not_found};
use super::public::{discovery, realm_info};
use super::{admin, tokens};
use crate::wire::codec::percent_decode;
use crate::wire::http::Response;

/// Routes one request.
pub(crate) fn dispatch(ctx: &Ctx) -> Outcome {
    let bearer = tokens::valid_bearer(ctx.tokens, ctx.req);
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
                return tokens::token_endpoint(ctx, realm);
            }
        }
        ["realms", realm] => get_only(ctx, || realm_info(ctx, realm)),
        ["realms", realm, ".well-known", "openid-configuration"] => {
            get_only(ctx, || discovery(ctx, realm))
        }
        ["admin", "realms"] => admin::realm_list(ctx, bearer.as_ref()),
        ["admin", "realms", realm, rest @ ..] => admin::handle(ctx, bearer.as_ref(), realm, rest),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_path_must_be_a_whole_prefix() {
        assert_eq!(strip_relative("/auth/realms/a", "/auth"), Some("/realms/a"));
        assert_eq!(strip_relative("/authx/realms/a", "/auth"), None);
        assert_eq!(strip_relative("/realms/a", "/auth"), None);
        assert_eq!(strip_relative("/realms/a", ""), Some("/realms/a"));
    }
}
