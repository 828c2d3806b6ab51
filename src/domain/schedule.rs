//! Time rules: when a room's digest is due and when a person's working day starts.
//!
//! Pure functions of "now" and a timezone, so daylight-saving changes are tested
//! without a clock.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// A set of weekdays, e.g. `mon-fri` or `mon,wed,fri`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Weekdays(u8);

impl Weekdays {
    /// Monday to Friday.
    pub const WORKING: Weekdays = Weekdays(0b0001_1111);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The days in either set.
    pub fn union(self, other: Weekdays) -> Weekdays {
        Weekdays(self.0 | other.0)
    }

    /// These days but `other`'s.
    pub fn without(self, other: Weekdays) -> Weekdays {
        Weekdays(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn with(self, day: Weekday) -> Weekdays {
        Weekdays(self.0 | (1 << day.num_days_from_monday()))
    }
}

/// Why a weekday list does not parse; `Display` is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a list of weekdays; write e.g. `mon-fri` or `mon,wed,fri`")]
pub struct InvalidWeekdays(pub String);

impl FromStr for Weekdays {
    type Err = InvalidWeekdays;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidWeekdays(s.to_owned());
        let day = |name: &str| name.trim().parse::<Weekday>().map_err(|_| bad());
        let mut days = Weekdays(0);
        for part in s.split(',') {
            match part.split_once('-') {
                Some((from, to)) => {
                    let (mut day_at, to) = (day(from)?, day(to)?);
                    loop {
                        days = days.with(day_at);
                        if day_at == to {
                            break;
                        }
                        day_at = day_at.succ();
                    }
                }
                None => days = days.with(day(part)?),
            }
        }
        if days.0 == 0 { Err(bad()) } else { Ok(days) }
    }
}

impl fmt::Display for Weekdays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let names: Vec<&str> = (0..7)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| NAMES[i])
            .collect();
        f.write_str(&names.join(","))
    }
}

/// The local time `time` on `date` in `tz`, as UTC. A time skipped by a
/// daylight-saving jump moves forward by the jump; a repeated one takes the first.
pub fn at_local(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.to_utc(),
        LocalResult::None => {
            // In a gap: an hour later is past it (no zone jumps more than that).
            let later = naive + chrono::Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map_or_else(|| later.and_utc(), |at| at.to_utc())
        }
    }
}

/// The first `time` on one of `days` in `tz` after `now`.
fn next_local_time(tz: Tz, days: Weekdays, time: NaiveTime, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    (0..=7)
        .filter_map(|offset| today.checked_add_days(Days::new(offset)))
        .filter(|day| days.contains(day.weekday()))
        .map(|day| at_local(tz, day, time))
        .find(|at| *at > now)
        .unwrap_or(now)
}

/// When a room's digest is posted: a local time on some weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSchedule {
    pub time: NaiveTime,
    pub tz: Tz,
    pub days: Weekdays,
}

impl DigestSchedule {
    /// The local day whose digest is due at `now`: today, when today is a digest day
    /// and its time has come. A restart later the same day still finds it due; the
    /// store's unique key makes sure it is posted once.
    pub fn due_day(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        let today = now.with_timezone(&self.tz).date_naive();
        (self.days.contains(today.weekday()) && now >= at_local(self.tz, today, self.time))
            .then_some(today)
    }

    /// The next time a digest is due after `now`.
    pub fn next_fire_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        next_local_time(self.tz, self.days, self.time, now)
    }
}

impl DigestSchedule {
    /// 09:30 on weekdays in `tz`: the digest when nothing else is configured.
    pub fn weekday_mornings(tz: Tz) -> DigestSchedule {
        DigestSchedule {
            time: NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default(),
            tz,
            days: Weekdays::WORKING,
        }
    }

    /// Reads a room's digest setting: `off`, or `HH:MM [Area/City] [days]`
    /// (`09:30 Europe/Berlin mon-fri`); what is left out comes from `default`.
    ///
    /// # Errors
    /// A message for the user saying which part was not understood.
    pub fn parse_setting(
        words: &[&str],
        default: &DigestSchedule,
    ) -> Result<Option<DigestSchedule>, String> {
        if matches!(words, [off] if off.eq_ignore_ascii_case("off")) {
            return Ok(None);
        }
        let mut schedule = *default;
        let mut words = words.iter();
        let time = words.next().ok_or("Write a time like `09:30`, or `off`.")?;
        schedule.time = parse_time_of_day(time)
            .ok_or_else(|| format!("`{time}` is not a time; write e.g. `09:30`."))?;
        for word in words {
            if let Ok(tz) = word.parse::<Tz>() {
                schedule.tz = tz;
            } else {
                schedule.days = word
                    .parse()
                    .map_err(|_| format!("`{word}` is neither a timezone (like `Europe/Berlin`) nor weekdays (like `mon-fri`)."))?;
            }
        }
        Ok(Some(schedule))
    }

    /// The setting as stored and shown: `09:30 Europe/Berlin mon,tue,wed,thu,fri`.
    pub fn to_setting(&self) -> String {
        format!("{} {} {}", self.time.format("%H:%M"), self.tz, self.days)
    }
}

/// A person's working hours, in their timezone, on working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub tz: Tz,
    pub days: Weekdays,
}

impl WorkingHours {
    /// When a DM queued at `now` may be delivered: now during working hours,
    /// otherwise when the next working day starts.
    pub fn release_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = now.with_timezone(&self.tz);
        let today = local.date_naive();
        if self.days.contains(today.weekday())
            && local.time() >= self.start
            && local.time() < self.end
        {
            return now;
        }
        next_local_time(self.tz, self.days, self.start, now)
    }
}

impl WorkingHours {
    /// The start of the next working day after today (for "snooze until tomorrow").
    pub fn next_morning(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.with_timezone(&self.tz).date_naive();
        let end_of_today = at_local(
            self.tz,
            today,
            NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(self.end),
        );
        next_local_time(self.tz, self.days, self.start, end_of_today)
    }
}

/// `09:00-18:00` → (09:00, 18:00); the end must come after the start.
pub fn parse_hours(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (start, end) = text.trim().split_once('-')?;
    let start = parse_time_of_day(start)?;
    let end = parse_time_of_day(end)?;
    (start < end).then_some((start, end))
}

/// `09:30` or `9:30`.
pub fn parse_time_of_day(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn digest(time: &str, tz: Tz) -> DigestSchedule {
        DigestSchedule {
            time: parse_time_of_day(time).unwrap(),
            tz,
            days: Weekdays::WORKING,
        }
    }

    #[test]
    fn weekday_lists_parse_and_print() {
        assert_eq!("mon-fri".parse::<Weekdays>().unwrap(), Weekdays::WORKING);
        assert_eq!(
            "mon,wed,fri".parse::<Weekdays>().unwrap().to_string(),
            "mon,wed,fri"
        );
        assert_eq!(
            "fri-mon".parse::<Weekdays>().unwrap().to_string(),
            "mon,fri,sat,sun"
        );
        assert!("someday".parse::<Weekdays>().is_err());
    }

    #[test]
    fn the_digest_is_due_from_its_time_on_digest_days() {
        let schedule = digest("09:30", Tz::UTC);
        // 2026-11-24 is a Tuesday.
        assert_eq!(schedule.due_day(utc("2026-11-24T09:29:00Z")), None);
        assert_eq!(
            schedule.due_day(utc("2026-11-24T09:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 11, 24)
        );
        assert_eq!(
            schedule.due_day(utc("2026-11-24T17:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 11, 24)
        );
        assert_eq!(
            schedule.due_day(utc("2026-11-28T10:00:00Z")),
            None,
            "a Saturday"
        );
    }

    #[test]
    fn next_fire_skips_the_weekend() {
        let schedule = digest("09:30", Tz::UTC);
        assert_eq!(
            schedule.next_fire_at(utc("2026-11-27T10:00:00Z")),
            utc("2026-11-30T09:30:00Z")
        );
    }

    #[test]
    fn local_time_holds_across_daylight_saving_changes() {
        let berlin = digest("09:30", chrono_tz::Europe::Berlin);
        // Summer time (UTC+2) ends on Sunday 2026-10-25.
        assert_eq!(
            berlin.next_fire_at(utc("2026-10-23T05:00:00Z")),
            utc("2026-10-23T07:30:00Z")
        );
        assert_eq!(
            berlin.next_fire_at(utc("2026-10-23T08:00:00Z")),
            utc("2026-10-26T08:30:00Z")
        );
        // Summer time starts on Sunday 2026-03-29: 02:30 does not exist that night.
        let night = DigestSchedule {
            time: parse_time_of_day("02:30").unwrap(),
            tz: chrono_tz::Europe::Berlin,
            days: "sun".parse().unwrap(),
        };
        assert_eq!(
            night.next_fire_at(utc("2026-03-28T12:00:00Z")),
            utc("2026-03-29T01:30:00Z")
        );
    }

    #[test]
    fn dms_wait_for_the_working_day() {
        let hours = WorkingHours {
            start: parse_time_of_day("09:00").unwrap(),
            end: parse_time_of_day("17:00").unwrap(),
            tz: Tz::UTC,
            days: Weekdays::WORKING,
        };
        let late = utc("2026-11-24T22:00:00Z");
        assert_eq!(hours.release_at(late), utc("2026-11-25T09:00:00Z"));
        let during = utc("2026-11-25T10:00:00Z");
        assert_eq!(hours.release_at(during), during);
        assert_eq!(
            hours.release_at(utc("2026-11-27T18:00:00Z")),
            utc("2026-11-30T09:00:00Z"),
            "friday night"
        );
    }

    #[test]
    fn digest_settings_read_any_subset_and_off() {
        let default = digest("09:30", Tz::UTC);
        let set = DigestSchedule::parse_setting(&["08:15", "Europe/Berlin", "mon-thu"], &default)
            .unwrap()
            .unwrap();
        assert_eq!(set.to_setting(), "08:15 Europe/Berlin mon,tue,wed,thu");
        let time_only = DigestSchedule::parse_setting(&["10:00"], &default)
            .unwrap()
            .unwrap();
        assert_eq!(time_only.to_setting(), "10:00 UTC mon,tue,wed,thu,fri");
        assert_eq!(DigestSchedule::parse_setting(&["off"], &default), Ok(None));
        assert!(
            DigestSchedule::parse_setting(&["soon"], &default)
                .unwrap_err()
                .contains("not a time")
        );
        assert!(DigestSchedule::parse_setting(&["09:00", "Mars/Base"], &default).is_err());
    }

    #[test]
    fn hours_parse_only_when_they_make_sense() {
        assert!(parse_hours("09:00-17:00").is_some());
        assert!(parse_hours("17:00-09:00").is_none());
        assert!(parse_hours("nine to five").is_none());
    }
}
