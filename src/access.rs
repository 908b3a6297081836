//! What the service account may read, and what the server can serve, per realm: one
//! `max=1` request per realm-management role, each to an endpoint that role alone opens
//! (observed on Keycloak 26.7). A 403 means the role is missing; a 404 from the
//! organizations endpoint means the realm has organizations off or the server predates
//! them. `check` reports this; `discover` lists only the streams it allows. We probe
//! rather than read the token's roles, because fine-grained admin permissions can open
//! endpoints without the roles.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::http::Client;
use crate::roles::{FIRST_ROW, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Granted,
    Missing,
    NotServed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    MissingRoles(Vec<Role>),
    NotServed(String),
}

#[derive(Debug)]
pub struct Access {
    pub realm: String,
    roles: BTreeMap<Role, Probe>,
}

impl Access {
    pub fn probe(client: &Client, realm: &str) -> Result<Access> {
        let mut roles = BTreeMap::new();
        for role in Role::ALL {
            let path = match probe_path(client, realm, role.probe())? {
                Some(path) => path,
                // nothing for this role to read (no row to probe with)
                None => {
                    roles.insert(role, Probe::Granted);
                    continue;
                }
            };
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let probe = match client.get_admin(realm, &path, &[("max", "1".to_string())]) {
                // Keycloak 22-24 answer 200 [] to /clients without view-clients; a realm
                // always has built-in clients, so an empty list means the role is missing.
                Ok(serde_json::Value::Array(list))
                    if list.is_empty() && role == Role::ViewClients =>
                {
                    Probe::Missing
                }
                Ok(_) => Probe::Granted,
                Err(Error::Http { status: 403, .. }) => Probe::Missing,
                Err(Error::Http { status: 404, .. }) if role == Role::ManageOrganizations => {
                    Probe::NotServed(
                        "this Keycloak has no organization invitations (they came in Keycloak \
                         26.5)"
                            .into(),
                    )
                }
                Err(Error::Http {
                    status: 404,
                    detail,
                    ..
                }) if role == Role::ViewOrganizations => {
                    Probe::NotServed(if detail.contains("not enabled") {
                        format!("organizations are not enabled in realm '{realm}'")
                    } else {
                        "this Keycloak has no organizations API (it came in Keycloak 25)".into()
                    })
                }
                Err(Error::Http { status: 404, .. }) => {
                    return Err(Error::Config(format!(
                        "realm '{realm}' does not exist, or this client cannot see it; check \
                         the realm names in the config"
                    )));
                }
                Err(e) => return Err(e),
            };
            roles.insert(role, probe);
        }
        Ok(Access {
            realm: realm.to_string(),
            roles,
        })
    }

    /// Whether a stream that needs `needs` can be read in this realm.
    pub fn availability(&self, needs: &[Role]) -> Availability {
        let mut missing = Vec::new();
        for role in needs {
            match self.roles.get(role) {
                Some(Probe::NotServed(why)) => return Availability::NotServed(why.clone()),
                Some(Probe::Granted) => {}
                _ => missing.push(*role),
            }
        }
        if missing.is_empty() {
            Availability::Available
        } else {
            Availability::MissingRoles(missing)
        }
    }

    /// True when the account may read nothing at all in this realm.
    pub fn reads_nothing(&self) -> bool {
        !self.roles.values().any(|p| *p == Probe::Granted)
    }
}

/// A role's probe path with `FIRST_ROW` replaced by the id of the first row of the list
/// before it; `None` when that list is empty. A failure to list is left to the probe of
/// the list's own role (this one is then reported as that list's probe would be).
fn probe_path(client: &Client, realm: &str, path: &[&str]) -> Result<Option<Vec<String>>> {
    let Some(at) = path.iter().position(|s| *s == FIRST_ROW) else {
        return Ok(Some(path.iter().map(|s| s.to_string()).collect()));
    };
    let list = match client.get_admin(realm, &path[..at], &[("max", "1".to_string())]) {
        Ok(list) => list,
        // the list's own answer (403, 404) is the probe's answer too
        Err(Error::Http { .. }) => {
            return Ok(Some(path[..at].iter().map(|s| s.to_string()).collect()));
        }
        Err(e) => return Err(e),
    };
    let first = list
        .as_array()
        .and_then(|rows| rows.first())
        .and_then(|row| row.get("id"))
        .and_then(serde_json::Value::as_str);
    Ok(first.map(|id| {
        path.iter()
            .map(|s| {
                if *s == FIRST_ROW {
                    id.to_string()
                } else {
                    s.to_string()
                }
            })
            .collect()
    }))
}

/// The realms to read: `wanted` from the config's `realms` (`*` = every realm the client
/// can see, from `GET /admin/realms`), or just `realm`.
pub fn resolve_realms(
    client: &Client,
    realm: &str,
    wanted: Option<&[String]>,
) -> Result<Vec<String>> {
    let Some(wanted) = wanted else {
        return Ok(vec![realm.to_string()]);
    };
    let mut realms: Vec<String> = Vec::new();
    for name in wanted {
        if name == "*" {
            realms.extend(listed_realms(client)?);
        } else {
            realms.push(name.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    realms.retain(|r| seen.insert(r.clone()));
    Ok(realms)
}

/// The realms `GET /admin/realms` lists. A list that is not a list, or names no realm,
/// fails the command: reading "every realm" as none would end every stream COMPLETE and
/// empty, and an overwriting destination would delete the user's data.
fn listed_realms(client: &Client) -> Result<Vec<String>> {
    let path = "/admin/realms";
    let listed = match client.get(&["admin", "realms"], &[])? {
        serde_json::Value::Array(listed) => listed,
        _ => {
            return Err(Error::BadResponse {
                path: path.into(),
                detail: "expected a JSON array of realms".into(),
            });
        }
    };
    let names: Vec<String> = listed
        .iter()
        .filter_map(|realm| realm.get("realm").and_then(|r| r.as_str()))
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(Error::Config(format!(
            "realms is [\"*\"], but GET {path} listed no realm this client may read ({} \
             entries, none with a realm name). To read every realm, use a client of the \
             master realm whose service account holds the view-* roles of each \
             <realm>-realm client; or name the realms in realms",
            listed.len()
        )));
    }
    Ok(names)
}
