//! Issued tokens: opaque, random-looking, expiring and revocable, plus the count of
//! every token ever issued. The token endpoint (`routes::tokens`) issues them and the
//! Admin API looks bearers up here.

use crate::model::ids::{BASE64URL, SplitMix};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant, SystemTime};

/// Every access token the fake issues starts with this, so tests can assert that no
/// token ever reaches the connector's output.
pub const TOKEN_PREFIX: &str = "fakeKcToken_";

/// Who a token was issued to, and until when it works.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub realm: String,
    pub client_id: String,
    pub expires_at: Instant,
}

/// Live tokens plus the count of every token ever issued.
pub(crate) struct TokenStore {
    live: HashMap<String, IssuedToken>,
    issued: usize,
    rng: SplitMix,
}

impl TokenStore {
    pub(crate) fn new() -> Self {
        let seed = RandomState::new().hash_one(SystemTime::now());
        Self {
            live: HashMap::new(),
            issued: 0,
            rng: SplitMix::new(seed),
        }
    }

    /// A new random-looking token (three base64url segments, like a JWT).
    pub(crate) fn issue(&mut self, realm: &str, client_id: &str, lifetime: Duration) -> String {
        let now = Instant::now();
        if self.live.len() > 10_000 {
            self.live.retain(|_, t| t.expires_at > now);
        }
        let token = format!(
            "{}{}.{}.{}",
            TOKEN_PREFIX,
            self.rng.chars(BASE64URL, 16),
            self.rng.chars(BASE64URL, 240),
            self.rng.chars(BASE64URL, 86)
        );
        let issued = IssuedToken {
            realm: realm.to_string(),
            client_id: client_id.to_string(),
            expires_at: now + lifetime,
        };
        self.live.insert(token.clone(), issued);
        self.issued += 1;
        token
    }

    /// The token's grant, if it was issued, is not revoked and has not expired.
    pub(crate) fn lookup(&self, token: &str) -> Option<IssuedToken> {
        self.live
            .get(token)
            .filter(|t| Instant::now() < t.expires_at)
            .cloned()
    }

    pub(crate) fn revoke_all(&mut self) {
        self.live.clear();
    }

    pub(crate) fn issued(&self) -> usize {
        self.issued
    }
}
