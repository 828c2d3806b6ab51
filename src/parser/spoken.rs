//! Times, places and names of the digest as people say them in settings: "a
//! quarter to ten", "eight o'clock", "seven in the evening", "Sydney time",
//! "the morning round-up". Settings read `09:45`, `Australia/Sydney` and
//! `digest`; this is the same message written that way, tried only when the
//! settings rules did not understand it as written.

use std::borrow::Cow;

use super::pattern::Pattern;
use crate::domain::zone_of_place;

/// An hour said as a word or a number.
macro_rules! hour {
    () => {
        r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})"
    };
}

patterns! {
    /// "half past eight", "quarter past nine".
    PAST_HALF = concat!(r"\b(?:a\s+)?(half|quarter)\s+past\s+", hour!(), r"\b");
    /// "ten past nine", "twenty past seven".
    PAST_MINUTES = concat!(r"\b(five|ten|twenty|twenty-five|\d{1,2})\s+(?:minutes\s+)?past\s+", hour!(), r"\b");
    /// "a quarter to ten".
    QUARTER_TO = concat!(r"\b(?:a\s+)?quarter\s+to\s+", hour!(), r"\b");
    /// "seven in the evening", "9 in the morning".
    PART_OF_DAY = concat!(r"\b", hour!(), r"(?::(\d{2}))?(?:\s+o'clock)?\s+in\s+the\s+(morning|afternoon|evening)\b");
    /// "eight o'clock".
    OCLOCK = concat!(r"\b", hour!(), r"\s+o'clock\b");
    /// "at eight", "till one", "to three": an hour said as a word after a
    /// word that leads to a time.
    AT_HOUR = r"\b(at|till|until|til|to|from|and)\s+(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b";
    /// "noon", "midnight".
    NOON = r"\b(noon|midday|midnight)\b";
    /// Words around a time that change nothing: "sharp", "rather than nine".
    NOISE = r"^for\s+this\s+(?:room|channel)\s*,?\s*(?:the\s+)?|\s+sharp\b|\s*,?\s*(?:rather\s+than|instead\s+of)\s+[^,.;!?]*|\s+instead\b";
    /// The digest by its other names.
    DIGEST_NAMES = r"\b(?:(?:daily|morning|blocker|blockers|team)\s+)*(?:round-?ups?|briefing|summary)\b|\b(?:its|this\s+room's|the\s+room's|our)\s+(?:daily\s+|morning\s+)?(?:round-?up|summary|briefing|digest)\b";
    /// A place's zone with "time" after it: "UK time", "New York time".
    PLACE_TIME = r"\b((?:[a-z][a-z'\-]*\s+){0,2}[a-z][a-z'\-]*)\s+time\b";
    /// A place after a word that leads to one: "in Lisbon", "to Singapore".
    PLACE_AFTER = r"\b(in|to|from|on|use)\s+((?:[a-z][a-z'\-]*\s+){0,2}[a-z][a-z'\-]*)";
}

/// What replaces one match of a pattern, or `None` to keep it as written.
type Writer = fn(&regex_lite::Captures<'_>) -> Option<String>;

/// The hour a word or number says.
fn hour_number(word: &str) -> Option<u32> {
    const WORDS: [&str; 12] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    let word = word.to_lowercase();
    WORDS
        .iter()
        .position(|w| *w == word)
        .map(|at| at as u32 + 1)
        .or_else(|| word.parse().ok())
        .filter(|hour| *hour <= 24)
}

/// Words without which a message says no setting in words: checked before any
/// pattern here is compiled, so that the first message a process reads (most
/// are no setting) pays nothing for this module.
const CUES: &[&str] = &[
    "digest",
    "round",
    "summary",
    "briefing",
    "recap",
    "time",
    "zone",
    "o'clock",
    "morning",
    "evening",
    "afternoon",
    "noon",
    "night",
    "past",
    "quarter",
    "hours",
    "my day",
    "moved",
    "working from",
    "runs on",
    "switch me",
    "put me",
    "use ",
    "i'm in",
    "i am in",
    "based in",
    "living in",
    "staying in",
    "start at",
    "finish at",
    "i work",
    "till ",
    "until ",
];

/// `text` with its spoken times, places and digest names written the way
/// settings read them, or `None` when nothing in it is said that way.
pub(super) fn normalised(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if !CUES.iter().any(|cue| lower.contains(cue)) {
        return None;
    }
    let mut said = Cow::Borrowed(text);
    let steps: [(&Pattern, Writer); 10] = [
        (&NOISE, |_| Some(String::new())),
        (&PAST_HALF, |found| {
            let hour = hour_number(found.get(2)?.as_str())?;
            let minutes = if found.get(1)?.as_str().eq_ignore_ascii_case("half") {
                30
            } else {
                15
            };
            Some(format!("{hour}:{minutes:02}"))
        }),
        (&PAST_MINUTES, |found| {
            let minutes = match found.get(1)?.as_str().to_lowercase().as_str() {
                "five" => 5,
                "ten" => 10,
                "twenty" => 20,
                "twenty-five" => 25,
                number => number.parse().ok().filter(|m: &u32| *m < 60)?,
            };
            Some(format!(
                "{}:{minutes:02}",
                hour_number(found.get(2)?.as_str())?
            ))
        }),
        (&QUARTER_TO, |found| {
            let hour = hour_number(found.get(1)?.as_str())?;
            Some(format!("{}:45", if hour == 1 { 12 } else { hour - 1 }))
        }),
        (&PART_OF_DAY, |found| {
            let hour = hour_number(found.get(1)?.as_str())?;
            let minutes = found.get(2).map_or("00", |m| m.as_str());
            let later = !found.get(3)?.as_str().eq_ignore_ascii_case("morning");
            let hour = if later && hour < 12 { hour + 12 } else { hour };
            Some(format!("{hour}:{minutes}"))
        }),
        (&OCLOCK, |found| {
            Some(format!("{}:00", hour_number(found.get(1)?.as_str())?))
        }),
        (&AT_HOUR, |found| {
            let hour = hour_number(found.get(2)?.as_str())?;
            Some(format!("{} {hour}:00", found.get(1)?.as_str()))
        }),
        (&NOON, |found| {
            let midnight = found.get(1)?.as_str().eq_ignore_ascii_case("midnight");
            Some(if midnight { "00:00" } else { "12:00" }.to_owned())
        }),
        (&DIGEST_NAMES, |_| Some("digest".to_owned())),
        (&PLACE_TIME, |found| place_zone(found.get(1)?.as_str())),
    ];
    for (pattern, write) in steps {
        said = Cow::Owned(replace(&said, pattern, write).unwrap_or_else(|| said.to_string()));
    }
    if let Some(changed) = replace(&said, &PLACE_AFTER, |found| {
        let zone = place_first(found.get(2)?.as_str())?;
        Some(format!("{} {zone}", found.get(1)?.as_str()))
    }) {
        said = Cow::Owned(changed);
    }
    (said != text).then(|| said.into_owned())
}

/// The zone of the place that ends `words` ("the UK" → `Europe/London`), with
/// the words before it kept.
fn place_zone(words: &str) -> Option<String> {
    let words: Vec<&str> = words.split_whitespace().collect();
    (0..words.len()).find_map(|from| {
        let place = words.get(from..)?.join(" ");
        let zone = zone_of_place(&place)?;
        let kept = words.get(..from)?.join(" ");
        Some(if kept.is_empty() {
            zone.name().to_owned()
        } else {
            format!("{kept} {}", zone.name())
        })
    })
}

/// The zone of the place that opens `words` ("Lisbon now" → `Europe/Lisbon
/// now`), the longest place first, with the words after it kept.
fn place_first(words: &str) -> Option<String> {
    let words: Vec<&str> = words.split_whitespace().collect();
    (1..=words.len()).rev().find_map(|to| {
        let zone = zone_of_place(&words.get(..to)?.join(" "))?;
        let rest = words.get(to..)?.join(" ");
        Some(if rest.is_empty() {
            zone.name().to_owned()
        } else {
            format!("{} {rest}", zone.name())
        })
    })
}

/// `text` with each match of `pattern` that `write` has words for replaced, or
/// `None` when none is.
fn replace(
    text: &str,
    pattern: &Pattern,
    write: impl Fn(&regex_lite::Captures<'_>) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for found in pattern.captures_iter(text) {
        let Some(whole) = found.get(0) else { continue };
        let Some(written) = write(&found) else {
            continue;
        };
        out.push_str(text.get(at..whole.start()).unwrap_or_default());
        out.push_str(&written);
        at = whole.end();
    }
    if at == 0 {
        return None;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_said_in_words_are_written_as_clock_times() {
        assert_eq!(
            normalised("at a quarter to ten UK time").as_deref(),
            Some("at 9:45 Europe/London")
        );
        assert_eq!(normalised("ten past nine").as_deref(), Some("9:10"));
        assert_eq!(
            normalised("from ten in the morning to seven in the evening").as_deref(),
            Some("from 10:00 to 19:00")
        );
        assert_eq!(
            normalised("arrive at eight o'clock sharp rather than nine").as_deref(),
            Some("arrive at 8:00")
        );
    }

    #[test]
    fn places_and_the_digest_by_other_names_are_read() {
        assert_eq!(
            normalised("I'm in Lisbon now").as_deref(),
            Some("I'm in Europe/Lisbon now")
        );
        assert_eq!(
            normalised("push the daily summary back").as_deref(),
            Some("push the digest back")
        );
        assert_eq!(normalised("nothing to see"), None);
    }
}
