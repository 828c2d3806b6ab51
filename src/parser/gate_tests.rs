//! Tests of the gate reader: what a pattern's source says every match needs.

use super::*;

fn literals(pattern: &str) -> Option<Vec<Vec<String>>> {
    Gate::of(pattern).literals().map(|sets| {
        sets.into_iter()
            .map(|set| set.into_iter().map(str::to_owned).collect())
            .collect()
    })
}

fn sets(sets: &[&[&str]]) -> Option<Vec<Vec<String>>> {
    Some(
        sets.iter()
            .map(|set| set.iter().map(|s| (*s).to_owned()).collect())
            .collect(),
    )
}

#[test]
fn a_word_in_a_pattern_is_required() {
    assert_eq!(
        literals(r"^(?:please\s+)?\bunblock\s+\S+"),
        sets(&[&["unblock"]])
    );
}

#[test]
fn alternatives_are_each_enough() {
    assert_eq!(
        literals(r"\b(?:done|finished|wrapped\s+up)\b"),
        sets(&[&["done", "finished", "wrapped"]])
    );
}

#[test]
fn literals_join_across_groups_and_assertions() {
    assert_eq!(
        literals(r"\bre(?:open|start)\b"),
        sets(&[&["reopen", "restart"]])
    );
}

#[test]
fn optional_parts_and_classes_require_nothing() {
    assert_eq!(literals(r"(?:done)?\s*\w+"), None);
    assert_eq!(literals(r"(?:done|\w+)"), None);
    assert_eq!(literals(r"x{0,3}"), None);
    // A flag that changes the syntax is not followed.
    assert_eq!(literals(r"(?x)done"), None);
}

#[test]
fn a_class_of_a_few_characters_is_exact() {
    assert_eq!(literals(r"\bdon['’]t\b"), sets(&[&["don't", "don’t"]]));
    assert_eq!(literals(r"[a-z]+ing"), sets(&[&["ing"]]));
}

#[test]
fn placeholders_require_their_marks_and_apostrophes_nothing() {
    assert_eq!(
        literals(r"^<KEYS>\s+(?:to|for)\s+<WHO>"),
        sets(&[&["t-"], &["for", "to"], &["@", "me", "myself"]])
    );
    // "isn't" may be written "isnt" or "isn’t": only "isn" is certain.
    assert_eq!(
        literals(r"\bisn't\s+needed"),
        sets(&[&["needed"], &["isn"], &["t"]])
    );
    assert_eq!(literals(r"\bisn't\b"), sets(&[&["isn"], &["t"]]));
    assert_eq!(literals(r"a<b"), sets(&[&["a<b"]]));
}

#[test]
fn every_word_of_a_sequence_is_required() {
    let gate = Gate::of(r"<KEY>\s+(?:is|was)\s+(?:done|finished)\b");
    assert_eq!(
        gate.literals(),
        Some(vec![
            vec!["done", "finished"],
            vec!["t-"],
            vec!["is", "was"]
        ])
    );
    assert!(gate.admits("T-4 was finished"));
    assert!(!gate.admits("T-4 is started"));
    assert!(!gate.admits("it is done"));
    // Only the most selective few sets are checked.
    assert_eq!(
        literals(r"a\s+b\s+c\s+d\s+e").map(|sets| sets.len()),
        Some(MAX_SETS)
    );
}

#[test]
fn the_gate_ignores_ascii_case_only() {
    let gate = Gate::of(r"\bunblock\b|✅");
    assert!(gate.admits("please UNBLOCK T-4"));
    assert!(gate.admits("all good ✅"));
    assert!(!gate.admits("block T-4"));
    assert!(!gate.admits("unbloc"));
}

/// Whether the reader follows a pattern's syntax (for the grammar's own test).
pub(in crate::parser) fn follows(pattern: &str) -> bool {
    Reader::new(pattern).whole().is_ok()
}
