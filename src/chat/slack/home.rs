//! The App Home tab: "My work", the person's ready, in-progress and blocked tasks.
//! Republished when their tasks change and whenever they open it.

use anyhow::Context;
use slack_morphism::prelude::*;

use super::{SlackApi, format, person_of};
use crate::engine::Engine;

/// Publishes `user`'s App Home.
///
/// # Errors
/// When the store or `views.publish` fails.
pub async fn publish(api: &SlackApi, engine: &Engine, user: &str) -> anyhow::Result<()> {
    let work = engine
        .work_of(&person_of(user))
        .await
        .context("cannot read the person's tasks")?;
    let mut blocks: Vec<SlackBlock> = vec![SlackHeaderBlock::new(pt!("My work")).into()];
    let sections = format::chunk(&format::mrkdwn(&work));
    blocks.extend(
        format::blocks(&sections[0], None)
            .into_iter()
            .take(format::BLOCK_LIMIT - 1),
    );
    api.publish_home(user, blocks)
        .await
        .context("views.publish failed")?;
    Ok(())
}
