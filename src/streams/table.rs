//! The stream table: every stream the connector has, in catalog order. A stream is one
//! entry here plus one schema file in `schemas/`; the entry declares its primary key, the
//! realm-management roles it needs, its secrets policy and its reader.

use super::lists::List;
use super::status::{Of, OnStatus, Then};
use super::{
    ACCESS, Incremental, Reader, Shape, Stream, clients, effective, events, groups, idp, orgs,
    roles, users,
};
use crate::roles::Role;
use crate::secrets::Policy;

macro_rules! schema {
    ($name:literal) => {
        include_str!(concat!("../../schemas/", $name, ".json"))
    };
}

const USERS: &[Role] = &[Role::ViewUsers];
const REALM: &[Role] = &[Role::ViewRealm];
const CLIENTS: &[Role] = &[Role::ViewClients];
const EVENTS: &[Role] = &[Role::ViewEvents];

pub static STREAMS: &[Stream] = &[
    Stream {
        name: "realms",
        schema: schema!("realms"),
        primary_key: &["id"],
        roles: REALM,
        secrets: Policy::Rule,
        reader: Reader::Object {
            path: &[],
            required: "id",
        },
        count: None,
        incremental: None,
    },
    Stream {
        name: "users",
        schema: schema!("users"),
        primary_key: &["id"],
        roles: USERS,
        secrets: Policy::Rule,
        reader: Reader::List(&List {
            path: &["users"],
            query: &[("briefRepresentation", "false")],
            paged: true,
            shape: Shape::Drop(ACCESS),
            status: &[],
            empty_is_missing: false,
        }),
        count: Some(&["users", "count"]),
        incremental: Some(Incremental {
            cursor_field: "_ab_cdc_updated_at",
            read: users::read_users_since,
        }),
    },
    Stream {
        name: "groups",
        schema: schema!("groups"),
        primary_key: &["id"],
        roles: USERS,
        secrets: Policy::Rule,
        reader: Reader::Custom(groups::read_groups),
        count: Some(&["groups", "count"]),
        incremental: None,
    },
    Stream {
        name: "group_members",
        schema: schema!("group_members"),
        primary_key: &["group_id", "user_id"],
        roles: USERS,
        secrets: Policy::Rule,
        reader: Reader::Children(&groups::MEMBERS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "realm_roles",
        schema: schema!("realm_roles"),
        primary_key: &["id"],
        roles: REALM,
        secrets: Policy::Rule,
        reader: Reader::List(&List {
            path: &["roles"],
            query: &[("briefRepresentation", "false")],
            paged: true,
            shape: Shape::Drop(&[]),
            status: &[],
            empty_is_missing: false,
        }),
        count: None,
        incremental: None,
    },
    Stream {
        name: "clients",
        schema: schema!("clients"),
        primary_key: &["id"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        // Every realm has built-in clients: an empty list is Keycloak 22–24's answer to an
        // account without view-clients.
        reader: Reader::List(&List {
            path: &["clients"],
            query: &[],
            paged: true,
            shape: Shape::Drop(ACCESS),
            status: &[],
            empty_is_missing: true,
        }),
        count: None,
        incremental: None,
    },
    Stream {
        name: "client_roles",
        schema: schema!("client_roles"),
        primary_key: &["id"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::Children(&roles::CLIENT_ROLES),
        count: None,
        incremental: None,
    },
    Stream {
        name: "role_composites",
        schema: schema!("role_composites"),
        primary_key: &["role_id", "child_role_id"],
        roles: &[Role::ViewRealm, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Children(&roles::COMPOSITES),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_role_mappings",
        schema: schema!("user_role_mappings"),
        primary_key: &["user_id", "role_id"],
        roles: &[Role::ViewUsers, Role::ViewRealm, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Children(&roles::USER_MAPPINGS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_effective_roles",
        schema: schema!("user_effective_roles"),
        primary_key: &["user_id", "role_id", "grant"],
        roles: &[Role::ViewUsers, Role::ViewRealm, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Custom(effective::read),
        count: None,
        incremental: None,
    },
    Stream {
        name: "group_role_mappings",
        schema: schema!("group_role_mappings"),
        primary_key: &["group_id", "role_id"],
        // Keycloak 26 leaves clientMappings out without view-clients.
        roles: &[Role::ViewUsers, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Children(&groups::ROLE_MAPPINGS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "client_scopes",
        schema: schema!("client_scopes"),
        primary_key: &["id"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::List(&List {
            path: &["client-scopes"],
            query: &[],
            paged: false,
            shape: Shape::Drop(&[]),
            status: &[],
            empty_is_missing: false,
        }),
        count: None,
        incremental: None,
    },
    Stream {
        name: "identity_providers",
        schema: schema!("identity_providers"),
        primary_key: &["internalId"],
        roles: &[Role::ViewIdentityProviders],
        secrets: Policy::Rule,
        reader: Reader::List(&List {
            path: &["identity-provider", "instances"],
            query: &[("briefRepresentation", "false")],
            paged: true,
            shape: Shape::Drop(&[]),
            status: &[],
            empty_is_missing: false,
        }),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_federated_identities",
        schema: schema!("user_federated_identities"),
        primary_key: &["user_id", "identity_provider"],
        roles: &[Role::ViewUsers, Role::ViewIdentityProviders],
        secrets: Policy::Rule,
        reader: Reader::Custom(idp::read_links),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_sessions",
        schema: schema!("user_sessions"),
        primary_key: &["id", "offline"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::Custom(clients::read_sessions),
        count: None,
        incremental: None,
    },
    Stream {
        name: "client_session_stats",
        schema: schema!("client_session_stats"),
        primary_key: &["id"],
        roles: REALM,
        secrets: Policy::Rule,
        reader: Reader::List(&List {
            path: &["client-session-stats"],
            query: &[],
            paged: false,
            shape: Shape::Tree(clients::session_counts),
            status: &[],
            empty_is_missing: false,
        }),
        count: None,
        incremental: None,
    },
    Stream {
        name: "organizations",
        schema: schema!("organizations"),
        primary_key: &["id"],
        roles: &[Role::ViewOrganizations],
        secrets: Policy::Rule,
        reader: Reader::List(&List {
            path: &["organizations"],
            query: &[("briefRepresentation", "false")],
            paged: true,
            shape: Shape::Drop(&[]),
            status: &[OnStatus {
                status: 404,
                of: Of::List,
                then: Then::NotServed(orgs::not_served),
            }],
            empty_is_missing: false,
        }),
        count: None,
        incremental: None,
    },
    Stream {
        name: "organization_members",
        schema: schema!("organization_members"),
        primary_key: &["organization_id", "user_id"],
        roles: &[Role::ViewOrganizations, Role::ViewUsers],
        secrets: Policy::Rule,
        reader: Reader::Children(&orgs::MEMBERS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "events",
        schema: schema!("events"),
        primary_key: &["id"],
        roles: EVENTS,
        secrets: Policy::Rule,
        reader: Reader::Custom(events::read_events),
        count: None,
        incremental: Some(Incremental {
            cursor_field: "time",
            read: events::read_events_since,
        }),
    },
    Stream {
        name: "admin_events",
        schema: schema!("admin_events"),
        primary_key: &["id"],
        roles: EVENTS,
        // The changed object, as JSON text: cleaned like a record, or dropped.
        secrets: Policy::Embedded(&["representation"]),
        reader: Reader::Custom(events::read_admin_events),
        count: None,
        incremental: Some(Incremental {
            cursor_field: "time",
            read: events::read_admin_events_since,
        }),
    },
];
