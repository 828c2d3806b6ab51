//! Proposals by the language model for messages the grammar did not
//! understand: offered to their author, kept until they confirm, applied then as
//! the command they name. Nothing changes before the confirmation.

use super::*;
use crate::assistant::Proposal;

/// How long a proposal waits for its author's `yes`.
const PROPOSAL_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

/// What the model contributed to a message, decided before its transaction.
#[derive(Debug, Clone, Default)]
pub(in crate::engine) enum Assist {
    /// Nothing: the rules alone.
    #[default]
    None,
    /// The grammar did not understand the message; the model proposes this.
    Propose(Proposal),
    /// The message is a `yes` and its author has a proposal waiting in the room:
    /// it confirms that one (only the named command, when the `yes` names one).
    Confirm(Option<String>),
    /// The message confirms a named proposal that is not waiting (confirmed,
    /// replaced, expired, or someone else's): nothing is applied.
    Stale,
}

/// The author's waiting proposal in the room of `inbound`, taken (a proposal is
/// confirmed once; when `expected` names one, only that one), read by the
/// grammar as the command it names.
pub(super) async fn take_confirmed(
    tx: &mut dyn StoreTx,
    inbound: &Inbound,
    expected: Option<&str>,
) -> Result<Option<Parsed>, StoreError> {
    let taken = tx
        .take_proposal(&inbound.room, &inbound.author, expected, inbound.at)
        .await?;
    let Some(command) = taken else {
        return Ok(None);
    };
    metrics::counter!("baton_model_proposals_total", "outcome" => "confirmed").increment(1);
    Ok(Some(crate::assistant::proposal::read_back(
        &command,
        inbound.author.handle(),
    )))
}

impl Command<'_> {
    /// Keeps `proposal` for the author and asks them to confirm it; says what a
    /// `done` would hand off.
    pub(super) async fn propose(&mut self, proposal: &Proposal) -> CommandResult<Option<String>> {
        let expires = self.now() + PROPOSAL_LIFETIME;
        let (room, author) = (self.inbound.room.clone(), self.actor().clone());
        self.tx
            .put_proposal(&room, &author, &proposal.command, expires)
            .await?;
        metrics::counter!("baton_model_proposals_total", "outcome" => "offered").increment(1);
        let mut reply = render::proposal_offer(&proposal.command);
        if let Intent::Done { tasks } = &proposal.intent {
            reply.push(' ');
            reply.push_str(&self.handed_off_by(tasks).await?);
        }
        reply.push_str(&format!(
            " Reply `yes` here within {} minutes to do it; nothing changes until you do.",
            PROPOSAL_LIFETIME.num_minutes()
        ));
        Ok(Some(reply))
    }

    /// What finishing `keys` would hand to whom: the tasks waiting only on them.
    async fn handed_off_by(&mut self, keys: &[TaskKey]) -> CommandResult<String> {
        let mut ready = Vec::new();
        for key in keys {
            for dependent in self.tx.dependents_of(*key).await? {
                if dependent.status.is_resolved()
                    || dependent.external_blocker.is_some()
                    || ready.iter().any(|t: &Task| t.key == dependent.key)
                {
                    continue;
                }
                let others_open = self
                    .tx
                    .blockers_of(dependent.key)
                    .await?
                    .iter()
                    .any(|b| !b.status.is_resolved() && !keys.contains(&b.key));
                if !others_open {
                    ready.push(dependent);
                }
            }
        }
        if ready.is_empty() {
            return Ok("It would hand nothing off: no task waits only on that.".to_owned());
        }
        let ready = self.seen_all(ready).await?;
        let handed: Vec<String> = ready
            .iter()
            .map(|t| match &t.owner {
                Some(owner) => format!("{} to {owner}", t.key),
                None => format!("{} (no owner yet)", t.key),
            })
            .collect();
        Ok(format!("It would hand off {}.", handed.join(", ")))
    }
}
