//! Verbs about what a task waits on and what is said about it: `depends`,
//! `undepend`, `blocked` (outside Baton), `unblock` and `note`.

use super::*;

impl Command<'_> {
    pub(super) async fn depend(
        &mut self,
        keys: &[TaskKey],
        blockers: &[TaskKey],
    ) -> CommandResult<Option<String>> {
        if blockers.is_empty() {
            return Err(Refusal::Invalid(
                "Which task does it wait on? Try `!baton T-2 depends on T-1`.".into(),
            )
            .into());
        }
        let tasks = self.load_all(keys).await?;
        let blocker_tasks = self.load_all(blockers).await?;
        let blocker_tasks = self.seen_all(blocker_tasks).await?;
        let mut graph = DependencyGraph::default();
        for blocker in blockers {
            let upstream = self.tx.upstream_edges(*blocker).await?;
            graph.extend(upstream);
        }
        let mut lines = Vec::new();
        for task in &tasks {
            let mut added = Vec::new();
            for blocker in &blocker_tasks {
                if graph.depends_directly(task.key, blocker.key) {
                    lines.push(format!("{} already waits on {}.", task.key, blocker.key));
                    continue;
                }
                graph
                    .add_dependency(task.key, blocker.key)
                    .map_err(Refusal::Cycle)?;
                self.tx.add_dependency(task.key, blocker.key).await?;
                self.event(
                    task.key,
                    EventKind::DependencyAdded {
                        blocker: blocker.key,
                    },
                )
                .await?;
                added.push(blocker);
            }
            if !added.is_empty() {
                lines.push(render::now_waits_on(task, &added));
            }
        }
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn undepend(
        &mut self,
        keys: &[TaskKey],
        blockers: &[TaskKey],
    ) -> CommandResult<Option<String>> {
        let tasks = self.load_all(keys).await?;
        self.load_all(blockers).await?;
        let mut lines = Vec::new();
        let mut became_ready = Vec::new();
        for mut task in tasks {
            for blocker in blockers {
                if self.tx.remove_dependency(task.key, *blocker).await? {
                    self.event(task.key, EventKind::DependencyRemoved { blocker: *blocker })
                        .await?;
                    lines.push(format!("{} no longer waits on {}.", task.key, blocker));
                } else {
                    lines.push(format!("{} did not wait on {}.", task.key, blocker));
                }
            }
            self.touch_and_save(&mut task).await?;
            if self.readiness(&task).await? == Readiness::Ready {
                lines.push(format!("{} is ready to work on.", task.key));
                became_ready.push(task);
            }
        }
        let notices = handoffs(self.actor(), &became_ready);
        self.notices.extend(notices);
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn block(
        &mut self,
        keys: &[TaskKey],
        reason: &str,
    ) -> CommandResult<Option<String>> {
        let reason = required_text(
            reason,
            "What is it waiting on? Try `!baton blocked T-4 waiting on legal review`.",
        )?;
        let tasks = self.load_all(keys).await?;
        let mut lines = Vec::new();
        for mut task in tasks {
            task.external_blocker = Some(reason.clone());
            self.touch_and_save(&mut task).await?;
            self.event(
                task.key,
                EventKind::Blocked {
                    reason: reason.clone(),
                },
            )
            .await?;
            lines.push(format!("{} is blocked: {reason}.", task.key));
        }
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn unblock(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let tasks = self.load_changeable(keys, "unblock").await?;
        let mut lines = Vec::new();
        let mut became_ready = Vec::new();
        for mut task in tasks {
            if task.external_blocker.is_none() {
                lines.push(format!("{} had no external blocker.", task.key));
                continue;
            }
            task.external_blocker = None;
            self.touch_and_save(&mut task).await?;
            self.event(task.key, EventKind::Unblocked).await?;
            match self.readiness(&task).await? {
                Readiness::Ready => {
                    lines.push(format!("{} is unblocked and ready to work on.", task.key));
                    became_ready.push(task);
                }
                Readiness::Blocked { open_blockers, .. } => lines.push(format!(
                    "{} is unblocked, but still waits on {}.",
                    task.key,
                    render::keys(&open_blockers)
                )),
                Readiness::Closed => lines.push(format!("{} is unblocked.", task.key)),
            }
        }
        let notices = handoffs(self.actor(), &became_ready);
        self.notices.extend(notices);
        Ok(Some(lines.join("\n")))
    }

    pub(super) async fn note(
        &mut self,
        keys: &[TaskKey],
        text: &str,
    ) -> CommandResult<Option<String>> {
        let text = required_text(
            text,
            "What should the note say? Try `!baton note T-4 creds are in the vault`.",
        )?;
        let tasks = self.load_all(keys).await?;
        for mut task in tasks {
            self.touch_and_save(&mut task).await?;
            self.event(
                task.key,
                EventKind::NoteAdded {
                    text: text.clone(),
                    links: self.links.to_vec(),
                },
            )
            .await?;
        }
        // A reply in the task's own thread is conversation, kept as context without
        // an answer; an explicit `note` elsewhere is confirmed.
        if keys.len() == 1 && self.thread_task() == Some(keys[0]) {
            Ok(None)
        } else {
            Ok(Some(format!("Noted on {}.", render::keys(keys))))
        }
    }
}
