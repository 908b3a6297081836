//! The state of a running fake above the wire: the world it serves (behind a RwLock),
//! the token store and the data-change hooks, built from a [`FakeConfig`] once the port
//! is known; and the wire's [`Handler`], which answers each request by the routes.

use crate::config::FakeConfig;
use crate::locks::{lock, read, write};
use crate::model::realm::RealmData;
use crate::model::tokens::TokenStore;
use crate::model::world::World;
use crate::routes::context::Ctx;
use crate::routes::{router, tokens};
use crate::sample::clients::sync_client;
use crate::wire::handler::{Handler, Served};
use crate::wire::http::Request;
use std::sync::{Mutex, RwLock};

/// A change to a realm's data made just before a matching request is served.
pub(crate) struct Hook {
    pub path_contains: String,
    pub times: usize,
    pub realm: String,
    pub change: Box<dyn FnMut(&mut RealmData) + Send>,
}

pub(crate) struct App {
    pub world: RwLock<World>,
    pub tokens: Mutex<TokenStore>,
    pub hooks: Mutex<Vec<Hook>>,
}

impl App {
    /// Serves `config`'s data at 127.0.0.1:`port`.
    pub(crate) fn new(config: FakeConfig, port: u16) -> Self {
        Self {
            world: RwLock::new(world(config, port)),
            tokens: Mutex::new(TokenStore::new()),
            hooks: Mutex::new(Vec::new()),
        }
    }
}

/// "", "/auth", "auth/" → "", "/auth", "/auth".
fn normalize_relative(path: &str) -> String {
    let trimmed = path.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn world(config: FakeConfig, port: u16) -> World {
    let relative_path = normalize_relative(&config.relative_path);
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut realms = config.realms;
    for sc in &config.clients {
        if let Some(realm) = realms.iter_mut().find(|r| r.name == sc.realm) {
            sync_client(realm, sc);
        }
    }
    World {
        realms,
        clients: config.clients,
        legacy_groups: config.legacy_groups,
        token_lifetime_secs: config.token_lifetime_secs,
        base_url: format!("{scheme}://127.0.0.1:{port}{relative_path}"),
        relative_path,
        legacy_idp_instances: config.legacy_idp_instances,
        legacy_idp_alias_filter: config.legacy_idp_alias_filter,
        no_organizations_api: config.no_organizations_api,
        legacy_events: config.legacy_events,
        unstable_event_ties: config.unstable_event_ties,
        index: Default::default(),
    }
}

impl Handler for App {
    /// Runs the data-change hooks whose rule matches, before the request is served (with
    /// the world locked for writing, so the change is atomic for every request).
    fn before(&self, req: &Request) {
        let mut hooks = lock(&self.hooks);
        let firing: Vec<usize> = hooks
            .iter_mut()
            .enumerate()
            .filter(|(_, h)| h.times > 0 && req.target.contains(&h.path_contains))
            .map(|(i, h)| {
                if h.times != usize::MAX {
                    h.times -= 1;
                }
                i
            })
            .collect();
        if firing.is_empty() {
            return;
        }
        let mut world = write(&self.world);
        world.index.clear();
        for i in firing {
            let hook = &mut hooks[i];
            if let Some(realm) = world.realms.iter_mut().find(|r| r.name == hook.realm) {
                (hook.change)(realm);
            }
        }
    }

    fn serve(&self, req: &Request, repeat_first: bool) -> Served {
        let world = read(&self.world);
        let ctx = Ctx {
            world: &world,
            tokens: &self.tokens,
            req,
            repeat_first,
        };
        let out = router::dispatch(&ctx);
        Served {
            response: out.response,
            authorized: out.authorized,
        }
    }

    fn authorized(&self, req: &Request) -> bool {
        tokens::valid_bearer(&self.tokens, req).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_normalized() {
        assert_eq!(normalize_relative(""), "");
        assert_eq!(normalize_relative("/"), "");
        assert_eq!(normalize_relative("auth/"), "/auth");
        assert_eq!(normalize_relative("/auth"), "/auth");
    }
}
