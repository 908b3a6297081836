//! Lists under a realm: the paging helpers every reader uses (`each`, `each_row`,
//! `each_spliced`, `list`) and the table's list streams as data (`List`).

use serde_json::Value;

use super::status::{OnStatus, not_served};
use super::{Ctx, End, Shape};
use crate::error::{Error, Result};
use crate::http::Row;
use crate::record::{Record, splice};

/// A list stream.
#[derive(Debug)]
pub struct List {
    pub path: &'static [&'static str],
    pub query: &'static [(&'static str, &'static str)],
    /// Paged with `first`/`max`, or one answer (the endpoint ignores them).
    pub paged: bool,
    pub shape: Shape,
    /// What statuses mean for this stream, beyond the defaults (`status`).
    pub status: &'static [OnStatus],
    /// An empty answer means the account lacks the stream's role (Keycloak 22–24 answer
    /// `GET /clients` with `200 []` without view-clients; every realm has clients).
    pub empty_is_missing: bool,
}

/// Reads a list stream in one realm.
pub(crate) fn read(
    ctx: &Ctx,
    list: &List,
    emit: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<End> {
    let realm = ctx.realm;
    let mut count = 0u64;
    let mut counted = |record: Record| {
        count += 1;
        emit(record)
    };
    let result = match (list.paged, list.shape) {
        (true, Shape::Drop(drop)) => {
            each_spliced(ctx, list.path, list.query, drop, &[], &mut counted)
        }
        (true, Shape::Tree(shape)) => each(ctx, segs(list.path), list.query, &mut |mut item| {
            shape(&mut item);
            counted(with_realm(item, realm).into())
        }),
        (false, shape) => list_with(ctx, list.path, list.query).and_then(|items| {
            items.into_iter().try_for_each(|mut item| {
                match shape {
                    Shape::Tree(shape) => shape(&mut item),
                    Shape::Drop(drop) => {
                        if let Some(obj) = item.as_object_mut() {
                            obj.retain(|k, _| !drop.contains(&k.as_str()));
                        }
                    }
                }
                counted(with_realm(item, realm).into())
            })
        }),
    };
    if let Err(e) = &result
        && let Some(why) = not_served(list.status, e, realm)
    {
        return Ok(End::NotServed(why));
    }
    result?;
    if count == 0 && list.empty_is_missing {
        return Err(Error::RoleMissing {
            path: format!("/admin/realms/{realm}/{}", list.path.join("/")),
            detail: "Keycloak listed nothing where every realm has something".into(),
        });
    }
    Ok(End::Done)
}

/// Drops `access` (see `ACCESS`) from a tree.
pub(crate) fn drop_access(item: &mut Value) {
    if let Some(obj) = item.as_object_mut() {
        obj.remove("access");
    }
}

/// Adds the realm name to a record.
pub(crate) fn with_realm(mut item: Value, realm: &str) -> Value {
    if let Some(obj) = item.as_object_mut() {
        obj.insert("realm".into(), Value::String(realm.to_string()));
    }
    item
}

/// Path segments as owned strings, for the pager.
pub(crate) fn segs(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Calls `f` with every item of a paged list, in order. The first page is read here; if
/// more follow, a second thread runs the pager (fetching and parsing the next page) while
/// this one hands the current page to `f`, at most one page ahead (a channel of one), so
/// the server's and the connector's work overlap. The requests and their order are the
/// pager's, unchanged; an error of either side ends the list (the pager's is returned in
/// its place, after the items before it); the scope joins the pager before returning.
pub(crate) fn each(
    ctx: &Ctx,
    segments: Vec<String>,
    query: &[(&'static str, &str)],
    f: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    each_row(ctx, segments, query, f)
}

/// `each` with rows of any kind: trees, or raw text for `splice`.
pub(crate) fn each_row<R: Row>(
    ctx: &Ctx,
    segments: Vec<String>,
    query: &[(&'static str, &str)],
    f: &mut dyn FnMut(R) -> Result<()>,
) -> Result<()> {
    let query = query.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let mut pages = ctx.client.pages(ctx.realm, segments, query);
    let Some(first) = pages.next() else {
        return Ok(());
    };
    let first = first?;
    if pages.finished() {
        // One page (most lists of a fan-out): no thread.
        return first.into_iter().try_for_each(f);
    }
    std::thread::scope(|scope| {
        let pages = if ctx.fetch_ahead {
            pages.fetch_ahead(scope)
        } else {
            pages
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<R>>>(1);
        scope.spawn(move || {
            for page in pages {
                if tx.send(page).is_err() {
                    break;
                }
            }
        });
        first.into_iter().try_for_each(&mut *f)?;
        for page in rx {
            page?.into_iter().try_for_each(&mut *f)?;
        }
        Ok(())
    })
}

/// An unpaged list endpoint's items.
pub(crate) fn list_with(ctx: &Ctx, path: &[&str], query: &[(&str, &str)]) -> Result<Vec<Value>> {
    let query: Vec<(&str, String)> = query.iter().map(|(k, v)| (*k, v.to_string())).collect();
    match ctx.client.get_admin(ctx.realm, path, &query)? {
        Value::Array(items) => Ok(items),
        _ => Err(Error::BadResponse {
            path: format!("/admin/realms/{}/{}", ctx.realm, path.join("/")),
            detail: "expected a JSON array".into(),
        }),
    }
}

/// A string field of a JSON object, or "".
pub(crate) fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Every row of a paged list as a record: spliced text, less `drop`, plus `realm` and
/// `add`. Used by the table's `Shape::Drop` lists and the full read of `users`.
pub(crate) fn each_spliced(
    ctx: &Ctx,
    path: &[&str],
    query: &[(&'static str, &str)],
    drop: &[&str],
    add: &[(&str, &str)],
    emit: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<()> {
    let mut fields = vec![("realm", ctx.realm)];
    fields.extend_from_slice(add);
    each_row(
        ctx,
        segs(path),
        query,
        &mut |row: crate::record::RawObject| emit(splice(&row, drop, &fields)),
    )
}
