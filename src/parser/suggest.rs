//! The verbs people type, and what to suggest when a word is not one of them.

/// Verb words with the intent each one names. The first word of a pair is what
/// people type, the second the intent's contract name.
const VOCABULARY: &[(&str, &str)] = &[
    ("create", "create"),
    ("add", "create"),
    ("new", "create"),
    ("done", "done"),
    ("finished", "done"),
    ("finish", "done"),
    ("complete", "done"),
    ("close", "done"),
    ("start", "start"),
    ("depend", "depend"),
    ("depends", "depend"),
    ("after", "depend"),
    ("undepend", "undepend"),
    ("block", "block"),
    ("unblock", "unblock"),
    ("assign", "assign"),
    ("reassign", "assign"),
    ("give", "assign"),
    ("hand", "assign"),
    ("note", "note"),
    ("show", "show"),
    ("status", "show"),
    ("mine", "mine"),
    ("blocked", "blocked"),
    ("digest", "digest"),
    ("graph", "graph"),
    ("cancel", "cancel"),
    ("drop", "cancel"),
    ("reopen", "reopen"),
    ("help", "help"),
    ("settings", "settings"),
    ("link", "link"),
    ("unlink", "link"),
];

/// Longest word compared: edit distance is quadratic, and no verb is this long.
const MAX_WORD_CHARS: usize = 24;

/// The intent name a verb word means (`add` → `create`), if it is one.
pub(super) fn canonical(word: &str) -> Option<&'static str> {
    let word = word.to_lowercase();
    VOCABULARY
        .iter()
        .find(|(typed, _)| *typed == word)
        .map(|&(_, name)| name)
}

/// Up to three intent names closest to `word` by edit distance, closest first.
///
/// Only close matches are offered (one edit for short words, two otherwise): a
/// suggestion far from what was typed is noise. Contractions ("don't") are
/// ordinary words, never mistyped verbs.
pub(super) fn suggestions(word: &str) -> Vec<&'static str> {
    if word.contains(['\'', '’']) {
        return Vec::new();
    }
    let word: String = word.to_lowercase().chars().take(MAX_WORD_CHARS).collect();
    let length = word.chars().count();
    let limit = if length <= 3 { 1 } else { 2 };
    let mut ranked: Vec<(usize, &'static str)> = VOCABULARY
        .iter()
        .map(|&(typed, name)| (strsim::damerau_levenshtein(&word, typed), name))
        .filter(|&(distance, _)| distance <= limit && distance < length)
        .collect();
    ranked.sort_by_key(|&(distance, _)| distance);
    let mut names: Vec<&'static str> = Vec::new();
    for (_, name) in ranked {
        if !names.contains(&name) && names.len() < 3 {
            names.push(name);
        }
    }
    names
}

/// Everyday words that sit one or two edits from a verb ("not" / `note`, "half" /
/// `help`, "now" / `new`): they start sentences, they are not typos.
const COMMON_WORDS: &[&str] = &[
    "not",
    "now",
    "no",
    "nope",
    "nah",
    "nor",
    "none",
    "nothing",
    "new",
    "news",
    "node",
    "hold",
    "half",
    "held",
    "hello",
    "hell",
    "heap",
    "dome",
    "dose",
    "does",
    "dona",
    "gone",
    "one",
    "bone",
    "tone",
    "stop",
    "star",
    "stat",
    "stats",
    "sort",
    "art",
    "mind",
    "nine",
    "line",
    "wine",
    "mike",
    "the",
    "then",
    "than",
    "them",
    "there",
    "this",
    "that",
    "what",
    "who",
    "how",
    "why",
    "when",
    "show",
    "block",
    "lock",
    "black",
    "back",
    "clock",
    "mine",
    "mines",
    "draft",
    "draw",
    "drop",
    "cancel",
    "give",
    "live",
    "love",
    "have",
    "hand",
    "band",
    "and",
    "sand",
    "add",
    "odd",
    "ad",
    "after",
    "later",
    "alter",
    "aster",
    "dear",
    "near",
    "nice",
    "vote",
    "notes",
    "noted",
    "graph",
    "grab",
    "grapes",
    "open",
    "often",
    "digest",
    "assign",
    "sign",
    "assist",
    "assume",
    "depend",
    "defend",
    "spend",
    "append",
    "start",
    "smart",
    "stare",
    "state",
    "create",
    "crate",
    "unlock",
    "finish",
    "finishing",
    "blocker",
    "blockers",
    "done",
    "down",
    "dune",
    "don",
    "sure",
];

/// Whether `word`, the first word of a request, looks like a mistyped verb: it is no
/// verb, no everyday word, and one edit from a verb (two when it is long).
pub(super) fn is_typo(word: &str) -> bool {
    let lower = word.to_lowercase();
    if canonical(&lower).is_some()
        || COMMON_WORDS.contains(&lower.as_str())
        || is_inflection(&lower)
    {
        return false;
    }
    let length = lower.chars().count();
    let limit = if length <= 5 { 1 } else { 2 };
    length < MAX_WORD_CHARS
        && !lower.contains(['\'', '’'])
        && VOCABULARY
            .iter()
            .any(|&(typed, _)| strsim::damerau_levenshtein(&lower, typed) <= limit)
}

/// Whether `lower` is a verb of the vocabulary with an ending ("completed",
/// "closes", "finishing"): a word spelt right.
fn is_inflection(lower: &str) -> bool {
    ["ed", "d", "es", "s", "ing"].iter().any(|ending| {
        lower.strip_suffix(ending).is_some_and(|stem| {
            VOCABULARY.iter().any(|&(typed, _)| {
                typed == stem || typed.strip_suffix('e').is_some_and(|bare| bare == stem)
            })
        })
    })
}

/// Verb forms a mistyped word may be corrected to, as people write them in
/// sentences ("T-2 depnds on T-1", "strated on it"). Not the words of `done` and
/// `cancel`: a typo there is asked about, never acted on (see [`corrected`]).
const CORRECTABLE: &[&str] = &[
    "add",
    "create",
    "start",
    "started",
    "starting",
    "depend",
    "depends",
    "depending",
    "undepend",
    "block",
    "blocked",
    "blocking",
    "unblock",
    "unblocked",
    "waiting",
    "assign",
    "assigned",
    "reassign",
    "handoff",
    "note",
    "show",
    "status",
    "mine",
    "digest",
    "graph",
    "snooze",
    "reopen",
    "reopened",
    "reopening",
    "settings",
    "link",
];

/// Words of the verbs whose typos are never corrected, only asked about.
const ASK_FIRST: &[&str] = &[
    "done",
    "finished",
    "finish",
    "complete",
    "completed",
    "close",
    "closed",
    "merged",
    "shipped",
    "deployed",
    "cancel",
    "cancelled",
    "canceled",
    "drop",
    "dropped",
];

/// The verb form `word` is a unique, close typo of ("asign" → "assign"), unless
/// it is a real word, already a verb, or as close to `done`/`cancel` ("dnoe"):
/// those are answered with "did you mean ...?" instead.
pub(super) fn corrected(word: &str) -> Option<&'static str> {
    let lower = word.to_lowercase();
    let length = lower.chars().count();
    if !(3..MAX_WORD_CHARS).contains(&length)
        || !lower.chars().all(|c| c.is_ascii_alphabetic())
        || canonical(&lower).is_some()
        || COMMON_WORDS.contains(&lower.as_str())
        || CORRECTABLE.contains(&lower.as_str())
        || ASK_FIRST.contains(&lower.as_str())
    {
        return None;
    }
    let limit = if length <= 5 { 1 } else { 2 };
    let distance = |target: &&str| strsim::damerau_levenshtein(&lower, target);
    let nearest = CORRECTABLE
        .iter()
        .chain(ASK_FIRST)
        .map(distance)
        .min()
        .filter(|&d| d <= limit)?;
    let mut at_nearest = CORRECTABLE.iter().filter(|t| distance(t) == nearest);
    let target = at_nearest.next()?;
    let unique = at_nearest.next().is_none() && !ASK_FIRST.iter().any(|t| distance(t) == nearest);
    unique.then_some(*target)
}

/// `text` with its verb corrected when it is mistyped, or `None`.
///
/// Only the verb's place is looked at: the first word, or the first after the
/// keys the message opens with ("T-2 depnds on T-1"). Elsewhere a word near a
/// verb is usually another word ("staging" is two edits from "starting").
pub(super) fn with_typos_corrected(text: &str) -> Option<String> {
    let mut words: Vec<String> = text.split(' ').map(str::to_owned).collect();
    // Keys and manners come before the verb: "T-4 strat", "pls asign T-5".
    let before_verb = |word: &str| {
        let core = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        core.parse::<crate::domain::TaskKey>().is_ok()
            || ["and", "&", "", "pls", "plz", "please", "kindly"]
                .contains(&core.to_lowercase().as_str())
    };
    let verb = words.iter_mut().find(|word| !before_verb(word))?;
    let core = verb.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    let fixed = corrected(&core)?;
    *verb = verb.replacen(&core, fixed, 1);
    Some(words.join(" "))
}

/// English words one edit from a long verb form, which a typo check inside a
/// sentence must leave alone ("she stared", "unlocked the door").
const NEAR_VERB_WORDS: &[&str] = &[
    "stared",
    "starter",
    "staring",
    "stating",
    "starling",
    "blocker",
    "blockers",
    "clocked",
    "flocked",
    "clocking",
    "flocking",
    "defends",
    "defending",
    "unlocked",
    "unlocking",
    "sittings",
    "statue",
    "starred",
    "starring",
];

/// Shortest verb form corrected inside a sentence: shorter words sit one edit
/// from too many others ("snow" / `show`, "nite" / `note`).
const MIN_INNER_TYPO_CHARS: usize = 6;

/// `text` with every mistyped long verb form corrected, wherever it stands
/// ("whats blokced", "T-652 no longer depnds on T-653", "reopning, bug still
/// there"), or `None`. Only one edit away, only a unique correction, only words
/// that are no English word near the verb, and never towards `done`/`cancel`.
pub(super) fn with_inner_typos_corrected(text: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = text
        .split(' ')
        .map(|word| {
            let core = word.trim_matches(|c: char| !c.is_alphanumeric());
            match inner_correction(core) {
                Some(fixed) => {
                    changed = true;
                    word.replacen(core, fixed, 1)
                }
                None => word.to_owned(),
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// The long verb form `word` is a unique one-edit typo of.
fn inner_correction(word: &str) -> Option<&'static str> {
    let lower = word.to_lowercase();
    let length = lower.chars().count();
    if !(MIN_INNER_TYPO_CHARS - 1..MAX_WORD_CHARS).contains(&length)
        || !lower.chars().all(|c| c.is_ascii_alphabetic())
        || NEAR_VERB_WORDS.contains(&lower.as_str())
        || COMMON_WORDS.contains(&lower.as_str())
        || CORRECTABLE.contains(&lower.as_str())
        || ASK_FIRST.contains(&lower.as_str())
        || canonical(&lower).is_some()
    {
        return None;
    }
    let close = |target: &&str| strsim::damerau_levenshtein(&lower, target) == 1;
    if ASK_FIRST.iter().any(close) {
        return None;
    }
    let mut found = CORRECTABLE
        .iter()
        .filter(|target| target.len() >= MIN_INNER_TYPO_CHARS && **target != "status")
        .filter(|target| close(target));
    let target = found.next()?;
    found.next().is_none().then_some(*target)
}

/// A misspelling of `done` or `cancel` among the first words of `text` ("T-70
/// fnished", "T-47 is doen"), which is asked about rather than read as a note.
pub(super) fn mistyped_done_or_cancel(text: &str) -> Option<&str> {
    text.split_whitespace()
        .take(4)
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|word| word.parse::<crate::domain::TaskKey>().is_err())
        .find(|word| {
            is_typo(word) && matches!(suggestions(word).first(), Some(&("done" | "cancel")))
        })
}

/// A short prefix of `word` fit to echo back to the user.
pub(super) fn echo(word: &str) -> String {
    word.chars().take(MAX_WORD_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;
    use crate::parser::Intent;

    #[test]
    fn every_vocabulary_word_names_a_real_intent() {
        let names: Vec<&str> = Intent::iter().map(|intent| intent.name()).collect();
        for (typed, name) in VOCABULARY {
            assert!(names.contains(name), "{typed} -> {name} is not an intent");
        }
    }

    #[test]
    fn a_typo_suggests_the_verb_it_is_closest_to() {
        assert_eq!(suggestions("dnoe").first(), Some(&"done"));
        assert_eq!(suggestions("asign").first(), Some(&"assign"));
        assert_eq!(suggestions("grpah").first(), Some(&"graph"));
    }

    #[test]
    fn suggestions_are_at_most_three_and_only_close_ones() {
        assert!(suggestions("blok").len() <= 3);
        assert!(suggestions("frobnicate").is_empty());
        assert!(suggestions(&"x".repeat(10_000)).is_empty());
    }

    #[test]
    fn mistyped_verbs_are_typos_but_everyday_words_are_not() {
        for typo in [
            "dnoe", "asign", "shwo", "blokced", "cancle", "reopne", "unblcok",
        ] {
            assert!(is_typo(typo), "{typo}");
        }
        for word in ["not", "half", "now", "done", "lunch", "frobnicate", "don't"] {
            assert!(!is_typo(word), "{word}");
        }
        assert_eq!(suggestions("shwo").first(), Some(&"show"));
        assert_eq!(suggestions("blokced").first(), Some(&"blocked"));
    }

    #[test]
    fn a_unique_typo_of_a_verb_is_corrected_but_never_one_of_done_or_cancel() {
        assert_eq!(corrected("asign"), Some("assign"));
        assert_eq!(corrected("depnds"), Some("depends"));
        assert_eq!(corrected("strated"), Some("started"));
        for word in [
            "dnoe", "finsihed", "cancle", "not", "lunch", "assign", "T-4",
        ] {
            assert_eq!(corrected(word), None, "{word}");
        }
        assert_eq!(
            with_typos_corrected("T-2 depnds on T-1").as_deref(),
            Some("T-2 depends on T-1")
        );
    }

    #[test]
    fn long_verb_typos_are_corrected_anywhere_but_english_words_are_not() {
        assert_eq!(
            with_inner_typos_corrected("T-652 no longer depnds on T-653").as_deref(),
            Some("T-652 no longer depends on T-653")
        );
        assert_eq!(
            with_inner_typos_corrected("whats blokced").as_deref(),
            Some("whats blocked")
        );
        for text in [
            "she stared at it",
            "unlocked the door",
            "finsihed T-4",
            "on staging",
        ] {
            assert_eq!(with_inner_typos_corrected(text), None, "{text}");
        }
    }

    #[test]
    fn synonyms_map_to_their_intent() {
        assert_eq!(canonical("Add"), Some("create"));
        assert_eq!(canonical("lunch"), None);
    }
}
