//! The optional language model, on the console against a local fake of an
//! OpenAI-compatible server: summaries at the top of long handoffs (and only of
//! what the recipient may read), DMs that never wait past the timeout, proposals
//! that change nothing until confirmed, and no connection at all without
//! `model.url`.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::helpers::{baton_command, blocks};
use crate::model_fake::{Answer, FakeModel, Script};

const SUMMARY: &str =
    "Decided: Postgres, not MySQL.\nOpen: who migrates the old rows.\nEvidence: PR 12.";
const NOT_JSON: &str = "I think you want to finish T-1.";

/// `baton console` on a fresh database with `env`; its blocks and how long it ran.
fn console(env: &[(&str, &str)], script: &str) -> (Vec<(String, String)>, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let mut command = baton_command();
    command
        .args(["console", "--database-url", &url])
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("run baton");
    let mut input = child.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut input, script.as_bytes()).expect("write script");
    drop(input);
    let output = child.wait_with_output().expect("wait");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("sk-test-not-logged"),
        "the API key was logged: {stderr}"
    );
    (blocks(&output.stdout), took)
}

fn with_model(model: &FakeModel, timeout: &str) -> Vec<(&'static str, String)> {
    vec![
        ("BATON_MODEL__URL", model.base_url.clone()),
        ("BATON_MODEL__API_KEY", "sk-test-not-logged".to_owned()),
        ("BATON_MODEL__TIMEOUT", timeout.to_owned()),
        ("RUST_LOG", "debug".to_owned()),
    ]
}

fn run(env: &[(&'static str, String)], script: &str) -> (Vec<(String, String)>, Duration) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    console(&env, script)
}

fn dm_to<'a>(blocks: &'a [(String, String)], who: &str) -> Vec<&'a str> {
    blocks
        .iter()
        .filter(|(h, _)| h == &format!("DM {who}"))
        .map(|(_, b)| b.as_str())
        .collect()
}

/// T-2 (@bob's) waits on T-1, which gets `notes` notes and is then finished.
fn handoff_script(notes: usize) -> String {
    let mut script = String::from(
        ":in #general\n:as @ana\n!baton add Schema for @ana\n!baton add API for @bob after T-1\n",
    );
    for n in 1..=notes {
        script.push_str(&format!(
            "!baton note T-1 decision {n}: we chose Postgres\n"
        ));
    }
    script.push_str("!baton done T-1\n");
    script
}

fn script(summary: Answer, proposal: Answer) -> Script {
    Script { summary, proposal }
}

#[test]
fn a_long_upstream_thread_is_summarised_at_the_top_of_the_handoff_and_a_short_one_is_not() {
    let model = FakeModel::start(script(
        Answer::Text(SUMMARY.to_owned()),
        Answer::Text(r#"{"intent":"none"}"#.to_owned()),
    ));
    let env = with_model(&model, "5s");
    let (long, _) = run(&env, &handoff_script(9));
    let dm = dm_to(&long, "@bob");
    assert_eq!(dm.len(), 1, "{long:#?}");
    assert!(
        dm[0].starts_with(
            "In short (summarised by a language model from the notes below):\nDecided: Postgres"
        ),
        "{}",
        dm[0]
    );
    assert!(dm[0].contains("T-2 API is ready for you."), "{}", dm[0]);
    let asked = model.received();
    assert_eq!(asked.iter().filter(|r| r.is_summary()).count(), 1);
    assert!(
        asked[0]
            .user_text()
            .contains("decision 9: we chose Postgres")
    );
    assert_eq!(
        asked[0].authorization.as_deref(),
        Some("Bearer sk-test-not-logged")
    );

    let (short, _) = run(&env, &handoff_script(2));
    let dm = dm_to(&short, "@bob");
    assert_eq!(dm.len(), 1, "{short:#?}");
    assert!(dm[0].starts_with("T-2 API is ready for you."), "{}", dm[0]);
    assert_eq!(model.received().len(), 1, "a short thread asks nothing");
}

#[test]
fn a_private_rooms_notes_are_never_sent_for_a_non_members_handoff() {
    let model = FakeModel::start(script(
        Answer::Text(SUMMARY.to_owned()),
        Answer::Text(r#"{"intent":"none"}"#.to_owned()),
    ));
    let mut script = String::from(
        ":in #secret\n:private\n:as @carol\n!baton add Rotate the payroll key for @carol\n\
         :thread T-1\nthe payroll key is in vault path ops/payroll-7\n:room\n:join @mia\n\
         :in #general\n:as @carol\n!baton add Ship payroll v2 for @bob after T-1\n\
         !baton add Tell the auditors for @mia after T-1\n",
    );
    for n in 1..=9 {
        script.push_str(&format!("!baton note T-1 public step {n} is finished\n"));
    }
    script.push_str(":in #secret\n!baton done T-1\n");
    let (blocks, _) = run(&with_model(&model, "5s"), &script);
    assert_eq!(dm_to(&blocks, "@bob").len(), 1, "{blocks:#?}");
    assert_eq!(dm_to(&blocks, "@mia").len(), 1, "{blocks:#?}");
    let sent: Vec<String> = model
        .received()
        .iter()
        .filter(|r| r.is_summary())
        .map(|r| r.user_text())
        .collect();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    // Mia is in #secret: what was said there may be summarised for her; Bob is
    // not, and what is sent for his DM has none of it.
    let (for_mia, for_bob): (Vec<&String>, Vec<&String>) =
        sent.iter().partition(|text| text.contains("ops/payroll-7"));
    assert_eq!(for_mia.len(), 1, "{sent:#?}");
    assert_eq!(for_bob.len(), 1, "{sent:#?}");
    assert!(for_bob[0].contains("public step 9"), "{}", for_bob[0]);
    assert!(!for_bob[0].contains("payroll key"), "{}", for_bob[0]);
}

#[test]
fn a_room_with_summaries_off_sends_nothing_it_said() {
    let model = FakeModel::start(script(
        Answer::Text(SUMMARY.to_owned()),
        Answer::Text(r#"{"intent":"none"}"#.to_owned()),
    ));
    // #general keeps its words from the model; #dev does not mind.
    let mut script = String::from(
        ":in #general\n:as @ana\n!baton settings summaries off\n\
         !baton add Migrate the ledger for @ana\n!baton add API for @bob after T-1\n\
         !baton note T-1 general says the vendor is Acme\n",
    );
    script.push_str(":in #dev\n");
    for n in 1..=9 {
        script.push_str(&format!("!baton note T-1 dev note {n}\n"));
    }
    script
        .push_str(":in #general\n!baton done T-1 https://example.org/pr/7\n!baton zorp T-2 pls\n");
    let (blocks, _) = run(&with_model(&model, "5s"), &script);
    let dm = dm_to(&blocks, "@bob");
    assert_eq!(dm.len(), 1, "{blocks:#?}");
    assert!(dm[0].starts_with("In short"), "{}", dm[0]);
    let asked = model.received();
    assert_eq!(asked.len(), 1, "only the summary, no proposal: {asked:#?}");
    let sent = asked[0].user_text();
    assert!(sent.contains("dev note 9"), "{sent}");
    for said_in_general in ["Acme", "Migrate the ledger", "example.org/pr/7"] {
        assert!(!sent.contains(said_in_general), "{said_in_general}: {sent}");
    }
}

#[test]
fn a_slow_or_failing_model_never_holds_the_handoff_past_its_timeout() {
    for answer in [
        Answer::Slow(Duration::from_secs(8), SUMMARY.to_owned()),
        Answer::Status(500),
    ] {
        let model = FakeModel::start(script(answer.clone(), Answer::Status(500)));
        let (blocks, took) = run(&with_model(&model, "1s"), &handoff_script(9));
        let dm = dm_to(&blocks, "@bob");
        assert_eq!(dm.len(), 1, "{answer:?}: {blocks:#?}");
        assert!(dm[0].starts_with("T-2 API is ready for you."), "{}", dm[0]);
        assert_eq!(model.received().len(), 1, "{answer:?}");
        // The whole console run, start-up included, is well under the slow
        // model's 8 s: the DM waited at most the 1 s timeout.
        assert!(took < Duration::from_secs(5), "{answer:?} took {took:?}");
    }
}

const PROPOSE_SCRIPT: &str = ":in #general\n:as @ana\n!baton add Schema for @ana\n!baton add API for @bob after T-1\n!baton zorp T-1 pls\n";

#[test]
fn a_proposal_changes_nothing_until_its_author_confirms_it() {
    let model = FakeModel::start(script(
        Answer::Text(SUMMARY.to_owned()),
        Answer::Text("```json\n{\"intent\": \"done\", \"tasks\": [\"T-1\"]}\n```".to_owned()),
    ));
    // The message carries the evidence: it must reach Bob's handoff.
    let script = PROPOSE_SCRIPT.replace("pls", "pls https://github.com/acme/api/pull/9")
        + "!baton show T-1\n:as @bob\nyes\n!baton show T-1\n:as @ana\nyes\n!baton show T-1\nyes\n";
    let (blocks, _) = run(&with_model(&model, "5s"), &script);
    let texts: Vec<&str> = blocks.iter().map(|(_, b)| b.as_str()).collect();
    let offer = texts
        .iter()
        .position(|t| {
            t.contains("it may mean `!baton done T-1 https://github.com/acme/api/pull/9`")
        })
        .unwrap_or_else(|| panic!("no proposal: {blocks:#?}"));
    assert!(
        texts[offer].contains("It would hand off T-2 to @bob."),
        "{}",
        texts[offer]
    );
    let shows: Vec<usize> = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| t.starts_with("T-1 Schema\nOwner"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(shows.len(), 3, "{blocks:#?}");
    // Before the confirmation, and after someone else's `yes`, T-1 is open and
    // Bob has heard nothing.
    for show in &shows[..2] {
        assert!(texts[*show].contains("Status: open"), "{}", texts[*show]);
    }
    let done = texts
        .iter()
        .position(|t| t.starts_with("Done: T-1 Schema"))
        .unwrap_or_else(|| panic!("not applied: {blocks:#?}"));
    assert!(shows[1] < done && done < shows[2], "{blocks:#?}");
    let handed = dm_to(&blocks, "@bob");
    assert_eq!(handed.len(), 1, "{blocks:#?}");
    assert!(
        handed[0].contains("Evidence: https://github.com/acme/api/pull/9"),
        "{}",
        handed[0]
    );
    // A proposal is confirmed once: the last `yes` does nothing.
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("Done: T-1")).count(),
        1,
        "{blocks:#?}"
    );
    let proposals: Vec<String> = model
        .received()
        .iter()
        .filter(|r| !r.is_summary())
        .map(|r| r.user_text())
        .collect();
    assert_eq!(
        proposals,
        ["!baton zorp T-1 pls https://github.com/acme/api/pull/9"]
    );
}

#[test]
fn an_answer_outside_the_schema_is_ignored() {
    for answer in [
        NOT_JSON,
        r#"{"intent":"done","tasks":["the schema"]}"#,
        r#"{"intent":"delete_everything"}"#,
    ] {
        let model = FakeModel::start(script(
            Answer::Text(SUMMARY.to_owned()),
            Answer::Text(answer.to_owned()),
        ));
        let (blocks, _) = run(
            &with_model(&model, "5s"),
            &format!("{PROPOSE_SCRIPT}yes\n!baton show T-1\n"),
        );
        let texts: Vec<&str> = blocks.iter().map(|(_, b)| b.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.contains("`zorp`")),
            "{answer}: {blocks:#?}"
        );
        assert!(
            !texts
                .iter()
                .any(|t| t.contains("may mean") || t.starts_with("Done:")),
            "{answer}: {blocks:#?}"
        );
        assert_eq!(model.received().len(), 1, "{answer}");
    }
}

/// A listener that counts the connections made to it.
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer);
        }
    });
    (address, count)
}

#[test]
fn without_a_model_url_nothing_connects_anywhere() {
    // Every HTTP client Baton has honours the proxy variables: pointed at this
    // listener, any request it made would arrive here.
    let (proxy, connections) = counting_listener();
    let proxies: Vec<(&'static str, String)> = [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ]
    .into_iter()
    .map(|name| (name, proxy.clone()))
    .collect();
    let script = format!("{}!baton zorp T-2 pls\nyes\n", handoff_script(20));
    let (blocks, _) = run(&proxies, &script);
    assert!(
        dm_to(&blocks, "@bob")[0].starts_with("T-2 API is ready for you."),
        "{blocks:#?}"
    );
    assert!(
        blocks.iter().any(|(_, b)| b.contains("`zorp`")),
        "{blocks:#?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0);

    // The same run with a model configured does reach the listener: the check
    // above would have seen a connection.
    let mut configured = proxies.clone();
    configured.push(("BATON_MODEL__URL", "http://model.invalid/v1".to_owned()));
    configured.push(("BATON_MODEL__TIMEOUT", "1s".to_owned()));
    let _ = run(&configured, &script);
    assert!(connections.load(Ordering::SeqCst) > 0);
}
