//! How well access is protected: second factors (`user_credentials`), lockouts
//! (`user_brute_force_status`), consents, the authentication policy (flows and their
//! executions), identity provider mappers and organization invitations as child
//! streams (`Children`), plus the two readers the table cannot express: the lockout
//! state, which exists only in realms with brute-force protection on (checked once,
//! before any per-user request), and the realm's keys, whose answer is one object.

use serde_json::{Map, Value};

use super::children::{self, Answer, Children};
use super::parents::Parents;
use super::status::{Of, OnStatus, Then};
use super::{Ctx, Emit, End, orgs, segs, text, with_realm};
use crate::error::Result;

/// A parent deleted between its listing and the read of its children has none.
const VANISHED: &[OnStatus] = &[OnStatus {
    status: 404,
    of: Of::Children,
    then: Then::SkipParent,
}];

/// Fields of a credential's `credentialData` (JSON text) that are documented as public
/// and kept, under `metadata`: the OTP policy (`algorithm`, `digits`, `period`,
/// `counter`, `subType`), a WebAuthn authenticator's model and attestation format
/// (`aaguid`, `attestationStatementFormat`, `transports`), a password's hashing
/// parameters (`algorithm`, `hashIterations`) and how many recovery codes are left.
/// Everything else (secretData, a value, key material, and any field a server adds) is
/// never copied: this is a whitelist.
const PUBLIC_CREDENTIAL_DATA: &[&str] = &[
    "algorithm",
    "digits",
    "period",
    "counter",
    "subType",
    "aaguid",
    "attestationStatementFormat",
    "transports",
    "hashIterations",
    "totalCodes",
    "remainingCodes",
];

/// Top-level fields of a credential that are kept (a whitelist too).
const CREDENTIAL_FIELDS: &[&str] = &[
    "id",
    "type",
    "userLabel",
    "createdDate",
    "federationLink",
    "temporary",
    "priority",
];

/// Every credential of every user: type, label, dates, public metadata.
pub static CREDENTIALS: Children = Children {
    parents: Parents::Users,
    path: |user| segs(&["users", text(user, "id"), "credentials"]),
    query: &[],
    answer: Answer::List,
    record: credential,
    status: VANISHED,
};

fn credential(user: &Value, credential: Value) -> Value {
    let mut record = Map::new();
    for field in CREDENTIAL_FIELDS {
        if let Some(v) = credential.get(*field) {
            record.insert((*field).into(), v.clone());
        }
    }
    record.insert("user_id".into(), user.get("id").cloned().into());
    record.insert("username".into(), user.get("username").cloned().into());
    record.insert(
        "metadata".into(),
        public_metadata(credential.get("credentialData")),
    );
    Value::Object(record)
}

/// The public part of `credentialData` (text in Keycloak's answer, an object from some
/// servers): only the whitelisted fields, and only scalar values or lists of strings.
fn public_metadata(data: Option<&Value>) -> Value {
    let parsed;
    let object = match data {
        Some(Value::String(text)) if text.len() <= 64 * 1024 => {
            parsed = serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
            parsed.as_object()
        }
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };
    let Some(object) = object else {
        return Value::Null;
    };
    let mut kept = Map::new();
    for field in PUBLIC_CREDENTIAL_DATA {
        match object.get(*field) {
            Some(v @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
                kept.insert((*field).into(), v.clone());
            }
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                kept.insert((*field).into(), Value::Array(items.clone()));
            }
            _ => {}
        }
    }
    Value::Object(kept)
}

/// Every consent of every user (and the offline tokens Keycloak lists with them).
pub static CONSENTS: Children = Children {
    parents: Parents::Users,
    path: |user| segs(&["users", text(user, "id"), "consents"]),
    query: &[],
    answer: Answer::List,
    record: |user, mut consent| {
        if let Some(obj) = consent.as_object_mut() {
            obj.insert("user_id".into(), user.get("id").cloned().into());
            obj.insert("username".into(), user.get("username").cloned().into());
        }
        consent
    },
    status: VANISHED,
};

/// Every user's lockout state: one object per user.
static BRUTE_FORCE: Children = Children {
    parents: Parents::Users,
    path: |user| segs(&["attack-detection", "brute-force", "users", text(user, "id")]),
    query: &[],
    answer: Answer::Pick(|status| vec![status]),
    record: |user, status| {
        let mut record = match status {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        record.insert("user_id".into(), user.get("id").cloned().into());
        record.insert("username".into(), user.get("username").cloned().into());
        Value::Object(record)
    },
    status: VANISHED,
};

/// `user_brute_force_status`: nothing (and no request per user) unless the realm has
/// brute-force protection on; then one request per user through the fan-out engine.
pub fn read_brute_force(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let realm = ctx.client.get_admin(ctx.realm, &[], &[])?;
    if realm.get("bruteForceProtected") != Some(&Value::Bool(true)) {
        return Ok(End::Done);
    }
    children::read(ctx, &BRUTE_FORCE, emit)
}

/// The executions of every top-level flow, nested sub-flows included (Keycloak lists
/// them depth first with `level` and `index`); `flow_id`/`flow_alias` name the
/// top-level flow they belong to.
pub static EXECUTIONS: Children = Children {
    parents: Parents::Flows,
    path: |flow| segs(&["authentication", "flows", text(flow, "alias"), "executions"]),
    query: &[],
    answer: Answer::List,
    record: |flow, mut execution| {
        if let Some(obj) = execution.as_object_mut() {
            obj.insert("flow_id".into(), flow.get("id").cloned().into());
            obj.insert("flow_alias".into(), flow.get("alias").cloned().into());
        }
        execution
    },
    status: VANISHED,
};

/// `realm_keys`: the keys of `GET /keys` (metadata and public parts; the secrets
/// policy removes anything else).
pub fn read_keys(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let answer = ctx.client.get_admin(ctx.realm, &["keys"], &[])?;
    let keys = match answer {
        Value::Object(mut map) => map.remove("keys"),
        _ => None,
    };
    for key in keys
        .and_then(|k| match k {
            Value::Array(items) => Some(items),
            _ => None,
        })
        .into_iter()
        .flatten()
    {
        if key.is_object() {
            emit(with_realm(key, ctx.realm))?;
        }
    }
    Ok(End::Done)
}

/// Every mapper of every identity provider.
pub static IDP_MAPPERS: Children = Children {
    parents: Parents::IdentityProviders,
    path: |idp| {
        segs(&[
            "identity-provider",
            "instances",
            text(idp, "alias"),
            "mappers",
        ])
    },
    query: &[],
    answer: Answer::List,
    record: |idp, mut mapper| {
        if let Some(obj) = mapper.as_object_mut() {
            obj.entry("identityProviderAlias")
                .or_insert_with(|| idp.get("alias").cloned().unwrap_or(Value::Null));
        }
        mapper
    },
    status: VANISHED,
};

/// Every invitation of every organization (Keycloak 26.5+). An invitation link carries
/// an action token: never copied, whatever a server puts in it.
pub static INVITATIONS: Children = Children {
    parents: Parents::Organizations,
    path: |org| segs(&["organizations", text(org, "id"), "invitations"]),
    query: &[],
    answer: Answer::Paged,
    record: |org, mut invitation| {
        if let Some(obj) = invitation.as_object_mut() {
            obj.retain(|k, _| !k.to_ascii_lowercase().contains("link"));
            obj.entry("organizationId")
                .or_insert_with(|| org.get("id").cloned().unwrap_or(Value::Null));
        }
        invitation
    },
    status: &[
        OnStatus {
            status: 404,
            of: Of::List,
            then: Then::NotServed(orgs::not_served),
        },
        OnStatus {
            status: 404,
            of: Of::Children,
            then: Then::SkipParent,
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_keep_only_whitelisted_public_fields() {
        let user = json!({"id": "u1", "username": "ann"});
        let hostile = json!({
            "id": "c1", "type": "otp", "userLabel": "Phone", "createdDate": 5,
            "secretData": "{\"value\":\"SEED-SHOULD-NOT-LEAK\"}",
            "value": "PLAIN-VALUE-SHOULD-NOT-LEAK",
            "credentialData": "{\"subType\":\"totp\",\"digits\":6,\"period\":30,\
                \"algorithm\":\"HmacSHA1\",\"value\":\"SMUGGLED\",\"secret\":\"S2\",\
                \"credentialPublicKey\":\"pk\",\"transports\":[\"usb\",{\"x\":1}]}",
            "unknownField": "anything"
        });
        let record = credential(&user, hostile);
        assert_eq!(
            record,
            json!({
                "id": "c1", "type": "otp", "userLabel": "Phone", "createdDate": 5,
                "user_id": "u1", "username": "ann",
                "metadata": {"subType": "totp", "digits": 6, "period": 30,
                             "algorithm": "HmacSHA1"}
            })
        );
    }

    #[test]
    fn unparsable_or_huge_credential_data_keeps_no_metadata() {
        assert_eq!(public_metadata(Some(&json!("not json"))), Value::Null);
        let huge = format!("{{\"digits\":{}}}", "1".repeat(70 * 1024));
        assert_eq!(public_metadata(Some(&Value::String(huge))), Value::Null);
        assert_eq!(public_metadata(Some(&json!(42))), Value::Null);
        assert_eq!(
            public_metadata(Some(
                &json!({"aaguid": "a", "attestationStatement": {"x": 1}})
            )),
            json!({"aaguid": "a"})
        );
    }

    #[test]
    fn invitation_links_never_leave() {
        let org = json!({"id": "o1"});
        let rec = (INVITATIONS.record)(
            &org,
            json!({"id": "i1", "email": "a@b", "inviteLink": "https://x/?key=TOKEN",
                   "invitationLINK": "t"}),
        );
        assert_eq!(
            rec,
            json!({"id": "i1", "email": "a@b", "organizationId": "o1"})
        );
    }
}
