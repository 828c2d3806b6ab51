//! The room digest's schedule read from its parts, however the sentence around
//! them is built: "could the digest be posted Monday to Thursday only?", "post
//! this channel's digest at 08:45 Europe/Dublin", "stop posting the morning
//! report on weekends".
//!
//! The settings rules read the phrasings they know; this reads what is left by
//! its slots (a name of the digest, a word of changing it, and the times, zones
//! and days said), and leaves the values to [`SettingChange::from_words`], so
//! that what it cannot read is not taken for a setting.

use crate::domain::{DigestChange, SettingChange};

patterns! {
    /// A task key: a message about a task's report is not the room's digest.
    TASK_KEY = r"<KEY>";
    /// The digest wanted once, not rescheduled: "post it now instead of at 9:30",
    /// "can I get the roundup before the 9:00 handover?".
    ONCE = r"\b(?:now|right\s+away|today|tonight|early|this\s+(?:morning|afternoon)|before\s+the|for\s+the|never\s+(?:arrived|came)|(?:can|could|may)\s+(?:i|we)\s+(?:get|have|see))\b";
    /// A shift by an amount ("push it back an hour"), which settings do not
    /// take: the reply says how to write the time.
    RELATIVE = r"\b(?:back|forward|earlier|later)\s+(?:by\s+)?(?:an?|one|two|half\s+an|\d+)\s+(?:hours?|minutes?|mins?)\b|\b(?:an?|one|two|half\s+an|\d+)\s+(?:hours?|minutes?|mins?)\s+(?:earlier|later)\b";
    /// "from now on": a schedule, whatever "now" says elsewhere.
    FROM_NOW_ON = r"\bfrom\s+now\s+on\b";
    /// A name of the digest.
    DIGEST_NAME = r"\b(?:digests?|summary|summaries|round-?ups?|report|briefing|recap)\b";
    /// A word that changes when it comes.
    CHANGE_CUE = r"\b(?:post|posted|posting|send|sent|sending|go\s+out|goes\s+out|come|comes|arrive|move|moved|switch|set|change|push|bring|shift|reschedule|prepone|only|skip|stop|no|don't|do\s+not|instead|should|issued|turn\s+off|get)\b";
    /// Words that take days away rather than name the days it comes.
    SKIP_CUE = r"\b(?:no|skip|skipping|stop|don't|do\s+not|never|without|except|turn\s+off|pause)\b";
    /// A clock time: "08:45", "9am", "4 pm", "at 10".
    CLOCK = r"\b\d{1,2}:\d{2}(?:\s*(?:am|pm))?\b|\b\d{1,2}\s*(?:am|pm)\b|\b(?:at|to)\s+\d{1,2}(?:\s+sharp)?(?:$|[\s,.;!?])";
    /// A time that is being replaced: "instead of 9", "rather than eight".
    REPLACED = r"\b(?:instead\s+of|rather\s+than|not\s+at|from)\s+\d{1,2}(?::\d{2})?(?:\s*(?:am|pm))?";
    /// A zone as written in the tz database: "Europe/Dublin".
    ZONE = r"\b[a-z]+/[a-z_]+(?:/[a-z_]+)?\b";
    /// A day, a plural of one, or a group of them.
    DAY = r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?s?\b|\bweek\s*days?\b|\bweek\s*ends?\b|\bworking\s+days\b";
    /// Between two days, a range: "Monday to Friday", "Mon–Wed".
    DAY_RANGE = r"^\s*(?:to|through|thru|till|until|-|–|—)\s*$";
}

/// The settings words for the digest's schedule in `masked` (values sliced from
/// `original`, which has the same offsets), when it names the digest, a change
/// and at least one value Baton reads.
pub(super) fn words(masked: &str, original: &str) -> Option<Vec<String>> {
    if !DIGEST_NAME.is_match(masked) || !CHANGE_CUE.is_match(masked) || TASK_KEY.is_match(masked) {
        return None;
    }
    if ONCE.is_match(&FROM_NOW_ON.replace_all(masked, "")) || RELATIVE.is_match(masked) {
        return None;
    }
    let replaced: Vec<_> = REPLACED.find_iter(masked).map(|m| m.range()).collect();
    let kept = |at: usize| !replaced.iter().any(|range| range.contains(&at));
    let time = CLOCK
        .find_iter(masked)
        .find(|m| kept(m.start()))
        .map(|m| clock(m.as_str()));
    let zone = ZONE.find(masked).and_then(|m| original.get(m.range()));
    let days = days(masked);
    let mut words = vec!["digest".to_owned()];
    if time.is_none() && zone.is_none() && !days.is_empty() && SKIP_CUE.is_match(masked) {
        words.push("no".to_owned());
        words.extend(days);
    } else {
        words.extend(time.flatten());
        words.extend(zone.map(str::to_owned));
        words.extend(days);
    }
    let change = SettingChange::from_words(&words.iter().map(String::as_str).collect::<Vec<_>>());
    let read = matches!(
        change,
        SettingChange::Digest(DigestChange::Skip(_) | DigestChange::Set { .. })
    );
    (words.len() > 1 && read).then_some(words)
}

/// "at 10" → "10:00"; a time already written with a colon or am/pm stays.
fn clock(said: &str) -> Option<String> {
    let said = said.trim_end_matches(|c: char| !c.is_alphanumeric());
    let said = said.trim_end_matches(" sharp");
    match said.split_once(' ') {
        Some((_lead, hour)) if hour.chars().all(|c| c.is_ascii_digit()) => {
            let hour: u32 = hour.parse().ok()?;
            (hour < 24).then(|| format!("{hour:02}:00"))
        }
        _ => Some(said.replace(' ', "")),
    }
}

/// The days named, as settings write them ("mon-fri", "sat,sun"), ranges joined.
fn days(masked: &str) -> Vec<String> {
    let found: Vec<_> = DAY.find_iter(masked).collect();
    let mut days = Vec::new();
    let mut at = 0;
    while at < found.len() {
        let day = day_name(found[at].as_str());
        let next = found.get(at + 1);
        let between = next.and_then(|next| masked.get(found[at].end()..next.start()));
        match (next, between) {
            (Some(next), Some(between)) if DAY_RANGE.is_match(between) => {
                days.push(format!("{day}-{}", day_name(next.as_str())));
                at += 2;
            }
            _ => {
                days.push(day);
                at += 1;
            }
        }
    }
    days
}

/// "Mondays" → "mon", "weekends" → "sat-sun".
fn day_name(said: &str) -> String {
    let said = said.to_lowercase();
    if said.starts_with("week") && said.contains("end") {
        "sat-sun".to_owned()
    } else if said.starts_with("week") || said.starts_with("working") {
        "mon-fri".to_owned()
    } else {
        said.chars().take(3).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<Vec<String>> {
        let lower = text.to_lowercase();
        words(&lower, text)
    }

    #[test]
    fn the_schedule_is_read_from_its_parts() {
        assert_eq!(
            read("could the digest be posted Monday to Thursday only, please?"),
            Some(vec!["digest".into(), "mon-thu".into()])
        );
        assert_eq!(
            read("post this channel's digest at 08:45 Europe/Dublin"),
            Some(vec![
                "digest".into(),
                "08:45".into(),
                "Europe/Dublin".into()
            ])
        );
        assert_eq!(
            read("send the roundup at 10 instead of 9"),
            Some(vec!["digest".into(), "10:00".into()])
        );
    }

    #[test]
    fn the_time_asked_for_comes_before_the_one_it_replaces() {
        assert_eq!(
            read("would you move our morning summary to 10? nobody reads it at 8"),
            Some(vec!["digest".into(), "10:00".into()])
        );
        assert_eq!(read("push the room digest back an hour"), None);
    }

    #[test]
    fn days_taken_away_are_skipped() {
        assert_eq!(
            read("stop posting the morning report on weekends"),
            Some(vec!["digest".into(), "no".into(), "sat-sun".into()])
        );
    }

    #[test]
    fn a_digest_asked_for_or_talked_about_is_no_schedule() {
        assert_eq!(read("post the digest now"), None);
        assert_eq!(read("the report was great, thanks"), None);
    }
}
