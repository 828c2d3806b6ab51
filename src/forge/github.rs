//! GitHub's webhook payloads, read into a [`ForgeEvent`]: only the fields Baton
//! uses are declared, so the rest of GitHub's large payloads is skipped unread.
//!
//! Events (the `X-GitHub-Event` header): `pull_request`, `pull_request_review`,
//! `workflow_run`, `check_suite`; any other is acknowledged as [`Signal::Other`].

use serde::Deserialize;

use super::PayloadError;
use crate::domain::{Change, ChangeAction, CiRun, Forge, ForgeEvent, Signal, Verdict};

#[derive(Deserialize)]
struct Account {
    login: String,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
    #[serde(default)]
    default_branch: String,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    action: String,
    repository: Option<Repository>,
    sender: Option<Account>,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    name: String,
    sha: Option<String>,
}

#[derive(Deserialize)]
struct PullRequest {
    number: u64,
    html_url: String,
    title: String,
    body: Option<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    merged: bool,
    merge_commit_sha: Option<String>,
    head: Branch,
    base: Branch,
}

#[derive(Deserialize)]
struct PullRequestEvent {
    pull_request: PullRequest,
    requested_reviewer: Option<Account>,
}

#[derive(Deserialize)]
struct Review {
    state: String,
    user: Option<Account>,
}

#[derive(Deserialize)]
struct ReviewEvent {
    pull_request: PullRequest,
    review: Review,
}

#[derive(Deserialize)]
struct PullRequestNumber {
    number: u64,
}

#[derive(Deserialize)]
struct WorkflowRun {
    #[serde(default)]
    name: Option<String>,
    html_url: Option<String>,
    head_sha: String,
    head_branch: Option<String>,
    conclusion: Option<String>,
    #[serde(default)]
    pull_requests: Vec<PullRequestNumber>,
}

#[derive(Deserialize)]
struct WorkflowRunEvent {
    workflow_run: WorkflowRun,
}

#[derive(Deserialize)]
struct App {
    name: String,
}

#[derive(Deserialize)]
struct CheckSuite {
    head_sha: String,
    head_branch: Option<String>,
    conclusion: Option<String>,
    app: Option<App>,
    #[serde(default)]
    pull_requests: Vec<PullRequestNumber>,
}

#[derive(Deserialize)]
struct CheckSuiteEvent {
    check_suite: CheckSuite,
}

/// Reads one delivery: `event` is the `X-GitHub-Event` header, `delivery` the
/// `X-GitHub-Delivery` one.
///
/// # Errors
/// When the body is not JSON, or lacks what its event must have.
pub fn read(event: &str, delivery: &str, body: &[u8]) -> Result<ForgeEvent, PayloadError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(PayloadError::from_json)?;
    let repository = envelope.repository.as_ref();
    let repo = repository.map_or_else(String::new, |r| r.full_name.clone());
    let default_branch = repository.map_or_else(String::new, |r| r.default_branch.clone());
    let actor = envelope
        .sender
        .as_ref()
        .map_or_else(String::new, |s| s.login.clone());
    let action = envelope.action.as_str();
    let signal = match event {
        "pull_request" => {
            let payload: PullRequestEvent = parse(body)?;
            let merged = payload.pull_request.merged;
            let change = change(payload.pull_request, default_branch);
            let actions = match action {
                "opened" | "reopened" | "ready_for_review" => vec![ChangeAction::Opened],
                "review_requested" => match payload.requested_reviewer {
                    Some(reviewer) => vec![ChangeAction::ReviewRequested {
                        reviewer: reviewer.login,
                    }],
                    // A team was asked: no one person to tell.
                    None => vec![ChangeAction::Updated],
                },
                "closed" if merged => vec![ChangeAction::Merged],
                "closed" => vec![ChangeAction::Closed],
                _ => vec![ChangeAction::Updated],
            };
            Signal::Change { change, actions }
        }
        "pull_request_review" if action == "submitted" => {
            let payload: ReviewEvent = parse(body)?;
            let verdict = match payload.review.state.to_ascii_lowercase().as_str() {
                "approved" => Verdict::Approved,
                "changes_requested" => Verdict::ChangesRequested,
                _ => Verdict::Commented,
            };
            let reviewer = payload
                .review
                .user
                .map_or_else(|| actor.clone(), |u| u.login);
            Signal::Change {
                change: change(payload.pull_request, default_branch),
                actions: vec![ChangeAction::Reviewed { reviewer, verdict }],
            }
        }
        "workflow_run" if action == "completed" => {
            let run = parse::<WorkflowRunEvent>(body)?.workflow_run;
            match passed(run.conclusion.as_deref()) {
                Some(passed) => Signal::Ci(CiRun {
                    name: run
                        .name
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "workflow".to_owned()),
                    url: run.html_url,
                    sha: run.head_sha,
                    branch: run.head_branch,
                    changes: run.pull_requests.iter().map(|p| p.number).collect(),
                    passed,
                }),
                None => Signal::Other("ci_inconclusive".to_owned()),
            }
        }
        "check_suite" if action == "completed" => {
            let suite = parse::<CheckSuiteEvent>(body)?.check_suite;
            match passed(suite.conclusion.as_deref()) {
                Some(passed) => Signal::Ci(CiRun {
                    name: suite.app.map_or_else(|| "checks".to_owned(), |a| a.name),
                    url: None,
                    sha: suite.head_sha,
                    branch: suite.head_branch,
                    changes: suite.pull_requests.iter().map(|p| p.number).collect(),
                    passed,
                }),
                None => Signal::Other("ci_inconclusive".to_owned()),
            }
        }
        other => Signal::Other(other.to_owned()),
    };
    if repo.is_empty() && !matches!(signal, Signal::Other(_)) {
        return Err(PayloadError::Missing("repository.full_name"));
    }
    Ok(ForgeEvent {
        forge: Forge::GitHub,
        delivery: delivery.to_owned(),
        repo,
        actor,
        signal,
    })
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, PayloadError> {
    serde_json::from_slice(body).map_err(PayloadError::from_json)
}

fn change(pr: PullRequest, default_branch: String) -> Change {
    Change {
        number: pr.number,
        url: pr.html_url,
        title: pr.title,
        body: pr.body.unwrap_or_default(),
        branch: pr.head.name,
        target_branch: pr.base.name,
        default_branch,
        draft: pr.draft,
        head_sha: pr.head.sha,
        // Before the merge this is GitHub's trial merge, not a commit of the branch.
        merge_sha: pr.merged.then_some(pr.merge_commit_sha).flatten(),
    }
}

/// Whether a run's conclusion is a pass or a failure; `None` for those that are
/// neither (cancelled, skipped, neutral, waiting for approval).
fn passed(conclusion: Option<&str>) -> Option<bool> {
    match conclusion? {
        "success" => Some(true),
        "failure" | "timed_out" | "startup_failure" => Some(false),
        _ => None,
    }
}
