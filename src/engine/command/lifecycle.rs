//! Verbs that move a task through its life: `add`, `done`/`cancel`, `start`,
//! `reopen`, `assign` and `snooze`.

use super::messages::merge_handoffs;
use super::*;

impl Command<'_> {
    pub(super) async fn create(
        &mut self,
        title: &str,
        owner: Option<&str>,
        blockers: &[TaskKey],
    ) -> CommandResult<Option<String>> {
        let title = title.trim();
        if title.is_empty() {
            return Err(Refusal::Invalid(
                "What should the task be called? Try `!baton add Write the release notes for @alice`.".into(),
            )
            .into());
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(Refusal::Invalid(format!(
                "That title is too long (at most {MAX_TITLE_CHARS} characters). Put the details in a note on the task."
            ))
            .into());
        }
        let blocker_tasks = self.load_all(blockers).await?;
        let now = self.now();
        let mut task = Task {
            // The store gives the key as it inserts.
            key: TaskKey::new(0),
            title: title.to_owned(),
            owner: owner.map(|h| self.person(h)),
            status: Status::Open,
            external_blocker: None,
            home_room: self.inbound.room.clone(),
            home_thread: None,
            created_by: self.actor().clone(),
            created_at: now,
            updated_at: now,
            done_at: None,
            last_activity_at: now,
        };
        let key = self.tx.insert_new_task(&task).await?;
        task.key = key;
        let mut events = vec![self.new_event(
            key,
            EventKind::Created {
                title: task.title.clone(),
                owner: task.owner.clone(),
            },
        )];
        for blocker in blockers {
            self.tx.add_dependency(key, *blocker).await?;
            events.push(self.new_event(key, EventKind::DependencyAdded { blocker: *blocker }));
        }
        // One statement for all of them: adding tasks is the busiest path.
        self.tx.append_events(&events).await?;
        let card = render::card(&task, &blocker_tasks);
        let destination = if self.is_dm() {
            Destination::Dm(self.actor().clone())
        } else {
            Destination::Room {
                room: self.inbound.room.clone(),
                thread_task: None,
            }
        };
        self.queue(destination, card, Some(key)).await?;
        Ok(None)
    }

    /// Marks tasks done or cancelled and hands off what became ready.
    pub(super) async fn resolve(
        &mut self,
        keys: &[TaskKey],
        to: Status,
    ) -> CommandResult<Option<String>> {
        let verb = if to == Status::Done {
            "finish"
        } else {
            "cancel"
        };
        let tasks = self.load_changeable(keys, verb).await?;
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        for mut task in tasks {
            if task.status == to {
                unchanged.push(format!("{} was already {}.", task.key, to));
                continue;
            }
            if task.status.is_resolved() {
                unchanged.push(format!(
                    "{} is {}; reopen it first with `!baton reopen {}`.",
                    task.key, task.status, task.key
                ));
                continue;
            }
            task.status = to;
            task.done_at = Some(self.now());
            self.touch_and_save(&mut task).await?;
            let kind = match to {
                Status::Done => EventKind::Done {
                    links: self.links.to_vec(),
                },
                _ => EventKind::Cancelled,
            };
            self.event(task.key, kind).await?;
            changed.push(task);
        }
        let changed_keys: Vec<TaskKey> = changed.iter().map(|t| t.key).collect();
        let dependents = self.dependents_of_all(&changed_keys).await?;
        let notices = after_resolution(self.actor(), &dependents);
        self.notices.extend(notices);
        let mut lines = Vec::with_capacity(changed.len());
        for task in self.seen_all(changed).await? {
            lines.push(render::resolved_confirmation(
                &task,
                &dependents,
                self.links,
            ));
        }
        lines.extend(unchanged);
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn start(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let tasks = self.load_changeable(keys, "start").await?;
        let mut lines = Vec::new();
        for mut task in tasks {
            match task.status {
                Status::InProgress => lines.push(format!("{} is already in progress.", task.key)),
                Status::Done | Status::Cancelled => lines.push(format!(
                    "{} is {}; reopen it first with `!baton reopen {}`.",
                    task.key, task.status, task.key
                )),
                Status::Open => {
                    task.status = Status::InProgress;
                    self.touch_and_save(&mut task).await?;
                    self.event(task.key, EventKind::Started).await?;
                    let blockers = self.tx.blockers_of(task.key).await?;
                    let task = self.seen(task).await?;
                    lines.push(render::started(&task, &blockers));
                }
            }
        }
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn reopen(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let tasks = self.load_changeable(keys, "reopen").await?;
        let mut lines = Vec::new();
        let mut notices = Vec::new();
        for mut task in tasks {
            if !task.status.is_resolved() {
                lines.push(format!("{} is {}, not finished.", task.key, task.status));
                continue;
            }
            task.status = Status::Open;
            task.done_at = None;
            self.touch_and_save(&mut task).await?;
            self.event(task.key, EventKind::Reopened).await?;
            let dependents = self.dependents_of_all(&[task.key]).await?;
            notices.extend(after_reopen(task.key, self.actor(), &dependents));
            let task = self.seen(task).await?;
            lines.push(format!("Reopened {} {}.", task.key, task.title));
        }
        self.notices.extend(notices);
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn assign(
        &mut self,
        keys: &[TaskKey],
        owner: &str,
    ) -> CommandResult<Option<String>> {
        let new_owner = self.person(owner);
        let tasks = self.load_changeable(keys, "reassign").await?;
        let mut lines = Vec::new();
        let mut notices = Vec::new();
        for mut task in tasks {
            if task.owner.as_ref() == Some(&new_owner) {
                lines.push(format!("{} is already {}'s.", task.key, new_owner));
                continue;
            }
            task.owner = Some(new_owner.clone());
            self.touch_and_save(&mut task).await?;
            self.event(
                task.key,
                EventKind::Assigned {
                    owner: Some(new_owner.clone()),
                },
            )
            .await?;
            let readiness = self.readiness(&task).await?;
            notices.extend(after_assign(&task, &readiness, self.actor()));
            let task = self.seen(task).await?;
            lines.push(format!(
                "{} {} is now {}'s.",
                task.key, task.title, new_owner
            ));
        }
        self.notices.extend(merge_handoffs(notices));
        Ok(Some(lines.join("\n")))
    }

    /// `snooze`: the owner gets the task handed to them again when their next
    /// working day starts.
    pub(super) async fn snooze(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        let tasks = self.load_all(keys).await?;
        if let Some(task) = tasks.iter().find(|t| t.owner.as_ref() != Some(&actor)) {
            let whose = task
                .owner
                .as_ref()
                .map_or_else(|| "nobody yet".to_owned(), ToString::to_string);
            return Err(Refusal::Invalid(format!(
                "Only a task's owner can snooze it; {} is {whose}'s. Take it first with `!baton I'll take {}`.",
                task.key, task.key
            ))
            .into());
        }
        let mine = self.tx.person_settings(&actor).await?;
        let hours = self
            .defaults
            .working_hours_for(mine.timezone.as_deref(), mine.working_hours.as_deref())
            .unwrap_or_else(|| self.defaults.office_hours(mine.timezone.as_deref()));
        let remind_at = hours.next_morning(self.now());
        let mut lines = Vec::new();
        for task in tasks {
            if task.status.is_resolved() {
                lines.push(format!(
                    "{} is {}; there is nothing to snooze.",
                    task.key, task.status
                ));
                continue;
            }
            let mut sight = Sight::new(Reader::Person(actor.clone()));
            let body = render::reminder(&sight.task(self.tx.as_mut(), task.clone()).await?);
            self.queue_at(
                Destination::Dm(actor.clone()),
                body,
                OutboxKind::Message,
                remind_at,
            )
            .await?;
            lines.push(format!(
                "Snoozed {} until {}; I'll hand it to you again then.",
                task.key,
                remind_at
                    .with_timezone(&hours.tz)
                    .format("%a %d %b %H:%M %Z")
            ));
        }
        Ok(Some(lines.join("\n")))
    }
}
