//! The text version of a picture: what a reader without the image needs, bounded
//! like every other list Baton writes.

use std::collections::BTreeMap;

use super::Scene;
use crate::domain::TaskKey;

/// Tasks listed; the rest are counted.
const TASKS_LISTED: usize = 20;
/// Blockers named on one task's line.
const BLOCKERS_NAMED: usize = 5;
/// "+N more waiting on T-x" lines; the rest are summed.
const MORE_LISTED: usize = 5;
/// Keys of the critical path named; a longer one shows its ends and its length.
const CHAIN_NAMED: usize = 10;
/// Longest title written.
const TITLE_CHARS: usize = 60;

pub(super) fn write(scene: &Scene) -> String {
    let mut lines = vec![scene.heading.clone()];
    if scene.critical.len() > 1 {
        let chain: Vec<String> = scene.critical.iter().map(ToString::to_string).collect();
        let chain = if chain.len() > CHAIN_NAMED {
            let ends = CHAIN_NAMED / 2;
            format!(
                "{} → … → {} ({} tasks)",
                chain[..ends].join(" → "),
                chain[chain.len() - ends..].join(" → "),
                chain.len()
            )
        } else {
            chain.join(" → ")
        };
        lines.push(format!("Critical path: {chain}"));
    }
    // One pass over the edges, so a line costs its own blockers only.
    let mut blockers: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
    for (waiting, blocker) in &scene.edges {
        blockers.entry(*waiting).or_default().push(*blocker);
    }
    for node in scene.nodes.iter().take(TASKS_LISTED) {
        let mut line = format!("{} {}", node.key, cut(&node.title, TITLE_CHARS));
        line.push_str(" — ");
        if let Some(owner) = &node.owner {
            line.push_str(owner);
            line.push_str(", ");
        }
        line.push_str(node.look.label());
        if let Some(of) = blockers.get(&node.key) {
            let named: Vec<String> = of
                .iter()
                .take(BLOCKERS_NAMED)
                .map(ToString::to_string)
                .collect();
            line.push_str(", after ");
            line.push_str(&named.join(", "));
            if of.len() > BLOCKERS_NAMED {
                line.push_str(&format!(" and {} more", of.len() - BLOCKERS_NAMED));
            }
        }
        lines.push(line);
    }
    if scene.nodes.len() > TASKS_LISTED {
        lines.push(format!(
            "…and {} more tasks",
            scene.nodes.len() - TASKS_LISTED
        ));
    }
    for more in scene.more.iter().take(MORE_LISTED) {
        lines.push(more.sentence());
    }
    if scene.more.len() > MORE_LISTED {
        let rest: usize = scene.more[MORE_LISTED..].iter().map(|m| m.count).sum();
        lines.push(format!("+{rest} more beside other tasks"));
    }
    lines.join("\n")
}

fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_owned(),
    }
}
