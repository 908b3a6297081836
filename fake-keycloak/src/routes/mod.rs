//! The routes, the top of the request path: Keycloak's endpoints answered from the
//! model. `router.rs` dispatches a request to the public endpoints (`public.rs`), the
//! token endpoint (`tokens.rs`) or the Admin API (`admin.rs`: checks and routing), which
//! serves one file per family (`realm`, `users`, `groups`, `roles`, `identity`,
//! `activity`); `context.rs` and `params.rs` are what they share. Uses the model and
//! the wire's message types; knows nothing of the sample.

pub(crate) mod activity;
pub(crate) mod admin;
pub(crate) mod context;
pub(crate) mod groups;
pub(crate) mod identity;
pub(crate) mod params;
pub(crate) mod public;
pub(crate) mod realm;
pub(crate) mod roles;
pub(crate) mod router;
pub(crate) mod security;
pub(crate) mod tokens;
pub(crate) mod users;
