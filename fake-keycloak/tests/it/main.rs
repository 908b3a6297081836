//! fake-keycloak's tests, one binary: the running server over real loopback sockets,
//! through the public API only (start a [`fake_keycloak::FakeKeycloak`], send HTTP
//! requests), by concern; the generated sample data; and the crate's layering rules.

mod access;
mod activity;
mod faults;
mod groups;
mod identity;
mod layers;
mod realm;
mod roles;
mod sample;
mod support;
mod tokens;
mod users;
mod wire;
