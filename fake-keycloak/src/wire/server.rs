//! The listener and its connections: binding (and the TLS config), the accept loop, one
//! thread per keep-alive connection (plain or TLS), the [`Server`] handle, and
//! shutdown. What the threads share is in `shared.rs`; what each request gets is up to
//! `exchange.rs`.

use super::exchange::serve_requests;
use super::faults::FaultRule;
use super::handler::Handler;
use super::log::LoggedRequest;
use super::shared::Wire;
use super::tls::{self, TlsIdentity};
use crate::locks::lock;
use std::cell::RefCell;
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A bound listener that does not serve yet: its port is known before the data that
/// names it (the base URL) is built.
pub(crate) struct Bound {
    listener: TcpListener,
    port: u16,
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// Binds 127.0.0.1:`port` (0: any free port), then builds the TLS config if any.
pub(crate) fn bind(port: u16, tls: Option<&TlsIdentity>) -> io::Result<Bound> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    let tls = match tls {
        Some(identity) => Some(tls::server_config(identity)?),
        None => None,
    };
    Ok(Bound {
        listener,
        port,
        tls,
    })
}

impl Bound {
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Starts the accept thread; `handler` answers the requests.
    pub(crate) fn serve(self, handler: Arc<dyn Handler>, log_endpoint: bool) -> io::Result<Server> {
        let wire = Arc::new(Wire::new(handler, log_endpoint, self.tls));
        let accept_wire = Arc::clone(&wire);
        let listener = self.listener;
        let accept = thread::Builder::new()
            .name(format!("fake-keycloak-{}", self.port))
            .spawn(move || accept_loop(&accept_wire, &listener))?;
        Ok(Server {
            wire,
            port: self.port,
            accept: Some(accept),
        })
    }
}

/// A serving listener. [`Server::stop`] (or dropping it) stops it: the listener
/// closes, open connections are shut down and their threads joined.
pub(crate) struct Server {
    wire: Arc<Wire>,
    port: u16,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn push_fault(&self, rule: FaultRule) {
        lock(&self.wire.faults).push(rule);
    }

    pub(crate) fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.wire.log).clone()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.wire.log).clear();
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.wire.max_in_flight()
    }

    pub(crate) fn reset_max_in_flight(&self) {
        self.wire.reset_max_in_flight();
    }

    /// Stops serving; a second call does nothing more.
    pub(crate) fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            self.wire.request_stop();
            wake(self.port);
            let _ = accept.join();
        }
        self.wire.close_connections();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Wakes the accept loop (blocked in accept) so it can see the stop flag.
fn wake(port: u16) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}

fn accept_loop(wire: &Arc<Wire>, listener: &TcpListener) {
    for conn in listener.incoming() {
        if wire.stopping() {
            break;
        }
        let Ok(stream) = conn else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = wire.register(&stream);
        let conn_wire = Arc::clone(wire);
        let spawned = thread::Builder::new().spawn(move || {
            serve_connection(&conn_wire, stream);
            conn_wire.unregister(id);
        });
        match spawned {
            Ok(handle) => wire.keep_handle(handle),
            Err(_) => wire.unregister(id),
        }
    }
}

fn serve_connection(wire: &Wire, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(socket) = stream.try_clone() else {
        return;
    };
    match &wire.tls {
        None => {
            let Ok(read_half) = stream.try_clone() else {
                return;
            };
            serve_requests(wire, BufReader::new(read_half), stream);
        }
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
                return;
            };
            // One TLS stream used for reading and writing in turn, on this thread only.
            let tls = Rc::new(RefCell::new(rustls::StreamOwned::new(conn, stream)));
            let reader = BufReader::new(Half(Rc::clone(&tls)));
            serve_requests(wire, reader, Half(tls));
        }
    }
    let _ = socket.shutdown(Shutdown::Both);
}

/// A read or write handle on a TLS stream shared within one connection thread.
struct Half<S>(Rc<RefCell<S>>);

impl<S: Read> Read for Half<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

impl<S: Write> Write for Half<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}
