//! The timestamp form Graph writes, `2024-09-18T22:53:34Z` (optionally with a fraction of
//! one to nine digits), read straight from bytes: a user carries two or three of them, and
//! the general RFC 3339 parser was 2 % of a run. Anything else, and any time before 1970 or
//! in 9999, is left to [`super::wire::parse_timestamp`]'s general path, which gives the same
//! seconds for everything read here (a test compares them).

/// Unix seconds of the canonical UTC timestamp at the start of `b`, and its length in bytes;
/// `None` when `b` does not start with one from 1970 to 9998 (jiff's range ends late in
/// 9999).
pub(super) fn canonical(b: &[u8]) -> Option<(i64, usize)> {
    let head: &[u8; 20] = b.get(..20)?.try_into().ok()?;
    let d = |i: usize| -> Option<u32> {
        let c = *head.get(i)?;
        c.is_ascii_digit().then(|| u32::from(c - b'0'))
    };
    let num2 = |i: usize| Some(d(i)? * 10 + d(i + 1)?);
    let [
        _,
        _,
        _,
        _,
        b'-',
        _,
        _,
        b'-',
        _,
        _,
        b'T',
        _,
        _,
        b':',
        _,
        _,
        b':',
        _,
        _,
        end,
    ] = *head
    else {
        return None;
    };
    let year = num2(0)? * 100 + num2(2)?;
    let (month, day) = (num2(5)?, num2(8)?);
    let (hour, minute, second) = (num2(11)?, num2(14)?, num2(17)?);
    if !(1970..=9998).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in(year, month)
    {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let len = match end {
        b'Z' => 20,
        b'.' => {
            let digits = b
                .get(20..)?
                .iter()
                .take(10)
                .take_while(|c| c.is_ascii_digit())
                .count();
            if !(1..=9).contains(&digits) || b.get(20 + digits) != Some(&b'Z') {
                return None;
            }
            21 + digits
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some((secs, len))
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::canonical;

    fn jiff(s: &str) -> Option<i64> {
        s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
    }

    #[test]
    fn agrees_with_jiff() {
        // Every day of a few years around the edges (leap years, centuries), a few times of
        // day, with and without fractions; and malformed neighbours.
        let mut n = 0;
        for year in [1969, 1970, 1999, 2000, 2023, 2024, 2100, 2400, 9999] {
            for month in 0..=13 {
                for day in 0..=32 {
                    for time in ["00:00:00", "23:59:59", "12:34:56", "24:00:00", "23:60:00"] {
                        for tail in [
                            "Z",
                            ".0000000Z",
                            ".5Z",
                            ".123456789Z",
                            ".1234567890Z",
                            ".Z",
                            "",
                        ] {
                            let s = format!("{year:04}-{month:02}-{day:02}T{time}{tail}");
                            if let Some((secs, len)) = canonical(s.as_bytes()) {
                                assert_eq!(len, s.len(), "{s}");
                                assert_eq!(Some(secs), jiff(&s), "{s}");
                                n += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(n > 20_000, "{n}");
        for s in [
            "2024-09-18T22:53:34z",
            "2024-09-18t22:53:34Z",
            "2024-09-18 22:53:34Z",
            "2024-09-18T22:53:34+00:00",
            "2024-9-18T22:53:34Z",
            "1969-12-31T23:59:59.5Z",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "+2024-09-18T22:53:34Z",
        ] {
            assert_eq!(canonical(s.as_bytes()), None, "{s}");
        }
        // A prefix: what follows is the caller's.
        assert_eq!(canonical(b"2024-02-29T00:00:00Z\",").map(|x| x.1), Some(20));
        assert_eq!(
            canonical(b"2024-02-29T00:00:00Z").map(|x| x.0),
            jiff("2024-02-29T00:00:00Z")
        );
    }
}
