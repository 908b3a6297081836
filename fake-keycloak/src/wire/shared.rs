//! What the accept loop and the connection threads of one server share: the handler,
//! the fault rules, the request log, the stop flag, the count of requests in flight,
//! and the open connections (closed at shutdown).

use super::faults::FaultRule;
use super::handler::Handler;
use super::log::LoggedRequest;
use crate::locks::lock;
use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// What the accept loop and the connection threads share.
pub(crate) struct Wire {
    pub handler: Arc<dyn Handler>,
    pub faults: Mutex<Vec<FaultRule>>,
    pub log: Mutex<Vec<LoggedRequest>>,
    /// Also answer `GET /__fake/log`.
    pub log_endpoint: bool,
    /// Serve TLS with this config (None: plain HTTP).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    stop: AtomicBool,
    /// Requests being served right now, and the most there were at once (see
    /// [`Wire::serving`]).
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    conns: Mutex<HashMap<u64, TcpStream>>,
    handles: Mutex<Vec<JoinHandle<()>>>,
    next_conn: AtomicU64,
}

impl Wire {
    pub(crate) fn new(
        handler: Arc<dyn Handler>,
        log_endpoint: bool,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Self {
        Self {
            handler,
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            log_endpoint,
            tls,
            stop: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            conns: Mutex::new(HashMap::new()),
            handles: Mutex::new(Vec::new()),
            next_conn: AtomicU64::new(0),
        }
    }

    pub(crate) fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn reset_max_in_flight(&self) {
        self.max_in_flight.store(0, Ordering::SeqCst);
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps for `d`, waking early if the server is stopping.
    pub(crate) fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.stopping() {
            let now = Instant::now();
            if now >= end {
                break;
            }
            thread::sleep((end - now).min(Duration::from_millis(20)));
        }
    }

    /// Remembers a connection so shutdown can close it; returns its id.
    pub(crate) fn register(&self, stream: &TcpStream) -> Option<u64> {
        let clone = stream.try_clone().ok()?;
        let id = self.next_conn.fetch_add(1, Ordering::SeqCst);
        lock(&self.conns).insert(id, clone);
        Some(id)
    }

    pub(crate) fn unregister(&self, id: Option<u64>) {
        if let Some(id) = id {
            lock(&self.conns).remove(&id);
        }
    }

    pub(crate) fn keep_handle(&self, handle: JoinHandle<()>) {
        let mut handles = lock(&self.handles);
        handles.retain(|h| !h.is_finished());
        handles.push(handle);
    }

    /// Closes every open connection and waits for their threads to end.
    pub(crate) fn close_connections(&self) {
        for (_, stream) in lock(&self.conns).drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let handles: Vec<_> = lock(&self.handles).drain(..).collect();
        for h in handles {
            let _ = h.join();
        }
    }

    pub(crate) fn log(&self, entry: LoggedRequest) {
        lock(&self.log).push(entry);
    }

    /// Counts a request as being served until the guard is dropped, and raises the
    /// high-water mark: how many requests a client really keeps in flight.
    pub(crate) fn serving(&self) -> Serving<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Serving(self)
    }
}

/// One request in flight (see [`Wire::serving`]).
pub(crate) struct Serving<'a>(&'a Wire);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
