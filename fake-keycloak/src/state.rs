//! Shared state of a running fake: the data world (realms, clients, settings)
//! behind a RwLock, the token store, fault rules, the request log, and the
//! stop flag plus open connections used for shutdown. Locks never poison:
//! a panicking thread cannot wedge the server.

use crate::auth::TokenStore;
use crate::config::ServiceClient;
use crate::faults::FaultRule;
use crate::realm::RealmData;
use std::collections::HashMap;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// One request as the server saw and answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// The raw path as sent (including any relative path), without the query.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The status sent; 0 when a fault closed the connection without a response.
    pub status: u16,
    /// The request carried a currently valid bearer token (or, at the token
    /// endpoint, valid client credentials that got a token).
    pub authorized: bool,
    /// Whether the request carried an `Authorization` header at all (valid or not).
    pub authorization_header: bool,
}

/// The data served, and settings fixed at start (except `legacy_groups`).
#[derive(Debug)]
pub(crate) struct World {
    pub realms: Vec<RealmData>,
    pub clients: Vec<ServiceClient>,
    pub legacy_groups: bool,
    pub token_lifetime_secs: u64,
    /// "http://127.0.0.1:PORT" plus the relative path.
    pub base_url: String,
    pub relative_path: String,
    /// Compatibility switches, as in [`crate::FakeConfig`].
    pub legacy_idp_instances: bool,
    pub legacy_idp_alias_filter: bool,
    pub no_organizations_api: bool,
    pub legacy_events: bool,
    pub unstable_event_ties: bool,
    pub log_endpoint: bool,
    /// Lookup tables over `realms`; whoever changes `realms` clears them.
    pub index: crate::index::IndexCache,
}

impl World {
    pub(crate) fn realm(&self, name: &str) -> Option<&RealmData> {
        self.realms.iter().find(|r| r.name == name)
    }

    /// The lookup tables of `realm` (built on first use).
    pub(crate) fn index(&self, realm: &RealmData) -> std::sync::Arc<crate::index::RealmIndex> {
        self.index.get(realm)
    }

    pub(crate) fn client(&self, realm: &str, client_id: &str) -> Option<&ServiceClient> {
        self.clients
            .iter()
            .find(|c| c.realm == realm && c.client_id == client_id)
    }
}

/// A change to a realm's data made just before a matching request is served.
pub(crate) struct Hook {
    pub path_contains: String,
    pub times: usize,
    pub realm: String,
    pub change: Box<dyn FnMut(&mut RealmData) + Send>,
}

pub(crate) struct Shared {
    pub world: RwLock<World>,
    pub tokens: Mutex<TokenStore>,
    pub faults: Mutex<Vec<FaultRule>>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub hooks: Mutex<Vec<Hook>>,
    /// Serve TLS with this config (None: plain HTTP).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    stop: AtomicBool,
    /// Requests being served right now, and the most there were at once (see
    /// [`Shared::serving`]).
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    conns: Mutex<HashMap<u64, TcpStream>>,
    handles: Mutex<Vec<JoinHandle<()>>>,
    next_conn: AtomicU64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(world: World) -> Self {
        Self {
            world: RwLock::new(world),
            tokens: Mutex::new(TokenStore::new()),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            hooks: Mutex::new(Vec::new()),
            tls: None,
            stop: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            conns: Mutex::new(HashMap::new()),
            handles: Mutex::new(Vec::new()),
            next_conn: AtomicU64::new(0),
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub(crate) fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
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
            let _ = stream.shutdown(std::net::Shutdown::Both);
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

/// One request in flight (see [`Shared::serving`]).
pub(crate) struct Serving<'a>(&'a Shared);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
