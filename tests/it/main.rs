//! The connector's tests against a local fake Keycloak, in one test binary (one link,
//! shared support code), organised by concern.

mod support;

mod auth;
mod check;
mod cli;
mod effective;
mod faults;
mod incremental;
mod read;
mod singer;
mod streams;
mod users_feed;
