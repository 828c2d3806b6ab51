//! A real `baton run` in Slack's HTTP mode with a GitHub webhook secret: a merge
//! that GitHub signs finishes the task it fixes, and the next owner hears of it in
//! Slack with the pull request as evidence.

use std::time::Duration;

use serde_json::Value;

use crate::forge::{GITHUB_SECRET, fixture, github_signature};
use crate::helpers::{Service, TestDb};
use crate::slack::slash_in;
use crate::slack_fake::FakeSlack;

const CAROL: &str = "U0CAROL";
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const CHANNEL: &str = "C0BILLING";
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_merge_finishes_the_task_it_fixes_and_the_next_owner_is_told_in_slack() {
    let db = TestDb::sqlite().await;
    let fake = FakeSlack::start(&[(CAROL, "carol"), (ALICE, "alice"), (BOB, "bob")]).await;
    let url = db.url.clone();
    let mut env = fake.env(false);
    env.push(("BATON_GITHUB__WEBHOOK_SECRET", GITHUB_SECRET.to_owned()));
    let service = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Service::start_with(&url, &env)
    })
    .await
    .unwrap();

    slash_in(
        &service,
        CAROL,
        CHANNEL,
        "add Billing export for <@U0ALICE|alice>",
    )
    .await;
    slash_in(
        &service,
        CAROL,
        CHANNEL,
        "add Invoice emails for <@U0BOB|bob> after T-1",
    )
    .await;

    let mut merged = fixture("github/pull_request.closed.json");
    merged["pull_request"]["body"] = Value::from("Fixes T-1");
    merged["pull_request"]["merged"] = Value::Bool(true);
    let pr = merged["pull_request"]["html_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = serde_json::to_vec(&merged).unwrap();
    let post = |signature: String| {
        reqwest::Client::new()
            .post(service.url("/forge/github"))
            .header("content-type", "application/json")
            .header("x-github-event", "pull_request")
            .header("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .header("x-hub-signature-256", signature)
            .body(body.clone())
            .send()
    };
    let forged = post(github_signature("not the secret", &body))
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let response = post(github_signature(GITHUB_SECRET, &body)).await.unwrap();
    assert_eq!(response.status(), 200, "{}", service.log());

    assert!(
        fake.wait_until(PATIENCE, |f| !f.dms_to(BOB).is_empty())
            .await,
        "bob got no DM:\n{}",
        service.log()
    );
    // GitHub redelivers with the same id: nothing new.
    let again = post(github_signature(GITHUB_SECRET, &body)).await.unwrap();
    assert!(again.status().is_success());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let dms = fake.dms_to(BOB);
    assert_eq!(dms.len(), 1, "{dms:#?}");
    assert!(dms[0].text.contains("T-2"), "{}", dms[0].text);
    assert!(
        dms[0].text.contains(&pr),
        "the DM names the PR: {}",
        dms[0].text
    );
    assert!(
        !service.log().contains(GITHUB_SECRET),
        "the secret never reaches the log"
    );
}
