//! The SQL of people and rooms: profiles, DM rooms, settings, room names, privacy
//! and membership.

/// Implements [`PeopleStore`](crate::store::PeopleStore) for `$store` and
/// [`PeopleTx`](crate::store::PeopleTx) for `$tx`, on database `$db`. `begin` begins
/// a room sync's transaction.
macro_rules! impl_people_sql {
    (
        store: $store:ident,
        tx: $tx:ident,
        db: $db:ty,
        begin: $begin:literal $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod people_sql {
        use async_trait::async_trait;

        use crate::domain::{PersonId, RoomFacts, RoomPrivacy};
        use crate::store::{PeopleStore, PeopleTx, PersonSettings, StoreResult};

        use super::{$store, $tx};

        /// Records a room's name and privacy: a known privacy replaces the recorded
        /// one, an unknown one makes a new room private and leaves a known one be.
        async fn upsert_room(
            conn: &mut <$db as sqlx::Database>::Connection,
            room: &str,
            room_name: &str,
            privacy: RoomPrivacy,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO rooms (id, name, private) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                   private = CASE WHEN $4 THEN excluded.private ELSE rooms.private END",
            )
            .bind(room)
            .bind(room_name)
            .bind(privacy.records_private())
            .bind(privacy != RoomPrivacy::Unknown)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        #[async_trait]
        impl PeopleStore for $store {
            async fn dm_room(&self, person: &PersonId) -> StoreResult<Option<String>> {
                let room: Option<Option<String>> =
                    sqlx::query_scalar("SELECT dm_room FROM people WHERE id = $1")
                        .bind(person.as_str())
                        .fetch_optional(self.reader())
                        .await?;
                Ok(room.flatten())
            }

            async fn set_dm_room(&self, person: &PersonId, room: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, dm_room) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET dm_room = excluded.dm_room",
                )
                .bind(person.as_str())
                .bind(room)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn remember_profile(
                &self,
                person: &PersonId,
                display_name: Option<&str>,
                timezone: Option<&str>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, display_name, timezone) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET \
                       display_name = COALESCE(excluded.display_name, people.display_name), \
                       timezone = COALESCE(people.timezone, excluded.timezone)",
                )
                .bind(person.as_str())
                .bind(display_name)
                .bind(timezone)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn sync_room(
                &self,
                room: &str,
                room_name: &str,
                privacy: RoomPrivacy,
                members: Option<&[PersonId]>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_tx($begin).await?;
                upsert_room(&mut *tx, room, room_name, privacy).await?;
                if let Some(members) = members {
                    sqlx::query("DELETE FROM room_members WHERE room = $1")
                        .bind(room)
                        .execute(&mut *tx)
                        .await?;
                    for person in members {
                        sqlx::query(
                            "INSERT INTO room_members (room, person) VALUES ($1, $2) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(room)
                        .bind(person.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn set_room_member(
                &self,
                room: &str,
                person: &PersonId,
                member: bool,
            ) -> StoreResult<()> {
                let statement = if member {
                    "INSERT INTO room_members (room, person) VALUES ($1, $2) ON CONFLICT DO NOTHING"
                } else {
                    "DELETE FROM room_members WHERE room = $1 AND person = $2"
                };
                sqlx::query(statement)
                    .bind(room)
                    .bind(person.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn display_name(&self, person: &PersonId) -> StoreResult<Option<String>> {
                let name: Option<Option<String>> =
                    sqlx::query_scalar("SELECT display_name FROM people WHERE id = $1")
                        .bind(person.as_str())
                        .fetch_optional(self.reader())
                        .await?;
                Ok(name.flatten())
            }
        }

        #[async_trait]
        impl PeopleTx for $tx {
            async fn note_presence(
                &mut self,
                person: &PersonId,
                room: &str,
                room_name: &str,
                privacy: RoomPrivacy,
            ) -> StoreResult<()> {
                upsert_room(&mut *self.tx, room, room_name, privacy).await?;
                sqlx::query("INSERT INTO people (id) VALUES ($1) ON CONFLICT DO NOTHING")
                    .bind(person.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO room_members (room, person) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(room)
                .bind(person.as_str())
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn room_facts(
                &mut self,
                room: &str,
                person: Option<&PersonId>,
            ) -> StoreResult<RoomFacts> {
                let private: Option<bool> = sqlx::query_scalar("SELECT private FROM rooms WHERE id = $1")
                    .bind(room)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let Some(private) = private else {
                    return Ok(RoomFacts::Unrecorded);
                };
                let reader_is_member = match person {
                    Some(person) if private => {
                        let members: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM room_members WHERE room = $1 AND person = $2",
                        )
                        .bind(room)
                        .bind(person.as_str())
                        .fetch_one(&mut *self.tx)
                        .await?;
                        members > 0
                    }
                    _ => false,
                };
                Ok(RoomFacts::Recorded { private, reader_is_member })
            }

            async fn room_name(&mut self, room: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT name FROM rooms WHERE id = $1")
                    .bind(room)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn person_settings(&mut self, person: &PersonId) -> StoreResult<PersonSettings> {
                let row: Option<(Option<String>, Option<String>)> =
                    sqlx::query_as("SELECT timezone, working_hours FROM people WHERE id = $1")
                        .bind(person.as_str())
                        .fetch_optional(&mut *self.tx)
                        .await?;
                let (timezone, working_hours) = row.unwrap_or_default();
                Ok(PersonSettings {
                    timezone,
                    working_hours,
                })
            }

            async fn set_person_timezone(&mut self, person: &PersonId, timezone: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, timezone) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET timezone = excluded.timezone",
                )
                .bind(person.as_str())
                .bind(timezone)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn set_person_hours(&mut self, person: &PersonId, hours: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, working_hours) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET working_hours = excluded.working_hours",
                )
                .bind(person.as_str())
                .bind(hours)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }
        }
        }
    };
}

pub(crate) use impl_people_sql;
