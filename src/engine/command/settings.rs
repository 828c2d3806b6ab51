//! `settings`: a person's timezone, working hours and linked forge accounts
//! (`link github LOGIN`), a room's digest, `done-on` and `summaries`.

use super::{Command, CommandResult, Refusal};
use crate::domain::{DigestChange, DoneOn, Forge, SettingChange};

/// Longest forge login accepted (GitHub allows 39 characters, GitLab 255).
const MAX_LOGIN_CHARS: usize = 255;

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
            SettingChange::DoneOn(done_on) => {
                self.tx
                    .set_room_done_on(&self.inbound.room, *done_on)
                    .await?;
                Ok(Some(match done_on {
                    DoneOn::Merge => format!(
                        "In {}, a task is now done when a pull or merge request that closes it merges.",
                        self.inbound.room_name
                    ),
                    DoneOn::Green => format!(
                        "In {}, a task is now done only once CI passes on the merged commit of the pull or merge request that closes it.",
                        self.inbound.room_name
                    ),
                }))
            }
            SettingChange::Summaries(on) => {
                self.tx
                    .set_room_summaries_off(&self.inbound.room, !on)
                    .await?;
                let room = &self.inbound.room_name;
                Ok(Some(if *on {
                    format!(
                        "What is said in {room} may now be summarised in handoffs, when a language model is configured."
                    )
                } else {
                    format!("Nothing said in {room} will be sent to a language model.")
                }))
            }
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
        let done_on = self.tx.room_done_on(&self.inbound.room).await?;
        let summaries = if self.tx.room_summaries_off(&self.inbound.room).await? {
            "off"
        } else {
            "on"
        };
        let accounts = self.tx.forge_accounts_of(&actor).await?;
        let accounts = if accounts.is_empty() {
            "none (`!baton link github <login>`)".to_owned()
        } else {
            accounts
                .iter()
                .map(|(forge, login)| format!("{forge} {login}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(Some(format!(
            "Your timezone: {tz}\nYour working hours: {hours}\nYour forge accounts: {accounts}\n\
             Digest for {room}: {digest}\nTasks in {room} are done on: {}\nSummaries by a language model of what {room} says: {summaries}\n\
             Change them with `!baton settings tz Europe/Berlin`, `!baton settings hours 09:00-17:00`, \
             `!baton settings digest 09:30 Europe/Berlin mon-fri` (or `off`), `!baton settings done-on merge|green`, `!baton settings summaries on|off`, \
             `!baton link github <login>`.",
            done_on.as_str(),
            room = self.inbound.room_name
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

impl Command<'_> {
    /// `link github LOGIN` / `unlink github`: said by the person themselves, so
    /// nobody can claim another's account for them.
    pub(super) async fn link(
        &mut self,
        forge: Forge,
        login: Option<&str>,
    ) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        let Some(login) = login else {
            return Ok(Some(
                match self.tx.unlink_forge_account(forge, &actor).await? {
                    Some(login) => format!("You are no longer linked to {forge} account {login}."),
                    None => format!("You had no {forge} account linked."),
                },
            ));
        };
        let login = login.trim_start_matches('@');
        let valid = !login.is_empty()
            && login.chars().count() <= MAX_LOGIN_CHARS
            && login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(Refusal::Invalid(format!(
                "`{login}` is not a {forge} login; write it like `!baton link {} octocat`.",
                forge.as_str()
            ))
            .into());
        }
        let previous = self.tx.forge_person(forge, login).await?;
        self.tx
            .link_forge_account(forge, login, &actor, self.now())
            .await?;
        let mut reply = format!(
            "Linked: {forge} account {login} is you. Its pull requests and review requests now reach you here."
        );
        if let Some(previous) = previous.filter(|p| p != &actor) {
            reply.push_str(&format!(" ({previous} was linked to it before.)"));
        }
        Ok(Some(reply))
    }
}
