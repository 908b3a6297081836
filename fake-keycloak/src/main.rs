//! Command-line entry point: starts the sample fake Keycloak with the given
//! overrides, prints one JSON line saying how to connect, then serves until
//! killed.

use fake_keycloak::{
    FakeConfig, FakeKeycloak, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, bench_realm, sample_realm,
};
use std::io::Write;
use std::str::FromStr;

const USAGE: &str = "\
Usage: fake-keycloak [OPTIONS]

Serves a fake Keycloak (token endpoint + Admin REST API) on 127.0.0.1 and
prints one JSON line: {\"base_url\",\"realm\",\"client_id\",\"client_secret\"}.

Options:
  --port N               port to bind (default 0 = any free port)
  --users N              users in the sample realm (default 300)
  --realm NAME           realm name (default acme)
  --legacy-groups        Keycloak 22-style groups (nested subGroups, no /children)
  --legacy-events        pre-26.2 events (no ids, no direction, dates only)
  --legacy-idp           Keycloak 22 identity providers (unpaged, no idpAlias filter)
  --no-organizations     pre-25 server without the organizations API
  --relative-path PATH   e.g. /auth (default none)
  --token-lifetime SECS  token lifetime (default 300)
  --bench                the benchmark realm: the sample grown to 10,000 groups,
                         500 realm roles, 200 clients, sessions and events
                         (see bench_realm), plus GET /__fake/log
  --events N             with --bench: user events (default: as many as users,
                         at most 1,000,000); admin events are a tenth
  -h, --help             print this help
";

struct Args {
    port: u16,
    users: usize,
    realm: String,
    legacy_groups: bool,
    legacy_events: bool,
    legacy_idp: bool,
    no_organizations: bool,
    relative_path: String,
    token_lifetime: u64,
    bench: bool,
    events: Option<usize>,
}

fn value<T: FromStr>(flag: &str, next: Option<String>) -> Result<T, String> {
    let raw = next.ok_or_else(|| format!("{flag} needs a value"))?;
    raw.parse()
        .map_err(|_| format!("invalid value for {flag}: {raw:?}"))
}

/// `Ok(None)` means help was asked for.
fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        port: 0,
        users: 300,
        realm: "acme".into(),
        legacy_groups: false,
        legacy_events: false,
        legacy_idp: false,
        no_organizations: false,
        relative_path: String::new(),
        token_lifetime: 300,
        bench: false,
        events: None,
    };
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut next = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => args.port = value(&flag, next())?,
            "--users" => args.users = value(&flag, next())?,
            "--realm" => args.realm = value(&flag, next())?,
            "--legacy-groups" => args.legacy_groups = true,
            "--legacy-events" => args.legacy_events = true,
            "--legacy-idp" => args.legacy_idp = true,
            "--no-organizations" => args.no_organizations = true,
            "--relative-path" => args.relative_path = value(&flag, next())?,
            "--token-lifetime" => args.token_lifetime = value(&flag, next())?,
            "--bench" => args.bench = true,
            "--events" => args.events = Some(value(&flag, next())?),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Some(args))
}

fn config(args: &Args) -> FakeConfig {
    let mut config = FakeConfig::sample();
    config.realms = vec![if args.bench {
        let events = args.events.unwrap_or(args.users.min(1_000_000));
        bench_realm(&args.realm, args.users, events)
    } else {
        sample_realm(&args.realm, args.users)
    }];
    config.log_endpoint = args.bench;
    for client in &mut config.clients {
        client.realm = args.realm.clone();
    }
    config.port = args.port;
    config.legacy_groups = args.legacy_groups;
    config.legacy_events = args.legacy_events;
    config.legacy_idp_instances = args.legacy_idp;
    config.legacy_idp_alias_filter = args.legacy_idp;
    config.no_organizations_api = args.no_organizations;
    config.relative_path = args.relative_path.clone();
    config.token_lifetime_secs = args.token_lifetime;
    config
}

fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("fake-keycloak: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let started = std::time::Instant::now();
    let config = config(&args);
    let generated_ms = started.elapsed().as_millis();
    let fake = match FakeKeycloak::try_start(config) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-keycloak: cannot start: {e}");
            std::process::exit(1);
        }
    };
    fake.prepare();
    let ready_ms = started.elapsed().as_millis();
    let line = serde_json::json!({
        "base_url": fake.base_url(), "realm": args.realm,
        "client_id": SAMPLE_CLIENT_ID, "client_secret": SAMPLE_CLIENT_SECRET,
        "generated_ms": generated_ms, "ready_ms": ready_ms,
    });
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}
