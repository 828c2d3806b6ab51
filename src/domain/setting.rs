//! What `settings` changes, typed: the parser reads a message into a
//! [`SettingChange`], the engine applies it, matching every kind.
//!
//! The words are read here, once, so that anything the parser accepts the engine
//! knows (`set digest days to mon-fri` changes the digest's days), and anything it
//! cannot read is answered with what to write instead.

use chrono::NaiveTime;
use chrono_tz::Tz;

use super::{DigestSchedule, DoneOn, Weekdays, parse_hours, parse_time_of_day, zone_of_place};

/// A change of a person's or a room's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SettingChange {
    /// Show the settings.
    #[default]
    Show,
    /// The person's timezone.
    Timezone(Tz),
    /// The person's working hours (DMs outside them wait).
    WorkingHours { start: NaiveTime, end: NaiveTime },
    /// The room's digest: off, or some of its time, timezone and days.
    Digest(DigestChange),
    /// When the room's tasks linked to a pull or merge request are done: at the
    /// merge, or once CI passes on the merged commit.
    DoneOn(DoneOn),
    /// Whether what is said in the room may be summarised by the configured
    /// language model (`false`: nothing said there is ever sent to one).
    Summaries(bool),
    /// Words that are not a setting: the reply says what to write.
    Unreadable(String),
}

/// A change of a room's digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestChange {
    Off,
    /// No digest on these days ("no digest on Fridays"); off when none is left.
    Skip(Weekdays),
    /// What is given changes; the rest stays as the room has it.
    Set {
        time: Option<NaiveTime>,
        tz: Option<Tz>,
        days: Option<Weekdays>,
    },
}

/// What `settings` accepts, for the reply to words it cannot read.
pub const SETTINGS_HELP: &str = "I know `settings tz <Area/City>`, `settings hours 09:00-17:00`, `settings digest 09:30 [Area/City] [mon-fri]` (or `digest off`, `digest days mon-fri`) `settings done-on merge|green` and `settings summaries on|off`.";

/// Words between the values that say nothing themselves: `digest days to mon-fri`.
const FILLER: &[&str] = &[
    "to", "at", "on", "time", "days", "day", "is", "every", "=", "for", "this", "room", "channel",
    "here", "please", "pls", "only", "and", "the", "in", "its", "our", "sharp", "from", "now",
];

/// Words that take days away: "no digest on Fridays", "skip Mondays".
const SKIPPING: &[&str] = &["no", "not", "skip", "except", "without", "never"];

impl SettingChange {
    /// Reads a setting's name and words, as the parser found them
    /// (`["tz", "Europe/Berlin"]`, `["days", "mon-fri"]`).
    pub fn from_words(words: &[&str]) -> SettingChange {
        match words {
            [] | ["show"] => SettingChange::Show,
            ["tz" | "timezone", zone] => match zone
                .parse::<Tz>()
                .or_else(|_| zone_of_abbreviation(zone).ok_or(()))
                .or_else(|_| zone_of_place(&zone.replace(['_', '-'], " ")).ok_or(()))
            {
                Ok(tz) => SettingChange::Timezone(tz),
                Err(_) => SettingChange::Unreadable(format!(
                    "`{zone}` is not a timezone I know; write it like `Europe/Berlin` or `UTC`."
                )),
            },
            ["hours" | "working-hours", hours] => match parse_hours(hours) {
                Some((start, end)) => SettingChange::WorkingHours { start, end },
                None => SettingChange::Unreadable(format!(
                    "`{hours}` is not a span of working hours; write it like `09:00-17:00`."
                )),
            },
            // Quiet hours are the time outside working hours.
            ["quiet", hours] => match quiet_span(hours) {
                Some((quiet_from, quiet_until)) => SettingChange::WorkingHours {
                    start: quiet_until,
                    end: quiet_from,
                },
                None => SettingChange::Unreadable(format!(
                    "`{hours}` is not a span of quiet hours; write it like `18:00-09:00`."
                )),
            },
            ["digest", rest @ ..] | ["days", rest @ ..] => digest_change(rest),
            ["done-on" | "done_on" | "doneon", value] | ["done", "on", value] => {
                match DoneOn::from_name(value) {
                    Some(done_on) => SettingChange::DoneOn(done_on),
                    None => SettingChange::Unreadable(format!(
                        "`{value}` is not a choice for done-on; write `settings done-on merge` (a linked pull request's merge finishes its tasks) or `settings done-on green` (only once CI passes on the merged commit)."
                    )),
                }
            }
            ["summaries" | "summary" | "summarise" | "summarize", value] => {
                match value.to_lowercase().as_str() {
                    "on" | "yes" | "true" => SettingChange::Summaries(true),
                    "off" | "no" | "false" => SettingChange::Summaries(false),
                    _ => SettingChange::Unreadable(format!(
                        "`{value}` is not a choice for summaries; write `settings summaries off` (nothing said in this room is sent to a language model) or `settings summaries on`."
                    )),
                }
            }
            _ => SettingChange::Unreadable(SETTINGS_HELP.to_owned()),
        }
    }
}

/// The zone people mean by a common abbreviation ("PST", "CEST"): the one
/// whose clocks follow it, daylight saving included.
fn zone_of_abbreviation(abbreviation: &str) -> Option<Tz> {
    let zone = match abbreviation.to_ascii_uppercase().as_str() {
        "PST" | "PDT" | "PT" => Tz::America__Los_Angeles,
        "MST" | "MDT" | "MT" => Tz::America__Denver,
        "CST" | "CDT" | "CT" => Tz::America__Chicago,
        "EST" | "EDT" | "ET" => Tz::America__New_York,
        "BST" => Tz::Europe__London,
        "CET" | "CEST" => Tz::Europe__Berlin,
        "EET" | "EEST" => Tz::Europe__Athens,
        "IST" => Tz::Asia__Kolkata,
        "JST" => Tz::Asia__Tokyo,
        "AEST" | "AEDT" => Tz::Australia__Sydney,
        _ => return None,
    };
    Some(zone)
}

/// `18:00-09:00`: quiet hours run over midnight, unlike working hours.
fn quiet_span(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (from, until) = text.split_once('-')?;
    Some((
        parse_time_of_day(from.trim())?,
        parse_time_of_day(until.trim())?,
    ))
}

/// `off`, or any of a time, a timezone and weekdays, in any order.
fn digest_change(words: &[&str]) -> SettingChange {
    let bare: Vec<String> = words.iter().map(|word| bare_word(word)).collect();
    let bare: Vec<&str> = bare.iter().map(String::as_str).collect();
    let joined = with_day_ranges_joined(&bare);
    let words: Vec<&str> = joined
        .iter()
        .map(String::as_str)
        .filter(|w| !w.is_empty() && !FILLER.contains(&w.to_lowercase().as_str()))
        .collect();
    if let [skip, days @ ..] = words.as_slice()
        && SKIPPING.contains(&skip.to_lowercase().as_str())
    {
        let days: Option<Vec<Weekdays>> = days
            .iter()
            .filter(|w| !w.to_lowercase().starts_with("digest"))
            .map(|w| w.to_lowercase().parse::<Weekdays>().ok())
            .collect();
        return match days.filter(|days| !days.is_empty()) {
            Some(days) => SettingChange::Digest(DigestChange::Skip(
                days.into_iter().fold(Weekdays::default(), Weekdays::union),
            )),
            None => SettingChange::Unreadable(
                "Which days should have no digest? Write e.g. `no digest on fri`.".to_owned(),
            ),
        };
    }
    if let [off] = words.as_slice()
        && off.eq_ignore_ascii_case("off")
    {
        return SettingChange::Digest(DigestChange::Off);
    }
    if words.is_empty() {
        return SettingChange::Unreadable(
            "When should the digest come? Write e.g. `settings digest 09:30 Europe/Berlin mon-fri`, or `digest off`.".to_owned(),
        );
    }
    let (mut time, mut tz, mut days) = (None, None, None);
    for word in words {
        if let Some(at) = parse_time_of_day(word) {
            time = Some(at);
        } else if let Ok(zone) = word.parse::<Tz>() {
            tz = Some(zone);
        } else if let Ok(weekdays) = word.to_lowercase().parse::<Weekdays>() {
            // "mon wed fri": each day named adds to the others.
            days = Some(days.map_or(weekdays, |named: Weekdays| named.union(weekdays)));
        } else {
            return SettingChange::Unreadable(format!(
                "`{word}` is neither a time (like `09:30`), a timezone (like `Europe/Berlin`) nor weekdays (like `mon-fri`)."
            ));
        }
    }
    SettingChange::Digest(DigestChange::Set { time, tz, days })
}

/// A word without the punctuation around it, and a weekday said in the
/// plural ("Mondays,") in the singular.
fn bare_word(word: &str) -> String {
    let word = word.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '!' | '?'));
    let lower = word.to_lowercase();
    match lower.strip_suffix('s') {
        Some(day) if day.parse::<chrono::Weekday>().is_ok() => day.to_owned(),
        _ => word.to_owned(),
    }
}

/// `words` with a range said in words joined the way weekdays are written:
/// "monday to friday" is `monday-friday`, "weekdays" is `mon-fri`.
fn with_day_ranges_joined(words: &[&str]) -> Vec<String> {
    let is_day = |word: &str| word.parse::<chrono::Weekday>().is_ok();
    let mut joined = Vec::with_capacity(words.len());
    let mut at = 0;
    while let Some(&word) = words.get(at) {
        let lower = word.to_lowercase();
        match (words.get(at + 1), words.get(at + 2)) {
            (Some(through), Some(&to))
                if is_day(&lower)
                    && matches!(
                        through.to_lowercase().as_str(),
                        "to" | "through" | "thru" | "till" | "until" | "-"
                    )
                    && is_day(&to.to_lowercase()) =>
            {
                joined.push(format!("{lower}-{}", to.to_lowercase()));
                at += 3;
                continue;
            }
            _ => {}
        }
        joined.push(match lower.as_str() {
            "weekdays" | "workdays" | "weekday" => "mon-fri".to_owned(),
            "weekends" | "weekend" => "sat-sun".to_owned(),
            "daily" | "everyday" => "mon-sun".to_owned(),
            _ => word.to_owned(),
        });
        at += 1;
    }
    joined
}

impl DigestChange {
    /// The room's digest after the change, from what it is now.
    pub fn apply(self, current: DigestSchedule) -> Option<DigestSchedule> {
        match self {
            DigestChange::Off => None,
            DigestChange::Skip(skipped) => {
                let days = current.days.without(skipped);
                (!days.is_empty()).then_some(DigestSchedule { days, ..current })
            }
            DigestChange::Set { time, tz, days } => Some(DigestSchedule {
                time: time.unwrap_or(current.time),
                tz: tz.unwrap_or(current.tz),
                days: days.unwrap_or(current.days),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(words: &[&str]) -> SettingChange {
        SettingChange::from_words(words)
    }

    #[test]
    fn every_setting_the_parser_names_is_read() {
        assert_eq!(change(&[]), SettingChange::Show);
        assert_eq!(
            change(&["tz", "Europe/Berlin"]),
            SettingChange::Timezone(Tz::Europe__Berlin)
        );
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        assert_eq!(
            change(&["hours", "09:00-17:00"]),
            SettingChange::WorkingHours {
                start: nine,
                end: five
            }
        );
        assert_eq!(
            change(&["quiet", "17:00-09:00"]),
            SettingChange::WorkingHours {
                start: nine,
                end: five
            }
        );
        assert_eq!(
            change(&["days", "mon-fri"]),
            SettingChange::Digest(DigestChange::Set {
                time: None,
                tz: None,
                days: Some(Weekdays::WORKING)
            })
        );
        assert_eq!(
            change(&["digest", "days", "to", "mon-fri"]),
            change(&["days", "mon-fri"])
        );
        assert_eq!(
            change(&["digest", "off"]),
            SettingChange::Digest(DigestChange::Off)
        );
    }

    #[test]
    fn digest_days_said_in_words_are_the_days_meant() {
        let working = change(&["days", "mon-fri"]);
        assert_eq!(change(&["digest", "monday", "to", "friday"]), working);
        assert_eq!(change(&["digest", "Mon", "through", "Fri"]), working);
        assert_eq!(change(&["digest", "weekdays"]), working);
        // Each day named adds to the others, none replaces them.
        assert_eq!(
            change(&["digest", "mon", "wed", "fri"]),
            change(&["days", "mon,wed,fri"])
        );
    }

    #[test]
    fn words_that_are_no_setting_say_what_to_write() {
        for words in [
            &["tz", "Mars/Olympus"][..],
            &["hours", "all day"],
            &["digest", "soonish"],
            &["colour", "blue"],
        ] {
            assert!(
                matches!(change(words), SettingChange::Unreadable(reply) if !reply.is_empty()),
                "{words:?}"
            );
        }
    }

    #[test]
    fn a_digest_change_keeps_what_it_does_not_name() {
        let current = DigestSchedule::weekday_mornings(Tz::UTC);
        let later = NaiveTime::from_hms_opt(11, 15, 0).unwrap();
        let changed = DigestChange::Set {
            time: Some(later),
            tz: None,
            days: None,
        }
        .apply(current)
        .unwrap();
        assert_eq!(changed.time, later);
        assert_eq!(changed.tz, current.tz);
        assert_eq!(changed.days, current.days);
        assert_eq!(DigestChange::Off.apply(current), None);
    }
}
