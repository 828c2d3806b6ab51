//! The texts of the optional language model's work: what a handoff's summary is
//! made from, and the offer of a proposal, which an adapter's confirm button
//! reads back.

use super::{HandoffItem, is_acknowledgement};
use crate::domain::{SummaryBlocker, SummaryNote, SummarySource};

/// The most characters of notes one handoff keeps for its summary.
const MAX_SUMMARY_SOURCE_CHARS: usize = 16_000;

/// What a language model may summarise of `items` for their recipient: the
/// notes worth forwarding from rooms that allow it (the items are already what
/// the recipient may read), each blocker once.
pub(in crate::engine) fn summary_source(items: &[HandoffItem]) -> SummarySource {
    let mut source = SummarySource::default();
    for blocker in items.iter().flat_map(|i| &i.blockers) {
        if !blocker.task.status.is_resolved()
            || source
                .blockers
                .iter()
                .any(|b| b.task == blocker.task.key.to_string())
        {
            continue;
        }
        // The newest notes, up to a budget: the outbox keeps this until delivery.
        let mut budget = MAX_SUMMARY_SOURCE_CHARS;
        let mut notes: Vec<SummaryNote> = blocker
            .notes
            .iter()
            .rev()
            .filter(|n| n.summarisable && !is_acknowledgement(&n.text))
            .take_while(|n| {
                let size = n.text.chars().count();
                let fits = size <= budget;
                budget = budget.saturating_sub(size);
                fits
            })
            .map(|n| SummaryNote {
                author: n.author.to_string(),
                text: n.text.clone(),
            })
            .collect();
        notes.reverse();
        if notes.is_empty() {
            continue;
        }
        let (title, evidence) = if blocker.summarisable {
            (blocker.task.title.clone(), blocker.evidence.clone())
        } else {
            (String::new(), Vec::new())
        };
        source.blockers.push(SummaryBlocker {
            task: blocker.task.key.to_string(),
            title,
            evidence,
            notes,
        });
    }
    source
}

/// How an offer of a proposal starts; the command follows, up to a backtick.
const PROPOSAL_OPENING: &str = "I did not understand that, but it may mean `!baton ";

/// The first sentence of a proposal's offer.
pub(in crate::engine) fn proposal_offer(command: &str) -> String {
    format!("{PROPOSAL_OPENING}{command}`.")
}

/// The answer to a confirmation of a proposal that is not waiting.
pub(in crate::engine) fn stale_proposal() -> String {
    "That proposal is not waiting any more (it was confirmed, replaced by a newer one, expired, or it was offered to someone else). Nothing changed.".to_owned()
}

/// The command an offer proposes, for an adapter's confirm button.
pub fn proposed_command(offer: &str) -> Option<&str> {
    let rest = offer.strip_prefix(PROPOSAL_OPENING)?;
    rest.split_once('`').map(|(command, _)| command)
}
