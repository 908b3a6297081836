//! Bounded, ordered fan-out: the children of many parents (members of every group, users
//! of every role, sessions of every client…) read by up to `max_concurrency` workers at
//! once, and handed on strictly in parent order, so the output is the sequential code's,
//! record for record. Fan-outs are latency-bound (one small request per parent, thousands
//! of parents), which is why overlapping requests helps.
//!
//! The calling thread produces the parents (a paged list or the group tree walk, which
//! need its `Ctx`) and emits; workers only read children. At most `max_concurrency`
//! parents are in the window between "started" and "emitted"; a worker ahead of the
//! oldest one hands its records over in chunks through a channel of one chunk and then
//! waits, so memory holds a few chunks per parent, never a whole child list (a role held
//! by every user of the realm stays a stream) and never the realm.
//!
//! Errors end the fan-out as they end the sequential code: the records before the error,
//! in order (the failing parent's records before its error included), then the error; no
//! parent is started after a worker failed or `emit` failed (a closed stdout), and the
//! scope joins every worker before returning. A worker that is already reading a later
//! parent finishes its current request (with its retries) and stops at its next record.
//! With `max_concurrency` 1 nothing of this runs: parents are read on the calling thread,
//! exactly as before.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Mutex, PoisonError};

use super::Ctx;
use crate::error::{Error, Result};

/// Records a worker gathers before handing them over: the size of a default page, so a
/// chunk costs about what the page it came from did.
pub(crate) const CHUNK: usize = 100;

/// Workers share the one HTTP client, its connection pool and its token cache.
const _: fn() = assert_sync::<crate::http::Client>;
fn assert_sync<T: Sync>() {}

/// Reads one parent's children and passes each to its sink, in order.
pub(crate) type Read<'r, P, T> =
    dyn Fn(P, &mut dyn FnMut(T) -> Result<()>) -> Result<()> + Sync + 'r;

/// `parents` submits every parent, in the order the sequential code visits them (it runs
/// on the calling thread, with `ctx`); `read` reads one parent's children with a `Ctx`
/// of its own (on a worker); `emit` gets the children in parent order, on the calling
/// thread, so it may keep state (deduplication, a parent's inherited grants).
pub(crate) fn fan_out<P: Send, T: Send>(
    ctx: &Ctx,
    parents: impl FnOnce(&mut dyn FnMut(P) -> Result<()>) -> Result<()>,
    read: impl Fn(&Ctx, P, &mut dyn FnMut(T) -> Result<()>) -> Result<()> + Sync,
    emit: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    if ctx.concurrency <= 1 {
        return parents(&mut |parent| read(ctx, parent, emit));
    }
    // A `Ctx` is not `Sync` (its warnings are a RefCell): each parent's read gets its own,
    // and its warnings join the realm's after the fan-out.
    let warnings = Mutex::new(Vec::new());
    let (client, realm, events) = (ctx.client, ctx.realm, ctx.events);
    let read_one = |parent: P, out: &mut dyn FnMut(T) -> Result<()>| {
        let mine = RefCell::new(Vec::new());
        let worker = Ctx {
            client,
            realm,
            events,
            warnings: &mine,
            concurrency: 1,
            fetch_ahead: false,
        };
        let result = read(&worker, parent, out);
        lock(&warnings).extend(mine.into_inner());
        result
    };
    let result = ordered(ctx.concurrency, parents, &read_one, emit);
    let warnings = warnings
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    ctx.warnings.borrow_mut().extend(warnings);
    result
}

/// What a worker sends for one parent: its records in chunks, then how the read ended.
enum Part<T> {
    Records(Vec<T>),
    End(Result<()>),
}

/// One parent for a worker, its place in the order, and where its records go.
struct Job<P, T> {
    index: usize,
    parent: P,
    out: SyncSender<Part<T>>,
}

/// The engine of `fan_out`, without HTTP: `read` runs on up to `concurrency` scoped
/// worker threads, `parents` and `emit` on the calling thread.
pub(crate) fn ordered<P: Send, T: Send>(
    concurrency: usize,
    parents: impl FnOnce(&mut dyn FnMut(P) -> Result<()>) -> Result<()>,
    read: &Read<P, T>,
    emit: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    if concurrency <= 1 {
        return parents(&mut |parent| read(parent, emit));
    }
    let (jobs, queue) = mpsc::channel::<Job<P, T>>();
    let queue = Mutex::new(queue);
    // The lowest index whose read failed (`usize::MAX`: none yet): parents after it are
    // never started. A flag would not do: a worker may look at it after a later parent
    // failed but before starting its own, earlier one, which is still needed.
    let stop = AtomicUsize::new(usize::MAX);
    let mut next = 0;
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        // Receivers of the parents started and not yet emitted, oldest first.
        let mut window: VecDeque<Receiver<Part<T>>> = VecDeque::new();
        // Whether an error came out of `submit` (a parent's read or `emit`), rather than
        // from the list of parents itself.
        let mut failed = false;
        let produced = parents(&mut |parent| {
            let submitted = (|| {
                if window.len() >= concurrency
                    && let Some(oldest) = window.pop_front()
                {
                    drain(oldest, emit)?;
                }
                if workers.len() < concurrency {
                    let (queue, stop) = (&queue, &stop);
                    let worker = std::thread::Builder::new()
                        .name("fan-out".into())
                        .spawn_scoped(scope, move || work(queue, stop, read))
                        .map_err(|e| Error::Internal(format!("cannot start a thread: {e}")))?;
                    workers.push(worker);
                }
                let (out, records) = mpsc::sync_channel(1);
                jobs.send(Job {
                    index: next,
                    parent,
                    out,
                })
                .map_err(|_| Error::Internal("the fan-out workers are gone".into()))?;
                window.push_back(records);
                next += 1;
                Ok(())
            })();
            failed |= submitted.is_err();
            submitted
        });
        let result = match produced {
            Ok(()) => drain_all(&mut window, emit),
            Err(e) if failed => Err(e),
            // The list of parents broke: the parents read before it are still emitted,
            // as the sequential code would have, unless one of them failed first.
            Err(e) => drain_all(&mut window, emit).and(Err(e)),
        };
        if result.is_err() {
            // Nothing more is emitted: no parent may start.
            stop.store(0, Ordering::SeqCst);
        }
        // Busy workers' next send fails and ends their read; idle ones wake and end.
        drop(window);
        drop(jobs);
        let mut joined = Ok(());
        for worker in workers {
            if worker.join().is_err() {
                joined = Err(Error::Internal("a fan-out worker thread panicked".into()));
            }
        }
        result.and(joined)
    })
}

/// Emits one parent's records as they come, and returns how its read ended.
fn drain<T>(records: Receiver<Part<T>>, emit: &mut dyn FnMut(T) -> Result<()>) -> Result<()> {
    for part in records {
        match part {
            Part::Records(chunk) => chunk.into_iter().try_for_each(&mut *emit)?,
            Part::End(result) => return result,
        }
    }
    Err(Error::Internal(
        "a fan-out worker ended without finishing its parent".into(),
    ))
}

fn drain_all<T>(
    window: &mut VecDeque<Receiver<Part<T>>>,
    emit: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    while let Some(oldest) = window.pop_front() {
        drain(oldest, emit)?;
    }
    Ok(())
}

/// A worker: takes parents in submission order until there are none or the fan-out
/// stops. A panic in `read` becomes that parent's error instead of tearing the scope
/// down (the calling thread would otherwise wait for the parent's end forever).
fn work<P, T>(queue: &Mutex<Receiver<Job<P, T>>>, stop: &AtomicUsize, read: &Read<P, T>) {
    loop {
        let job = lock(queue).recv();
        let Ok(Job { index, parent, out }) = job else {
            return;
        };
        // Jobs come in order: every later one is past the failure too.
        if index > stop.load(Ordering::SeqCst) {
            return;
        }
        let mut chunk = Vec::new();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            read(parent, &mut |record| {
                chunk.push(record);
                if chunk.len() >= CHUNK {
                    out.send(Part::Records(std::mem::take(&mut chunk)))
                        .map_err(|_| Error::Internal("the fan-out stopped".into()))?;
                }
                Ok(())
            })
        }));
        let result = outcome.unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Error::Internal(format!(
                "a fan-out worker panicked: {what}"
            )))
        });
        if result.is_err() {
            // No parent after this one may start, as in the sequential code.
            stop.fetch_min(index, Ordering::SeqCst);
        }
        if !chunk.is_empty() {
            let _ = out.send(Part::Records(chunk));
        }
        let _ = out.send(Part::End(result));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
