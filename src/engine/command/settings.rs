//! `settings`: a person's timezone and working hours, a room's digest.

use super::{Command, CommandResult, Refusal};
use crate::domain::{DigestChange, SettingChange};

impl Command<'_> {
    /// Shows the settings, or applies the change the parser read.
    pub(super) async fn settings(
        &mut self,
        change: &SettingChange,
    ) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        match change {
            SettingChange::Show => self.show_settings().await,
            SettingChange::Timezone(tz) => {
                self.tx.set_person_timezone(&actor, tz.name()).await?;
                Ok(Some(format!("Your timezone is now {}.", tz.name())))
            }
            SettingChange::WorkingHours { start, end } => {
                let hours = format!("{}-{}", start.format("%H:%M"), end.format("%H:%M"));
                self.tx.set_person_hours(&actor, &hours).await?;
                Ok(Some(format!(
                    "Your working hours are now {hours}; I hold DMs outside them."
                )))
            }
            SettingChange::Digest(digest) => self.change_digest(*digest).await,
            SettingChange::Unreadable(reply) => Err(Refusal::Invalid(reply.clone()).into()),
        }
    }

    async fn show_settings(&mut self) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        let mine = self.tx.person_settings(&actor).await?;
        let room_setting = self.tx.room_digest(&self.inbound.room).await?;
        let defaults = self.defaults;
        let tz = mine
            .timezone
            .unwrap_or_else(|| format!("{} (default)", defaults.timezone));
        let hours = match (mine.working_hours, defaults.working_hours) {
            (Some(hours), _) => hours,
            (None, Some((start, end))) => format!(
                "{}-{} (default)",
                start.format("%H:%M"),
                end.format("%H:%M")
            ),
            (None, None) => "any time (no quiet hours)".to_owned(),
        };
        let digest = match defaults.digest_for(room_setting.as_deref()) {
            Some(schedule) => schedule.to_setting(),
            None => "off".to_owned(),
        };
        Ok(Some(format!(
            "Your timezone: {tz}\nYour working hours: {hours}\nDigest for {}: {digest}\n\
             Change them with `!baton settings tz Europe/Berlin`, `!baton settings hours 09:00-17:00`, \
             `!baton settings digest 09:30 Europe/Berlin mon-fri` (or `off`).",
            self.inbound.room_name
        )))
    }

    /// The room's digest after `change`, from what the room has now (its own
    /// setting, or the default).
    async fn change_digest(&mut self, change: DigestChange) -> CommandResult<Option<String>> {
        let room = self.inbound.room.clone();
        let current = self.tx.room_digest(&room).await?;
        let current = self
            .defaults
            .digest_for(current.as_deref())
            .unwrap_or_else(|| self.defaults.digest_base());
        let schedule = change.apply(current);
        let setting = schedule.map_or_else(|| "off".to_owned(), |s| s.to_setting());
        self.tx.set_room_digest(&room, &setting).await?;
        Ok(Some(match schedule {
            Some(_) => format!(
                "The digest for {} is now posted at {setting}.",
                self.inbound.room_name
            ),
            None => format!("No more digests for {}.", self.inbound.room_name),
        }))
    }
}
