//! RFC 3339 UTC timestamps for log lines. The date and time of day are worked out once
//! per second and thread; each line then only adds its microseconds.

use std::cell::Cell;
use std::fmt::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DDTHH:MM:SS`.
type DateTime = [u8; 19];

thread_local! {
    static LAST_SECOND: Cell<(u64, DateTime)> = const { Cell::new((u64::MAX, [b'0'; 19])) };
}

/// Writes the current time as `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`.
pub(crate) fn write_now(w: &mut impl Write) -> fmt::Result {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    write_at(w, since_epoch.as_secs(), since_epoch.subsec_micros())
}

fn write_at(w: &mut impl Write, secs: u64, micros: u32) -> fmt::Result {
    let date_time = LAST_SECOND.with(|last| {
        let (second, cached) = last.get();
        if second == secs {
            return cached;
        }
        let fresh = date_time(secs);
        last.set((secs, fresh));
        fresh
    });
    let mut fraction = *b".000000Z";
    put_digits(&mut fraction[1..7], u64::from(micros));
    w.write_str(ascii(&date_time))?;
    w.write_str(ascii(&fraction))
}

fn ascii(bytes: &[u8]) -> &str {
    // Only digits and separators are ever written into these buffers.
    std::str::from_utf8(bytes).unwrap_or("?")
}

/// A moment as `2026-12-05 06:07:28 UTC`, in Unix seconds.
pub fn utc_time(secs: u64) -> String {
    let mut text = String::from(ascii(&date_time(secs)));
    text.replace_range(10..11, " ");
    text + " UTC"
}

/// A moment for people: `2026-12-05 06:07:28 UTC`, then how long ago or ahead of `now`
/// it is (`(3 min ago)`, `(in 2 h)`, `(now)`); both in Unix seconds.
pub fn human_time(secs: u64, now: u64) -> String {
    let text = utc_time(secs);
    let (distance, ahead) = if secs > now { (secs - now, true) } else { (now - secs, false) };
    let span = match distance {
        0 => return text + " (now)",
        1..60 => format!("{distance} s"),
        60..3600 => format!("{} min", distance / 60),
        3600..172_800 => format!("{} h", distance / 3600),
        _ => format!("{} days", distance / 86_400),
    };
    if ahead { format!("{text} (in {span})") } else { format!("{text} ({span} ago)") }
}

/// The calendar date and time of day of `secs` after the Unix epoch; years past 9999
/// are written as 9999.
fn date_time(secs: u64) -> DateTime {
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    let mut out = *b"0000-00-00T00:00:00";
    put_digits(&mut out[0..4], year.min(9999));
    put_digits(&mut out[5..7], month);
    put_digits(&mut out[8..10], day);
    put_digits(&mut out[11..13], of_day / 3600);
    put_digits(&mut out[14..16], of_day / 60 % 60);
    put_digits(&mut out[17..19], of_day % 60);
    out
}

/// Proleptic Gregorian year, month and day of a day count from 1970-01-01
/// (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Writes `value`'s last `out.len()` decimal digits, zero-padded.
fn put_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(1_796_487_005), "2026-12-05 16:10:05 UTC");
    }

    fn at(secs: u64, micros: u32) -> String {
        let mut out = String::new();
        write_at(&mut out, secs, micros).unwrap_or_default();
        out
    }

    #[test]
    fn human_times_say_how_far_away_they_are() {
        let now = 1_796_428_799;
        assert_eq!(human_time(now, now), "2026-12-04 23:59:59 UTC (now)");
        assert_eq!(human_time(now - 5, now), "2026-12-04 23:59:54 UTC (5 s ago)");
        assert_eq!(human_time(now - 180, now), "2026-12-04 23:56:59 UTC (3 min ago)");
        assert_eq!(human_time(now + 7200, now), "2026-12-05 01:59:59 UTC (in 2 h)");
        assert_eq!(human_time(now - 3 * 86_400, now), "2026-12-01 23:59:59 UTC (3 days ago)");
    }

    #[test]
    fn dates_match_the_calendar() {
        // Checked against Python's datetime.
        for (secs, expected) in [
            (0, "1970-01-01T00:00:00"),
            (951_782_400, "2000-02-29T00:00:00"),
            (951_868_799, "2000-02-29T23:59:59"),
            (1_780_000_000, "2026-05-28T20:26:40"),
            (1_796_428_799, "2026-12-04T23:59:59"),
            (4_102_444_800, "2100-01-01T00:00:00"),
            (253_402_300_799, "9999-12-31T23:59:59"),
        ] {
            assert_eq!(at(secs, 0), format!("{expected}.000000Z"), "{secs}");
        }
    }

    #[test]
    fn microseconds_are_zero_padded_and_the_cached_second_is_not_reused_for_another() {
        assert_eq!(at(1_780_000_000, 42), "2026-05-28T20:26:40.000042Z");
        assert_eq!(at(1_780_000_000, 999_999), "2026-05-28T20:26:40.999999Z");
        assert_eq!(at(1_780_000_001, 7), "2026-05-28T20:26:41.000007Z");
        assert_eq!(at(1_780_000_000, 0), "2026-05-28T20:26:40.000000Z");
    }

    #[test]
    fn consecutive_days_advance_by_one() {
        let mut previous = date_time(0);
        for day in 1..800_000u64 {
            let current = date_time(day * 86_400);
            assert!(current > previous, "day {day}: {} after {}", ascii(&current), ascii(&previous));
            previous = current;
        }
    }

    #[test]
    fn now_has_the_rfc3339_shape() {
        let mut out = String::new();
        write_now(&mut out).unwrap_or_default();
        assert_eq!(out.len(), 27, "{out}");
        assert_eq!((&out[4..5], &out[10..11], &out[19..20], &out[26..]), ("-", "T", ".", "Z"), "{out}");
    }
}
