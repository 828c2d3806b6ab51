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
    if canonical(&lower).is_some() || COMMON_WORDS.contains(&lower.as_str()) {
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
    fn synonyms_map_to_their_intent() {
        assert_eq!(canonical("Add"), Some("create"));
        assert_eq!(canonical("lunch"), None);
    }
}
