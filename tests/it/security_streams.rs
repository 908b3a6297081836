//! Issue 15's streams against the fake: what each promises beyond its record set (which
//! `read::every_stream_equals_the_ground_truth` checks), the requests they cost, and the
//! secrets of the sample's credentials, components and invitations.

use serde_json::json;

use crate::support::*;

const PER_USER: [&str; 3] = [
    "user_credentials",
    "user_brute_force_status",
    "user_consents",
];

#[test]
fn credentials_carry_type_label_and_public_metadata_only() {
    let fake = start_sample();
    let run = read(&fake, &["user_credentials"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let recs = run.records("user_credentials");
    let otp: Vec<_> = recs.iter().filter(|r| r["type"] == "otp").collect();
    let users = fake.with_realm_mut("acme", |r| r.users.len()).unwrap();
    assert_eq!(
        otp.len(),
        users / 5,
        "every fifth user has an OTP credential"
    );
    assert_eq!(
        otp[0]["metadata"],
        json!({"subType": "totp", "digits": 6, "counter": 0, "period": 30,
               "algorithm": "HmacSHA1"})
    );
    let webauthn = recs.iter().find(|r| r["type"] == "webauthn").unwrap();
    assert_eq!(
        webauthn["metadata"],
        json!({"aaguid": "cb69481e-8ff7-4039-93ec-0a2729a154a8", "counter": 0,
               "attestationStatementFormat": "none", "transports": ["usb"]})
    );
    for r in &recs {
        assert!(
            r.get("secretData").is_none() && r.get("credentialData").is_none(),
            "{r}"
        );
        assert!(r["user_id"].is_string() && r["username"].is_string(), "{r}");
    }
    assert!(
        !run.stdout.contains("OTPSEEDFAKE7Q"),
        "an OTP seed in the output"
    );
    assert!(
        !run.stdout.contains("salt-"),
        "a password salt in the output"
    );
    assert_no_secrets(&run.stdout, &run.stderr);
}

#[test]
fn per_user_streams_skip_a_user_deleted_mid_read() {
    let fake = start_sample();
    // the user is still listed, but its per-user endpoints answer 404 (deleted after the
    // listing): no records for it, no error, the stream COMPLETE
    let gone = fake
        .with_realm_mut("acme", |r| {
            let id = r.users[9]["id"].as_str().unwrap().to_string();
            r.security.credentials.remove(&id);
            id
        })
        .unwrap();
    let run = read(&fake, &PER_USER, json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty());
    for stream in PER_USER {
        assert_eq!(run.statuses(stream).last(), Some(&"COMPLETE"), "{stream}");
        assert!(
            run.records(stream)
                .iter()
                .all(|r| r["user_id"] != gone.as_str()),
            "{stream}: a record of the vanished user"
        );
    }
    let users = fake.with_realm_mut("acme", |r| r.users.len()).unwrap();
    assert_eq!(run.records("user_brute_force_status").len(), users - 1);
}

#[test]
fn lockouts_show_the_locked_user_and_cost_one_request_per_user() {
    let fake = start_sample();
    fake.clear_requests();
    let run = read(&fake, &["user_brute_force_status"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let recs = run.records("user_brute_force_status");
    let locked: Vec<_> = recs.iter().filter(|r| r["disabled"] == true).collect();
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0]["numFailures"], 3);
    assert_eq!(locked[0]["username"], "user0003");
    let users = fake.with_realm_mut("acme", |r| r.users.len()).unwrap();
    let per_user = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/attack-detection/brute-force/users/"))
        .count();
    assert_eq!(per_user, users);
}

#[test]
fn no_lockout_request_in_a_realm_without_brute_force_protection() {
    let fake = start_sample();
    fake.with_realm_mut("acme", |r| {
        r.representation["bruteForceProtected"] = json!(false);
    });
    fake.clear_requests();
    let run = read(&fake, &["user_brute_force_status"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.records("user_brute_force_status").is_empty());
    assert_eq!(
        run.statuses("user_brute_force_status").last(),
        Some(&"COMPLETE")
    );
    let requests = fake.requests();
    assert!(
        !requests.iter().any(|r| r.path.contains("attack-detection")
            || (r.path.ends_with("/users")
                && !r.query.contains(&("max".to_string(), "1".to_string())))),
        "no user listing (beyond the one-row role probe), no per-user request"
    );
}

#[test]
fn components_and_keys_hold_no_secret() {
    let fake = start_sample();
    let run = read(&fake, &["components", "realm_keys"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let components = run.records("components");
    let ldap = components
        .iter()
        .find(|c| c["name"] == "corp-ldap")
        .unwrap();
    assert_eq!(
        ldap["config"]["bindDn"],
        json!(["cn=reader,dc=example,dc=com"])
    );
    assert!(ldap["config"].get("bindCredential").is_none());
    let rsa = components
        .iter()
        .find(|c| c["name"] == "rsa-generated")
        .unwrap();
    assert!(rsa["config"].get("privateKey").is_none());
    assert_eq!(
        rsa["config"]["certificate"],
        json!(["MIICmzCCAYMCBgGT-certificate"])
    );
    let hmac = components
        .iter()
        .find(|c| c["name"] == "hmac-generated")
        .unwrap();
    assert!(hmac["config"].get("secret").is_none());
    let keys = run.keys("realm_keys", &["realm", "kid", "providerId"]);
    assert_eq!(keys.len(), 2);
    assert_no_secrets(&run.stdout, &run.stderr);
}

#[test]
fn executions_name_their_top_level_flow_and_keep_the_nesting() {
    let fake = start_sample();
    let run = read(
        &fake,
        &["authentication_flows", "authentication_executions"],
        json!({}),
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let flows = run.records("authentication_flows");
    let custom = flows.iter().find(|f| f["alias"] == "acme browser").unwrap();
    assert_eq!(custom["builtIn"], false);
    let mine: Vec<_> = run
        .records("authentication_executions")
        .into_iter()
        .filter(|e| e["flow_id"] == custom["id"])
        .collect();
    assert_eq!(mine.len(), 6);
    assert!(mine.iter().all(|e| e["flow_alias"] == "acme browser"));
    let conditional = mine
        .iter()
        .find(|e| e["requirement"] == "CONDITIONAL")
        .unwrap();
    assert_eq!(conditional["authenticationFlow"], true);
    let otp = mine
        .iter()
        .find(|e| e["providerId"] == "auth-otp-form")
        .unwrap();
    assert_eq!(otp["level"], 2);
}

#[test]
fn invitations_only_for_an_account_holding_manage_organizations() {
    let fake = start_sample();
    let invited = read(&fake, &["organization_invitations"], json!({}));
    assert_eq!(invited.code, Some(0), "{}", invited.stdout);
    let orgs = fake
        .with_realm_mut("acme", |r| r.organizations.len())
        .unwrap();
    assert_eq!(invited.records("organization_invitations").len(), orgs);
    assert!(
        invited
            .records("organization_invitations")
            .iter()
            .all(|r| r.get("inviteLink").is_none())
    );
    assert!(
        !invited.stdout.contains("invite-token"),
        "an invitation link's token in the output"
    );
    // an account with every view role and no write role: not offered, and check says why
    // without asking for the role
    let files = Files::new();
    let mut config = config_for(&fake);
    config["client_id"] = json!("read-only");
    config["client_secret"] = json!("fake-secret-readonly-4");
    let path = files.json("c.json", &config);
    let discovered = run(&["discover", "--config", s(&path)]);
    assert_eq!(discovered.code, Some(0), "{}", discovered.stdout);
    let Some(Msg::CATALOG { catalog }) = discovered.messages.first() else {
        panic!("not a CATALOG: {}", discovered.stdout)
    };
    let names: Vec<&str> = catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"organization_invitations"), "{names:?}");
    assert!(names.contains(&"organization_members"), "{names:?}");
    let checked = run(&["check", "--config", s(&path)]);
    let (status, message) = checked.connection_status();
    assert_eq!(status, "SUCCEEDED", "{message}");
    assert!(
        message.contains(
            "organization_invitations (Keycloak requires the write role manage-organizations"
        ),
        "{message}"
    );
    assert!(!message.contains("until the service account gets the role: organization_invitations"));
    // a catalog from an account that held it: the stream fails, and the error names the
    // write role without telling anyone to grant it
    let stale = read(
        &fake,
        &["organization_invitations", "organization_members"],
        json!({"client_id": "read-only", "client_secret": "fake-secret-readonly-4"}),
    );
    assert_eq!(
        stale.statuses("organization_invitations").last(),
        Some(&"INCOMPLETE")
    );
    assert_eq!(
        stale.statuses("organization_members").last(),
        Some(&"COMPLETE")
    );
    let said = &stale.errors()[0].message;
    assert!(
        said.contains("write role(s) 'manage-organizations'")
            && said.contains("never asks for")
            && !said.contains("Grant"),
        "{said}"
    );
}
