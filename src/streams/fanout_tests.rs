//! The fan-out engine without HTTP: order, bounds, errors, panics, and that concurrency 1
//! is the sequential code.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::fanout::{CHUNK, ordered};
use crate::error::{Error, Result};

/// Parent `p`'s children: 0 to 4 × 37 records (some spanning chunks), `p * 1000 + i`.
fn children(p: usize) -> Vec<usize> {
    (0..(p % 5) * 37).map(|i| p * 1000 + i).collect()
}

/// Parents finish out of order: a short, uneven sleep before their records.
fn jitter(p: usize) {
    std::thread::sleep(Duration::from_micros(((p * 7919) % 3 * 700) as u64));
}

fn sequential(parents: std::ops::Range<usize>) -> Vec<usize> {
    parents.flat_map(children).collect()
}

fn submit_all(
    parents: std::ops::Range<usize>,
) -> impl FnOnce(&mut dyn FnMut(usize) -> Result<()>) -> Result<()> {
    move |submit| parents.into_iter().try_for_each(submit)
}

#[test]
fn records_come_in_parent_order_at_every_concurrency() {
    for concurrency in [1, 2, 4, 16] {
        let mut got = Vec::new();
        let read = |p: usize, out: &mut dyn FnMut(usize) -> Result<()>| {
            jitter(p);
            children(p).into_iter().try_for_each(out)
        };
        ordered(concurrency, submit_all(0..60), &read, &mut |r| {
            got.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, sequential(0..60), "concurrency {concurrency}");
    }
}

#[test]
fn at_most_concurrency_parents_and_a_few_chunks_are_held() {
    for concurrency in [2, 4, 16] {
        let highest_started = AtomicUsize::new(0);
        let (produced, emitted) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let bound = (2 * concurrency + 1) * CHUNK;
        let read = |p: usize, out: &mut dyn FnMut((usize, usize)) -> Result<()>| {
            highest_started.fetch_max(p, Ordering::SeqCst);
            jitter(p);
            // Five chunks per parent: workers ahead must wait, not pile up records.
            for i in 0..5 * CHUNK {
                let held = produced.fetch_add(1, Ordering::SeqCst) + 1;
                // Other workers may have produced (and the caller emitted) more since the
                // add above, so the difference can go below zero.
                let held = held.saturating_sub(emitted.load(Ordering::SeqCst));
                assert!(held <= bound, "{held} records held at {concurrency}");
                out((p, i))?;
            }
            Ok(())
        };
        let mut count = 0;
        ordered(concurrency, submit_all(0..40), &read, &mut |(p, _)| {
            let ahead = highest_started.load(Ordering::SeqCst);
            assert!(ahead < p + concurrency, "parent {ahead} started at {p}");
            emitted.fetch_add(1, Ordering::SeqCst);
            count += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(count, 40 * 5 * CHUNK);
    }
}

#[test]
fn an_error_keeps_the_records_before_it_and_starts_no_new_parent() {
    for concurrency in [1, 4, 8] {
        let highest_started = AtomicUsize::new(0);
        let read = |p: usize, out: &mut dyn FnMut(usize) -> Result<()>| {
            highest_started.fetch_max(p, Ordering::SeqCst);
            jitter(p);
            if p == 21 {
                // Part of its list, then the failure, as when a later page fails.
                children(p).into_iter().take(3).try_for_each(&mut *out)?;
                return Err(Error::Internal("parent 21 failed".into()));
            }
            children(p).into_iter().try_for_each(out)
        };
        let mut got = Vec::new();
        let result = ordered(concurrency, submit_all(0..100), &read, &mut |r| {
            got.push(r);
            Ok(())
        });
        assert!(
            matches!(&result, Err(Error::Internal(m)) if m == "parent 21 failed"),
            "{result:?}"
        );
        let mut expected = sequential(0..21);
        expected.extend(children(21).into_iter().take(3));
        assert_eq!(got, expected, "concurrency {concurrency}");
        let highest = highest_started.load(Ordering::SeqCst);
        assert!(highest < 21 + concurrency, "parent {highest} was started");
    }
}

#[test]
fn a_failing_emit_stops_every_worker_before_returning() {
    let active = AtomicUsize::new(0);
    let highest_started = AtomicUsize::new(0);
    let read = |p: usize, out: &mut dyn FnMut(usize) -> Result<()>| {
        active.fetch_add(1, Ordering::SeqCst);
        highest_started.fetch_max(p, Ordering::SeqCst);
        jitter(p);
        let result = (0..3 * CHUNK).try_for_each(|i| out(p * 1000 + i));
        active.fetch_sub(1, Ordering::SeqCst);
        result
    };
    let mut emitted = 0;
    let result = ordered(4, submit_all(0..1000), &read, &mut |_| {
        emitted += 1;
        if emitted == 2 * 3 * CHUNK + 5 {
            return Err(Error::BrokenPipe);
        }
        Ok(())
    });
    assert!(matches!(result, Err(Error::BrokenPipe)), "{result:?}");
    assert_eq!(active.load(Ordering::SeqCst), 0, "every worker was joined");
    let highest = highest_started.load(Ordering::SeqCst);
    assert!(highest < 2 + 4, "parent {highest} was started");
}

#[test]
fn one_at_a_time_is_the_sequential_code_on_the_calling_thread() {
    let caller = std::thread::current().id();
    let log = Mutex::new(Vec::new());
    let note = |event: String| log.lock().unwrap().push(event);
    let read = |p: usize, out: &mut dyn FnMut(usize) -> Result<()>| {
        assert_eq!(std::thread::current().id(), caller);
        note(format!("read {p}"));
        children(p).into_iter().take(2).try_for_each(out)
    };
    let parents = |submit: &mut dyn FnMut(usize) -> Result<()>| {
        (0..4).try_for_each(|p| {
            note(format!("parent {p}"));
            submit(p)
        })
    };
    ordered(1, parents, &read, &mut |r| {
        note(format!("emit {r}"));
        Ok(())
    })
    .unwrap();
    let expected = [
        "parent 0",
        "read 0",
        "parent 1",
        "read 1",
        "emit 1000",
        "emit 1001",
        "parent 2",
        "read 2",
        "emit 2000",
        "emit 2001",
        "parent 3",
        "read 3",
        "emit 3000",
        "emit 3001",
    ];
    assert_eq!(*log.lock().unwrap(), expected);
}

#[test]
fn a_panicking_read_is_an_internal_error_after_the_parents_before_it() {
    let read = |p: usize, out: &mut dyn FnMut(usize) -> Result<()>| {
        jitter(p);
        if p == 6 {
            panic!("worker bug at parent 6");
        }
        children(p).into_iter().try_for_each(out)
    };
    let mut got = Vec::new();
    let result = ordered(4, submit_all(0..30), &read, &mut |r| {
        got.push(r);
        Ok(())
    });
    assert!(
        matches!(&result, Err(Error::Internal(m)) if m.contains("worker bug at parent 6")),
        "{result:?}"
    );
    assert_eq!(got, sequential(0..6));
}

#[test]
fn a_broken_list_of_parents_still_emits_the_parents_read_before_it() {
    let read = |p: usize, out: &mut dyn FnMut(usize) -> Result<()>| {
        jitter(p);
        if p == 3 {
            return Err(Error::Internal("parent 3 failed".into()));
        }
        children(p).into_iter().try_for_each(out)
    };
    // The list breaks after parents 4..10: their records, then the list's error. With
    // parent 3 among them, its error comes first, as in the sequential code.
    for (first, error, expected) in [
        (4, "list broke", sequential(4..10)),
        (0, "parent 3 failed", sequential(0..3)),
    ] {
        let parents = |submit: &mut dyn FnMut(usize) -> Result<()>| {
            (first..10).try_for_each(submit)?;
            Err(Error::Internal("list broke".into()))
        };
        let mut got = Vec::new();
        let result = ordered(3, parents, &read, &mut |r| {
            got.push(r);
            Ok(())
        });
        assert!(
            matches!(&result, Err(Error::Internal(m)) if m == error),
            "{result:?}"
        );
        assert_eq!(got, expected);
    }
}
