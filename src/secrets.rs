//! The secrets policy: one rule that decides what is a secret in any representation, at
//! any depth, applied by the read engine to every record of every stream before it is
//! written (`apply`). Keycloak hands some secrets to read-only admins in clear text (a
//! client's `secret` up to 26.7, component and identity-provider config) and masks
//! others as `**********`; a broken or hostile server may put anything anywhere. Neither
//! a value nor the mask is ever emitted.
//!
//! The rule, on the words of a key (split at `.`, `_`, `-`, spaces and camelCase):
//! - a key is secret when it has a strong secret word (`secret`, `credential`, `private`,
//!   `passphrase`, `apiKey`, `salt`, `hashed`, words ending in them such as
//!   `clientsecret`, words starting with `private`), or a weak one (`password`,
//!   `passwd`, `pwd`, `token`, and words ending in them such as `keystorepassword`) that
//!   no later word qualifies as being *about* the secret (`passwordPolicy`, `tokenUrl`,
//!   `accessTokenLifespan`, `token_id`);
//! - its value is dropped when it is material: a string (except `""`, `"true"`,
//!   `"false"`), a non-empty list or object. Booleans, numbers and null stay
//!   (`revokeRefreshToken: false`, `accessTokenLifespan: 300`);
//! - a JSON Web Key (an object with `kty`) loses its private members (`d`, `p`, `q`,
//!   `dp`, `dq`, `qi`, `oth`, `k`); a credential (an object with `type` and `value`)
//!   loses its `value`; any value that is Keycloak's mask goes;
//! - what is nested deeper than `MAX_DEPTH` is dropped, never passed through; a stream's
//!   embedded JSON fields (admin events' `representation`) are parsed, cleaned and
//!   written back as text, or dropped when they are not JSON or too deep.
//!
//! Records kept as text (users, realm roles) are checked by a scan that finds every key
//! without building a tree (`needs_tree`); only a record that has something to remove,
//! an escape that could hide a key, or a deep nesting is parsed and cleaned.

use aho_corasick::AhoCorasick;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::record::Record;
use crate::redact::MASK;

/// Deeper values are dropped: nothing we cannot walk safely leaves.
pub const MAX_DEPTH: usize = 64;

/// How a stream's records are made safe. Every stream declares one.
#[derive(Debug, Clone, Copy)]
pub enum Policy {
    /// The rule (module doc) over the whole record.
    Rule,
    /// The rule, and these string fields hold JSON text (admin events' `representation`)
    /// that is cleaned too, or dropped when it cannot be checked.
    Embedded(&'static [&'static str]),
}

/// What `apply` did to one record.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Secret values removed.
    pub removed: u64,
    /// Values dropped because they could not be checked (not JSON, too deep).
    pub unchecked: u64,
}

impl Report {
    fn changed(&self) -> bool {
        self.removed + self.unchecked > 0
    }
    pub fn add(&mut self, other: Report) {
        self.removed += other.removed;
        self.unchecked += other.unchecked;
    }
}

/// Makes one record safe under `policy`.
pub fn apply(policy: Policy, record: &mut Record) -> Report {
    let embedded: &[&str] = match policy {
        Policy::Rule => &[],
        Policy::Embedded(fields) => fields,
    };
    match record {
        Record::Tree(value) => clean_record(value, embedded),
        Record::Text(text) => {
            if embedded.is_empty() && !needs_tree(text) {
                return Report::default();
            }
            let (mut value, mut report) = parse_bounded(text);
            report.add(clean_record(&mut value, embedded));
            if report.changed() {
                *record = Record::Tree(value);
            }
            report
        }
    }
}

fn clean_record(value: &mut Value, embedded: &[&str]) -> Report {
    let mut report = Report::default();
    if let Value::Object(map) = value {
        for field in embedded {
            if let Some(inner) = map.get_mut(*field) {
                report.add(clean_embedded(inner));
            }
        }
    }
    scrub(value, 0, &mut report);
    report
}

/// An embedded JSON field: parsed (a string) or taken as it is (an object or list),
/// cleaned, and written back as compact JSON text; dropped (null) when it is not JSON.
fn clean_embedded(field: &mut Value) -> Report {
    let mut report = Report::default();
    let mut inner = match std::mem::take(field) {
        Value::Null => return report,
        Value::String(text) => match serde_json::from_str::<Value>(&text) {
            Ok(inner) => inner,
            Err(_) => {
                report.unchecked += 1;
                return report;
            }
        },
        container @ (Value::Object(_) | Value::Array(_)) => container,
        _ => {
            report.unchecked += 1;
            return report;
        }
    };
    scrub(&mut inner, 1, &mut report);
    *field = Value::String(inner.to_string());
    report
}

/// A record's text as a tree. serde's parser stops at 128 levels; a record nested deeper
/// is read field by field and the fields that cannot be parsed are dropped.
fn parse_bounded(text: &str) -> (Value, Report) {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return (value, Report::default());
    }
    let mut report = Report::default();
    let mut map = Map::new();
    if let Ok(fields) =
        serde_json::from_str::<BTreeMap<String, Box<serde_json::value::RawValue>>>(text)
    {
        for (name, raw) in fields {
            match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => {
                    map.insert(name, value);
                }
                Err(_) => report.unchecked += 1,
            }
        }
    } else {
        report.unchecked += 1;
    }
    (Value::Object(map), report)
}

/// Applies the rule at every depth.
fn scrub(value: &mut Value, depth: usize, report: &mut Report) {
    match value {
        Value::Object(map) => {
            if depth >= MAX_DEPTH {
                *value = Value::Null;
                report.unchecked += 1;
                return;
            }
            let jwk = map.contains_key("kty");
            let credential =
                map.get("type").is_some_and(Value::is_string) && map.contains_key("value");
            let before = map.len();
            map.retain(|key, v| {
                let secret = (is_secret_key(key)
                    || jwk && JWK_PRIVATE.contains(&key.as_str())
                    || credential && key == "value")
                    && is_material(v);
                !(secret || is_mask(v))
            });
            report.removed += (before - map.len()) as u64;
            for v in map.values_mut() {
                scrub(v, depth + 1, report);
            }
        }
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                *value = Value::Null;
                report.unchecked += 1;
                return;
            }
            let before = items.len();
            items.retain(|v| !is_mask(v));
            report.removed += (before - items.len()) as u64;
            for v in items.iter_mut() {
                scrub(v, depth + 1, report);
            }
        }
        _ => {}
    }
}

/// The private members of a JSON Web Key (RFC 7518 §6.3.2, §6.4).
const JWK_PRIVATE: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn is_mask(value: &Value) -> bool {
    value.as_str() == Some(MASK)
}

/// Can this value hold a secret? Booleans, numbers, null and the strings `""`,
/// `"true"`, `"false"` (Keycloak's attribute booleans) cannot.
fn is_material(value: &Value) -> bool {
    match value {
        Value::String(s) => !matches!(s.as_str(), "" | "true" | "false"),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    }
}

/// Words that make any key secret, wherever they stand.
const STRONG_WORDS: &[&str] = &[
    "secret",
    "secrets",
    "credential",
    "credentials",
    "passphrase",
    "apikey",
    "salt",
    "salted",
    "hashed",
    "hashedsaltedvalue",
];

/// Endings that make a run-together word strongly secret (`clientsecret`).
const STRONG_ENDINGS: &[&str] = &[
    "secret",
    "credential",
    "credentials",
    "passphrase",
    "apikey",
];

/// Words that make a key secret unless a qualifier follows them.
const WEAK_WORDS: &[&str] = &["password", "passwords", "passwd", "pwd", "token", "tokens"];

/// Endings that make a run-together word weakly secret (`keystorepassword`).
const WEAK_ENDINGS: &[&str] = &["password", "passwd", "pwd", "token"];

/// Words that, after the last weak secret word, say the value is about it, not it.
const QUALIFIERS: &[&str] = &[
    "policy",
    "policies",
    "lifespan",
    "lifetime",
    "url",
    "urls",
    "uri",
    "uris",
    "endpoint",
    "type",
    "types",
    "enabled",
    "required",
    "length",
    "timeout",
    "expiration",
    "expires",
    "algorithm",
    "algorithms",
    "alg",
    "period",
    "interval",
    "reuse",
    "size",
    "format",
    "count",
    "time",
    "mode",
    "name",
    "hint",
    "label",
    "header",
    "id",
    "ids",
    "certificate",
    "public",
    "method",
    "flow",
];

fn is_strong(words: &[String], i: usize) -> bool {
    let word = words[i].as_str();
    STRONG_WORDS.contains(&word)
        || STRONG_ENDINGS.iter().any(|e| word.ends_with(e))
        || word.starts_with("private")
        || word == "key" && i > 0 && words[i - 1] == "api"
}

fn is_weak(word: &str) -> bool {
    WEAK_WORDS.contains(&word) || WEAK_ENDINGS.iter().any(|e| word.ends_with(e))
}

/// The rule for keys (module doc).
pub fn is_secret_key(key: &str) -> bool {
    let words = words(key);
    if (0..words.len()).any(|i| is_strong(&words, i)) {
        return true;
    }
    match words.iter().rposition(|w| is_weak(w)) {
        Some(i) => !words[i + 1..]
            .iter()
            .any(|w| QUALIFIERS.contains(&w.as_str())),
        None => false,
    }
}

/// A key's words, lower-cased: split at anything not alphanumeric and at camelCase
/// boundaries (`keyPassword` → key, password; `APIKey` → api, key).
fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    for run in key.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = run.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
            if cur.is_uppercase() && (prev.is_lowercase() || prev.is_numeric())
                || cur.is_uppercase() && prev.is_uppercase() && next_lower
            {
                words.push(chars[start..i].iter().collect::<String>().to_lowercase());
                start = i;
            }
        }
        if start < chars.len() {
            words.push(chars[start..].iter().collect::<String>().to_lowercase());
        }
    }
    words
}

/// Substrings (any case) whose presence in a key may make it secret, or make its
/// object special (a JWK's `kty`, a credential's `value`).
static TRIGGERS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    // A DFA: the words start with common letters, so a start-byte prefilter finds a
    // candidate at nearly every byte and the default NFA walks them one by one; this
    // scan runs over every record kept as text (the users hot path).
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build([
            "pass",
            "pwd",
            "secret",
            "token",
            "credential",
            "private",
            "api",
            "salt",
            "kty",
            "value",
        ])
        .ok()
});

/// Does a record kept as text need the tree path? True when one of its keys (at any
/// depth) is secret with a material value or marks a JWK or credential, when a value is
/// the mask, when a string has a `\u` escape (which could spell a key word), or when it
/// nests deeper than `MAX_DEPTH`. One pass: the triggers' matches, then a structural
/// scan that jumps from quote to quote.
pub fn needs_tree(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(triggers) = TRIGGERS.as_ref() else {
        return true;
    };
    // A `\u` escape can only stand inside a string: one SIMD search of the whole text
    // instead of a byte-pair scan of every string.
    if memchr::memmem::find(bytes, b"\\u").is_some() {
        return true;
    }
    // Most records (every plain user) hold no trigger word anywhere, no mask, and fewer
    // brackets than `MAX_DEPTH` in all: then no key can trigger and nothing nests too
    // deep, so the structural scan is skipped. (The text is JSON a page parsed, so its
    // strings end.)
    if !triggers.is_match(bytes)
        && memchr::memmem::find(bytes, MASK.as_bytes()).is_none()
        && memchr::memchr2_iter(b'{', b'[', bytes).count() <= MAX_DEPTH
    {
        return false;
    }
    let mut hits = triggers.find_iter(bytes).map(|m| m.start()).peekable();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i + 1;
                let Some(end) = string_end(bytes, start) else {
                    return true;
                };
                let content = &bytes[start..end];
                if content == MASK.as_bytes() {
                    return true;
                }
                while hits.next_if(|&h| h < start).is_some() {}
                let hit_inside = hits.peek().is_some_and(|&h| h < end);
                if hit_inside && let Some(value) = value_after_key(bytes, end + 1) {
                    let key = String::from_utf8_lossy(content);
                    if key == "kty"
                        || key == "value"
                        || is_secret_key(&key) && is_material_text(bytes, value)
                    {
                        return true;
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The index of the quote that closes the string starting at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    loop {
        let found = at + memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[found] == b'"' {
            return Some(found);
        }
        at = found + 2;
        if at > bytes.len() {
            return None;
        }
    }
}

/// When the string that ended before `from` is a key (a colon follows), where its value
/// starts.
fn value_after_key(bytes: &[u8], from: usize) -> Option<usize> {
    let colon = skip_space(bytes, from);
    (bytes.get(colon) == Some(&b':')).then(|| skip_space(bytes, colon + 1))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// `is_material` on the text of a value starting at `at`: scalars, `[]`, `{}`, `""`,
/// `"true"` and `"false"` are not.
fn is_material_text(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        Some(b'[') => bytes.get(skip_space(bytes, at + 1)) != Some(&b']'),
        Some(b'{') => bytes.get(skip_space(bytes, at + 1)) != Some(&b'}'),
        Some(b'"') => match string_end(bytes, at + 1) {
            Some(end) => !matches!(&bytes[at + 1..end], b"" | b"true" | b"false"),
            None => true,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests;
