//! Summaries of a handoff's upstream notes: what to ask, and what to keep of
//! the answer.

use crate::domain::SummarySource;

/// What the model is told to write.
pub const SYSTEM: &str = "You summarise the notes of finished work for the person who picks up the next task. Write at most three short lines: the decisions made, the questions still open, and where the evidence is (name the links). Plain text, no preamble, no headings.";

/// The most of the notes sent: the newest ones are kept, since later notes
/// supersede earlier ones.
const MAX_PROMPT_CHARS: usize = 12_000;
/// The most of an answer kept in the DM.
const MAX_SUMMARY_LINES: usize = 3;
const MAX_SUMMARY_CHARS: usize = 600;

/// The user message for `source`: each blocker with its evidence and notes.
pub fn prompt(source: &SummarySource) -> String {
    let mut sections = Vec::new();
    for blocker in &source.blockers {
        let mut lines = vec![format!("{} {} (finished)", blocker.task, blocker.title)];
        if !blocker.evidence.is_empty() {
            lines.push(format!("Evidence: {}", blocker.evidence.join(" ")));
        }
        lines.extend(
            blocker
                .notes
                .iter()
                .map(|n| format!("- {}: {}", n.author, n.text)),
        );
        sections.push(lines.join("\n"));
    }
    let text = sections.join("\n\n");
    let chars = text.chars().count();
    if chars <= MAX_PROMPT_CHARS {
        return text;
    }
    let skip = chars - MAX_PROMPT_CHARS;
    format!(
        "(earlier notes left out)\n{}",
        text.chars().skip(skip).collect::<String>()
    )
}

/// The answer as the DM shows it: at most three non-empty lines, bounded.
pub fn tidy(answer: &str) -> Option<String> {
    let lines: Vec<&str> = answer
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MAX_SUMMARY_LINES)
        .collect();
    let text = lines.join("\n");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= MAX_SUMMARY_CHARS {
        return Some(text);
    }
    let cut: String = text.chars().take(MAX_SUMMARY_CHARS - 1).collect();
    Some(format!("{cut}…"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SummaryBlocker, SummaryNote};

    #[test]
    fn the_prompt_keeps_the_newest_notes_when_the_thread_is_long() {
        let note = |i: usize| SummaryNote {
            author: "@ana".to_owned(),
            text: format!("note {i} {}", "x".repeat(100)),
        };
        let source = SummarySource {
            blockers: vec![SummaryBlocker {
                task: "T-1".to_owned(),
                title: "Schema".to_owned(),
                evidence: vec!["https://example.org/pr/1".to_owned()],
                notes: (0..400).map(note).collect(),
            }],
        };
        let prompt = prompt(&source);
        assert!(prompt.chars().count() < MAX_PROMPT_CHARS + 50);
        assert!(prompt.contains("note 399 "));
        assert!(!prompt.contains("note 1 "));
    }

    #[test]
    fn answers_are_cut_to_three_lines() {
        assert_eq!(tidy("a\n\nb\nc\nd").as_deref(), Some("a\nb\nc"));
        assert_eq!(tidy("  \n "), None);
        assert!(tidy(&"y".repeat(2_000)).unwrap().chars().count() <= MAX_SUMMARY_CHARS);
    }
}
