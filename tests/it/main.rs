//! The connector's tests against a local fake Keycloak, in one test binary (one link,
//! shared support code), organised by concern.

mod support;

mod architecture;
mod auth;
mod bad_input;
mod check;
mod churn;
mod cli;
mod concurrency;
mod effective;
mod faults;
mod hostile;
mod incremental;
mod kill;
mod read;
mod role_plans;
mod secrets;
mod security_streams;
mod singer;
mod streams;
mod users_feed;
