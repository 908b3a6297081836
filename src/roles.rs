//! The realm-management roles a stream can need, as a type shared by the stream table
//! and the permission probes. Each role names the one endpoint that shows whether the
//! service account holds it (observed on Keycloak 26.7: each of these opens its
//! endpoint and nothing less does), so a role that no probe checks cannot be written.

use std::fmt;

/// A client role of the realm's `realm-management` client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    ViewUsers,
    ViewRealm,
    ViewClients,
    ViewEvents,
    ViewIdentityProviders,
    /// Keycloak 26's role for organizations (it does not exist before).
    ViewOrganizations,
    /// A write role, which Keycloak 26.5+ requires to list organization invitations. The
    /// connector never asks for it: a stream that needs it is offered to an account that
    /// already holds it, and left out silently (with a note in `check`) otherwise.
    ManageOrganizations,
}

impl Role {
    /// Every role, in the order `check` reports them.
    pub const ALL: [Role; 7] = [
        Role::ViewUsers,
        Role::ViewRealm,
        Role::ViewClients,
        Role::ViewEvents,
        Role::ViewIdentityProviders,
        Role::ViewOrganizations,
        Role::ManageOrganizations,
    ];

    /// Its name in Keycloak.
    pub fn name(self) -> &'static str {
        match self {
            Role::ViewUsers => "view-users",
            Role::ViewRealm => "view-realm",
            Role::ViewClients => "view-clients",
            Role::ViewEvents => "view-events",
            Role::ViewIdentityProviders => "view-identity-providers",
            Role::ViewOrganizations => "view-organizations",
            Role::ManageOrganizations => "manage-organizations",
        }
    }

    /// A role that lets its holder change the realm: never requested from users.
    pub fn is_write(self) -> bool {
        matches!(self, Role::ManageOrganizations)
    }

    /// What a user needs to know besides the name, where Keycloak versions differ
    /// (observed on 26.5.6, which has neither organizations role).
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            Role::ViewOrganizations => Some(
                "Keycloak 26.5 and older have no view-organizations role: there the \
                 organizations API opens only to the write role manage-realm, which the \
                 connector never asks for",
            ),
            Role::ManageOrganizations => Some("manage-realm on Keycloak 26.5 and older"),
            _ => None,
        }
    }

    /// The endpoint under `/admin/realms/{realm}` that only this role opens, asked with
    /// `max=1`.
    pub fn probe(self) -> &'static [&'static str] {
        match self {
            Role::ViewUsers => &["users"],
            Role::ViewRealm => &["roles"],
            Role::ViewClients => &["clients"],
            Role::ViewEvents => &["events"],
            Role::ViewIdentityProviders => &["identity-provider", "instances"],
            Role::ViewOrganizations => &["organizations"],
            // `{first}`: the first organization's id (`access::probe`); with no
            // organization there is nothing this role would read.
            Role::ManageOrganizations => &["organizations", FIRST_ROW, "invitations"],
        }
    }
}

/// In a probe path: the id of the first row of the list before it.
pub const FIRST_ROW: &str = "{first}";

/// The roles a user may be asked to grant: every role but the write roles.
pub fn read_roles() -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| !r.is_write()).collect()
}

/// The write roles among `roles`: never asked for, only named.
pub fn write_roles(roles: &[Role]) -> Vec<Role> {
    roles.iter().copied().filter(|r| r.is_write()).collect()
}

/// The version notes of `roles`, each after `sep`; empty when none has one.
pub fn caveats(roles: &[Role], sep: &str) -> String {
    roles
        .iter()
        .filter_map(|r| r.caveat())
        .map(|c| format!("{sep}{c}"))
        .collect()
}

/// The version notes of `roles` as ` (…)`, or nothing when none has one.
pub fn caveats_in_parens(roles: &[Role]) -> String {
    let notes: Vec<&str> = roles.iter().filter_map(|r| r.caveat()).collect();
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    }
}

/// `view-users, view-realm`.
pub fn names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_own_probe() {
        let mut probes: Vec<_> = Role::ALL.iter().map(|r| r.probe()).collect();
        probes.sort();
        probes.dedup();
        assert_eq!(probes.len(), Role::ALL.len());
    }

    #[test]
    fn a_write_role_is_never_among_the_roles_to_grant() {
        assert!(read_roles().iter().all(|r| !r.is_write()));
        assert!(read_roles().contains(&Role::ViewOrganizations));
        assert!(!read_roles().contains(&Role::ManageOrganizations));
    }
}
