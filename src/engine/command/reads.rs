//! Verbs that read and change nothing: `show`, `mine`, `blocked`, `graph` and
//! `digest`. Each passes what it shows through the reply's [`super::Sight`].

use super::*;

impl Command<'_> {
    pub(super) async fn show(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        if keys.is_empty() {
            return Err(Refusal::Invalid("Which task? Try `!baton show T-4`.".into()).into());
        }
        let mut parts = Vec::new();
        for task in self.load_all(keys).await? {
            let blockers = self.tx.blockers_of(task.key).await?;
            let blockers = self.seen_all(blockers).await?;
            let dependents = self.tx.dependents_of(task.key).await?;
            let dependents = self.seen_all(dependents).await?;
            let whole = self
                .sight
                .may_read(self.tx.as_mut(), &task.home_room)
                .await?;
            let events = if whole {
                let events = self.tx.events_of(task.key).await?;
                self.sight.events(self.tx.as_mut(), events).await?
            } else {
                Vec::new()
            };
            let task = self.seen(task).await?;
            parts.push(render::show(
                &task,
                &blockers,
                &dependents,
                &events,
                self.now(),
            ));
        }
        Ok(Some(parts.join("\n\n")))
    }

    pub(super) async fn mine(&mut self) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        Ok(Some(
            crate::engine::mine(self.tx.as_mut(), &mut self.sight, &actor).await?,
        ))
    }

    /// `blocked`: loads only what the reply shows — the count of the room's blocked
    /// tasks and the first [`render::LIST_LIMIT`] of them with their open blockers —
    /// since a room can hold 100,000 open tasks and the reply lists 30.
    pub(super) async fn blocked(&mut self) -> CommandResult<Option<String>> {
        let room = self.inbound.room.clone();
        let limit = i64::try_from(render::LIST_LIMIT).unwrap_or(i64::MAX);
        let (total, blocked) = self.tx.blocked_in_room(&room, limit).await?;
        let total = usize::try_from(total).unwrap_or_default();
        let mut seen = Vec::with_capacity(blocked.len());
        for (task, blockers) in blocked {
            seen.push((self.seen(task).await?, self.seen_all(blockers).await?));
        }
        let blocked = seen;
        Ok(Some(render::blocked(
            &self.inbound.room_name,
            total,
            &blocked,
        )))
    }

    /// `graph`: a picture of the graph around the tasks named, or of the room's
    /// most blocking chains, with its text version.
    pub(super) async fn graph(&mut self, keys: &[TaskKey]) -> CommandResult<Reply> {
        let (scene, name) = if keys.is_empty() {
            let (inbound, now) = (self.inbound, self.now());
            let scene = scene::room(
                self.tx.as_mut(),
                &mut self.sight,
                &inbound.room,
                &inbound.room_name,
                now,
            )
            .await?;
            (scene, scene::file_name("graph", &inbound.room_name))
        } else {
            let named = self.load_all(keys).await?;
            let scene = scene::around(self.tx.as_mut(), &mut self.sight, &named).await?;
            (scene, format!("graph-{}", keys[0]))
        };
        if scene.is_empty() {
            return Ok(Reply::from(scene.heading));
        }
        Ok(Reply {
            text: scene.text(),
            picture: Some(Picture {
                name,
                svg: scene.svg(),
            }),
        })
    }

    /// `digest`: the room's digest, now, even when it would be quiet, with the
    /// picture of its top blocker chain.
    pub(super) async fn digest(&mut self) -> CommandResult<Option<Reply>> {
        let (inbound, now) = (self.inbound, self.now());
        let since = self.tx.last_digest_at(&inbound.room).await?;
        let body = crate::engine::digest::compose(
            self.tx.as_mut(),
            &reply_reader(inbound),
            &inbound.room,
            &inbound.room_name,
            since,
            now,
            true,
        )
        .await?;
        Ok(body.map(|digest| Reply {
            text: digest.text,
            picture: digest.picture,
        }))
    }
}
