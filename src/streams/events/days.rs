//! The older servers' event API (before 26.2): dates only, newest first, no ids. The walk
//! goes one UTC day at a time from the cursor's day (or the oldest stored event's) up to
//! the upper bound; each day is read whole, deduplicated by id, sorted oldest first and
//! emitted in chunks with a checkpoint after each.

use std::collections::HashSet;

use serde_json::Value;

use super::{Cursor, FIRST_EVENT_MS, Kind, event_page, grown, shape, time_of};
use crate::error::{Error, Result};
use crate::streams::{Ctx, End, Sink, text};
use crate::time;

pub(super) fn read_by_day(
    ctx: &Ctx,
    kind: Kind,
    mut cursor: Cursor,
    upper: i64,
    sink: &mut dyn Sink,
) -> Result<End> {
    let first_day = if cursor.time > 0 {
        time::day_start(cursor.time.max(FIRST_EVENT_MS))
    } else {
        match oldest_event_time(ctx, kind)? {
            Some(oldest) => time::day_start(oldest.max(FIRST_EVENT_MS)),
            None => {
                sink.checkpoint(cursor.to_state())?;
                return Ok(End::Done);
            }
        }
    };
    let page_size = ctx.client.page_size();
    let mut day = first_day;
    while day <= upper.min(i64::MAX - 2 * time::DAY_MS) {
        let events = one_day(ctx, kind, day, upper)?;
        let fresh: Vec<Value> = events
            .into_iter()
            .filter(|e| cursor.is_new(time_of(e), text(e, "id")))
            .collect();
        for chunk in fresh.chunks(page_size.max(1)) {
            for event in chunk {
                cursor.advance(time_of(event), text(event, "id"));
                sink.record(event.clone().into())?;
            }
            sink.checkpoint(cursor.to_state())?;
        }
        day += time::DAY_MS;
    }
    sink.checkpoint(cursor.to_state())?;
    Ok(End::Done)
}

/// The events of one UTC day up to `upper`, deduplicated and sorted oldest first. The
/// day's window is read in one request, its `max` doubled until the answer is not full:
/// these servers order by time alone, so offset pages over ties could skip events (see
/// `read_all`), and a day is held in memory anyway.
fn one_day(ctx: &Ctx, kind: Kind, day: i64, upper: i64) -> Result<Vec<Value>> {
    let mut max = ctx.client.page_size().max(1);
    let page = loop {
        let query = [
            ("dateFrom", time::date_of(day - time::DAY_MS)),
            ("dateTo", time::date_of(day + time::DAY_MS)),
            ("first", "0".to_string()),
            ("max", max.to_string()),
        ];
        let page = event_page(ctx, kind, &query, max)?;
        if page.len() < max {
            break page;
        }
        max = grown(ctx, kind, max)?;
    };
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    for event in page {
        let event = shape(ctx, kind, event);
        let time = time_of(&event);
        if time >= day
            && time < day + time::DAY_MS
            && time <= upper
            && seen.insert(text(&event, "id").to_string())
        {
            events.push(event);
        }
    }
    events.sort_by(|a, b| (time_of(a), text(a, "id")).cmp(&(time_of(b), text(b, "id"))));
    Ok(events)
}

/// The time of the oldest stored event, found by galloping over offsets (the list is
/// newest first): about 2·log2(n) small requests.
fn oldest_event_time(ctx: &Ctx, kind: Kind) -> Result<Option<i64>> {
    let at = |index: usize| -> Result<Option<i64>> {
        let query = [("first", index.to_string()), ("max", "1".to_string())];
        Ok(
            match ctx.client.get_admin(ctx.realm, &[kind.path()], &query)? {
                Value::Array(list) => list.first().map(time_of),
                _ => None,
            },
        )
    };
    if at(0)?.is_none() {
        return Ok(None);
    }
    let (mut low, mut high) = (0usize, 1usize);
    while at(high)?.is_some() {
        low = high;
        high = high.saturating_mul(2);
        // Keycloak cannot be asked past a Java int: a list without end is a server that
        // ignores `first` (it answered the same page again), not a list of events.
        if high > crate::http::MAX_OFFSET {
            return Err(Error::PagingLoop {
                path: format!("/admin/realms/{}/{}", ctx.realm, kind.path()),
                first: low,
            });
        }
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if at(mid)?.is_some() {
            low = mid
        } else {
            high = mid
        }
    }
    at(low)
}
