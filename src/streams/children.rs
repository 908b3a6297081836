//! Child streams as data (`Children`): the children of every row of a parent list
//! (`Parents`), read by the one fan-out engine (`fanout::fan_out`: up to
//! `max_concurrency` parents side by side, records in parent order, the first error
//! ends the stream after the records before it). A child stream says where a parent
//! row's children are, how its answer holds them, how one (parent, child) pair becomes
//! a record, and which statuses are not errors (`OnStatus`).

use serde_json::Value;

use super::fanout::fan_out;
use super::parents::{Parents, each_parent};
use super::{Ctx, Emit, End, each, with_realm};
use crate::error::{Error, Result};

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
    /// What statuses mean for this stream, beyond the defaults (`crate::error`).
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

/// A status that is not an error for a stream.
#[derive(Debug, Clone, Copy)]
pub struct OnStatus {
    pub status: u16,
    /// Which request: the parents' list or a parent's children.
    pub of: Of,
    pub then: Then,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Parents,
    Children,
}

#[derive(Debug, Clone, Copy)]
pub enum Then {
    /// The parent vanished during the read (deleted between its listing and the read
    /// of its children): it has no children to emit.
    SkipParent,
    /// The server does not serve the stream here (a feature that is off, an endpoint
    /// this version lacks): a warning with the reason made from Keycloak's detail and
    /// the realm.
    NotServed(fn(&str, &str) -> String),
}

/// Reads a child stream in one realm.
pub(crate) fn read(ctx: &Ctx, spec: &'static Children, emit: &mut Emit) -> Result<End> {
    let children = |ctx: &Ctx, parent: Value, out: &mut Emit| {
        let realm = ctx.realm;
        let mut emit_child = |child: Value| out(with_realm((spec.record)(&parent, child), realm));
        let segments = (spec.path)(&parent);
        let result = match spec.answer {
            Answer::Paged => each(ctx, segments, spec.query, &mut emit_child),
            Answer::List | Answer::Pick(_) => {
                let path: Vec<&str> = segments.iter().map(String::as_str).collect();
                let query: Vec<(&str, String)> = spec
                    .query
                    .iter()
                    .map(|(k, v)| (*k, v.to_string()))
                    .collect();
                let answer = ctx.client.get_admin(realm, &path, &query)?;
                let items = match (spec.answer, answer) {
                    (Answer::Pick(pick), answer) => pick(answer),
                    (_, Value::Array(items)) => items,
                    _ => {
                        return Err(Error::BadResponse {
                            path: format!("/admin/realms/{realm}/{}", path.join("/")),
                            detail: "expected a JSON array".into(),
                        });
                    }
                };
                items.into_iter().try_for_each(&mut emit_child)
            }
        };
        match result {
            Err(e) if matches!(rule(spec, Of::Children, &e), Some(Then::SkipParent)) => Ok(()),
            other => other,
        }
    };
    // A rule for the parents' list is applied where that list is read, so a child's
    // error with the same status is not taken for it.
    let mut not_served = None;
    let parents = |submit: &mut dyn FnMut(Value) -> Result<()>| {
        let result = each_parent(ctx, spec.parents, submit);
        if let Err(Error::Http { status, detail, .. }) = &result
            && let Some(Then::NotServed(why)) = rule_for(spec, Of::Parents, *status)
        {
            not_served = Some(why(detail, ctx.realm));
            return Ok(());
        }
        result
    };
    fan_out(ctx, parents, children, emit)?;
    Ok(match not_served {
        Some(why) => End::NotServed(why),
        None => End::Done,
    })
}

/// The stream's rule for an error of one of its requests, if it has one.
fn rule(spec: &Children, of: Of, e: &Error) -> Option<Then> {
    rule_for(spec, of, e.status()?)
}

fn rule_for(spec: &Children, of: Of, status: u16) -> Option<Then> {
    spec.status
        .iter()
        .find(|r| r.status == status && r.of == of)
        .map(|r| r.then)
}
