//! Retry with exponential backoff and jitter. What is retryable is decided by
//! `Error::is_retryable` (429, 408, 5xx, transport failures, non-JSON 2xx bodies); a
//! `Retry-After` from the server (seconds or an HTTP date) replaces the computed delay,
//! capped so one answer cannot stall a sync for hours.

use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// The longest single wait, whatever the server asks for.
const MAX_DELAY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
}

impl RetryPolicy {
    /// Runs `op` until it succeeds, fails for good, or the retries are used up; the last
    /// error is returned as it is (it knows its own failure type).
    pub fn run<T>(&self, mut op: impl FnMut() -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            match op() {
                Err(e) if e.is_retryable() && attempt < self.max_retries => {
                    std::thread::sleep(self.delay(attempt, &e));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn delay(&self, attempt: u32, error: &Error) -> Duration {
        if let Error::Http {
            retry_after: Some(wait),
            ..
        } = error
        {
            return (*wait).min(MAX_DELAY);
        }
        let exp = self.base_delay.saturating_mul(1u32 << attempt.min(16));
        // Jitter of up to a quarter of the delay, so parallel syncs don't retry in step.
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0) as u64;
        let jitter_ms = (exp.as_millis() as u64 / 4).max(1);
        (exp + Duration::from_millis(nanos % jitter_ms)).min(MAX_DELAY)
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        let later = SystemTime::now() + Duration::from_secs(5);
        let wait = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(wait <= Duration::from_secs(5) && wait >= Duration::from_secs(3));
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_retry_after_value_parses_or_is_ignored(value in ".{0,40}") {
            let _ = parse_retry_after(&value);
        }
    }

    #[test]
    fn gives_up_after_max_retries_with_the_last_error() {
        let policy = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
        };
        let mut calls = 0;
        let result: Result<()> = policy.run(|| {
            calls += 1;
            Err(Error::Transport {
                path: "/x".into(),
                detail: "reset".into(),
            })
        });
        assert_eq!(calls, 3);
        assert!(matches!(result, Err(Error::Transport { .. })));
    }

    #[test]
    fn does_not_retry_permanent_errors() {
        let policy = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(1),
        };
        let mut calls = 0;
        let _ = policy.run::<()>(|| {
            calls += 1;
            Err(Error::Http {
                status: 403,
                path: "/x".into(),
                detail: String::new(),
                retry_after: None,
            })
        });
        assert_eq!(calls, 1);
    }
}
