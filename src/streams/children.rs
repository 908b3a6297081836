//! Child streams as data (`Children`): the children of every row of a parent list
//! (`Parents`), read by the one fan-out engine (`fanout::fan_out`: up to
//! `max_concurrency` parents side by side, records in parent order, the first error
//! ends the stream after the records before it). A child stream says where a parent
//! row's children are, how its answer holds them, how one (parent, child) pair becomes
//! a record, and which statuses are not errors (`OnStatus`).

use serde_json::Value;

use super::fanout::fan_out;
use super::lists::list_with;
use super::parents::{Parents, each_parent};
use super::status::{Of, OnStatus, Then, not_served, rule};
use super::{Ctx, Emit, End, each, with_realm};
use crate::error::Result;

/// A child stream.
#[derive(Debug)]
pub struct Children {
    pub parents: Parents,
    /// The children's path under the realm, from a parent row.
    pub path: fn(&Value) -> Vec<String>,
    pub query: &'static [(&'static str, &'static str)],
    pub answer: Answer,
    /// The record of one child of one parent (the engine adds `realm`).
    pub record: fn(&Value, Value) -> Value,
    /// What statuses mean for this stream, beyond the defaults (`status`).
    pub status: &'static [OnStatus],
}

/// How the answer for one parent holds its children.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// A list paged with `first`/`max`.
    Paged,
    /// A list the endpoint does not page.
    List,
    /// An object: the children are picked out of it.
    Pick(fn(Value) -> Vec<Value>),
}

/// Reads a child stream in one realm.
pub(crate) fn read(ctx: &Ctx, spec: &'static Children, emit: &mut Emit) -> Result<End> {
    let children = |ctx: &Ctx, parent: Value, out: &mut Emit| {
        let realm = ctx.realm;
        let mut emit_child = |child: Value| out(with_realm((spec.record)(&parent, child), realm));
        let segments = (spec.path)(&parent);
        let result = match spec.answer {
            Answer::Paged => each(ctx, segments, spec.query, &mut emit_child),
            Answer::List => {
                let path: Vec<&str> = segments.iter().map(String::as_str).collect();
                list_with(ctx, &path, spec.query)
                    .and_then(|items| items.into_iter().try_for_each(&mut emit_child))
            }
            Answer::Pick(pick) => {
                let path: Vec<&str> = segments.iter().map(String::as_str).collect();
                let query: Vec<(&str, String)> = spec
                    .query
                    .iter()
                    .map(|(k, v)| (*k, v.to_string()))
                    .collect();
                // an error of the request itself goes to the status rules below
                ctx.client
                    .get_admin(realm, &path, &query)
                    .and_then(|answer| pick(answer).into_iter().try_for_each(&mut emit_child))
            }
        };
        match result {
            Err(e) if matches!(rule(spec.status, Of::Children, &e), Some(Then::SkipParent)) => {
                Ok(())
            }
            other => other,
        }
    };
    // A rule for the parents' list is applied where that list is read, so a child's
    // error with the same status is not taken for it.
    let mut reason = None;
    let parents = |submit: &mut dyn FnMut(Value) -> Result<()>| {
        let result = each_parent(ctx, spec.parents, submit);
        if let Err(e) = &result
            && let Some(why) = not_served(spec.status, e, ctx.realm)
        {
            reason = Some(why);
            return Ok(());
        }
        result
    };
    fan_out(ctx, parents, children, emit)?;
    Ok(match reason {
        Some(why) => End::NotServed(why),
        None => End::Done,
    })
}
