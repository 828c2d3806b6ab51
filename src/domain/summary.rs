//! What a handoff's summary is made from: the upstream notes its recipient may
//! read, said in rooms that allow summaries. The engine gathers it inside the
//! command; the outbox worker hands it to the language model when it delivers.

use serde::{Deserialize, Serialize};

/// When a handoff's notes are long enough to be worth a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryThreshold {
    /// More notes than this…
    pub min_notes: usize,
    /// …or more characters than this, all notes together.
    pub min_chars: usize,
}

/// The upstream notes of one handoff DM, blocker by blocker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SummarySource {
    pub blockers: Vec<SummaryBlocker>,
}

/// One finished blocker: its key and title, its evidence links, its notes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SummaryBlocker {
    pub task: String,
    pub title: String,
    pub evidence: Vec<String>,
    pub notes: Vec<SummaryNote>,
}

/// A note and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SummaryNote {
    pub author: String,
    pub text: String,
}

impl SummarySource {
    pub fn note_count(&self) -> usize {
        self.blockers.iter().map(|b| b.notes.len()).sum()
    }

    pub fn note_chars(&self) -> usize {
        self.blockers
            .iter()
            .flat_map(|b| &b.notes)
            .map(|n| n.text.chars().count())
            .sum()
    }

    /// Whether the notes are past `threshold`: a short thread reads faster than
    /// its summary.
    pub fn is_long(&self, threshold: SummaryThreshold) -> bool {
        self.note_count() > threshold.min_notes || self.note_chars() > threshold.min_chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(notes: &[&str]) -> SummarySource {
        SummarySource {
            blockers: vec![SummaryBlocker {
                task: "T-1".to_owned(),
                title: "Schema".to_owned(),
                evidence: Vec::new(),
                notes: notes
                    .iter()
                    .map(|text| SummaryNote {
                        author: "@ana".to_owned(),
                        text: (*text).to_owned(),
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn many_notes_or_long_notes_are_long() {
        let threshold = SummaryThreshold {
            min_notes: 2,
            min_chars: 20,
        };
        assert!(!source(&["short", "also short"]).is_long(threshold));
        assert!(source(&["a", "b", "c"]).is_long(threshold));
        assert!(source(&["one note that is longer than twenty characters"]).is_long(threshold));
    }
}
