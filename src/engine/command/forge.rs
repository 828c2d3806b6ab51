//! A forge event applied to the tasks its pull or merge request links, in one
//! transaction with everything it sends, like every command.
//!
//! Each linked task is changed by a [`Command`] of its own, as if the forge's
//! actor had said it in the task's thread: the same permission rule, the same
//! confirmations and handoffs. The actor is the chat person who linked the forge
//! login (`link github LOGIN`), else the login itself; an unlinked actor's merge
//! into the default branch is proof enough to finish a task (the merge is the
//! evidence), a linked actor follows the chat rules.

use super::*;
use crate::domain::{
    Change, ChangeAction, ChangeState, CiRun, DoneOn, ForgeEvent, Links, RoomPrivacy, Signal,
    TrackedChange, Verdict,
};
use crate::engine::render::forge::{self as say, ChangeName};

/// Most tasks one change may finish or start: a description naming hundreds of
/// keys is a mistake, not a plan.
const MAX_LINKED_TASKS: usize = 20;
/// Most tasks the review request DM counts downstream.
const MAX_DOWNSTREAM: usize = 200;

/// What became of a forge event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeOutcome {
    /// Delivered before: nothing changed.
    Duplicate,
    /// Read, but it links no task Baton knows (or is a kind Baton ignores).
    Unlinked,
    /// Applied to this many tasks.
    Applied(usize),
}

impl ForgeOutcome {
    /// The label of `baton_forge_events_total`'s `outcome`.
    pub fn name(self) -> &'static str {
        match self {
            ForgeOutcome::Duplicate => "duplicate",
            ForgeOutcome::Unlinked => "unlinked",
            ForgeOutcome::Applied(_) => "applied",
        }
    }
}

/// Who caused the event, in chat terms.
struct Actor {
    person: PersonId,
    /// Linked to a chat person: the chat rules apply to them.
    linked: bool,
}

/// Applies `event` in one transaction; the delivery id is its dedup key.
pub(in crate::engine) async fn apply(
    store: &dyn Store,
    defaults: &Defaults,
    event: &ForgeEvent,
    now: DateTime<Utc>,
) -> Result<ForgeOutcome, StoreError> {
    let mut tx = store.begin().await?;
    let delivery = format!("{}:{}", event.forge.as_str(), event.delivery);
    if !tx.record_inbound(&delivery, now).await? {
        return Ok(ForgeOutcome::Duplicate);
    }
    let actor = match tx.forge_person(event.forge, &event.actor).await? {
        Some(person) => Actor {
            person,
            linked: true,
        },
        None => Actor {
            person: PersonId::new(event.forge.as_str(), &event.actor),
            linked: false,
        },
    };
    let mut run = Run {
        tx: Some(tx),
        defaults,
        event,
        actor,
        now,
        touched: 0,
    };
    match &event.signal {
        Signal::Change { change, actions } => run.change(change, actions).await?,
        Signal::Ci(ci) => run.ci(ci).await?,
        Signal::Other(_) => {}
    }
    let touched = run.touched;
    if let Some(tx) = run.tx.take() {
        tx.commit().await?;
    }
    Ok(if touched == 0 {
        ForgeOutcome::Unlinked
    } else {
        ForgeOutcome::Applied(touched)
    })
}

/// One event being applied: the transaction passes from task to task.
struct Run<'a> {
    /// Taken by each task's [`Command`] and handed back.
    tx: Option<Box<dyn StoreTx>>,
    defaults: &'a Defaults,
    event: &'a ForgeEvent,
    actor: Actor,
    now: DateTime<Utc>,
    /// How many tasks the event changed or spoke about.
    touched: usize,
}

/// What to do to one task; each step says `line` in the task's thread first (in
/// the same message as the step's own confirmation).
enum Step {
    /// Only the line.
    Say,
    Start,
    Finish {
        links: Vec<String>,
    },
    /// The line is also kept as a note on the task.
    Note,
}

impl Run<'_> {
    fn tx(&mut self) -> &mut dyn StoreTx {
        #[expect(clippy::expect_used, reason = "the transaction is always handed back")]
        self.tx.as_mut().expect("the transaction is here").as_mut()
    }

    /// Existing tasks among `keys`, at most [`MAX_LINKED_TASKS`].
    async fn tasks(&mut self, keys: &[TaskKey]) -> Result<Vec<Task>, StoreError> {
        let mut tasks = Vec::new();
        for key in keys.iter().take(MAX_LINKED_TASKS) {
            if let Some(task) = self.tx().task(*key).await? {
                tasks.push(task);
            }
        }
        Ok(tasks)
    }

    fn actor_name(&self) -> String {
        self.actor.person.to_string()
    }

    async fn change(
        &mut self,
        change: &Change,
        actions: &[ChangeAction],
    ) -> Result<(), StoreError> {
        let event = self.event;
        let links = change.links();
        let prior = self
            .tx()
            .tracked_change(event.forge, &event.repo, change.number)
            .await?;
        let mut tracked = prior.clone().unwrap_or_else(|| TrackedChange {
            forge: event.forge,
            repo: event.repo.clone(),
            number: change.number,
            url: change.url.clone(),
            title: change.title.clone(),
            links: links.clone(),
            state: ChangeState::Open,
            head_sha: None,
            merge_sha: None,
            awaiting_green: false,
            review_requested_at: None,
            updated_at: self.now,
        });
        tracked.url.clone_from(&change.url);
        tracked.title.clone_from(&change.title);
        tracked.links = links.clone();
        tracked.updated_at = self.now;
        if change.head_sha.is_some() {
            tracked.head_sha.clone_from(&change.head_sha);
        }
        if change.merge_sha.is_some() {
            tracked.merge_sha.clone_from(&change.merge_sha);
        }
        let name = ChangeName {
            forge: event.forge,
            number: change.number,
            title: &change.title,
            url: &change.url,
        };
        let by = self.actor_name();

        // Tasks it only names hear of it once, as a note.
        let known_mentions = prior.as_ref().map_or(&[][..], |p| &p.links.mentions[..]);
        let new_mentions: Vec<TaskKey> = links
            .mentions
            .iter()
            .copied()
            .filter(|k| !known_mentions.contains(k))
            .collect();
        for task in self.tasks(&new_mentions).await? {
            self.step(&task, say::mentioned(&name, &by), Step::Note, &change.url)
                .await?;
        }

        let closes = self.tasks(&links.closes).await?;
        for action in actions {
            self.act(change, action, &name, &closes, &mut tracked)
                .await?;
        }
        // A change that names no task is not worth remembering: the forge sends
        // every pull request of the repository.
        let links_nothing = tracked.links == Links::default();
        if prior.as_ref() != Some(&tracked) && !(prior.is_none() && links_nothing) {
            self.tx().save_tracked_change(&tracked).await?;
        }
        Ok(())
    }

    /// One thing that happened to `change`, applied to the tasks it `closes`.
    async fn act(
        &mut self,
        change: &Change,
        action: &ChangeAction,
        name: &ChangeName<'_>,
        closes: &[Task],
        tracked: &mut TrackedChange,
    ) -> Result<(), StoreError> {
        let by = self.actor_name();
        match action {
            ChangeAction::Opened | ChangeAction::Updated if change.draft => {
                let was_draft = tracked.state == ChangeState::Draft;
                tracked.state = ChangeState::Draft;
                if *action == ChangeAction::Opened && !was_draft {
                    for task in closes {
                        let line = say::draft_opened(name, &by, task);
                        self.step(task, line, Step::Say, &change.url).await?;
                    }
                }
            }
            ChangeAction::Opened => {
                tracked.state = ChangeState::Open;
                for task in closes {
                    if self.actor.linked && !task.may_be_changed_by(&self.actor.person) {
                        let line = say::not_theirs(name, &by, task, "opened");
                        self.step(task, line, Step::Say, &change.url).await?;
                    } else {
                        let line = say::opened(name, &by, task);
                        self.step(task, line, Step::Start, &change.url).await?;
                    }
                }
            }
            ChangeAction::Updated => {
                if tracked.state == ChangeState::Draft && !change.draft {
                    tracked.state = ChangeState::Open;
                }
            }
            ChangeAction::ReviewRequested { reviewer } => {
                tracked.review_requested_at.get_or_insert(self.now);
                self.ask_review(name, reviewer, closes).await?;
            }
            ChangeAction::Reviewed { reviewer, verdict } => {
                if *verdict != Verdict::Commented {
                    tracked.review_requested_at = None;
                }
                let reviewer = self.person_named(reviewer).await?;
                for task in closes {
                    let line = say::reviewed(name, &reviewer, *verdict);
                    self.step(task, line, Step::Say, &change.url).await?;
                }
            }
            ChangeAction::Merged => {
                tracked.state = ChangeState::Merged;
                tracked.review_requested_at = None;
                for task in closes {
                    self.merged(change, name, task, tracked).await?;
                }
            }
            ChangeAction::Closed => {
                tracked.state = ChangeState::Closed;
                tracked.review_requested_at = None;
                for task in closes {
                    let note = say::closed_unmerged(name, &by, task);
                    self.step(task, note, Step::Note, &change.url).await?;
                }
            }
        }
        Ok(())
    }

    async fn merged(
        &mut self,
        change: &Change,
        name: &ChangeName<'_>,
        task: &Task,
        tracked: &mut TrackedChange,
    ) -> Result<(), StoreError> {
        let by = self.actor_name();
        if !change.targets_default_branch() {
            let line = say::merged_elsewhere(name, &change.target_branch, task);
            return self.step(task, line, Step::Say, &change.url).await;
        }
        if self.actor.linked && !task.may_be_changed_by(&self.actor.person) {
            let line = say::not_theirs(name, &by, task, "merged");
            return self.step(task, line, Step::Say, &change.url).await;
        }
        if self.tx().room_done_on(&task.home_room).await? == DoneOn::Green {
            tracked.awaiting_green = true;
            let line = say::merged_waiting_for_green(name, &by, task, change.merge_sha.as_deref());
            return self.step(task, line, Step::Say, &change.url).await;
        }
        let links = vec![change.url.clone()];
        let line = say::merged(name, &by);
        self.step(task, line, Step::Finish { links }, &change.url)
            .await
    }

    /// The review request DM, to the reviewer if they linked their account.
    async fn ask_review(
        &mut self,
        name: &ChangeName<'_>,
        reviewer: &str,
        closes: &[Task],
    ) -> Result<(), StoreError> {
        let forge = self.event.forge;
        let Some(reviewer) = self.tx().forge_person(forge, reviewer).await? else {
            return Ok(());
        };
        let mut sight = Sight::new(Reader::Person(reviewer.clone()));
        let tasks = sight.tasks(self.tx(), closes.to_vec()).await?;
        let downstream = self.downstream(closes).await?;
        let downstream = sight.tasks(self.tx(), downstream).await?;
        let body = say::review_request(name, &self.actor_name(), &tasks, &downstream);
        self.dm(closes.first(), "review", reviewer, body).await
    }

    /// Queues a DM caused by the event, within `to`'s quiet hours, through a
    /// command of `task` (or of none): its idempotency key is the delivery's,
    /// told apart by `part`.
    async fn dm(
        &mut self,
        task: Option<&Task>,
        part: &str,
        to: PersonId,
        body: String,
    ) -> Result<(), StoreError> {
        let inbound = self.inbound_for(task, part).await?;
        let mut command = Command::new(self.take_tx(), self.defaults, &inbound, &[]);
        let result = command.queue_dm(to, body, OutboxKind::Message).await;
        self.tx = Some(command.into_tx());
        self.touched += 1;
        result
    }

    /// Every unfinished task waiting on `tasks`, however far downstream, up to
    /// [`MAX_DOWNSTREAM`].
    async fn downstream(&mut self, tasks: &[Task]) -> Result<Vec<Task>, StoreError> {
        let mut seen: Vec<TaskKey> = tasks.iter().map(|t| t.key).collect();
        let mut frontier = seen.clone();
        let mut found = Vec::new();
        while let Some(key) = frontier.pop() {
            for task in self.tx().dependents_of(key).await? {
                if seen.contains(&task.key) || task.status.is_resolved() {
                    continue;
                }
                seen.push(task.key);
                frontier.push(task.key);
                found.push(task);
                if found.len() >= MAX_DOWNSTREAM {
                    return Ok(found);
                }
            }
        }
        Ok(found)
    }

    async fn ci(&mut self, run: &CiRun) -> Result<(), StoreError> {
        let event = self.event;
        let mut changes = self
            .tx()
            .tracked_changes_at(event.forge, &event.repo, &run.sha)
            .await?;
        for number in &run.changes {
            if changes.iter().any(|c| c.number == *number) {
                continue;
            }
            if let Some(change) = self
                .tx()
                .tracked_change(event.forge, &event.repo, *number)
                .await?
            {
                changes.push(change);
            }
        }
        for mut tracked in changes {
            let on_merge = tracked.merge_sha.as_deref() == Some(run.sha.as_str());
            // Named from copies: `tracked` itself changes below.
            let (title, url) = (tracked.title.clone(), tracked.url.clone());
            let name = ChangeName {
                forge: tracked.forge,
                number: tracked.number,
                title: &title,
                url: &url,
            };
            let closes = self.tasks(&tracked.links.closes).await?;
            if tracked.state == ChangeState::Merged && tracked.awaiting_green && on_merge {
                if run.passed {
                    tracked.awaiting_green = false;
                    tracked.updated_at = self.now;
                    self.tx().save_tracked_change(&tracked).await?;
                    let mut links = vec![tracked.url.clone()];
                    links.extend(run.url.clone());
                    for task in &closes {
                        let line = say::passed_on_merge(&name, run);
                        let links = links.clone();
                        self.step_proven(task, line, Step::Finish { links }, &url)
                            .await?;
                    }
                } else {
                    self.tell_owners(&name, run, &closes, true).await?;
                }
            } else if !run.passed && matches!(tracked.state, ChangeState::Open | ChangeState::Draft)
            {
                self.tell_owners(&name, run, &closes, false).await?;
            }
        }
        Ok(())
    }

    /// A failed run: each unfinished task's owner (or, unowned, its creator) hears
    /// of it once, in one DM for all their tasks.
    async fn tell_owners(
        &mut self,
        name: &ChangeName<'_>,
        run: &CiRun,
        closes: &[Task],
        merged: bool,
    ) -> Result<(), StoreError> {
        let mut by_owner: BTreeMap<PersonId, Vec<TaskKey>> = BTreeMap::new();
        for task in closes.iter().filter(|t| !t.status.is_resolved()) {
            let owner = task
                .owner
                .clone()
                .unwrap_or_else(|| task.created_by.clone());
            by_owner.entry(owner).or_default().push(task.key);
        }
        for (owner, keys) in by_owner {
            let body = say::ci_failed(name, run, &keys, merged);
            let first = closes.iter().find(|t| Some(&t.key) == keys.first());
            let part = owner.as_str().to_owned();
            self.dm(first, &part, owner, body).await?;
        }
        Ok(())
    }

    /// A person as chat knows them, for a forge login: linked, or the login.
    async fn person_named(&mut self, login: &str) -> Result<String, StoreError> {
        let forge = self.event.forge;
        Ok(self
            .tx()
            .forge_person(forge, login)
            .await?
            .map_or_else(|| login.to_owned(), |p| p.to_string()))
    }

    fn take_tx(&mut self) -> Box<dyn StoreTx> {
        #[expect(clippy::expect_used, reason = "the transaction is always handed back")]
        self.tx.take().expect("the transaction is here")
    }

    /// What the forge event is, for the command that changes `task` (or for a DM
    /// tied to no task): said by the actor in the task's thread.
    async fn inbound_for(
        &mut self,
        task: Option<&Task>,
        part: &str,
    ) -> Result<Inbound, StoreError> {
        let event = self.event;
        let (room, thread_task, platform) = match task {
            Some(task) => (
                task.home_room.clone(),
                Some(task.key),
                task.created_by.platform().to_owned(),
            ),
            None => (String::new(), None, self.actor.person.platform().to_owned()),
        };
        let room_name = if room.is_empty() {
            String::new()
        } else {
            self.tx()
                .room_name(&room)
                .await?
                .unwrap_or_else(|| room.clone())
        };
        let part = thread_task.map_or_else(|| part.to_owned(), |k| format!("{k}:{part}"));
        Ok(Inbound {
            event_id: format!("{}:{}:{part}", event.forge.as_str(), event.delivery),
            platform,
            room,
            room_name,
            room_privacy: RoomPrivacy::Unknown,
            author: self.actor.person.clone(),
            kind: InboundKind::Message {
                text: String::new(),
                thread_task,
                dm: false,
            },
            message_id: Some(event.delivery.clone()),
            permalink: None,
            at: self.now,
        })
    }

    async fn step(
        &mut self,
        task: &Task,
        line: String,
        step: Step,
        url: &str,
    ) -> Result<(), StoreError> {
        let proven = !self.actor.linked;
        self.run_step(task, line, step, url, proven).await
    }

    /// A step whose proof is the forge itself (CI passed on the merged commit of
    /// a merge the chat rules allowed).
    async fn step_proven(
        &mut self,
        task: &Task,
        line: String,
        step: Step,
        url: &str,
    ) -> Result<(), StoreError> {
        self.run_step(task, line, step, url, true).await
    }

    /// Runs one step on `task` as a command of the actor in the task's thread.
    async fn run_step(
        &mut self,
        task: &Task,
        line: String,
        step: Step,
        url: &str,
        proven: bool,
    ) -> Result<(), StoreError> {
        let kind = match &step {
            Step::Say => "say",
            Step::Start => "start",
            Step::Finish { .. } => "done",
            Step::Note => "note",
        };
        let inbound = self.inbound_for(Some(task), kind).await?;
        let links = match &step {
            Step::Finish { links } => links.clone(),
            _ => vec![url.to_owned()],
        };
        let mut command = Command::new(self.take_tx(), self.defaults, &inbound, &links);
        command.proven = proven;
        let result = command.forge_step(task, line, step).await;
        let notices = std::mem::take(&mut command.notices);
        let result = match result {
            Ok(()) => command.notify(notices).await,
            Err(e) => Err(e),
        };
        self.tx = Some(command.into_tx());
        self.touched += 1;
        result
    }
}

impl Command<'_> {
    /// One step of a forge event on `task`: `line`, then what the step itself
    /// says (a start or done confirmation), in one message in the task's thread.
    /// A step the chat rules refuse says why instead of its confirmation.
    async fn forge_step(
        &mut self,
        task: &Task,
        line: String,
        step: Step,
    ) -> Result<(), StoreError> {
        let outcome = match step {
            Step::Say => Ok(None),
            Step::Note => {
                let text = line.clone();
                let kind = EventKind::NoteAdded {
                    text,
                    links: self.links.to_vec(),
                };
                self.event(task.key, kind).await.map(|()| None)
            }
            Step::Start if task.status == Status::Open => self.start(&[task.key]).await,
            Step::Start => Ok(None),
            Step::Finish { .. } if task.status.is_resolved() => Ok(None),
            Step::Finish { .. } => self.resolve(&[task.key], Status::Done).await,
        };
        let reply = match outcome {
            Ok(None) => line,
            Ok(Some(more)) => format!("{line}\n{more}"),
            Err(Failure::Refused(refusal)) => format!("{line}\n{refusal}"),
            Err(Failure::Store(e)) => return Err(e),
        };
        self.reply(reply).await
    }
}
