//! The SQL of code forges: linked accounts, tracked changes, `done-on`.

/// Implements [`ForgeTx`](crate::store::ForgeTx) for `$tx`.
macro_rules! impl_forge_sql {
    (
        tx: $tx:ident $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod forge_sql {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use crate::domain::{
                ChangeState, DoneOn, Forge, Links, PersonId, TaskKey, TrackedChange,
            };
            use crate::store::rows::{from_millis, millis};
            use crate::store::{ForgeTx, StoreError, StoreResult};

            use super::$tx;

            /// The columns of a tracked change, in [`ChangeRow`]'s order: a macro so
            /// `concat!` can build `'static` query text.
            macro_rules! change_columns {
                () => {
                    "forge, repo, number, url, title, closes, mentions, state, \
                     head_sha, merge_sha, awaiting_green, review_requested_at, updated_at"
                };
            }

            #[derive(sqlx::FromRow)]
            struct ChangeRow {
                forge: String,
                repo: String,
                number: i64,
                url: String,
                title: String,
                closes: String,
                mentions: String,
                state: String,
                head_sha: Option<String>,
                merge_sha: Option<String>,
                awaiting_green: bool,
                review_requested_at: Option<i64>,
                updated_at: i64,
            }

            impl TryFrom<ChangeRow> for TrackedChange {
                type Error = StoreError;

                fn try_from(row: ChangeRow) -> StoreResult<TrackedChange> {
                    let corrupt = |what: &str| StoreError::Corrupt(format!("forge change {what}"));
                    Ok(TrackedChange {
                        forge: Forge::from_name(&row.forge).ok_or_else(|| corrupt(&row.forge))?,
                        repo: row.repo,
                        number: u64::try_from(row.number).map_err(|_| corrupt("number"))?,
                        url: row.url,
                        title: row.title,
                        links: Links {
                            closes: unpack_keys(&row.closes)?,
                            mentions: unpack_keys(&row.mentions)?,
                        },
                        state: ChangeState::from_name(&row.state)
                            .ok_or_else(|| corrupt(&row.state))?,
                        head_sha: row.head_sha,
                        merge_sha: row.merge_sha,
                        awaiting_green: row.awaiting_green,
                        review_requested_at: row.review_requested_at.map(from_millis).transpose()?,
                        updated_at: from_millis(row.updated_at)?,
                    })
                }
            }

            /// Task numbers as stored: `3,12`.
            fn pack_keys(keys: &[TaskKey]) -> String {
                keys.iter()
                    .map(|k| k.number().to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            }

            fn unpack_keys(packed: &str) -> StoreResult<Vec<TaskKey>> {
                packed
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(|n| {
                        n.parse()
                            .map(TaskKey::new)
                            .map_err(|_| StoreError::Corrupt(format!("task list {packed}")))
                    })
                    .collect()
            }

            fn number(n: u64) -> i64 {
                i64::try_from(n).unwrap_or(i64::MAX)
            }

            #[async_trait]
            impl ForgeTx for $tx {
                async fn forge_person(
                    &mut self,
                    forge: Forge,
                    login: &str,
                ) -> StoreResult<Option<PersonId>> {
                    let person: Option<String> = sqlx::query_scalar(
                        "SELECT person FROM forge_accounts WHERE forge = $1 AND login = $2",
                    )
                    .bind(forge.as_str())
                    .bind(login.to_lowercase())
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    Ok(person.map(PersonId::from_stored))
                }

                async fn link_forge_account(
                    &mut self,
                    forge: Forge,
                    login: &str,
                    person: &PersonId,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    sqlx::query("DELETE FROM forge_accounts WHERE forge = $1 AND (person = $2 OR login = $3)")
                        .bind(forge.as_str())
                        .bind(person.as_str())
                        .bind(login.to_lowercase())
                        .execute(&mut *self.tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO forge_accounts (forge, login, person, linked_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(forge.as_str())
                    .bind(login.to_lowercase())
                    .bind(person.as_str())
                    .bind(millis(at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn unlink_forge_account(
                    &mut self,
                    forge: Forge,
                    person: &PersonId,
                ) -> StoreResult<Option<String>> {
                    let login: Option<String> = sqlx::query_scalar(
                        "DELETE FROM forge_accounts WHERE forge = $1 AND person = $2 RETURNING login",
                    )
                    .bind(forge.as_str())
                    .bind(person.as_str())
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    Ok(login)
                }

                async fn forge_accounts_of(
                    &mut self,
                    person: &PersonId,
                ) -> StoreResult<Vec<(Forge, String)>> {
                    let rows: Vec<(String, String)> = sqlx::query_as(
                        "SELECT forge, login FROM forge_accounts WHERE person = $1 ORDER BY forge",
                    )
                    .bind(person.as_str())
                    .fetch_all(&mut *self.tx)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .filter_map(|(forge, login)| Some((Forge::from_name(&forge)?, login)))
                        .collect())
                }

                async fn tracked_change(
                    &mut self,
                    forge: Forge,
                    repo: &str,
                    number_: u64,
                ) -> StoreResult<Option<TrackedChange>> {
                    let query = concat!(
"SELECT ", change_columns!(), " FROM forge_changes WHERE forge = $1 AND repo = $2 AND number = $3"
);
                    let row: Option<ChangeRow> = sqlx::query_as(query)
                        .bind(forge.as_str())
                        .bind(repo)
                        .bind(number(number_))
                        .fetch_optional(&mut *self.tx)
                        .await?;
                    row.map(TryInto::try_into).transpose()
                }

                async fn tracked_changes_at(
                    &mut self,
                    forge: Forge,
                    repo: &str,
                    sha: &str,
                ) -> StoreResult<Vec<TrackedChange>> {
                    let query = concat!(
"SELECT ", change_columns!(), " FROM forge_changes \
                         WHERE forge = $1 AND repo = $2 AND (head_sha = $3 OR merge_sha = $3) \
                         ORDER BY number LIMIT 20"
);
                    let rows: Vec<ChangeRow> = sqlx::query_as(query)
                        .bind(forge.as_str())
                        .bind(repo)
                        .bind(sha)
                        .fetch_all(&mut *self.tx)
                        .await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn save_tracked_change(&mut self, change: &TrackedChange) -> StoreResult<()> {
                    let query = concat!(
"INSERT INTO forge_changes (", change_columns!(), ") \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         ON CONFLICT (forge, repo, number) DO UPDATE SET \
                           url = excluded.url, title = excluded.title, closes = excluded.closes, \
                           mentions = excluded.mentions, state = excluded.state, \
                           head_sha = excluded.head_sha, merge_sha = excluded.merge_sha, \
                           awaiting_green = excluded.awaiting_green, \
                           review_requested_at = excluded.review_requested_at, \
                           updated_at = excluded.updated_at"
);
                    sqlx::query(query)
                        .bind(change.forge.as_str())
                        .bind(&change.repo)
                        .bind(number(change.number))
                        .bind(&change.url)
                        .bind(&change.title)
                        .bind(pack_keys(&change.links.closes))
                        .bind(pack_keys(&change.links.mentions))
                        .bind(change.state.as_str())
                        .bind(&change.head_sha)
                        .bind(&change.merge_sha)
                        .bind(change.awaiting_green)
                        .bind(change.review_requested_at.map(millis))
                        .bind(millis(change.updated_at))
                        .execute(&mut *self.tx)
                        .await?;
                    Ok(())
                }

                async fn changes_awaiting_review(
                    &mut self,
                    limit: i64,
                ) -> StoreResult<Vec<TrackedChange>> {
                    let query = concat!(
"SELECT ", change_columns!(), " FROM forge_changes \
                         WHERE review_requested_at IS NOT NULL AND state IN ('open', 'draft') \
                         ORDER BY review_requested_at, forge, repo, number LIMIT $1"
);
                    let rows: Vec<ChangeRow> = sqlx::query_as(query)
                        .bind(limit)
                        .fetch_all(&mut *self.tx)
                        .await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn room_done_on(&mut self, room: &str) -> StoreResult<DoneOn> {
                    let done_on: Option<Option<String>> =
                        sqlx::query_scalar("SELECT done_on FROM rooms WHERE id = $1")
                            .bind(room)
                            .fetch_optional(&mut *self.tx)
                            .await?;
                    Ok(done_on
                        .flatten()
                        .and_then(|name| DoneOn::from_name(&name))
                        .unwrap_or_default())
                }

                async fn set_room_done_on(&mut self, room: &str, done_on: DoneOn) -> StoreResult<()> {
                    sqlx::query("UPDATE rooms SET done_on = $2 WHERE id = $1")
                        .bind(room)
                        .bind(done_on.as_str())
                        .execute(&mut *self.tx)
                        .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_forge_sql;
