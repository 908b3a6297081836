//! The one redaction point. Every secret the connector holds is registered here the
//! moment it has it: the client secret when the config is loaded, every access, refresh
//! and id token when the token endpoint issues it. Both writers (Airbyte on stdout, Singer
//! on stdout and stderr) pass every line through `line` or `text` before it leaves, so a
//! secret never leaves in any of the spellings a server may echo back: raw, form-encoded
//! (as the token request sent it), percent-encoded, JSON-escaped, or as the base64 of
//! HTTP Basic `client_id:secret`. Free text is redacted whatever a secret's length;
//! records are redacted of secrets of `MIN_IN_RECORDS` characters or more (a two-letter
//! secret would match all over the data; every token is far longer).
//!
//! The registry is process-wide on purpose: a secret must be redacted wherever text is
//! written, and the places that learn a secret (config, token cache) are not the places
//! that write.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use aho_corasick::AhoCorasick;
use base64::Engine;
use serde_json::Value;

/// A string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**********)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// What a redacted secret becomes.
pub const MASK: &str = "**********";

/// Secrets shorter than this are not searched for in records (see the module doc).
pub const MIN_IN_RECORDS: usize = 8;

struct Registry {
    /// Every spelling of every secret.
    forms: HashSet<String>,
    /// The spellings of secrets of at least `MIN_IN_RECORDS` characters.
    long_forms: HashSet<String>,
    /// Matchers of `forms` and `long_forms`, built when text is first redacted after a
    /// registration (not on every registration: a run registers every token it gets, and
    /// a test process runs hundreds of runs).
    matchers: Option<Matchers>,
}

struct Matchers {
    all: Option<AhoCorasick>,
    long: Option<AhoCorasick>,
    /// A DFA of the first `PREFIX` bytes of each of `long`'s spellings: a line without
    /// any of them holds no spelling, and is not searched further. The spellings are
    /// many and long (tokens of a kilobyte or more) but their prefixes few (every JWT
    /// starts `eyJhbGci…`), so this is a small automaton that scans a record at DFA
    /// speed; without it (its build failed) every line takes the full search.
    long_prefixes: Option<AhoCorasick>,
}

/// Bytes of each spelling in `Matchers::long_prefixes` (a shorter spelling, such as the
/// Basic form of a short id and secret, is taken whole).
const PREFIX: usize = MIN_IN_RECORDS;

static REGISTRY: RwLock<Option<Registry>> = RwLock::new(None);

/// Registers a secret: from now on none of its spellings leaves the process.
pub fn register(secret: &str) {
    if secret.is_empty() {
        return;
    }
    add(spellings(secret), secret.chars().count() >= MIN_IN_RECORDS);
}

/// Registers the HTTP Basic form of a client's credentials (`base64(id:secret)`), which
/// a server that echoes headers could send back even though we never send it.
pub fn register_basic(client_id: &str, secret: &str) {
    if secret.is_empty() {
        return;
    }
    let pair = format!("{client_id}:{secret}");
    let engines = [
        base64::engine::general_purpose::STANDARD.encode(&pair),
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(&pair),
        base64::engine::general_purpose::URL_SAFE.encode(&pair),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&pair),
    ];
    add(engines.into_iter().collect(), true);
}

/// Every spelling of `secret` a server could plausibly echo: raw; form-encoded (`+` for
/// a space) and percent-encoded (`%20`), each with upper- and lower-case hex; JSON-escaped
/// (as serde writes it, and with `\/`); and the JSON-escaped form-encoding.
pub fn spellings(secret: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let percent_unreserved = percent_encoding::utf8_percent_encode(secret, UNRESERVED).to_string();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json[1..json.len().saturating_sub(1).max(1)].to_string();
    let mut forms = vec![
        secret.to_string(),
        form.clone(),
        lower_hex(&form),
        percent.clone(),
        lower_hex(&percent),
        percent_unreserved.clone(),
        lower_hex(&percent_unreserved),
        json.clone(),
        json.replace('/', "\\/"),
        ascii_escaped(secret),
    ];
    forms.retain(|f| !f.is_empty());
    forms.sort();
    forms.dedup();
    forms
}

/// RFC 3986's unreserved characters stay as they are; everything else is escaped.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `%2F` → `%2f`: servers differ in the case of percent-escapes.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for _ in 0..2 {
                if let Some(h) = chars.next() {
                    out.push(h.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// The JSON escaping of servers that write every non-ASCII character as `\uXXXX`.
fn ascii_escaped(secret: &str) -> String {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let inner = &json[1..json.len().saturating_sub(1).max(1)];
    let mut out = String::with_capacity(inner.len());
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn add(new: Vec<String>, in_records: bool) {
    let mut guard = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    let registry = guard.get_or_insert_with(|| Registry {
        forms: HashSet::new(),
        long_forms: HashSet::new(),
        matchers: None,
    });
    let mut grew = false;
    for form in new {
        if in_records && !registry.long_forms.contains(&form) {
            grew |= registry.long_forms.insert(form.clone());
        }
        grew |= registry.forms.insert(form);
    }
    if grew {
        registry.matchers = None;
    }
}

/// Runs `f` with the current matchers, building them first if a secret was registered
/// since they were last built.
fn with_matchers<T>(f: impl FnOnce(&Matchers) -> T) -> T {
    const NONE: Matchers = Matchers {
        all: None,
        long: None,
        long_prefixes: None,
    };
    {
        let guard = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            None => return f(&NONE),
            Some(Registry {
                matchers: Some(m), ..
            }) => return f(m),
            Some(_) => {}
        }
    }
    let mut guard = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    let Some(registry) = guard.as_mut() else {
        return f(&NONE);
    };
    let matchers = registry.matchers.get_or_insert_with(|| Matchers {
        all: matcher(&registry.forms),
        long: matcher(&registry.long_forms),
        long_prefixes: prefixes(&registry.long_forms),
    });
    f(matchers)
}

/// Longest spelling first, so that a longer spelling wins where two overlap.
fn matcher(forms: &HashSet<String>) -> Option<AhoCorasick> {
    if forms.is_empty() {
        return None;
    }
    let mut sorted: Vec<&String> = forms.iter().collect();
    sorted.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(sorted)
        .ok()
}

fn prefixes(forms: &HashSet<String>) -> Option<AhoCorasick> {
    let prefixes: HashSet<&[u8]> = forms
        .iter()
        .map(|f| &f.as_bytes()[..f.len().min(PREFIX)])
        .collect();
    if prefixes.is_empty() {
        return None;
    }
    AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(prefixes)
        .ok()
}

/// `text` with every spelling of every registered secret replaced by `MASK`.
pub fn text(text: &str) -> Cow<'_, str> {
    with_matchers(|m| replace(m.all.as_ref(), text))
}

fn replace<'t>(matcher: Option<&AhoCorasick>, text: &'t str) -> Cow<'t, str> {
    let Some(matcher) = matcher else {
        return Cow::Borrowed(text);
    };
    if !matcher.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in matcher.find_iter(text) {
        out.push_str(&text[last..m.start()]);
        out.push_str(MASK);
        last = m.end();
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// True when a written line (a record's JSON) holds a registered secret of record
/// length in any spelling: the writer then redacts the record (`value`).
pub fn in_record(line: &[u8]) -> bool {
    with_matchers(|m| {
        if m.long_prefixes.as_ref().is_some_and(|p| !p.is_match(line)) {
            return false;
        }
        m.long.as_ref().is_some_and(|m| m.is_match(line))
    })
}

/// Redacts every string (and key) of a record tree of secrets of record length; a number
/// whose digits hold one becomes the mask. Returns true if anything changed.
pub fn value(value: &mut Value) -> bool {
    with_matchers(|m| m.long.as_ref().is_some_and(|m| redact_value(m, value)))
}

fn redact_value(matcher: &AhoCorasick, value: &mut Value) -> bool {
    match value {
        Value::String(s) => match replace(Some(matcher), s) {
            Cow::Owned(redacted) => {
                *s = redacted;
                true
            }
            Cow::Borrowed(_) => false,
        },
        Value::Number(n) if matcher.is_match(&n.to_string()) => {
            *value = Value::String(MASK.into());
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| redact_value(matcher, v) | changed),
        Value::Object(map) => {
            let mut changed = false;
            if map.keys().any(|k| matcher.is_match(k)) {
                let entries = std::mem::take(map);
                for (key, v) in entries {
                    let key = replace(Some(matcher), &key).into_owned();
                    map.insert(key, v);
                }
                changed = true;
            }
            map.values_mut()
                .fold(changed, |changed, v| redact_value(matcher, v) | changed)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_spelling_of_a_secret_is_redacted_from_text() {
        let secret = "Rd/x+&=%\"\\ é!q";
        register(secret);
        register_basic("my-client", secret);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("my-client:{secret}"));
        for form in spellings(secret).iter().chain([&basic]) {
            let message = format!("Keycloak said: <{form}> and more");
            let redacted = text(&message);
            assert!(!redacted.contains(form.as_str()), "{form} in {redacted}");
            assert!(redacted.contains(MASK), "{redacted}");
        }
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert!(form.contains('+') && form.contains("%2F"));
        assert!(spellings(secret).iter().any(|f| f.contains("%20")));
        assert!(spellings(secret).iter().any(|f| f.contains("\\\"")));
    }

    #[test]
    fn short_secrets_are_redacted_from_text_but_not_searched_in_records() {
        register("k&y");
        assert_eq!(text("- k%26y - k&y"), format!("- {MASK} - {MASK}"));
        assert!(!in_record(br#"{"name":"k&y"}"#));
    }

    #[test]
    fn records_are_redacted_in_strings_keys_and_numbers() {
        register("tok-1234567890-abcdef");
        register("987654321012");
        let mut record = json!({"a": "Bearer tok-1234567890-abcdef", "tok-1234567890-abcdef": 1,
            "n": 987654321012u64, "keep": [1, "x"]});
        let line = record.to_string();
        assert!(in_record(line.as_bytes()));
        assert!(value(&mut record));
        assert_eq!(
            record,
            json!({"a": format!("Bearer {MASK}"), MASK: 1, "n": MASK, "keep": [1, "x"]})
        );
        let mut clean = json!({"x": "nothing here"});
        assert!(!value(&mut clean));
    }

    #[test]
    fn a_line_with_only_a_secrets_prefix_is_not_a_match_and_one_with_it_is() {
        register("prefix-test-secret-0123456789");
        assert!(!in_record(
            br#"{"a":"prefix-t","b":"prefix-test-secret-012345678"}"#
        ));
        assert!(in_record(br#"{"a":"xx prefix-test-secret-0123456789 yy"}"#));
        assert!(in_record(br#"{"a":"prefix-test-secret-0123456789"}"#));
    }
}
