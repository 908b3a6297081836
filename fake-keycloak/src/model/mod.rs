//! The data model, the bottom layer: what a fake serves and nothing about how. A realm's
//! data ([`realm::RealmData`]), the service clients that may ask for tokens, the world of
//! realms and settings a running fake serves, lookup tables over a realm, issued tokens,
//! deterministic ids, and date arithmetic. Uses only `crate::locks`; knows neither the
//! wire nor the routes nor the sample.

pub(crate) mod clients;
pub(crate) mod dates;
pub(crate) mod ids;
pub(crate) mod index;
pub(crate) mod json;
pub(crate) mod realm;
pub(crate) mod security;
pub(crate) mod tokens;
pub(crate) mod world;
