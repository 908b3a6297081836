//! Offset paging (`first`, `max`), the only kind Keycloak's Admin API has. Every request
//! carries an explicit `max`, because Keycloak's defaults differ per endpoint (10, 100 or
//! unlimited). A page shorter than `max` is the last one.
//!
//! Offsets shift when rows before them are created or deleted while a list is read: a
//! deletion would make the next page skip a row, a creation would repeat one. So pages
//! overlap: after the first, each page starts `overlap` rows before the end of the one
//! before, and only the rows after the last row already seen (matched by `id`, or by the
//! whole row where there is none) are new. Because a page is a contiguous window of the
//! server's order, every row that exists for the whole read and lies after a row already
//! seen is either in that window or in a later one: nothing is skipped, nothing repeated.
//! Memory holds the keys of one page. If a page holds no row of the one before (the list
//! shifted by more than the overlap), the pager steps back a page at a time until it
//! finds one; if even offset 0 has none, it fails (`Error::PagingShifted`) instead of
//! guessing. A page identical to the one before (a server or proxy that ignores `first`)
//! is an error, not an endless loop.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread::Scope;

use serde_json::Value;

use super::Client;
use super::page::Page;
pub use super::page::Row;
pub(crate) use super::page::parse_page;
use crate::error::{Error, Result};

/// Rows each page re-reads from the page before: a fifth of the page, 1 to 50. Page size
/// 1 cannot overlap (every request must move on), so it has none.
pub fn overlap_for(page_size: usize) -> usize {
    if page_size < 2 {
        0
    } else {
        (page_size / 5).clamp(1, 50)
    }
}

/// The largest offset Keycloak can be asked for (`first` is a Java `int`).
pub(crate) const MAX_OFFSET: usize = i32::MAX as usize;

/// Full pages in a row that brought nothing new before the pager gives up.
const MAX_STALLS: usize = 3;

pub struct Pager<'a, R: Row = Value> {
    client: &'a Client,
    realm: &'a str,
    segments: Vec<String>,
    query: Vec<(&'static str, String)>,
    page_size: usize,
    overlap: usize,
    /// Offset of the next request.
    next: usize,
    done: bool,
    /// Keys of the last page fetched (None before the first).
    seen: Option<HashSet<[u8; 16]>>,
    previous: Option<(usize, R, R)>,
    stalls: usize,
    /// Full pages in a row. From the second on, the next page is asked for (through
    /// `ahead`) before this one is parsed.
    streak: usize,
    ahead: Option<Ahead>,
}

/// The pager's line to a worker that fetches pages ahead (`Pager::fetch_ahead`): the
/// pager sends the offset of the page it expects next, then parses the current page
/// while Keycloak prepares that one. A guess that turns out wrong (the list ended or
/// shifted) is dropped: one request.
struct Ahead {
    tx: mpsc::Sender<usize>,
    rx: mpsc::Receiver<(usize, Result<Vec<u8>>)>,
    /// The offset asked for and not yet received.
    pending: Option<usize>,
}

/// The query of the page at `first`: the list's own parameters, `first` and an
/// explicit `max`.
fn page_query(
    base: &[(&'static str, String)],
    page_size: usize,
    first: usize,
) -> Vec<(&'static str, String)> {
    let mut query = base.to_vec();
    query.push(("first", first.to_string()));
    query.push(("max", page_size.to_string()));
    query
}

/// What to do with a page, given the keys of the page before.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Emit the rows from this index on.
    EmitFrom(usize),
    /// No row of the page before is here: look further back.
    StepBack,
}

/// The rows of `items` after the last one already in `seen` are new.
pub(crate) fn step<R: Row>(seen: &HashSet<[u8; 16]>, items: &[R]) -> Step {
    match items.iter().rposition(|item| seen.contains(&item.key())) {
        Some(anchor) => Step::EmitFrom(anchor + 1),
        None => Step::StepBack,
    }
}

impl<'a, R: Row> Pager<'a, R> {
    pub fn new(
        client: &'a Client,
        realm: &'a str,
        segments: Vec<String>,
        query: Vec<(&'static str, String)>,
        page_size: usize,
    ) -> Self {
        let page_size = page_size.max(1);
        Pager {
            client,
            realm,
            segments,
            query,
            page_size,
            overlap: overlap_for(page_size),
            next: 0,
            done: false,
            seen: None,
            previous: None,
            stalls: 0,
            streak: 0,
            ahead: None,
        }
    }

    fn path(&self) -> String {
        format!("/admin/realms/{}/{}", self.realm, self.segments.join("/"))
    }

    /// Starts, in `scope`, a worker that fetches the pages this pager asks for ahead
    /// (see `Ahead`); it ends when the pager is dropped.
    pub fn fetch_ahead<'scope, 'env>(mut self, scope: &'scope Scope<'scope, 'env>) -> Self
    where
        'a: 'scope,
    {
        let (ask, asked) = mpsc::channel::<usize>();
        let (answer, answers) = mpsc::sync_channel(1);
        let (client, realm, page_size) = (self.client, self.realm, self.page_size);
        let (segments, base) = (self.segments.clone(), self.query.clone());
        scope.spawn(move || {
            let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
            for offset in asked {
                let query = page_query(&base, page_size, offset);
                let body = client.get_admin_body(realm, &segments, &query);
                if answer.send((offset, body)).is_err() {
                    break;
                }
            }
        });
        self.ahead = Some(Ahead {
            tx: ask,
            rx: answers,
            pending: None,
        });
        self
    }

    fn query_at(&self, first: usize) -> Vec<(&'static str, String)> {
        page_query(&self.query, self.page_size, first)
    }

    fn fetch(&mut self, first: usize) -> Result<Vec<R>> {
        // Keycloak's `first` is a Java int: a list that pages beyond it is not Keycloak's.
        if first > MAX_OFFSET {
            return Err(Error::PagingLoop {
                path: self.path(),
                first,
            });
        }
        // The answer asked for ahead, if it is this page's.
        let mut body = None;
        if let Some(ahead) = &mut self.ahead
            && let Some(asked) = ahead.pending.take()
            && let Ok((offset, answer)) = ahead.rx.recv()
            && asked == first
            && offset == first
        {
            body = Some(answer);
        }
        // In a long list, ask for the next page (where it starts if this one is full)
        // before parsing this one.
        if self.streak >= 2 {
            let guess = first + self.page_size.saturating_sub(self.overlap).max(1);
            if let Some(ahead) = &mut self.ahead
                && ahead.tx.send(guess).is_ok()
            {
                ahead.pending = Some(guess);
            }
        }
        let page = self.page(first, body)?;
        self.check(first, page)
    }

    /// Parses an answer fetched ahead; one that failed or does not parse is requested
    /// again (with the usual retries), as is a page nobody asked for ahead.
    fn page(&self, first: usize, body: Option<Result<Vec<u8>>>) -> Result<Page<R>> {
        let limit = self.page_size;
        if let Some(Ok(body)) = body
            && let Ok(page) = parse_page(&body, &self.path(), limit)
        {
            return Ok(page);
        }
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        self.client.get_admin_parsed(
            self.realm,
            &segments,
            &self.query_at(first),
            |body, path| parse_page(&body, path, limit),
        )
    }

    /// A page's rows, unless it is not a list or repeats the page before.
    fn check(&mut self, first: usize, page: Page<R>) -> Result<Vec<R>> {
        let Page(Some(items)) = page else {
            return Err(Error::BadResponse {
                path: self.path(),
                detail: "expected a JSON array".into(),
            });
        };
        if let (Some(head), Some(tail)) = (items.first(), items.last()) {
            let repeated = self
                .previous
                .as_ref()
                .is_some_and(|(len, h, t)| *len == items.len() && h.same(head) && t.same(tail));
            if first > 0 && repeated {
                return Err(Error::PagingLoop {
                    path: self.path(),
                    first,
                });
            }
            self.previous = Some((items.len(), head.clone(), tail.clone()));
        }
        Ok(items)
    }

    /// The next page's new rows (possibly none), or None at the end.
    fn advance(&mut self) -> Result<Option<Vec<R>>> {
        let mut first = self.next;
        loop {
            let items = self.fetch(first)?;
            let full = items.len() >= self.page_size;
            let emit_from = match &self.seen {
                // The first page, or no overlap: everything is new.
                None => 0,
                Some(_) if self.overlap == 0 => 0,
                Some(seen) => match step(seen, &items) {
                    Step::EmitFrom(index) => index,
                    // Every row of the list is gone: nothing that lasted the read is missed.
                    Step::StepBack if items.is_empty() && first == 0 => 0,
                    Step::StepBack if first == 0 => {
                        return Err(Error::PagingShifted { path: self.path() });
                    }
                    Step::StepBack => {
                        self.streak = 0;
                        first = first.saturating_sub(self.page_size);
                        continue;
                    }
                },
            };
            self.done = !full;
            self.streak = if full { self.streak + 1 } else { 0 };
            self.next = first + items.len().saturating_sub(self.overlap).max(1);
            self.seen = Some(items.iter().map(R::key).collect());
            let mut items = items;
            let fresh = items.split_off(emit_from.min(items.len()));
            if full && fresh.is_empty() {
                self.stalls += 1;
                if self.stalls >= MAX_STALLS {
                    return Err(Error::PagingLoop {
                        path: self.path(),
                        first,
                    });
                }
            } else {
                self.stalls = 0;
            }
            return Ok(Some(fresh));
        }
    }
}

impl<R: Row> Pager<'_, R> {
    /// True once the last page was returned (or an error ended the list).
    pub fn finished(&self) -> bool {
        self.done
    }
}

impl<R: Row> Iterator for Pager<'_, R> {
    type Item = Result<Vec<R>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.advance() {
                Ok(Some(items)) if items.is_empty() => continue,
                Ok(Some(items)) => return Some(Ok(items)),
                Ok(None) => return None,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(ids: &[&str]) -> Vec<Value> {
        ids.iter().map(|id| json!({"id": id})).collect()
    }

    fn keys(ids: &[&str]) -> HashSet<[u8; 16]> {
        rows(ids).iter().map(Row::key).collect()
    }

    #[test]
    fn overlap_sizes() {
        assert_eq!(overlap_for(1), 0);
        assert_eq!(overlap_for(2), 1);
        assert_eq!(overlap_for(100), 20);
        assert_eq!(overlap_for(1000), 50);
    }

    #[test]
    fn new_rows_start_after_the_last_row_seen() {
        let seen = keys(&["a", "b", "c", "d"]);
        // No change: the overlap c, d is dropped.
        assert_eq!(step(&seen, &rows(&["c", "d", "e", "f"])), Step::EmitFrom(2));
        // b was deleted: the window moved one row on; d is still the anchor.
        assert_eq!(step(&seen, &rows(&["d", "e", "f", "g"])), Step::EmitFrom(1));
        // d was deleted: c anchors.
        assert_eq!(step(&seen, &rows(&["c", "e", "f", "g"])), Step::EmitFrom(1));
        // Rows inserted before: rows seen come again and are dropped.
        assert_eq!(step(&seen, &rows(&["b", "c", "d", "e"])), Step::EmitFrom(3));
        // Shifted past the overlap.
        assert_eq!(step(&seen, &rows(&["f", "g", "h"])), Step::StepBack);
    }
}
