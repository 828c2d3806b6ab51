//! Forge webhooks end to end on both backends: the forges' documented example
//! payloads (`tests/fixtures/forge/`, whole), signed as the forge signs them,
//! posted to the real routes, applied by the engine, delivered by the outbox.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Notify;
use tower::ServiceExt;

use baton::clock::SystemClock;
use baton::domain::{PersonId, TaskKey};
use baton::engine::{Defaults, Engine, InboundKind};
use baton::forge::{ForgeWebhooks, RepoFilter, routes};
use baton::outbox::OutboxWorker;
use baton::store::Destination;

use crate::helpers::{Recording, TestDb, general_inbound, on_both_backends};

pub const GITHUB_SECRET: &str = "a webhook secret for tests";
const GITLAB_TOKEN: &str = "a gitlab token for tests";

/// A documented example payload, as the forge published it.
pub fn fixture(path: &str) -> Value {
    let file = format!("{}/tests/fixtures/forge/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`, as GitHub signs a delivery.
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// GitHub's `pull_request` example with a closing keyword for `key` in its body.
fn pull_request(action: &str, key: &str) -> Value {
    let mut payload = fixture(&format!("github/pull_request.{action}.json"));
    payload["pull_request"]["body"] = Value::from(format!("Fixes {key}\n\nSee the thread."));
    payload
}

#[derive(Debug)]
struct Sent {
    to: Destination,
    body: String,
}

/// A bot with its webhook routes, on a test database.
struct Hub {
    engine: Engine,
    worker: OutboxWorker,
    outlet: Arc<Recording>,
    router: axum::Router,
    next_event: u64,
    db: TestDb,
}

impl Hub {
    fn new(db: TestDb) -> Hub {
        Hub::with_repos(db, "")
    }

    fn with_repos(db: TestDb, repos: &str) -> Hub {
        let outlet = Arc::new(Recording::default());
        let engine = Engine::new(
            db.store.clone(),
            Arc::new(Notify::new()),
            Defaults::default(),
        );
        let worker = OutboxWorker::new(db.store.clone(), Arc::new(SystemClock))
            .with_outlet("console", outlet.clone());
        let router = routes(ForgeWebhooks {
            engine: engine.clone(),
            github_secret: Some(SecretString::from(GITHUB_SECRET)),
            gitlab_token: Some(SecretString::from(GITLAB_TOKEN)),
            repos: RepoFilter::new(repos),
        });
        Hub {
            engine,
            worker,
            outlet,
            router,
            next_event: 0,
            db,
        }
    }

    async fn sent(&mut self) -> Vec<Sent> {
        self.worker.drain().await.unwrap();
        self.outlet
            .take()
            .into_iter()
            .map(|m| Sent {
                to: m.destination,
                body: m.body,
            })
            .collect()
    }

    async fn say(&mut self, author: &str, text: &str) -> Vec<Sent> {
        self.next_event += 1;
        let kind = InboundKind::Message {
            text: text.into(),
            thread_task: None,
            dm: false,
        };
        let inbound = general_inbound(self.next_event, author, kind);
        self.engine.handle(&inbound).await.unwrap();
        self.sent().await
    }

    /// Posts a GitHub delivery signed with `secret`; the status and what it sent.
    async fn github_signed(
        &mut self,
        event: &str,
        delivery: &str,
        payload: &Value,
        secret: &str,
    ) -> (StatusCode, Vec<Sent>) {
        let body = serde_json::to_vec(payload).unwrap();
        let request = Request::post("/forge/github")
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .header("x-hub-signature-256", github_signature(secret, &body))
            .body(Body::from(body))
            .unwrap();
        let status = self.router.clone().oneshot(request).await.unwrap().status();
        (status, self.sent().await)
    }

    async fn github(
        &mut self,
        event: &str,
        delivery: &str,
        payload: &Value,
    ) -> (StatusCode, Vec<Sent>) {
        self.github_signed(event, delivery, payload, GITHUB_SECRET)
            .await
    }

    async fn gitlab_with(
        &mut self,
        event: &str,
        delivery: &str,
        payload: &Value,
        token: &str,
    ) -> (StatusCode, Vec<Sent>) {
        let request = Request::post("/forge/gitlab")
            .header("content-type", "application/json")
            .header("x-gitlab-event", event)
            .header("x-gitlab-event-uuid", delivery)
            .header("x-gitlab-token", token)
            .body(Body::from(serde_json::to_vec(payload).unwrap()))
            .unwrap();
        let status = self.router.clone().oneshot(request).await.unwrap().status();
        (status, self.sent().await)
    }

    async fn gitlab(
        &mut self,
        event: &str,
        delivery: &str,
        payload: &Value,
    ) -> (StatusCode, Vec<Sent>) {
        self.gitlab_with(event, delivery, payload, GITLAB_TOKEN)
            .await
    }

    async fn status_of(&self, key: u64) -> String {
        let mut tx = self.db.store.begin().await.unwrap();
        tx.task(TaskKey::new(key))
            .await
            .unwrap()
            .unwrap()
            .status
            .to_string()
    }

    /// T-1 for @alice, T-2 for @bob after T-1, both created by @carol.
    async fn two_tasks(&mut self) {
        self.say("@carol", "!baton add Billing export for @alice")
            .await;
        self.say("@carol", "!baton add Invoice emails for @bob after T-1")
            .await;
    }
}

fn dms_to<'a>(sent: &'a [Sent], handle: &str) -> Vec<&'a Sent> {
    let to = Destination::Dm(PersonId::new("console", handle));
    sent.iter().filter(|s| s.to == to).collect()
}

fn in_thread_of(sent: &[Sent], key: u64) -> Vec<&Sent> {
    sent.iter()
        .filter(|s| {
            matches!(&s.to, Destination::Room { thread_task: Some(k), .. } if *k == TaskKey::new(key))
        })
        .collect()
}

async fn a_github_pull_request_starts_asks_for_review_and_finishes_its_task(db: TestDb) {
    let mut hub = Hub::new(db);
    hub.two_tasks().await;
    hub.say("@dana", "!baton link github octocat").await;

    let (status, sent) = hub
        .github("pull_request", "d-1", &pull_request("opened", "T-1"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "in progress");
    let lines = in_thread_of(&sent, 1);
    assert_eq!(lines.len(), 1, "{sent:#?}");
    assert!(
        lines[0]
            .body
            .contains("https://github.com/Codertocat/Hello-World/pull/2")
    );

    // The documented example asks octocat, whom @dana linked.
    let (status, sent) = hub
        .github(
            "pull_request",
            "d-2",
            &pull_request("review_requested", "T-1"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let dms = dms_to(&sent, "@dana");
    assert_eq!(dms.len(), 1, "{sent:#?}");
    assert_eq!(sent.len(), 1, "only the reviewer hears of it: {sent:#?}");
    assert!(
        dms[0]
            .body
            .contains("https://github.com/Codertocat/Hello-World/pull/2")
    );
    assert!(dms[0].body.contains("T-1"), "{}", dms[0].body);
    assert!(
        dms[0].body.contains("T-2"),
        "what waits downstream: {}",
        dms[0].body
    );
    let digest = hub.say("@carol", "!baton digest").await;
    let digest = &digest[0].body;
    assert!(
        digest.contains("Waiting on review, oldest first:"),
        "{digest}"
    );
    assert!(
        digest.contains("https://github.com/Codertocat/Hello-World/pull/2) for T-1"),
        "{digest}"
    );
    assert!(digest.contains("1 task waiting on it"), "{digest}");

    let mut merged = pull_request("closed", "T-1");
    merged["pull_request"]["merged"] = Value::Bool(true);
    let (status, sent) = hub.github("pull_request", "d-3", &merged).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "done");
    let handoffs = dms_to(&sent, "@bob");
    assert_eq!(handoffs.len(), 1, "{sent:#?}");
    assert!(
        handoffs[0]
            .body
            .contains("T-2 Invoice emails is ready for you")
    );
    assert!(
        handoffs[0]
            .body
            .contains("Evidence: https://github.com/Codertocat/Hello-World/pull/2"),
        "{}",
        handoffs[0].body
    );
    // The merge's author is not linked: named by login, still the actor.
    assert!(
        handoffs[0].body.contains("finished by Codertocat"),
        "{}",
        handoffs[0].body
    );

    // The same delivery again changes nothing and sends nothing.
    let (status, sent) = hub.github("pull_request", "d-3", &merged).await;
    assert!(status.is_success(), "{status}");
    assert!(sent.is_empty(), "{sent:#?}");
    assert_eq!(hub.status_of(2).await, "open");
}

async fn a_pull_request_closed_without_merging_leaves_its_task_as_it_was(db: TestDb) {
    let mut hub = Hub::new(db);
    hub.two_tasks().await;
    let closed = pull_request("closed", "T-1");
    assert_eq!(closed["pull_request"]["merged"], Value::Bool(false));
    let (status, sent) = hub.github("pull_request", "c-1", &closed).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "open");
    assert!(dms_to(&sent, "@bob").is_empty(), "{sent:#?}");
    let lines = in_thread_of(&sent, 1);
    assert_eq!(lines.len(), 1, "{sent:#?}");
    assert!(
        lines[0].body.contains("closed without merging"),
        "{}",
        lines[0].body
    );
    let shown = hub.say("@carol", "!baton show T-1").await;
    assert!(
        shown[0].body.contains("closed without merging"),
        "the note is kept: {}",
        shown[0].body
    );
}

async fn a_bad_signature_or_token_is_refused_and_changes_nothing(db: TestDb) {
    let mut hub = Hub::new(db);
    hub.two_tasks().await;
    let opened = pull_request("opened", "T-1");
    let (status, sent) = hub
        .github_signed("pull_request", "x-1", &opened, "not the secret")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(sent.is_empty());

    let body = serde_json::to_vec(&opened).unwrap();
    let unsigned = Request::post("/forge/github")
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", "x-2")
        .body(Body::from(body))
        .unwrap();
    let status = hub.router.clone().oneshot(unsigned).await.unwrap().status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let mut mr = fixture("gitlab/merge_request.json");
    mr["object_attributes"]["description"] = Value::from("Closes T-1");
    let (status, sent) = hub
        .gitlab_with("Merge Request Hook", "x-3", &mr, "wrong token")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(sent.is_empty());
    assert_eq!(hub.status_of(1).await, "open");

    // A refused delivery is not recorded: signed properly, it is applied.
    let (status, _) = hub.github("pull_request", "x-1", &opened).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "in progress");
}

async fn a_repository_outside_the_allow_list_is_acknowledged_and_ignored(db: TestDb) {
    let mut hub = Hub::with_repos(db, "acme/*");
    hub.two_tasks().await;
    let (status, sent) = hub
        .github("pull_request", "r-1", &pull_request("opened", "T-1"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(sent.is_empty());
    assert_eq!(hub.status_of(1).await, "open");
    let mut allowed = pull_request("opened", "T-1");
    allowed["repository"]["full_name"] = Value::from("acme/billing");
    let (status, _) = hub.github("pull_request", "r-2", &allowed).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "in progress");
}

async fn a_gitlab_merge_request_starts_asks_its_reviewer_and_finishes_its_task(db: TestDb) {
    let mut hub = Hub::new(db);
    hub.two_tasks().await;
    // The documented example is opened by `root` with reviewer `user1`.
    hub.say("@erin", "!baton link gitlab user1").await;
    let mut mr = fixture("gitlab/merge_request.json");
    mr["object_attributes"]["description"] = Value::from("Closes T-1");
    let url = mr["object_attributes"]["url"].as_str().unwrap().to_owned();
    let (status, sent) = hub.gitlab("Merge Request Hook", "g-1", &mr).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "in progress");
    let review = dms_to(&sent, "@erin");
    assert_eq!(review.len(), 1, "{sent:#?}");
    assert!(review[0].body.contains(&url) && review[0].body.contains("T-1"));

    mr["object_attributes"]["action"] = Value::from("merge");
    mr["object_attributes"]["state"] = Value::from("merged");
    let (status, sent) = hub.gitlab("Merge Request Hook", "g-2", &mr).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hub.status_of(1).await, "done");
    let handoffs = dms_to(&sent, "@bob");
    assert_eq!(handoffs.len(), 1, "{sent:#?}");
    assert!(
        handoffs[0].body.contains(&format!("Evidence: {url}")),
        "{}",
        handoffs[0].body
    );

    let (status, sent) = hub.gitlab("Merge Request Hook", "g-2", &mr).await;
    assert!(status.is_success());
    assert!(sent.is_empty(), "{sent:#?}");
}

async fn a_room_that_waits_for_green_finishes_the_task_when_ci_passes_on_the_merge(db: TestDb) {
    let mut hub = Hub::new(db);
    hub.two_tasks().await;
    let reply = hub.say("@carol", "!baton settings done-on green").await;
    assert!(
        reply[0].body.contains("only once CI passes"),
        "{}",
        reply[0].body
    );
    let mut merged = pull_request("closed", "T-1");
    merged["pull_request"]["merged"] = Value::Bool(true);
    let sha = merged["pull_request"]["merge_commit_sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, sent) = hub.github("pull_request", "m-1", &merged).await;
    assert_eq!(hub.status_of(1).await, "open", "waits for CI");
    assert!(dms_to(&sent, "@bob").is_empty());

    // A failed run on the merged commit: the owner hears of it, nothing finishes.
    let mut run = fixture("github/workflow_run.completed.json");
    run["repository"] = merged["repository"].clone();
    run["workflow_run"]["head_sha"] = Value::from(sha.clone());
    run["workflow_run"]["conclusion"] = Value::from("failure");
    let (_, sent) = hub.github("workflow_run", "m-2", &run).await;
    assert_eq!(hub.status_of(1).await, "open");
    let failed = dms_to(&sent, "@alice");
    assert_eq!(failed.len(), 1, "{sent:#?}");
    assert!(failed[0].body.contains("failed"), "{}", failed[0].body);

    run["workflow_run"]["conclusion"] = Value::from("success");
    let (_, sent) = hub.github("workflow_run", "m-3", &run).await;
    assert_eq!(hub.status_of(1).await, "done");
    assert_eq!(dms_to(&sent, "@bob").len(), 1, "{sent:#?}");
}

async fn an_approval_is_said_in_the_task_thread_and_a_mention_is_only_a_note(db: TestDb) {
    let mut hub = Hub::new(db);
    hub.two_tasks().await;
    let mut opened = fixture("github/pull_request.opened.json");
    opened["pull_request"]["body"] = Value::from("Prepares the ground for T-2.");
    hub.github("pull_request", "a-1", &opened).await;
    assert_eq!(hub.status_of(2).await, "open", "a mention never starts");

    let mut review = fixture("github/pull_request_review.submitted.json");
    review["pull_request"]["body"] = Value::from("fixes T-1");
    review["review"]["state"] = Value::from("approved");
    let (_, sent) = hub.github("pull_request_review", "a-2", &review).await;
    let lines = in_thread_of(&sent, 1);
    assert_eq!(lines.len(), 1, "{sent:#?}");
    assert!(lines[0].body.contains("approved"), "{}", lines[0].body);
    let mut merged = pull_request("closed", "T-2");
    merged["pull_request"]["body"] = Value::from("Related to T-2");
    merged["pull_request"]["merged"] = Value::Bool(true);
    hub.github("pull_request", "a-3", &merged).await;
    assert_eq!(hub.status_of(2).await, "open", "a mention never finishes");
}

on_both_backends!(
    a_github_pull_request_starts_asks_for_review_and_finishes_its_task,
    a_pull_request_closed_without_merging_leaves_its_task_as_it_was,
    a_bad_signature_or_token_is_refused_and_changes_nothing,
    a_repository_outside_the_allow_list_is_acknowledged_and_ignored,
    a_gitlab_merge_request_starts_asks_its_reviewer_and_finishes_its_task,
    a_room_that_waits_for_green_finishes_the_task_when_ci_passes_on_the_merge,
    an_approval_is_said_in_the_task_thread_and_a_mention_is_only_a_note,
);

#[tokio::test]
async fn an_endpoint_without_its_secret_is_not_there() {
    let db = TestDb::sqlite().await;
    let engine = Engine::new(
        db.store.clone(),
        Arc::new(Notify::new()),
        Defaults::default(),
    );
    let router = routes(ForgeWebhooks {
        engine,
        github_secret: None,
        gitlab_token: Some(SecretString::from(GITLAB_TOKEN)),
        repos: RepoFilter::default(),
    });
    let request = Request::post("/forge/github").body(Body::empty()).unwrap();
    let status = router.oneshot(request).await.unwrap().status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}
