//! The texts' wording, without a database.

use super::*;

#[test]
fn keys_read_like_a_sentence() {
    let k = |n| TaskKey::new(n);
    assert_eq!(keys(&[k(1)]), "T-1");
    assert_eq!(keys(&[k(1), k(2)]), "T-1 and T-2");
    assert_eq!(keys(&[k(7), k(8), k(9)]), "T-7, T-8 and T-9");
}

#[test]
fn times_are_relative() {
    let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    assert_eq!(ago(now, now), "just now");
    assert_eq!(
        ago(now - chrono::Duration::minutes(5), now),
        "5 minutes ago"
    );
    assert_eq!(ago(now - chrono::Duration::hours(3), now), "3 hours ago");
    assert_eq!(ago(now - chrono::Duration::days(4), now), "4 days ago");
}

#[test]
fn acknowledgements_are_not_forwarded_as_notes() {
    assert!(is_acknowledgement("thanks!"));
    assert!(is_acknowledgement("👍"));
    assert!(!is_acknowledgement("decision: amounts are integer cents"));
}

#[test]
fn help_lists_every_verb_and_explains_one() {
    let all = help_text(None);
    for verb in ["add <title>", "done T-1", "depends on", "mine", "reopen"] {
        assert!(all.contains(verb), "help lacks {verb}: {all}");
    }
    let done = help_text(Some("done"));
    assert!(done.starts_with("`!baton done T-1"), "{done}");
}

#[test]
fn unknown_words_get_suggestions() {
    let text = unknown("dnoe", "T-4", &["done"]);
    assert!(
        text.contains("Did you mean `done T-4`? Usage: `!baton done T-1"),
        "{text}"
    );
}
