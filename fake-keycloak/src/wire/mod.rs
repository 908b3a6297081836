//! The wire, beside the model at the bottom: HTTP/1.1 messages and codecs, TLS, the
//! listener and its connections, fault injection and the request log. What a request is
//! answered with is asked of a [`handler::Handler`]; the wire knows neither the routes
//! nor the model (nor the sample). Uses only `crate::locks`.

pub(crate) mod codec;
pub(crate) mod exchange;
pub(crate) mod faults;
pub(crate) mod handler;
pub(crate) mod http;
pub(crate) mod log;
pub(crate) mod server;
pub(crate) mod shared;
pub(crate) mod tls;
