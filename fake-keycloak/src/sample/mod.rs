//! The sample data, above the model: the deterministic sample realm ([`realm`], with
//! its clients, role graph, identity data and activity in the sibling files), the
//! benchmark realm grown from it ([`bench`]), and the sample's names and secrets
//! ([`secrets`]). Uses only `crate::model`; knows neither the wire nor the routes.

pub(crate) mod activity;
pub(crate) mod bench;
pub(crate) mod clients;
pub(crate) mod identity;
pub(crate) mod realm;
pub(crate) mod roles;
pub(crate) mod secrets;
pub(crate) mod security;
