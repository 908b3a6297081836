//! Bounded time, memory and requests whatever the server sends (issue 13, items 8, 10,
//! 12, 15, 16, 17, and a few more): endless or huge bodies (plain, lying about their
//! length, gzip bombs), a legacy event API that ignores `first`, times at the edge of
//! i64, group trees without end, a slowloris body, ids that are `..`, monster tokens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::*;

const MB: u64 = 1024 * 1024;
/// The memory ceiling of the connector in the big-body tests.
const RSS_LIMIT_KB: u64 = 250 * 1024;
const USERS_PATH: &str = "/admin/realms/acme/users";

fn users_reply(make: fn() -> Reply) -> Hostile {
    Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        (tail.as_slice() == ["users"] && !is_probe(req)).then(make)
    })
}

/// A JSON array of users, `count` of them (None: never ends).
fn user_array(framing: Framing, count: Option<u64>) -> Reply {
    let item = format!(
        "{{\"id\":\"00000000-0000-0000-0000-000000000000\",\"username\":\"{}\"}}",
        "u".repeat(200)
    );
    Reply::stream_items(framing, "[", &item, count, "]")
}

/// 300 MB of users (each item ~260 bytes).
const ITEMS_300MB: u64 = 300 * MB / 260;

/// The shared assertions of the big-body tests: `users` fails naming its path (and,
/// where the size is the reason, the cap), memory stays bounded, the other stream
/// completes, exit 1.
fn assert_huge_body_is_refused(h: &Hostile, must_name_cap: bool) {
    *h.rss_kill_kb.lock().unwrap() = 1024 * 1024;
    let read = h.read(&["users", "realm_roles"], json!({"max_retries": 0}));
    read.exec.assert_no_crash();
    let peak_mb = read.exec.peak_rss_kb / 1024;
    assert!(
        read.exec.peak_rss_kb < RSS_LIMIT_KB,
        "peak RSS {peak_mb} MB (limit 250 MB)"
    );
    assert_eq!(read.code, Some(1), "{}", read.stdout);
    assert_eq!(read.statuses("users").last(), Some(&"INCOMPLETE"));
    let (_, message) = read.one_error();
    assert!(message.contains(USERS_PATH), "{message}");
    if must_name_cap {
        assert!(message.contains("max_response_mb"), "{message}");
    }
    assert_eq!(read.statuses("realm_roles"), ["STARTED", "COMPLETE"]);
}

/// Item 10: a JSON array that never ends.
#[test]
fn an_endless_body_is_cut_at_the_size_cap() {
    let h = users_reply(|| user_array(Framing::Chunked, None));
    assert_huge_body_is_refused(&h, true);
}

#[test]
fn a_300_mb_body_is_cut_at_the_size_cap() {
    let h = users_reply(|| user_array(Framing::Chunked, Some(ITEMS_300MB)));
    assert_huge_body_is_refused(&h, true);
}

#[test]
fn a_content_length_of_100_followed_by_300_mb_is_bounded() {
    let h = users_reply(|| user_array(Framing::Claimed(100), Some(ITEMS_300MB)));
    assert_huge_body_is_refused(&h, false);
}

#[test]
fn a_content_length_of_300_mb_followed_by_a_short_body_is_bounded() {
    let h = users_reply(|| user_array(Framing::Claimed(300 * MB), Some(2)));
    assert_huge_body_is_refused(&h, false);
}

/// A gzip member whose deflate stream (fixed Huffman, length-258 matches at distance 1)
/// expands to `[`, `spaces` spaces and `]`: valid JSON (an empty list), ~1000x smaller.
/// Hand-made: flate2 is not a dev-dependency.
fn gzip_bomb(spaces: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code: most significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            let mut reversed = 0;
            for i in 0..bits {
                reversed |= ((code >> i) & 1) << (bits - 1 - i);
            }
            self.put(reversed, bits);
        }
        fn literal(&mut self, byte: u8) {
            match byte {
                0..=143 => self.code(0x30 + u64::from(byte), 8),
                _ => self.code(0x190 + u64::from(byte - 144), 9),
            }
        }
    }
    let mut b = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff],
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // BFINAL
    b.put(1, 2); // fixed Huffman
    b.literal(b'[');
    b.literal(b' ');
    let rest = spaces - 1;
    for _ in 0..rest / 258 {
        b.code(0xc0 + 5, 8); // length 258 (code 285)
        b.code(0, 5); // distance 1
    }
    for _ in 0..rest % 258 {
        b.literal(b' ');
    }
    b.literal(b']');
    b.code(0, 7); // end of block
    if b.n > 0 {
        b.put(0, 8 - b.n);
    }
    let mut out = b.out;
    // CRC-32 and size of `[` + spaces + `]`.
    let table: Vec<u32> = (0..256u32)
        .map(|mut c| {
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            c
        })
        .collect();
    let step = |crc: u32, byte: u8| table[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    let mut crc = step(!0, b'[');
    for _ in 0..spaces {
        crc = step(crc, b' ');
    }
    crc = !step(crc, b']');
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&((spaces + 2) as u32).to_le_bytes());
    out
}

#[test]
fn a_gzip_bomb_is_cut_at_the_size_cap() {
    let bomb = std::sync::Arc::new(gzip_bomb(300 * MB));
    assert!(bomb.len() < 2 * MB as usize, "{} bytes", bomb.len());
    let h = Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        (tail.as_slice() == ["users"] && !is_probe(req)).then(|| Reply::Full {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Content-Encoding".into(), "gzip".into()),
            ],
            body: bomb.to_vec(),
        })
    });
    assert_huge_body_is_refused(&h, true);
}

/// Keycloak before 26.2: no ids, a millisecond `dateFrom` is a 400, newest first; this
/// one also ignores `first` (every offset gets the newest page).
fn legacy_events(events: Vec<Value>, honour_first: bool) -> Hostile {
    Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        if tail.as_slice() != ["events"] || is_probe(req) {
            return None;
        }
        if req.q("dateFrom").is_some_and(|d| !d.contains('-')) {
            return Some(Reply::json(
                400,
                &json!({"error": "Invalid value for 'Date(From)', expected format is yyyy-MM-dd"}),
            ));
        }
        let (first, max) = req.first_max();
        let skip = if honour_first { first } else { 0 };
        Some(Reply::json(
            200,
            &json!(events.iter().skip(skip).take(max).collect::<Vec<_>>()),
        ))
    })
}

fn legacy_event(time: i64, user: &str) -> Value {
    json!({"time": time, "type": "LOGIN", "realmId": "realm-id-acme", "clientId": "app",
           "userId": user, "ipAddress": "10.0.0.1"})
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Item 8: a legacy server that ignores `first`.
#[test]
fn a_legacy_event_api_that_ignores_first_ends_in_bounded_time() {
    let now = now_ms();
    let events = vec![
        legacy_event(now - 60_000, "u1"),
        legacy_event(now - 3_600_000, "u2"),
        legacy_event(now - 86_400_000, "u3"),
    ];
    let h = legacy_events(events, false);
    *h.watchdog.lock().unwrap() = 40;
    let read = h.read(&["events"], json!({}));
    read.exec.assert_no_crash();
    assert!(
        read.exec.elapsed < Duration::from_secs(30),
        "{:?}",
        read.exec.elapsed
    );
    assert_eq!(read.code, Some(1), "{}", read.stdout);
    assert_eq!(read.statuses("events").last(), Some(&"INCOMPLETE"));
    assert!(!read.errors().is_empty());
}

/// Item 8: a legacy event at a huge negative time besides normal ones.
#[test]
fn a_legacy_event_at_a_huge_negative_time_does_not_start_an_endless_day_walk() {
    let now = now_ms();
    let events = vec![
        legacy_event(now - 60_000, "u1"),
        legacy_event(now - 3_600_000, "u2"),
        legacy_event(-9_000_000_000_000_000, "old"),
    ];
    let h = legacy_events(events, true);
    *h.watchdog.lock().unwrap() = 40;
    let read = h.read(&["events"], json!({}));
    read.exec.assert_no_crash();
    let requests = h.server.request_count();
    assert!(requests < 10_000, "{requests} requests");
    assert!(matches!(read.code, Some(0 | 1)));
    let users: std::collections::BTreeSet<&str> = read
        .records("events")
        .iter()
        .filter_map(|e| e["userId"].as_str())
        .collect();
    assert!(
        users.contains("u1") && users.contains("u2"),
        "sane events: {users:?}"
    );
}

/// Item 12: 26.2+ events with times at the edge of i64 and beyond.
#[test]
fn event_times_at_the_edge_of_i64_do_not_panic() {
    let now = now_ms();
    let raw = format!(
        "[{{\"id\":\"e-min\",\"time\":{},\"type\":\"LOGIN\"}},\
          {{\"id\":\"e-float\",\"time\":1.5e300,\"type\":\"LOGIN\"}},\
          {{\"id\":\"e-huge\",\"time\":100000000000000000000000,\"type\":\"LOGIN\"}},\
          {{\"id\":\"e-sane-1\",\"time\":{},\"type\":\"LOGIN\"}},\
          {{\"id\":\"e-sane-2\",\"time\":{},\"type\":\"LOGIN\"}},\
          {{\"id\":\"e-max\",\"time\":{},\"type\":\"LOGIN\"}}]",
        i64::MIN,
        now - 120_000,
        now - 60_000,
        i64::MAX
    );
    let h = Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        (tail.as_slice() == ["events"] && !is_probe(req)).then(|| {
            let (_, max) = req.first_max();
            let all: Vec<Value> = serde_json::from_str(&raw).unwrap();
            Reply::json(200, &json!(all.into_iter().take(max).collect::<Vec<_>>()))
        })
    });
    let read = h.read(&["events"], json!({}));
    read.exec.assert_no_crash();
    assert!(matches!(read.code, Some(0 | 1)), "{:?}", read.code);
    let ids: Vec<&str> = read
        .records("events")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"e-sane-1") && ids.contains(&"e-sane-2"),
        "{ids:?}"
    );
    // And incrementally, from a state.
    let state = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "events"},
        "stream_state": {"realms": {"acme": {"time": now - 600_000, "ids": []}}}}}]);
    let inc = h.read_with(&incremental_catalog("events"), Some(&state), json!({}));
    inc.exec.assert_no_crash();
    assert!(matches!(inc.code, Some(0 | 1)), "{:?}", inc.code);
}

/// Item 12: event retention near i64::MAX in the users change feed.
#[test]
fn event_retention_near_i64_max_does_not_panic_the_users_feed() {
    let h = Hostile::start(|req, _| {
        let tail = admin_tail(req)?;
        match tail.as_slice() {
            ["events", "config"] => Some(Reply::json(
                200,
                &json!({"eventsEnabled": true, "adminEventsEnabled": true,
                        "eventsExpiration": i64::MAX - 1,
                        "adminEventsExpiration": i64::MAX}),
            )),
            ["users"] if !is_probe(req) => {
                Some(Reply::json(200, &json!([{"id": "u1", "username": "ann"}])))
            }
            _ => None,
        }
    });
    let cursor = json!({"time": now_ms() - 3_600_000, "ids": []});
    let state = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"},
        "stream_state": {"realms": {"acme": {"admin": cursor, "login": cursor}}}}}]);
    let read = h.read_with(&incremental_catalog("users"), Some(&state), json!({}));
    read.exec.assert_no_crash();
    assert!(matches!(read.code, Some(0 | 1)), "{:?}", read.code);
}

/// Item 15: `/groups/{id}/children` always returns a new child.
#[test]
fn a_group_tree_that_never_ends_is_bounded() {
    let next = AtomicUsize::new(1);
    let h = Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        match tail.as_slice() {
            ["groups"] if !is_probe(req) => Some(Reply::json(
                200,
                &json!([{"id": "g0", "name": "g0", "path": "/g0", "subGroupCount": 1}]),
            )),
            ["groups", _, "children"] => Some(if req.first_max().0 == 0 {
                let n = next.fetch_add(1, Ordering::SeqCst);
                Reply::json(
                    200,
                    &json!([{"id": format!("g{n}"), "name": format!("g{n}"), "subGroupCount": 1}]),
                )
            } else {
                Reply::json(200, &json!([]))
            }),
            _ => None,
        }
    });
    *h.watchdog.lock().unwrap() = 40;
    let read = h.read(&["groups"], json!({}));
    read.exec.assert_no_crash();
    assert!(matches!(read.code, Some(0 | 1)));
    assert_eq!(read.statuses("groups").last(), Some(&"INCOMPLETE"));
    assert!(!read.errors().is_empty());
}

/// Item 15: a child whose id is its grandparent's (a cycle).
#[test]
fn a_group_tree_with_a_cycle_is_an_error() {
    let h = Hostile::start(|req, _| {
        let tail = admin_tail(req)?;
        let group = |id: &str| json!({"id": id, "name": id, "subGroupCount": 1});
        match tail.as_slice() {
            ["groups"] if !is_probe(req) => Some(Reply::json(200, &json!([group("g0")]))),
            ["groups", "g0", "children"] => Some(Reply::json(200, &json!([group("g1")]))),
            ["groups", "g1", "children"] => Some(Reply::json(200, &json!([group("g0")]))),
            _ => None,
        }
    });
    let read = h.read(&["groups"], json!({}));
    read.exec.assert_no_crash();
    assert_eq!(read.code, Some(1), "{}", read.stdout);
    assert_eq!(read.statuses("groups").last(), Some(&"INCOMPLETE"));
    let (_, message) = read.one_error();
    assert!(!message.is_empty());
}

/// Item 15: Keycloak 22's nested `subGroups`, 10,000 levels deep.
#[test]
fn a_nested_group_tree_10000_levels_deep_does_not_crash() {
    let mut tree = String::from("{\"id\":\"leaf\",\"name\":\"leaf\",\"subGroups\":[]}");
    for i in 0..10_000 {
        tree = format!("{{\"id\":\"g{i}\",\"name\":\"g{i}\",\"subGroups\":[{tree}]}}");
    }
    let body = format!("[{tree}]");
    let h = Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        (tail.as_slice() == ["groups"] && !is_probe(req))
            .then(|| Reply::text(200, &[("Content-Type", "application/json")], &body))
    });
    let read = h.read(&["groups"], json!({}));
    read.exec.assert_no_crash();
    assert!(matches!(read.code, Some(0 | 1)));
    assert_eq!(read.statuses("groups").last(), Some(&"INCOMPLETE"));
    assert!(!read.errors().is_empty());
}

/// Item 16: one byte every half second, forever.
#[test]
fn a_slowloris_body_times_out_as_a_transient_error() {
    let h = users_reply(|| {
        let mut first = true;
        Reply::Stream {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            framing: Framing::Chunked,
            delay: Duration::from_millis(500),
            next: Box::new(move || {
                let byte = if first { b'[' } else { b' ' };
                first = false;
                Some(vec![byte])
            }),
        }
    });
    *h.watchdog.lock().unwrap() = 40;
    let read = h.read(
        &["users"],
        json!({"request_timeout_seconds": 2, "max_retries": 0}),
    );
    read.exec.assert_no_crash();
    assert!(
        read.exec.elapsed < Duration::from_secs(30),
        "{:?}",
        read.exec.elapsed
    );
    let (kind, message) = read.one_error();
    assert_eq!(kind, "transient_error", "{message}");
    assert_eq!(read.code, Some(1));
}

/// Path segments of a request, percent-decoded.
fn decoded_segments(path: &str) -> Vec<String> {
    path.split('/')
        .map(|s| {
            crate::hostile::server::parse_query(&format!("x={s}"))[0]
                .1
                .clone()
        })
        .collect()
}

/// Item 17: ids that are `..` or `../users`.
#[test]
fn ids_with_dot_dot_never_leave_their_parent_path() {
    let h = Hostile::start(|req, _| {
        let tail = admin_tail(req)?;
        match tail.as_slice() {
            ["groups"] if !is_probe(req) => Some(Reply::json(
                200,
                &json!([{"id": "..", "name": "dots", "subGroupCount": 0},
                        {"id": "../users", "name": "up", "subGroupCount": 0}]),
            )),
            ["clients"] if !is_probe(req) => Some(Reply::json(
                200,
                &json!([{"id": "..", "clientId": "dots"},
                        {"id": "../users", "clientId": "up"}]),
            )),
            _ => None,
        }
    });
    let read = h.read(
        &["group_members", "group_role_mappings", "client_roles"],
        json!({"max_concurrency": 1}),
    );
    read.exec.assert_no_crash();
    // A request under a group or a client is the list itself (one segment after the
    // realm) or `{collection}/{id}/{what}` (three): two segments (`groups/members`) is
    // `{id}` = `..` resolved away, and no segment may decode to `.`, `..` or hold a `/`
    // (servers normalise `%2E%2E` and `%2F`).
    let escaped: Vec<String> = h
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| {
            let Some(tail) = p.strip_prefix("/admin/realms/acme/") else {
                return false;
            };
            let segments = decoded_segments(tail);
            let bad_segment = segments
                .iter()
                .any(|s| s == ".." || s == "." || s.contains('/'));
            let under_parent = matches!(segments[0].as_str(), "groups" | "clients");
            bad_segment
                || under_parent && segments.len() == 2 && segments[1] != "count"
                || ["members", "role-mappings"].contains(&segments[0].as_str())
        })
        .collect();
    assert!(
        escaped.is_empty(),
        "requests outside the parent's path: {escaped:?}"
    );
    let stolen_roles = h
        .requests()
        .iter()
        .filter(|r| r.path == "/admin/realms/acme/roles" && !is_probe(r))
        .count();
    assert_eq!(stolen_roles, 0, "a client id `..` read the realm roles");
}

/// Extra: a token answer of 50 MB.
#[test]
fn a_50_mb_token_answer_is_refused_with_bounded_memory() {
    let h = Hostile::start(|req, kc| {
        req.path.ends_with("/openid-connect/token").then(|| {
            kc.issue();
            let huge = format!(
                "{}{}",
                fake_keycloak::TOKEN_PREFIX,
                "A".repeat(50 * MB as usize)
            );
            Reply::json(200, &json!({"access_token": huge, "expires_in": 300}))
        })
    });
    let check = h.check(json!({}));
    check.exec.assert_no_crash();
    assert_eq!(check.connection_status().0, "FAILED");
    let read = h.read(&["realm_roles"], json!({}));
    read.exec.assert_no_crash();
    assert_eq!(read.code, Some(1));
    assert!(
        read.exec.peak_rss_kb < RSS_LIMIT_KB,
        "peak RSS {} MB",
        read.exec.peak_rss_kb / 1024
    );
    let longest = h
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::len))
        .max()
        .unwrap_or(0);
    assert!(
        longest < 64 * 1024,
        "an Authorization header of {longest} bytes was sent"
    );
}

/// Extra: a token with CR/LF in it must not inject a header.
#[test]
fn a_token_with_cr_lf_injects_no_header() {
    let h = Hostile::start(|req, kc| {
        req.path.ends_with("/openid-connect/token").then(|| {
            let token = format!("{}\r\nX-Injected: yes", kc.issue());
            Reply::json(200, &json!({"access_token": token, "expires_in": 300}))
        })
    });
    let check = h.check(json!({}));
    check.exec.assert_no_crash();
    let read = h.read(&["realm_roles"], json!({}));
    read.exec.assert_no_crash();
    assert_eq!(read.code, Some(1), "{}", read.stdout);
    assert!(!read.errors().is_empty());
    assert!(
        h.requests()
            .iter()
            .all(|r| r.header("x-injected").is_none()),
        "a header was injected"
    );
    assert_eq!(check.connection_status().0, "FAILED");
}

/// Extra: bytes that are barely HTTP (two disagreeing Content-Length headers) or not
/// HTTP at all: an error for that stream, no crash, the next stream complete.
#[test]
fn answers_that_are_not_valid_http_fail_only_their_stream() {
    for (name, raw) in [
        (
            "two lengths",
            &b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 500\r\n\r\n[]"[..],
        ),
        ("garbage", &b"\x00\xffSSH-2.0-OpenSSH_9.6\r\n"[..]),
    ] {
        let h = Hostile::start(move |req, _| {
            let tail = admin_tail(req)?;
            (tail.as_slice() == ["users"] && !is_probe(req)).then(|| Reply::Raw(raw.to_vec()))
        });
        let read = h.read(&["users", "realm_roles"], json!({}));
        read.exec.assert_no_crash();
        assert_eq!(read.code, Some(1), "{name}: {}", read.stdout);
        assert_eq!(read.statuses("users").last(), Some(&"INCOMPLETE"), "{name}");
        assert_eq!(
            read.statuses("realm_roles"),
            ["STARTED", "COMPLETE"],
            "{name}"
        );
    }
}

/// Extra: a body that ends only when the connection closes, and never does.
#[test]
fn an_endless_body_without_a_length_is_cut_at_the_size_cap() {
    let h = users_reply(|| user_array(Framing::Close, None));
    assert_huge_body_is_refused(&h, true);
}
