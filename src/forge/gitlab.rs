//! GitLab's webhook payloads, read into a [`ForgeEvent`]: only the fields Baton
//! uses are declared.
//!
//! Events (the `X-Gitlab-Event` header): `Merge Request Hook` and `Pipeline Hook`;
//! any other is acknowledged as [`Signal::Other`].

use serde::Deserialize;

use super::PayloadError;
use crate::domain::{Change, ChangeAction, CiRun, Forge, ForgeEvent, Signal, Verdict};

#[derive(Deserialize)]
struct User {
    username: String,
}

#[derive(Deserialize)]
struct Project {
    path_with_namespace: String,
    #[serde(default)]
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct Commit {
    id: String,
}

#[derive(Deserialize)]
struct MergeRequest {
    iid: u64,
    url: String,
    title: String,
    description: Option<String>,
    source_branch: String,
    target_branch: String,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    draft: Option<bool>,
    #[serde(default)]
    work_in_progress: Option<bool>,
    merge_commit_sha: Option<String>,
    last_commit: Option<Commit>,
}

#[derive(Deserialize, Default)]
struct ReviewerChange {
    #[serde(default)]
    previous: Vec<User>,
    #[serde(default)]
    current: Vec<User>,
}

#[derive(Deserialize)]
struct DraftChange {
    #[serde(default)]
    previous: Option<bool>,
    #[serde(default)]
    current: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Changes {
    #[serde(default)]
    reviewers: Option<ReviewerChange>,
    #[serde(default)]
    draft: Option<DraftChange>,
}

#[derive(Deserialize)]
struct MergeRequestEvent {
    user: Option<User>,
    project: Project,
    object_attributes: MergeRequest,
    #[serde(default)]
    changes: Option<Changes>,
    #[serde(default)]
    reviewers: Vec<User>,
}

#[derive(Deserialize)]
struct Pipeline {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "ref")]
    branch: Option<String>,
    sha: String,
    status: String,
    url: Option<String>,
}

#[derive(Deserialize)]
struct PipelineMergeRequest {
    iid: u64,
}

#[derive(Deserialize)]
struct PipelineEvent {
    user: Option<User>,
    project: Project,
    object_attributes: Pipeline,
    merge_request: Option<PipelineMergeRequest>,
}

/// Reads one delivery: `event` is the `X-Gitlab-Event` header, `delivery` the
/// `X-Gitlab-Event-UUID` one.
///
/// # Errors
/// When the body is not JSON, or lacks what its event must have.
pub fn read(event: &str, delivery: &str, body: &[u8]) -> Result<ForgeEvent, PayloadError> {
    let (repo, actor, signal) = match event {
        "Merge Request Hook" => {
            let payload: MergeRequestEvent =
                serde_json::from_slice(body).map_err(PayloadError::from_json)?;
            let actor = payload.user.map_or_else(String::new, |u| u.username);
            let repo = payload.project.path_with_namespace;
            let signal = merge_request(
                payload.object_attributes,
                payload.project.default_branch.unwrap_or_default(),
                payload.changes.unwrap_or_default(),
                payload.reviewers,
                &actor,
            );
            (repo, actor, signal)
        }
        "Pipeline Hook" => {
            let payload: PipelineEvent =
                serde_json::from_slice(body).map_err(PayloadError::from_json)?;
            let actor = payload.user.map_or_else(String::new, |u| u.username);
            let pipeline = payload.object_attributes;
            let passed = match pipeline.status.as_str() {
                "success" => Some(true),
                "failed" => Some(false),
                _ => None,
            };
            let signal = match passed {
                Some(passed) => Signal::Ci(CiRun {
                    name: pipeline
                        .name
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "pipeline".to_owned()),
                    url: pipeline.url,
                    sha: pipeline.sha,
                    branch: pipeline.branch,
                    changes: payload.merge_request.iter().map(|m| m.iid).collect(),
                    passed,
                }),
                None => Signal::Other("ci_unfinished".to_owned()),
            };
            (payload.project.path_with_namespace, actor, signal)
        }
        other => {
            // Other hooks are acknowledged unread; their project is not needed.
            (
                String::new(),
                String::new(),
                Signal::Other(other.to_owned()),
            )
        }
    };
    Ok(ForgeEvent {
        forge: Forge::GitLab,
        delivery: delivery.to_owned(),
        repo,
        actor,
        signal,
    })
}

fn merge_request(
    mr: MergeRequest,
    default_branch: String,
    changes: Changes,
    reviewers: Vec<User>,
    actor: &str,
) -> Signal {
    let action = mr.action.clone().unwrap_or_default();
    let draft = mr.draft.or(mr.work_in_progress).unwrap_or(false);
    let asked = |users: Vec<User>| {
        users
            .into_iter()
            .map(|u| ChangeAction::ReviewRequested {
                reviewer: u.username,
            })
            .collect::<Vec<_>>()
    };
    let actions = match action.as_str() {
        "open" | "reopen" => {
            let mut actions = vec![ChangeAction::Opened];
            actions.extend(asked(reviewers));
            actions
        }
        "merge" => vec![ChangeAction::Merged],
        "close" => vec![ChangeAction::Closed],
        "approved" | "approval" => vec![ChangeAction::Reviewed {
            reviewer: actor.to_owned(),
            verdict: Verdict::Approved,
        }],
        _ => {
            // An update: a draft marked ready, and reviewers newly asked.
            let mut actions = Vec::new();
            let marked_ready = changes
                .draft
                .as_ref()
                .is_some_and(|d| d.previous == Some(true) && d.current == Some(false));
            if marked_ready {
                actions.push(ChangeAction::Opened);
            }
            if let Some(change) = changes.reviewers {
                let before: Vec<String> = change.previous.into_iter().map(|u| u.username).collect();
                let added = change
                    .current
                    .into_iter()
                    .filter(|u| !before.contains(&u.username))
                    .collect();
                actions.extend(asked(added));
            }
            if actions.is_empty() {
                actions.push(ChangeAction::Updated);
            }
            actions
        }
    };
    let merged = action == "merge";
    Signal::Change {
        change: Change {
            number: mr.iid,
            url: mr.url,
            title: mr.title,
            body: mr.description.unwrap_or_default(),
            branch: mr.source_branch,
            target_branch: mr.target_branch,
            default_branch,
            draft,
            head_sha: mr.last_commit.map(|c| c.id),
            merge_sha: merged.then_some(mr.merge_commit_sha).flatten(),
        },
        actions,
    }
}
