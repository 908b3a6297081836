//! Login events (`/events`) and admin events (`/admin-events`), full refresh or
//! incremental on `time` (epoch ms) with the state of each realm
//! `{"time": <ms>, "ids": [<ids of events at exactly that time already emitted>]}`.
//!
//! Two server behaviours, probed per realm and endpoint, never guessed from the version:
//! - Keycloak 26.2+ ("ordered"): `dateFrom`/`dateTo` take epoch ms (inclusive), `direction=asc`
//!   sorts oldest first, events have ids. We page from the cursor up to a closed upper
//!   bound (sync start minus `LAG_MS`, so late-committed events are not skipped), skip
//!   events at exactly the cursor time that were emitted before (by id), and checkpoint
//!   after every page. Keycloak 26.2.0–26.2.2 return nothing for date *strings* in
//!   `dateTo`; this path never sends date strings.
//! - Older servers ("legacy"): dates only (`yyyy-MM-dd`, in the server's time zone),
//!   newest first, no ids. We read one UTC day at a time (asking for the day before and
//!   after too, to cover any server time zone, and keeping only that UTC day), dedupe the
//!   day by content id (pages shift while new events arrive), sort it oldest first, and
//!   emit it in chunks with a checkpoint after each. Memory holds one day of events.
//!
//! Without an `id` (before 26.2) the connector derives one from the event's content
//! (`h:` and 32 hex digits of its SHA-256): identical events in the same millisecond are
//! indistinguishable and count once. Admin events' `representation` (the changed object,
//! which can hold personal data) is emitted only when the config asks for it, and then
//! without secrets.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod days;

use super::{Ctx, Emit, End, Sink, with_realm};
use crate::error::{Error, Result};
use crate::record::Record;
use crate::time;
use crate::time::now_millis;
use days::read_by_day;

/// How far behind "now" an incremental read stops: events are written with the time
/// they happened, and may be committed a little later.
pub const LAG_MS: i64 = 2_000;

/// No Keycloak event predates Keycloak (1.0 came out in 2014): the day walk of the older
/// event API starts here at the earliest, so an event dated in the distant past (a
/// broken or hostile server) cannot make it walk millions of days.
pub const FIRST_EVENT_MS: i64 = 1_388_534_400_000; // 2014-01-01T00:00:00Z

/// The largest `max` one event request may grow to (a millisecond or a day with more
/// events than that cannot be read exactly, and a page that large is not a real answer).
const MAX_EVENTS_PER_REQUEST: usize = 1 << 20;

/// Event options from the config.
#[derive(Debug, Clone, Default)]
pub struct EventOptions {
    pub include_admin_event_representation: bool,
    /// `start_date` in epoch ms: where a first incremental sync begins.
    pub start_ms: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Login,
    Admin,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Login => "events",
            Kind::Admin => "admin-events",
        }
    }
}

pub fn read_events(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    read_all(ctx, Kind::Login, emit)
}

pub fn read_admin_events(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    read_all(ctx, Kind::Admin, emit)
}

/// Full refresh: every stored event, oldest first, read the way incremental syncs read
/// (from time 0, with the same cursor), not by offset over the server's default order.
/// Keycloak orders events by time alone, and the database may order the events of one
/// millisecond differently for each `first`: offset pages then skip some of them (seen
/// on Keycloak 26.7.3, where a full read of a realm's admin events lost up to 16%). The
/// upper bound is a day ahead, for a server clock ahead of ours.
fn read_all(ctx: &Ctx, kind: Kind, emit: &mut Emit) -> Result<End> {
    warn_if_not_stored(ctx, kind)?;
    let upper = now_millis() as i64 + time::DAY_MS;
    scan_since(ctx, kind, None, 0, upper, emit)?;
    Ok(End::Done)
}

pub fn read_events_since(ctx: &Ctx, state: Option<&Value>, sink: &mut dyn Sink) -> Result<End> {
    read_since(ctx, Kind::Login, state, sink)
}

pub fn read_admin_events_since(
    ctx: &Ctx,
    state: Option<&Value>,
    sink: &mut dyn Sink,
) -> Result<End> {
    read_since(ctx, Kind::Admin, state, sink)
}

/// The position of an incremental read in one realm.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    time: i64,
    ids: Vec<String>,
}

impl Cursor {
    fn from_state(state: Option<&Value>, start_ms: Option<i64>) -> Cursor {
        let time = state.and_then(|s| s.get("time")).and_then(Value::as_i64);
        match time {
            Some(time) => Cursor {
                time,
                ids: state
                    .and_then(|s| s.get("ids"))
                    .and_then(Value::as_array)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|i| i.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            None => Cursor {
                time: start_ms.unwrap_or(0).max(0),
                ids: Vec::new(),
            },
        }
    }

    fn to_state(&self) -> Value {
        json!({"time": self.time, "ids": self.ids})
    }

    /// True for an event not yet emitted.
    fn is_new(&self, time: i64, id: &str) -> bool {
        time > self.time || time == self.time && !self.ids.iter().any(|i| i == id)
    }

    fn advance(&mut self, time: i64, id: &str) {
        if time > self.time {
            self.time = time;
            self.ids.clear();
        }
        self.ids.push(id.to_string());
    }
}

fn read_since(ctx: &Ctx, kind: Kind, state: Option<&Value>, sink: &mut dyn Sink) -> Result<End> {
    warn_if_not_stored(ctx, kind)?;
    let cursor = Cursor::from_state(state, ctx.events.start_ms);
    let upper = now_millis() as i64 - LAG_MS;
    if cursor.time > upper {
        // A cursor from the future (clock skew, a hand-edited state): nothing to read.
        sink.checkpoint(cursor.to_state())?;
        return Ok(End::Done);
    }
    scan(ctx, kind, cursor, upper, sink)
}

/// Reads the events after `cursor` up to `upper` into `sink`, with the API the server
/// has. Also the change feed of incremental `users`.
fn scan(ctx: &Ctx, kind: Kind, cursor: Cursor, upper: i64, sink: &mut dyn Sink) -> Result<End> {
    if is_ordered(ctx, kind)? {
        read_ordered(ctx, kind, cursor, upper, sink)
    } else {
        read_by_day(ctx, kind, cursor, upper, sink)
    }
}

/// Calls `f` with every event after the cursor in `state` (or after `start` when there
/// is none) up to `upper`, oldest first; returns the cursor state after the last event.
/// The full refresh of the event streams and the users change feed.
pub(crate) fn scan_since(
    ctx: &Ctx,
    kind: Kind,
    state: Option<&Value>,
    start: i64,
    upper: i64,
    f: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<Value> {
    struct Collect<'f> {
        f: &'f mut dyn FnMut(Value) -> Result<()>,
        last: Option<Value>,
    }
    impl Sink for Collect<'_> {
        fn record(&mut self, record: Record) -> Result<()> {
            match record {
                Record::Tree(event) => (self.f)(event),
                text => (self.f)(text.to_value()),
            }
        }
        fn checkpoint(&mut self, realm_state: Value) -> Result<()> {
            self.last = Some(realm_state);
            Ok(())
        }
    }
    let cursor = Cursor::from_state(state, Some(start));
    let mut collect = Collect { f, last: None };
    if cursor.time <= upper {
        scan(ctx, kind, cursor.clone(), upper, &mut collect)?;
    }
    Ok(collect.last.unwrap_or_else(|| cursor.to_state()))
}

/// Does this endpoint take epoch ms and sort ascending (Keycloak 26.2+)? An older server
/// answers 400 to a millisecond date, or returns events without ids.
fn is_ordered(ctx: &Ctx, kind: Kind) -> Result<bool> {
    let query = [
        ("dateFrom", "1".to_string()),
        ("direction", "asc".to_string()),
        ("first", "0".to_string()),
        ("max", "2".to_string()),
    ];
    match ctx.client.get_admin(ctx.realm, &[kind.path()], &query) {
        Ok(Value::Array(events)) => {
            let has_ids = events
                .iter()
                .all(|e| e.get("id").and_then(Value::as_str).is_some());
            let ascending = events.windows(2).all(|w| time_of(&w[0]) <= time_of(&w[1]));
            Ok(has_ids && ascending)
        }
        Ok(_) => Ok(false),
        Err(Error::Http { status: 400, .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

fn time_of(event: &Value) -> i64 {
    event.get("time").and_then(Value::as_i64).unwrap_or(0)
}

fn read_ordered(
    ctx: &Ctx,
    kind: Kind,
    mut cursor: Cursor,
    upper: i64,
    sink: &mut dyn Sink,
) -> Result<End> {
    let page_size = ctx.client.page_size();
    let mut max = page_size;
    loop {
        // Always from the cursor's time with `first=0`: the order of events within one
        // millisecond may differ between requests, so no offset is ever trusted.
        let query = [
            ("dateFrom", cursor.time.to_string()),
            ("dateTo", upper.to_string()),
            ("direction", "asc".to_string()),
            ("first", "0".to_string()),
            ("max", max.to_string()),
        ];
        let page = event_page(ctx, kind, &query, max)?;
        let mut progressed = false;
        for event in &page {
            let event = shape(ctx, kind, event.clone());
            let (time, id) = (time_of(&event), super::text(&event, "id").to_string());
            if time > upper || !cursor.is_new(time, &id) {
                continue;
            }
            sink.record(event.into())?;
            cursor.advance(time, &id);
            progressed = true;
        }
        sink.checkpoint(cursor.to_state())?;
        if page.len() < max {
            return Ok(End::Done);
        }
        // A full page of events already emitted: more events in the cursor's millisecond
        // than a page holds. Ask for a bigger page (the tie group plus what follows)
        // instead of stepping over them by offset.
        max = if progressed {
            page_size
        } else {
            grown(ctx, kind, max)?
        };
    }
}

/// One request's events: a list of at most `max` (more is not an answer to the request).
fn event_page(ctx: &Ctx, kind: Kind, query: &[(&str, String)], max: usize) -> Result<Vec<Value>> {
    match ctx.client.get_admin(ctx.realm, &[kind.path()], query)? {
        Value::Array(page) if page.len() <= max => Ok(page),
        Value::Array(_) => Err(Error::BadResponse {
            path: format!("/admin/realms/{}/{}", ctx.realm, kind.path()),
            detail: format!("the answer holds more events than the {max} asked for (max)"),
        }),
        _ => Err(not_a_list(ctx, kind)),
    }
}

/// `max` doubled, within `MAX_EVENTS_PER_REQUEST`.
fn grown(ctx: &Ctx, kind: Kind, max: usize) -> Result<usize> {
    if max >= MAX_EVENTS_PER_REQUEST {
        return Err(Error::BadResponse {
            path: format!("/admin/realms/{}/{}", ctx.realm, kind.path()),
            detail: format!(
                "more than {MAX_EVENTS_PER_REQUEST} events share one time window, or the \
                 server keeps answering full pages of events already read; stopping"
            ),
        });
    }
    Ok(max.saturating_mul(2))
}

fn not_a_list(ctx: &Ctx, kind: Kind) -> Error {
    Error::BadResponse {
        path: format!("/admin/realms/{}/{}", ctx.realm, kind.path()),
        detail: "expected a JSON array".into(),
    }
}

/// Warns when the realm does not store these events (Realm settings → Events).
fn warn_if_not_stored(ctx: &Ctx, kind: Kind) -> Result<()> {
    let config = match ctx.client.get_admin(ctx.realm, &["events", "config"], &[]) {
        Ok(config) => config,
        // The read itself will report a missing role.
        Err(Error::Http { status: 403, .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    let (flag, what) = match kind {
        Kind::Login => ("eventsEnabled", "user (login) events"),
        Kind::Admin => ("adminEventsEnabled", "admin events"),
    };
    if config.get(flag) == Some(&Value::Bool(false)) {
        ctx.warnings.borrow_mut().push(format!(
            "realm '{}' does not save {what} (Realm settings → Events → {} → Save events is \
             off): only events stored earlier can be read",
            ctx.realm,
            if kind == Kind::Login {
                "User events settings"
            } else {
                "Admin events settings"
            }
        ));
    }
    Ok(())
}

/// Adds an id where Keycloak has none, the admin representation rule, and `realm`.
fn shape(ctx: &Ctx, kind: Kind, event: Value) -> Value {
    let mut event = with_id(event);
    if kind == Kind::Admin {
        shape_admin_event(&mut event, ctx.events.include_admin_event_representation);
    }
    with_realm(event, ctx.realm)
}

/// Keeps Keycloak's id, or derives one from the content (before `realm` is added).
pub fn with_id(mut event: Value) -> Value {
    let has_id = event
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if !has_id {
        let id = content_id(&event);
        if let Some(obj) = event.as_object_mut() {
            obj.insert("id".into(), Value::String(id));
        }
    }
    event
}

/// `h:` + 32 hex digits of the SHA-256 of the event's canonical JSON (keys sorted).
pub fn content_id(event: &Value) -> String {
    let canonical = serde_json::to_string(event).unwrap_or_default();
    let digest = Sha256::digest(canonical.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("h:{hex}")
}

/// Drops `representation` unless the config asks for it; when kept, the stream's
/// secrets policy cleans it (`Policy::Embedded`).
fn shape_admin_event(event: &mut Value, keep_representation: bool) {
    if let Some(obj) = event.as_object_mut()
        && !keep_representation
    {
        obj.remove("representation");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_id_is_stable_and_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"time":1,"type":"LOGIN","userId":"u"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"userId":"u","type":"LOGIN","time":1}"#).unwrap();
        assert_eq!(content_id(&a), content_id(&b));
        assert_eq!(content_id(&a).len(), 34);
        assert_ne!(
            content_id(&a),
            content_id(&json!({"time": 2, "type": "LOGIN"}))
        );
    }

    #[test]
    fn keycloak_ids_are_kept() {
        assert_eq!(with_id(json!({"id": "abc", "time": 1}))["id"], "abc");
    }

    #[test]
    fn representation_is_dropped_unless_asked_for_and_then_stripped() {
        let event = json!({"id": "1", "representation": "{\"clientId\":\"x\",\"secret\":\"s3\"}"});
        let mut dropped = event.clone();
        shape_admin_event(&mut dropped, false);
        assert!(dropped.get("representation").is_none());
        let mut kept = event;
        shape_admin_event(&mut kept, true);
        let policy = crate::streams::find("admin_events").map(|s| s.secrets);
        let mut record = crate::record::Record::Tree(kept);
        crate::secrets::apply(policy.expect("admin_events"), &mut record);
        assert_eq!(record.to_value()["representation"], "{\"clientId\":\"x\"}");
    }

    #[test]
    fn cursor_skips_ties_already_emitted() {
        let mut c = Cursor::from_state(Some(&json!({"time": 10, "ids": ["a"]})), None);
        assert!(!c.is_new(10, "a") && c.is_new(10, "b") && !c.is_new(9, "z") && c.is_new(11, "a"));
        c.advance(10, "b");
        assert_eq!(c.to_state(), json!({"time": 10, "ids": ["a", "b"]}));
        c.advance(12, "c");
        assert_eq!(c.to_state(), json!({"time": 12, "ids": ["c"]}));
        let fresh = Cursor::from_state(None, Some(5));
        assert!(fresh.is_new(5, "x") && !fresh.is_new(4, "x"));
    }
}
