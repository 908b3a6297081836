//! Nothing leaked: TLS verification (a private CA, the insecure opt-out), the token never
//! sent to another host on a redirect, and every command in both protocols run under
//! every fault with the secret grep of `support` (no client secret, no token, in stdout
//! or stderr), including error bodies that echo the secret back.

use std::time::Duration;

use fake_keycloak::{FakeConfig, FakeKeycloak, Fault, FaultRule, TlsIdentity};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::{Value, json};

use crate::support::*;

/// A private CA (PEM) and a server identity it signed for 127.0.0.1 and localhost.
fn private_ca() -> (String, TlsIdentity) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "source-keycloak test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("server params");
    server
        .distinguished_name
        .push(DnType::CommonName, "fake keycloak");
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    (
        ca_cert.pem(),
        TlsIdentity {
            cert_chain_pem: server_cert.pem(),
            key_pem: server_key.serialize_pem(),
        },
    )
}

fn https_fake() -> (FakeKeycloak, String) {
    let (ca_pem, identity) = private_ca();
    let mut config = FakeConfig::sample();
    config.tls = Some(identity);
    let fake = FakeKeycloak::start(config);
    assert!(fake.base_url().starts_with("https://127.0.0.1:"));
    (fake, ca_pem)
}

fn check_with(fake: &FakeKeycloak, patch: Value) -> Run {
    let files = Files::new();
    let mut config = config_for(fake);
    for (k, v) in patch.as_object().unwrap() {
        config[k] = v.clone();
    }
    let config = files.json("config.json", &config);
    run(&["check", "--config", s(&config)])
}

fn warnings(run: &Run) -> Vec<&str> {
    run.messages
        .iter()
        .filter_map(|m| match m {
            Msg::LOG { log } if log.level == "WARN" => Some(log.message.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_untrusted_certificate_fails_check_and_says_to_set_ca_certificate() {
    let (fake, _) = https_fake();
    let run = check_with(&fake, json!({}));
    let (status, message) = run.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("certificate") && message.contains("ca_certificate"),
        "{message}"
    );
    assert!(
        fake.requests().is_empty(),
        "no request got through the handshake"
    );
}

#[test]
fn a_private_ca_in_ca_certificate_is_trusted() {
    let (fake, ca_pem) = https_fake();
    let run = check_with(&fake, json!({"ca_certificate": ca_pem}));
    assert_eq!(run.connection_status().0, "SUCCEEDED", "{}", run.stdout);
    assert!(warnings(&run).is_empty(), "{:?}", warnings(&run));
    // And a read over TLS returns the ground truth.
    let read = read(&fake, &["users"], json!({"ca_certificate": ca_pem}));
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    assert_eq!(
        read.keys("users", &["id"]),
        crate::read::truth(&fake, REALM, "users")
    );
}

#[test]
fn skipping_verification_needs_the_flag_and_warns_in_every_command() {
    let (fake, _) = https_fake();
    let patch = json!({"tls_insecure_skip_verify": true});
    let check = check_with(&fake, patch.clone());
    assert_eq!(check.connection_status().0, "SUCCEEDED", "{}", check.stdout);
    let files = Files::new();
    let mut config = config_for(&fake);
    config["tls_insecure_skip_verify"] = json!(true);
    let config = files.json("config.json", &config);
    let catalog = files.json("catalog.json", &table_catalog(&["realm_roles"]));
    let discover = run(&["discover", "--config", s(&config)]);
    assert_eq!(discover.code, Some(0));
    let read = run(&["read", "--config", s(&config), "--catalog", s(&catalog)]);
    assert_eq!(read.code, Some(0));
    for (name, run) in [("check", &check), ("discover", &discover), ("read", &read)] {
        assert!(
            warnings(run)
                .iter()
                .any(|w| w.contains("tls_insecure_skip_verify")),
            "{name}: {}",
            run.stdout
        );
    }
    let tap = run_singer(&["--config", s(&config), "--discover"]);
    assert_eq!(tap.code, Some(0));
    assert!(
        tap.stderr.contains("tls_insecure_skip_verify"),
        "{}",
        tap.stderr
    );
}

#[test]
fn the_token_is_not_sent_to_another_host_on_a_redirect() {
    let fake = start_sample();
    let other = start_sample();
    // A data call answered with a redirect to another host (127.0.0.1 → localhost, and
    // another port), which logs whether an Authorization header arrived.
    let location = format!(
        "http://localhost:{}/admin/realms/acme/roles?first=0&max=100",
        other.port()
    );
    fake.push_fault(FaultRule::new(
        "/admin/realms/acme/roles?briefRepresentation",
        usize::MAX,
        Fault::Status {
            code: 302,
            headers: vec![("Location".into(), location)],
            body: String::new(),
        },
    ));
    let run = read(&fake, &["realm_roles"], json!({"max_retries": 0}));
    // A redirect out of the configured origin is not followed at all: the other host
    // gets no request (so neither a token nor a chance to answer with records).
    let reached = other.requests();
    assert!(reached.is_empty(), "the redirect was followed: {reached:?}");
    assert_eq!(run.code, Some(1));
    assert_eq!(run.statuses("realm_roles"), ["STARTED", "INCOMPLETE"]);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0].failure_type, "config_error");
    let target = format!("http://localhost:{}/admin/realms/acme/roles", other.port());
    assert!(
        errors[0].message.contains("redirect") && errors[0].message.contains(&target),
        "{}",
        errors[0].message
    );
    assert!(
        !errors[0].message.contains("first=0"),
        "{}",
        errors[0].message
    );
}

/// Faults for the secret sweep; each fires a few times on every admin call or on the
/// token endpoint, so both the failure and the recovery paths are taken.
fn sweep_faults() -> Vec<(&'static str, &'static str, Fault)> {
    let echo = format!(
        "{{\"error\":\"invalid_client\",\"error_description\":\"bad secret {SECRET}\",\
         \"errorMessage\":\"{SECRET}\"}}"
    );
    let status = |code: u16, body: &str| Fault::Status {
        code,
        headers: vec![("Retry-After".into(), "0".into())],
        body: body.to_string(),
    };
    vec![
        ("/admin/realms/acme/", "429", status(429, "{}")),
        (
            "/admin/realms/acme/",
            "500 echoing the secret",
            status(500, &echo),
        ),
        (
            "/admin/realms/acme/",
            "403 echoing the secret",
            status(403, &echo),
        ),
        ("/admin/realms/acme/", "401", Fault::Unauthorized),
        ("/admin/realms/acme/", "reset", Fault::ResetBeforeBody),
        (
            "/admin/realms/acme/",
            "cut connection",
            Fault::TruncatedBody,
        ),
        ("/admin/realms/acme/", "cut JSON", Fault::CutJson),
        ("/admin/realms/acme/", "html", Fault::Html200),
        ("/admin/realms/acme/", "repeat", Fault::RepeatFirstPage),
        (
            "/admin/realms/acme/",
            "slow",
            Fault::Delay(Duration::from_millis(1_200)),
        ),
        ("/openid-connect/token", "token 503", status(503, &echo)),
        ("/openid-connect/token", "token 401", status(401, &echo)),
        ("/openid-connect/token", "token html", Fault::Html200),
    ]
}

#[test]
fn no_secret_in_any_output_of_any_command_under_any_fault() {
    for (path, name, fault) in sweep_faults() {
        let fake = start_sample();
        fake.push_fault(FaultRule::new(path, 3, fault));
        let files = Files::new();
        let mut config = config_for(&fake);
        config["max_retries"] = json!(1);
        config["request_timeout_seconds"] = json!(1);
        let config = files.json("config.json", &config);
        let catalog = files.json(
            "catalog.json",
            &table_catalog(&["users", "realm_roles", "clients", "events"]),
        );
        // `run` and `run_singer` grep stdout and stderr for every secret and token.
        let runs = [
            run(&["spec"]),
            run(&["check", "--config", s(&config)]),
            run(&["discover", "--config", s(&config)]),
            run(&["read", "--config", s(&config), "--catalog", s(&catalog)]),
        ];
        for r in &runs {
            assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
        }
        let singer_catalog = files.json(
            "singer.json",
            &json!({"streams": [{"tap_stream_id": "users", "stream": "users",
                "metadata": [{"breadcrumb": [], "metadata": {"selected": true}}]}]}),
        );
        for args in [
            vec!["--config", s(&config), "--discover"],
            vec!["--config", s(&config), "--catalog", s(&singer_catalog)],
        ] {
            let r = run_singer(&args);
            assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
        }
    }
}
