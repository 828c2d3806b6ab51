//! What Slack says of a channel, recorded for the privacy rule.
//!
//! Channel ids say nothing reliable (modern private channels have `C…` ids, and
//! `app_mention` events carry no `channel_type`), so each channel's privacy comes
//! from `conversations.info`, once per channel and run, and a private channel's
//! members from `conversations.members`. Join and leave events keep the members
//! current; the list is read again when older than `membership_max_age`. Until
//! Slack has answered, a channel counts as private.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{SlackApi, format, person_of, room_of};
use crate::domain::{PersonId, RoomPrivacy};
use crate::engine::{Engine, EngineError};
use crate::error_chain::error_chain;

/// What was last learnt of a channel, and when.
#[derive(Debug, Clone, Copy)]
struct Known {
    privacy: RoomPrivacy,
    at: Instant,
}

/// Channels' privacy and membership as Slack told this process.
pub(super) struct SlackRooms {
    api: SlackApi,
    engine: Engine,
    max_age: Duration,
    known: Mutex<HashMap<String, Known>>,
}

impl SlackRooms {
    pub(super) fn new(api: SlackApi, engine: Engine, max_age: Duration) -> Self {
        Self {
            api,
            engine,
            max_age,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The channel's privacy, from what this process learnt within `max_age`, or
    /// else from Slack (recording it, and a private channel's members, for the
    /// privacy rule). [`RoomPrivacy::Unknown`] when Slack cannot say now.
    pub(super) async fn privacy(&self, channel: &str) -> RoomPrivacy {
        // A DM is private whatever Slack would answer; its members are the two
        // people in it, recorded as they speak.
        if channel.starts_with('D') {
            return RoomPrivacy::Private;
        }
        if let Some(known) = self.fresh(channel) {
            return known;
        }
        let private = match self.api.channel_is_private(channel).await {
            Ok(private) => private,
            Err(error) => {
                tracing::warn!(channel, error = %error_chain(&error), "cannot read a channel's privacy; treating it as private");
                return RoomPrivacy::Unknown;
            }
        };
        let privacy = RoomPrivacy::from_private(private);
        let members = if private {
            match self.api.channel_members(channel).await {
                Ok(users) => Some(
                    users
                        .iter()
                        .map(|u| person_of(u))
                        .collect::<Vec<PersonId>>(),
                ),
                Err(error) => {
                    tracing::warn!(channel, error = %error_chain(&error), "cannot read a private channel's members");
                    None
                }
            }
        } else {
            None
        };
        let room = room_of(channel);
        let recorded = self
            .engine
            .sync_room(
                &room,
                &format::room_name(channel),
                privacy,
                members.as_deref(),
            )
            .await;
        match recorded {
            // A private channel whose members could not be read is asked again
            // next time.
            Ok(()) if !private || members.is_some() => self.remember(channel, privacy),
            Ok(()) => {}
            Err(error) => {
                tracing::warn!(channel, error = %error_chain(&error), "cannot record a channel's privacy")
            }
        }
        privacy
    }

    /// `member_joined_channel` (`joined`) or `member_left_channel`.
    ///
    /// # Errors
    /// When the store fails; Slack should deliver the event again.
    pub(super) async fn member_changed(
        &self,
        channel: &str,
        user: &str,
        joined: bool,
    ) -> Result<(), EngineError> {
        self.engine
            .set_room_member(&room_of(channel), &person_of(user), joined)
            .await
    }

    fn fresh(&self, channel: &str) -> Option<RoomPrivacy> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known
            .get(channel)
            .filter(|k| k.at.elapsed() < self.max_age)
            .map(|k| k.privacy)
    }

    fn remember(&self, channel: &str, privacy: RoomPrivacy) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.insert(
            channel.to_owned(),
            Known {
                privacy,
                at: Instant::now(),
            },
        );
    }
}
