#!/usr/bin/env python3
"""Generate the deterministic test realm integration_tests/realm/acme-realm.json.

Same bytes every run: no randomness, no timestamps, no generated ids.
Keycloak assigns ids at import time; the tests compute their ground truth
from the server's Admin REST API, never from this file.

The file must import on Keycloak 22, 24 and 26 (partial-export style).
"""
import json
import os
import sys

REALM = "acme"

# Secrets (also used by the tests to check the connector never leaks them).
SECRETS = {
    "source-keycloak": "it-secret-source-7Qw9",
    "sk-no-roles": "it-secret-noroles-3Kd1",
    "sk-no-clients": "it-secret-noclients-8Lp2",
    "sk-no-sa": "it-secret-nosa-5Tn4",
    "billing-app": "it-secret-billing-2Vb6",
    "crm": "it-secret-crm-6Rz8",
    "sk-no-events": "it-secret-noevents-1Fh3",
    # every read role, no write role: organization_invitations (26.5+, which needs
    # manage-organizations) is not offered to it
    "sk-no-manage": "it-secret-nomanage-7Cw2",
}
IDP_SECRET = "it-secret-idp-4Hx7"
GITHUB_IDP_SECRET = "it-secret-github-9Pz5"
SMTP_PASSWORD = "it-secret-smtp-6Jm3"
GLOBEX_SECRETS = {"globex-app": "it-secret-globex-4Qs8"}
# Users linked to identity providers (federatedIdentities in the realm file).
CORP_OIDC_LINKED = [f"user{i:03d}" for i in range(10, 30)]       # 20 users
GITHUB_LINKED = ["user010", "user011", "user040", "user041", "user042"]  # 2 linked to both
# Only these event types are stored: CLIENT_LOGIN (every connector run's token request)
# is left out, so connector runs never change the events the suite compares.
ENABLED_EVENT_TYPES = ["LOGIN", "LOGIN_ERROR", "LOGOUT", "LOGOUT_ERROR", "CODE_TO_TOKEN",
                       "CODE_TO_TOKEN_ERROR", "REFRESH_TOKEN", "REFRESH_TOKEN_ERROR",
                       "UPDATE_PROFILE", "UPDATE_PASSWORD", "REGISTER", "REGISTER_ERROR",
                       # what the incremental users change feed needs to be trusted
                       "UPDATE_EMAIL", "VERIFY_EMAIL", "DELETE_ACCOUNT"]
# Users that can log in through login-app (password grant) to create events.
LOGIN_USERS = {
    "alice": "it-pass-alice-1Mq5",
    "bob": "it-pass-bob-2Wn8",
}

# --- security fixtures (issue 15): MFA enrolment, a lockout, consents, federation, keys ---
# Credentials are imported with the user (secretData/credentialData as Keycloak exports
# them). The OTP seeds are secrets: the suite greps every output for them.
FIXED_DATE = 1767225600000  # 2026-01-01T00:00:00Z, so the realm file is the same bytes
OTP_USERS = {  # username -> (base32 seed, label)
    "user031": ("JBSWY3DPEHPK3PXPIT31AAAA", "Phone (FreeOTP)"),
    "user032": ("KRSXG5CTMVRXEZLUIT32BBBB", "Authenticator app"),
    "user033": ("MFRGGZDFMZTWQ2LKIT33CCCC", "Backup phone"),
}
# WebAuthn authenticators: credentialData is public (AAGUID, credential id, COSE public
# key); secretData is "{}" for this type.
WEBAUTHN_USERS = {  # username -> (type, label, aaguid)
    "user034": ("webauthn", "YubiKey 5", "cb69481e-8ff7-4039-93ec-0a2729a154a8"),
    "user035": ("webauthn", "Touch ID", "adce0002-35bc-c60a-648b-0b25f1f05503"),
    "user036": ("webauthn-passwordless", "Passkey", "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"),
}
# user031 has both an OTP and a WebAuthn credential
WEBAUTHN_USERS_EXTRA = {"user031": ("webauthn", "Security key", "2fc0579f-8113-47ea-b116-bb5a8db9202a")}
# Locked out after start by real failed logins (fixtures.py): brute-force protection is on
# with failureFactor 3 and an hour's wait, so the lock holds for the whole session.
LOCKED_USER = "user099"
LOCKED_PASSWORD = "it-pass-locked-5Rt7"
BRUTE_FORCE = {
    "bruteForceProtected": True, "permanentLockout": False, "failureFactor": 3,
    "waitIncrementSeconds": 3600, "maxFailureWaitSeconds": 3600,
    "maxDeltaTimeSeconds": 43200,
    # no quick-login lock: only the failure count locks, so three failures lock exactly
    "quickLoginCheckMilliSeconds": 1, "minimumQuickLoginWaitSeconds": 60,
}
# users that gave consent to consent-app (a consent-required client)
CONSENT_USERS = {"user040": ["profile", "email"], "user041": ["profile"],
                 "user042": ["email", "roles"]}
# created after start (fixtures.py): a disabled LDAP federation with a bind credential,
# an imported RSA key provider (its private key is in realm/it-rsa-key.pem, a test key)
LDAP_BIND_CREDENTIAL = "it-secret-ldap-bind-8Gc5"
CUSTOM_BROWSER_FLOW = "acme browser"
INVITEE_EMAIL = "invited.person@initech.example.test"
# organizations created on 25+ (name -> usernames of members)
ORGANIZATIONS = {
    "Initech Partners": ["user010", "user011", "user012", "user013", "alice"],
    "Umbrella Labs 🧪": ["user020", "user021", "alice"],
    "Empty Org": [],
}

N_USERS = 300
ALL_STAFF_MEMBERS = 150  # > 100: exercises paging of /groups/{id}/members

FIRST_NAMES = [
    "Zoë", "Łukasz", "東京", "Ñandú", "José", "Ærøskøbing", "Ольга", "محمد",
    "Søren", "François", "Željko", "Ангелина", "İlkay", "Göran", "Chloé",
    "Dağ", "Björk", "Nguyễn", "Saoirse", "Ümit", "Ĳsbrand", "Þór", "Ōsaka",
]
LAST_NAMES = [
    "Müller", "Østergård", "Pérez", "Wójcik", "山田", "Ιωάννου", "Kovač",
    "O'Brien", "Dvořák", "Smith", "García-Márquez", "Ström", "Łęcki",
    "Ŝanĝo", "Nørgaard", "Ðorđević", "김", "Szőke",
]
EMOJI = ["😀", "🚀", "🦄", "🎉", "🍕", "🐙", "✨", "🌍"]
DEPARTMENTS = ["engineering", "sales", "support", "finance", "légal"]
SKILLS = ["rust", "python", "java", "go", "sql", "kubernetes", "ドイツ語"]

# Group tree (4 levels under acme-corp). Paths are used for memberships.
GROUPS = [
    {
        "name": "acme-corp",
        "attributes": {"cost-center": ["CC-100"], "hq": ["Zürich"]},
        "realmRoles": ["employee"],
        "subGroups": [
            {
                "name": "engineering",
                "attributes": {"floor": ["3", "4"]},
                "realmRoles": ["developer"],
                "subGroups": [
                    {
                        "name": "backend",
                        "attributes": {"stack": ["rust", "java"]},
                        "subGroups": [
                            {"name": "databases",
                             "attributes": {"oncall": ["yes"]},
                             "realmRoles": ["auditor"]},
                        ],
                    },
                    {"name": "frontend"},
                ],
            },
            {
                "name": "sales",
                "clientRoles": {"crm": ["crm-reader"]},
                "subGroups": [
                    {"name": "emea", "attributes": {"region": ["Europe", "Middle East", "Africa"]}},
                    {"name": "apac"},
                    {"name": "東京オフィス", "attributes": {"motto": ["頑張って 🎌"]}},
                ],
            },
        ],
    },
    {"name": "all-staff", "attributes": {"kind": ["distribution-list"]}},
    {"name": "contractors"},  # empty group, no members
    # realm administrators (privileged_accounts in the dbt package): realm-admin by group
    {"name": "it-admins", "clientRoles": {"realm-management": ["realm-admin"]}},
]
IT_ADMINS = ["bob", "user010"]  # members of /it-admins
HELPDESK_USERS = ["user012"]  # hold helpdesk, a composite with realm-management/manage-users

LEAF_PATHS = [
    "/acme-corp/engineering/backend/databases",
    "/acme-corp/engineering/backend",
    "/acme-corp/engineering/frontend",
    "/acme-corp/sales/emea",
    "/acme-corp/sales/apac",
    "/acme-corp/sales/東京オフィス",
    "/acme-corp",
]


def group(g):
    return {"name": g["name"],
           "attributes": g.get("attributes", {}),
           "realmRoles": g.get("realmRoles", []),
           "clientRoles": g.get("clientRoles", {}),
           "subGroups": [group(s) for s in g.get("subGroups", [])]}


def realm_roles():
    return [
        {"name": "employee", "description": "Every employee",
         "attributes": {"level": ["base"]}},
        {"name": "developer", "description": "Writes code 🧑‍💻"},
        {"name": "manager", "description": "Manages people"},
        {"name": "auditor", "description": "Read-only auditor",
         "attributes": {"scope": ["finance", "security"]}},
        {"name": "power-user", "description": "Composite: developer + crm-admin",
         "composite": True,
         "composites": {"realm": ["developer"], "client": {"crm": ["crm-admin"]}}},
        {"name": "helpdesk", "description": "Composite: manages users",
         "composite": True,
         "composites": {"client": {"realm-management": ["manage-users", "view-users"]}}},
    ]


def client_roles():
    return {
        "crm": [
            {"name": "crm-reader", "description": "Read CRM data"},
            {"name": "crm-writer", "description": "Write CRM data"},
            {"name": "crm-admin", "description": "Composite CRM admin",
             "composite": True,
             "composites": {"client": {"crm": ["crm-reader", "crm-writer"]}}},
        ],
    }


def sa_client(client_id, secret, sa=True, description=None):
    c = {
        "clientId": client_id,
        "name": client_id,
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "secret": secret,
        "serviceAccountsEnabled": sa,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
    }
    if description:
        c["description"] = description
    return c


def clients():
    return [
        sa_client("source-keycloak", SECRETS["source-keycloak"],
                  description="Airbyte source connector (full read access)"),
        sa_client("sk-no-roles", SECRETS["sk-no-roles"],
                  description="Service account without any role"),
        sa_client("sk-no-clients", SECRETS["sk-no-clients"],
                  description="Service account without view-clients"),
        sa_client("sk-no-events", SECRETS["sk-no-events"],
                  description="Service account without view-events"),
        sa_client("sk-no-manage", SECRETS["sk-no-manage"],
                  description="Service account with the read roles only (no manage-*)"),
        sa_client("sk-no-sa", SECRETS["sk-no-sa"], sa=False,
                  description="Confidential client, service accounts disabled"),
        {
            "clientId": "billing-app",
            "name": "Billing — Fakturierung",
            "description": "Billing web app",
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": False,
            "clientAuthenticatorType": "client-secret",
            "secret": SECRETS["billing-app"],
            "standardFlowEnabled": True,
            "directAccessGrantsEnabled": False,
            "rootUrl": "https://billing.example.test",
            "redirectUris": ["https://billing.example.test/callback/*"],
            "webOrigins": ["https://billing.example.test"],
            "attributes": {
                "post.logout.redirect.uris": "https://billing.example.test/bye",
                "pkce.code.challenge.method": "S256",
                "billing.tier": "gold",
                # attributes whose names contain secret/private must never
                # reach the connector's output
                "client.secret.rotation.note": "rotated-by-hand-IT",
                "custom.private.key.ref": "vault:billing/private-IT",
            },
        },
        {
            "clientId": "login-app",
            "name": "Login app",
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": True,
            "standardFlowEnabled": True,
            "directAccessGrantsEnabled": True,
            "redirectUris": ["http://127.0.0.1/callback"],
            "webOrigins": ["+"],
        },
        {
            "clientId": "login-app-2",
            "name": "Second login app",
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": True,
            "standardFlowEnabled": False,
            "directAccessGrantsEnabled": True,
        },
        {
            "clientId": "consent-app",
            "name": "Consent app",
            "description": "Asks users for consent (user_consents)",
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": True,
            "consentRequired": True,
            "standardFlowEnabled": True,
            "directAccessGrantsEnabled": False,
            "redirectUris": ["https://consent.example.test/callback"],
        },
        {
            "clientId": "crm",
            "name": "CRM",
            "description": "Client with client roles",
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": False,
            "clientAuthenticatorType": "client-secret",
            "secret": SECRETS["crm"],
            "standardFlowEnabled": True,
            "directAccessGrantsEnabled": False,
            "redirectUris": ["https://crm.example.test/*"],
        },
    ]


# view-organizations exists on Keycloak 25+ only: it is granted after import
# (conftest.realm_setup) on servers that have it.
SA_ROLES = ["view-users", "view-realm", "view-clients", "view-events", "view-identity-providers"]
SA_GRANTS = {
    "source-keycloak": SA_ROLES,
    "sk-no-roles": [],
    "sk-no-clients": [r for r in SA_ROLES if r != "view-clients"],
    "sk-no-events": [r for r in SA_ROLES if r != "view-events"],
    "sk-no-manage": SA_ROLES,
}


def service_account_users():
    grants = SA_GRANTS
    out = []
    for cid, roles in grants.items():
        u = {
            "username": f"service-account-{cid}",
            "enabled": True,
            "serviceAccountClientId": cid,
        }
        if roles:
            u["clientRoles"] = {"realm-management": roles}
        out.append(u)
    return out


def users():
    out = []
    for i in range(1, N_USERS + 1):
        if i == 1:
            username = "alice"
        elif i == 2:
            username = "bob"
        else:
            username = f"user{i:03d}"
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        attrs = {
            "department": [DEPARTMENTS[i % len(DEPARTMENTS)]],
            "employeeNumber": [f"E{i:05d}"],
        }
        if i % 3 == 0:  # multi-valued attribute
            attrs["skills"] = [SKILLS[i % len(SKILLS)], SKILLS[(i + 2) % len(SKILLS)],
                               SKILLS[(i + 4) % len(SKILLS)]]
        if i % 4 == 0:
            attrs["mood"] = [f"{EMOJI[i % len(EMOJI)]} {first}"]
        if i % 10 == 0:
            attrs["nickname"] = [f"Ñandú {EMOJI[(i // 10) % len(EMOJI)]} 東京"]
        groups = []
        if i <= ALL_STAFF_MEMBERS:
            groups.append("/all-staff")
        if i % 2 == 0:
            groups.append(LEAF_PATHS[(i // 2) % len(LEAF_PATHS)])
        if i % 25 == 0:
            groups.append("/acme-corp/engineering")
        if username in IT_ADMINS:
            groups.append("/it-admins")
        realm_roles_ = ["employee"]
        if username in HELPDESK_USERS:
            realm_roles_.append("helpdesk")
        if i % 5 == 0:
            realm_roles_.append("manager")
        if i % 11 == 0:
            realm_roles_.append("power-user")
        client_roles_ = {}
        if i % 6 == 0:
            client_roles_["crm"] = ["crm-reader"]
        if i % 17 == 0:
            client_roles_["crm"] = client_roles_.get("crm", []) + ["crm-admin"]
        u = {
            "username": username,
            "enabled": (i % 13 != 0),
            # the accounts predate the session (dormant_accounts in the dbt package)
            "createdTimestamp": FIXED_DATE,
            "email": f"{username}@acme.example.test",
            "emailVerified": True,
            "firstName": first,
            "lastName": last,
            "attributes": attrs,
            "groups": groups,
            "realmRoles": realm_roles_,
        }
        if client_roles_:
            u["clientRoles"] = client_roles_
        links = []
        if username in CORP_OIDC_LINKED:
            links.append({"identityProvider": "corp-oidc", "userId": f"corp-{i:05d}",
                          "userName": f"{username}@corp.example.test"})
        if username in GITHUB_LINKED:
            links.append({"identityProvider": "github", "userId": f"{1000 + i}",
                          "userName": f"gh-{username}"})
        if links:
            u["federatedIdentities"] = links
        if username in LOGIN_USERS:
            u["enabled"] = True
            u["realmRoles"] = realm_roles_ + ["offline_access"]
            u["credentials"] = [{"type": "password", "value": LOGIN_USERS[username],
                                 "temporary": False}]
        creds = credentials(username)
        if creds:
            u["enabled"] = True
            u["credentials"] = u.get("credentials", []) + creds
        if username in CONSENT_USERS:
            u["clientConsents"] = [{"clientId": "consent-app",
                                    "grantedClientScopes": CONSENT_USERS[username],
                                    "createdDate": FIXED_DATE,
                                    "lastUpdatedDate": FIXED_DATE + 3600_000}]
        out.append(u)
    return out + service_account_users()


def otp_credential(seed, label):
    return {"type": "otp", "userLabel": label, "createdDate": FIXED_DATE,
            "secretData": json.dumps({"value": seed}),
            "credentialData": json.dumps({"subType": "totp", "digits": 6, "counter": 0,
                                          "period": 30, "algorithm": "HmacSHA1"})}


def webauthn_credential(kind, label, aaguid, n):
    # a COSE EC2 public key and a credential id: public by nature, fixed bytes
    cred_id = f"aXQtd2ViYXV0aG4tY3JlZGVudGlhbC0{n:02d}"
    public_key = ("pQECAyYgASFYIBbDB4Lq6WbLrl0cHXbC0Qp2GxbV3l9ZgX0r5yU5fYkZIlgg"
                  f"Wq2m0G1bC7aPLh3nE5rX6qGZbD0yQm3T8s4xUf0n{n:02d}w=")
    return {"type": kind, "userLabel": label, "createdDate": FIXED_DATE,
            "secretData": "{}",
            "credentialData": json.dumps({
                "aaguid": aaguid, "credentialId": cred_id, "counter": 0,
                "attestationStatement": None, "credentialPublicKey": public_key,
                "attestationStatementFormat": "none", "transports": ["usb"]})}


def credentials(username):
    out = []
    if username in OTP_USERS:
        out.append(otp_credential(*OTP_USERS[username]))
    for i, table in enumerate((WEBAUTHN_USERS, WEBAUTHN_USERS_EXTRA)):
        if username in table:
            kind, label, aaguid = table[username]
            out.append(webauthn_credential(kind, label, aaguid, int(username[4:]) + 50 * i))
    if username == LOCKED_USER:
        out.append({"type": "password", "value": LOCKED_PASSWORD, "temporary": False})
    return out


def identity_provider_mappers():
    return [{
        "name": "corp department", "identityProviderAlias": "corp-oidc",
        "identityProviderMapper": "oidc-user-attribute-idp-mapper",
        "config": {"syncMode": "INHERIT", "claim": "department",
                   "user.attribute": "department"},
    }, {
        "name": "github employee role", "identityProviderAlias": "github",
        "identityProviderMapper": "oidc-hardcoded-role-idp-mapper",
        "config": {"syncMode": "INHERIT", "role": "employee"},
    }]


def identity_providers():
    return [{
        "alias": "corp-oidc",
        "displayName": "Corporate SSO",
        "providerId": "oidc",
        "enabled": True,
        "trustEmail": False,
        "storeToken": False,
        "firstBrokerLoginFlowAlias": "first broker login",
        "config": {
            "clientId": "acme-keycloak",
            "clientSecret": IDP_SECRET,
            "clientAuthMethod": "client_secret_post",
            "authorizationUrl": "https://sso.corp.example.test/authorize",
            "tokenUrl": "https://sso.corp.example.test/token",
            "issuer": "https://sso.corp.example.test",
            "syncMode": "IMPORT",
            "defaultScope": "openid email",
        },
    }, {
        "alias": "github",
        "displayName": "GitHub",
        "providerId": "github",
        "enabled": True,
        "trustEmail": False,
        "storeToken": False,
        "firstBrokerLoginFlowAlias": "first broker login",
        "config": {
            "clientId": "acme-github-app",
            "clientSecret": GITHUB_IDP_SECRET,
            "syncMode": "IMPORT",
        },
    }]


def realm():
    return {
        "realm": REALM,
        "displayName": "ACME Corp — Ünïcødé",
        "enabled": True,
        "eventsEnabled": True,
        "adminEventsEnabled": True,
        "adminEventsDetailsEnabled": True,
        "enabledEventTypes": ENABLED_EVENT_TYPES,
        "smtpServer": {
            "host": "smtp.example.test",
            "port": "587",
            "from": "noreply@acme.example.test",
            "fromDisplayName": "ACME",
            "auth": "true",
            "user": "mailer",
            "password": SMTP_PASSWORD,
            "starttls": "true",
        },
        "roles": {"realm": realm_roles(), "client": client_roles()},
        "groups": [group(g) for g in GROUPS],
        "clients": clients(),
        "users": users(),
        "identityProviders": identity_providers(),
        "identityProviderMappers": identity_provider_mappers(),
        **BRUTE_FORCE,
    }


def globex_realm():
    """A small second realm for the multi-realm tests."""
    users_ = []
    for i in range(1, 21):
        u = {"username": f"globex{i:02d}", "enabled": True,
             "email": f"globex{i:02d}@globex.example.test", "emailVerified": True,
             "firstName": FIRST_NAMES[(i * 3) % len(FIRST_NAMES)],
             "lastName": LAST_NAMES[(i * 5) % len(LAST_NAMES)],
             "groups": ["/globex-staff"] + (["/globex-staff/research"] if i % 4 == 0 else []),
             "realmRoles": ["globex-user"]}
        users_.append(u)
    return {
        "realm": "globex",
        "displayName": "Globex Corporation",
        "enabled": True,
        "roles": {"realm": [{"name": "globex-user", "description": "Globex employee"}]},
        "groups": [{"name": "globex-staff", "attributes": {}, "realmRoles": ["globex-user"],
                    "clientRoles": {}, "subGroups": [
                        {"name": "research", "attributes": {"lab": ["B7"]}, "realmRoles": [],
                         "clientRoles": {}, "subGroups": []}]}],
        "clients": [{
            "clientId": "globex-app", "name": "Globex app", "enabled": True,
            "protocol": "openid-connect", "publicClient": False,
            "clientAuthenticatorType": "client-secret",
            "secret": GLOBEX_SECRETS["globex-app"], "standardFlowEnabled": True,
            "directAccessGrantsEnabled": False,
            "redirectUris": ["https://app.globex.example.test/*"]}],
        "users": users_,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, "realm"), exist_ok=True)
    for name, data in (("acme", realm()), ("globex", globex_realm())):
        path = os.path.join(here, "realm", f"{name}-realm.json")
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        if "-q" not in sys.argv:
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
