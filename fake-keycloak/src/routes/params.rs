//! Query parameters as the Admin API reads them: `first`/`max` paging (400 if negative
//! or not a number), boolean flags, repeatable parameters, and the `dateFrom`/`dateTo`
//! bounds of the event endpoints: `yyyy-MM-dd` (a whole UTC day, inclusive) or, since
//! Keycloak 26.2, epoch milliseconds (inclusive); legacy servers accept dates only.

use super::context::Ctx;
use crate::model::dates::{DAY_MS, parse_day};
use crate::wire::http::{Request, Response};
use std::ops::Range;

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

/// Every value of a repeatable query parameter.
pub(crate) fn params<'a>(ctx: &'a Ctx, name: &str) -> Vec<&'a str> {
    ctx.req
        .query
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Which end of the range a parameter bounds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    From,
    To,
}

/// The inclusive bound given by `dateFrom` (End::From) or `dateTo` (End::To),
/// or Keycloak's 400.
pub(crate) fn bound(req: &Request, end: End, legacy: bool) -> Result<Option<i64>, Response> {
    let (param, label) = match end {
        End::From => ("dateFrom", "Date(From)"),
        End::To => ("dateTo", "Date(To)"),
    };
    let Some(raw) = req.param(param).map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Some(day) = parse_day(raw) {
        return Ok(Some(match end {
            End::From => day,
            End::To => day + DAY_MS - 1,
        }));
    }
    let is_ms = raw.len() <= 15 && raw.bytes().all(|c| c.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(ms) if is_ms && !legacy => Ok(Some(ms)),
        _ if legacy => Err(Response::error(
            400,
            &format!("Invalid value for '{label}', must be formatted as yyyy-MM-dd"),
        )),
        _ => Err(Response::error(
            400,
            &format!(
                "Invalid value for '{label}', must be formatted as yyyy-MM-dd or epoch milliseconds"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tokens::TokenStore;
    use crate::model::world::World;
    use crate::wire::codec::parse_pairs;
    use std::sync::Mutex;

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
            index: Default::default(),
        };
        let tokens = Mutex::new(TokenStore::new());
        for (q, ok) in [
            ("first=-1", false),
            ("max=abc", false),
            ("first=3&max=4", true),
        ] {
            let req = Request {
                query: parse_pairs(q),
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
