//! Deterministic identifiers and pseudo-randomness: FNV-1a hashing, a
//! SplitMix64 generator, and UUID-looking ids derived from (realm, kind, index)
//! so that sample data is identical on every run yet unique across realms.

/// FNV-1a 64-bit hash of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// SplitMix64: a tiny, fast, seedable generator (not for cryptography).
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `n` characters drawn from `alphabet` (which must not be empty).
    pub(crate) fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        let len = alphabet.len().max(1) as u64;
        (0..n)
            .map(|_| {
                let i = (self.next_u64() % len) as usize;
                alphabet.get(i).copied().unwrap_or(b'A') as char
            })
            .collect()
    }
}

/// The base64url alphabet, for token-looking strings.
pub(crate) const BASE64URL: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The standard base64 alphabet, for key-looking strings.
pub(crate) const BASE64: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A version-4-shaped UUID string, a pure function of (realm, kind, index).
pub(crate) fn uuid(realm: &str, kind: &str, index: u64) -> String {
    let seed = fnv1a(format!("{realm}\u{0}{kind}\u{0}{index}").as_bytes());
    let mut rng = SplitMix::new(seed);
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_distinct() {
        assert_eq!(uuid("acme", "user", 1), uuid("acme", "user", 1));
        assert_ne!(uuid("acme", "user", 1), uuid("acme", "user", 2));
        assert_ne!(uuid("acme", "user", 1), uuid("other", "user", 1));
        let id = uuid("acme", "group", 7);
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
    }
}
