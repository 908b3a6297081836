//! Micro-benchmarks of the per-record hot path: parsing a page of users (as trees, and
//! as the raw objects the big lists use), splicing raw objects into records, stripping
//! secrets from a page of clients, writing RECORD messages. `cargo bench --bench hot_path`
//! (not run in CI; the end-to-end numbers are in BENCHMARKS.md, from `make bench`).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

use source_keycloak::output::Output;
use source_keycloak::record::{RawObject, Record, splice};
use source_keycloak::secrets;

/// A page of 100 full users as the fake serves them (attributes, `access`), as bytes.
fn user_page() -> Vec<u8> {
    let realm = fake_keycloak::sample_realm("acme", 100);
    serde_json::to_vec(&realm.users).expect("users serialize")
}

fn parse_users(c: &mut Criterion) {
    let page = user_page();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(100));
    group.bench_function("100 users from bytes", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&page)).expect("valid JSON"))
    });
    group.bench_function("100 users from bytes as raw objects", |b| {
        b.iter(|| serde_json::from_slice::<Vec<RawObject>>(black_box(&page)).expect("valid JSON"))
    });
    let rows: Vec<RawObject> = serde_json::from_slice(&page).expect("valid JSON");
    group.bench_function("splice 100 raw users into records", |b| {
        b.iter(|| {
            rows.iter()
                .map(|row| splice(black_box(row), &["access"], &[("realm", "acme")]))
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

fn strip_clients(c: &mut Criterion) {
    let realm = fake_keycloak::bench_realm("acme", 10, 0);
    let clients: Vec<Value> = realm.clients.into_iter().take(100).collect();
    let mut group = c.benchmark_group("secrets");
    group.throughput(Throughput::Elements(clients.len() as u64));
    group.bench_function("apply the secrets policy to a page of clients", |b| {
        b.iter_batched(
            || {
                clients
                    .iter()
                    .cloned()
                    .map(Record::Tree)
                    .collect::<Vec<_>>()
            },
            |mut page| {
                for client in &mut page {
                    secrets::apply(secrets::Policy::Rule, client);
                }
                page
            },
            BatchSize::SmallInput,
        )
    });
    let rows: Vec<RawObject> = serde_json::from_slice(&user_page()).expect("valid JSON");
    let users: Vec<Record> = rows
        .iter()
        .map(|row| splice(row, &["access"], &[]))
        .collect();
    group.bench_function("scan 100 users kept as text", |b| {
        b.iter_batched(
            || users.clone(),
            |mut page| {
                for user in &mut page {
                    secrets::apply(secrets::Policy::Rule, user);
                }
                page
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn write_records(c: &mut Criterion) {
    let bytes = user_page();
    let trees: Vec<Record> = serde_json::from_slice::<Vec<Value>>(&bytes)
        .expect("valid JSON")
        .into_iter()
        .map(Record::from)
        .collect();
    let texts: Vec<Record> = serde_json::from_slice::<Vec<RawObject>>(&bytes)
        .expect("valid JSON")
        .iter()
        .map(|row| splice(row, &[], &[]))
        .collect();
    let mut group = c.benchmark_group("output");
    group.throughput(Throughput::Elements(trees.len() as u64));
    for (name, page) in [("trees", &trees), ("texts", &texts)] {
        group.bench_function(format!("100 RECORD messages ({name}) into a Vec"), |b| {
            b.iter(|| {
                let mut out = Output::new(Vec::with_capacity(256 * 1024));
                for user in page {
                    out.record("users", black_box(user)).expect("write");
                }
                out.flush().expect("flush");
                out
            })
        });
    }
    group.finish();
}

criterion_group!(hot_path, parse_users, strip_clients, write_records);
criterion_main!(hot_path);
