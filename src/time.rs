//! Dates without a date library: epoch milliseconds ⇄ civil dates (UTC), for `start_date`
//! and for the `yyyy-MM-dd` filters of older Keycloak event APIs. Uses the well-known
//! days-from-civil arithmetic (proleptic Gregorian calendar).

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `yyyy-MM-dd` of an epoch-millisecond instant, in UTC.
/// The clock: milliseconds since the epoch (0 if the clock is before it).
pub fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub fn date_of(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 UTC timestamp with milliseconds, e.g. `2024-06-10T06:13:20.000Z`.
pub fn iso_of(ms: i64) -> String {
    let day = ms.div_euclid(MS_PER_DAY);
    let rest = ms - day * MS_PER_DAY;
    let (h, mi, s, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{}T{h:02}:{mi:02}:{s:02}.{milli:03}Z", date_of(ms))
}

/// Start of the UTC day containing `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY) * MS_PER_DAY
}

pub const DAY_MS: i64 = MS_PER_DAY;

/// Parses `2024-01-31`, `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.123Z` or with a
/// `+hh:mm` offset, into epoch milliseconds.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    // Any input, including non-ASCII text: split only where a char boundary is.
    if !text.is_char_boundary(text.len().min(10)) {
        return None;
    }
    let (date, rest) = text.split_at(text.len().min(10));
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some()
        || date.len() != 10
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * MS_PER_DAY;
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset_ms) = split_offset(rest)?;
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = hms.split(':');
    let (h, mi, s) = (
        num(hms.next()?)?,
        num(hms.next()?)?,
        num(hms.next().unwrap_or("00"))?,
    );
    if hms.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let millis = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(3).collect();
        num(&digits)?
    };
    ms += ((h * 60 + mi) * 60 + s) * 1000 + millis - offset_ms;
    Some(ms)
}

/// Splits a trailing `Z` or `±hh:mm` off a clock time; returns the offset in ms.
fn split_offset(clock: &str) -> Option<(&str, i64)> {
    if let Some(c) = clock.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    if let Some(pos) = clock.rfind(['+', '-']) {
        let (c, off) = clock.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off.get(1..)?;
        let (h, m) = off.split_once(':').unwrap_or((off, "0"));
        let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
        if !(0..=23).contains(&h) || !(0..=59).contains(&m) {
            return None;
        }
        return Some((c, sign * (h * 60 + m) * 60_000));
    }
    Some((clock, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_rejected(text in ".{0,40}") {
            let _ = parse_instant(&text);
        }

        #[test]
        fn any_date_like_text(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]{0,14}(Z|[+-][0-9:]{0,8}|.{0,3}))?") {
            let _ = parse_instant(&text);
        }
    }

    #[test]
    fn non_ascii_is_rejected_not_a_panic() {
        for text in [
            "2024-01-3٣",
            "2024-01-01T00:00:00.aaé",
            "2024-01-01T00:00+9999999999999",
        ] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }

    #[test]
    fn round_trips_and_known_instants() {
        assert_eq!(parse_instant("1970-01-01"), Some(0));
        assert_eq!(
            parse_instant("2024-06-10T06:13:20Z"),
            Some(1_718_000_000_000)
        );
        assert_eq!(
            parse_instant("2024-06-10T08:13:20+02:00"),
            Some(1_718_000_000_000)
        );
        assert_eq!(
            parse_instant("2024-06-10T06:13:20.5Z"),
            Some(1_718_000_000_500)
        );
        assert_eq!(date_of(1_718_000_000_000), "2024-06-10");
        assert_eq!(iso_of(1_718_000_000_500), "2024-06-10T06:13:20.500Z");
        assert_eq!(
            parse_instant(&iso_of(1_718_000_000_500)),
            Some(1_718_000_000_500)
        );
        assert_eq!(date_of(951_782_400_000), "2000-02-29");
        for day in [0i64, 11_016, 19_884, 20_000, -1] {
            let ms = day * DAY_MS;
            assert_eq!(parse_instant(&date_of(ms)), Some(ms));
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-01-01X",
            "yesterday",
            "2024-1-1",
            "2024-01-01T25:00:00Z",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
