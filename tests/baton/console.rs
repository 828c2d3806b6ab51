//! `baton console` as a user runs it: a script on stdin, `>>>` blocks on stdout.

use crate::helpers::{TestDb, baton, blocks, fresh_postgres_database};

const BILLING: &str = "\
:as @carol
!baton add Design the billing API for @alice
!baton add Implement billing client for @bob after T-1
!baton add Write billing docs for @dan after T-1 and T-2
:as @alice
:thread T-1
decision: amounts are integer cents, see https://docs.example.com/billing-api
:room
!baton done T-1 https://github.com/acme/api/pull/1
";

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("console.db").display())
}

fn console(url: &str, script: &str) -> Vec<(String, String)> {
    crate::helpers::console_blocks(url, script)
}

#[test]
fn the_billing_story_hands_t2_to_bob_with_its_context() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);

    let out = console(&url, BILLING);

    let dms: Vec<&(String, String)> = out.iter().filter(|(h, _)| h.starts_with("DM ")).collect();
    assert_eq!(dms.len(), 1, "exactly one DM (to @bob): {out:#?}");
    let (header, body) = dms[0];
    assert_eq!(header, "DM @bob");
    for expected in [
        "T-2",
        "T-1",
        "@alice",
        "https://github.com/acme/api/pull/1",
        "https://docs.example.com/billing-api",
    ] {
        assert!(body.contains(expected), "the DM lacks {expected}:\n{body}");
    }
    assert!(
        out.iter()
            .any(|(h, b)| h == "#general" && b.starts_with("T-1 Design the billing API")),
        "{out:#?}"
    );

    let out = console(&url, ":as @bob\n!baton done T-2\n");
    assert!(
        out.iter().any(|(h, b)| h == "DM @dan" && b.contains("T-3")),
        "{out:#?}"
    );
}

#[test]
fn a_cycle_is_refused_by_name_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    console(&url, BILLING);
    let show = ":as @carol\n!baton show T-1\n";
    let before = console(&url, show);

    let out = console(&url, ":as @carol\n!baton T-1 depends on T-2\n");

    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(out[0].1.contains("T-1 → T-2 → T-1"), "{}", out[0].1);
    assert_eq!(console(&url, show), before);
}

#[test]
fn the_same_script_prints_the_same_blocks_on_postgres() {
    let Some(pg_url) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(fresh_postgres_database())
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    let on_sqlite = console(&sqlite_url(&dir), BILLING);
    let on_postgres = console(&pg_url, BILLING);

    assert_eq!(on_sqlite, on_postgres);
    crate::helpers::drop_postgres_database(pg_url.rsplit('/').next().unwrap().to_owned());
}

#[test]
fn bad_input_gets_short_replies_and_the_console_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = b":as @zoe\n!baton frobnicate T-4\n!baton done T-99\n!baton add ".to_vec();
    script.extend(std::iter::repeat_n(b'x', 100 * 1024));
    script.extend(b"\n");
    script.extend((0..=255u8).cycle().take(2000).filter(|b| *b != b'\n'));
    script.extend(b"\n!baton help\n");

    let output = baton(&["console", "--database-url", &sqlite_url(&dir)], &script);

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = blocks(&output.stdout);
    assert_eq!(
        out.len(),
        4,
        "three refusals and the help, random bytes ignored: {out:#?}"
    );
    assert!(
        out[0].1.contains("frobnicate") && out[0].1.contains("!baton help"),
        "{}",
        out[0].1
    );
    assert!(out[1].1.contains("I can't find T-99"), "{}", out[1].1);
    assert!(out[2].1.contains("too long"), "{}", out[2].1);
    assert!(out[3].1.contains("done T-1"), "{}", out[3].1);
    for (_, body) in &out {
        assert!(
            body.len() < 2000,
            "replies stay short: {} bytes",
            body.len()
        );
    }
}

#[test]
fn reactions_dms_and_threads_print_where_they_happen() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
:as @carol
!baton add First for @alice
!baton add Second for @bob after T-1
:dm
!baton mine
:room
:as @alice
:react ✅ T-1
:as @bob
:thread T-2
on it
";

    let out = console(&sqlite_url(&dir), script);

    let headers: Vec<&str> = out.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(
        headers,
        [
            "#general",
            "#general",
            "DM @carol",
            "#general",
            "DM @bob",
            "#general thread T-2"
        ],
        "{out:#?}"
    );
    assert!(out[2].1.contains("no open tasks"), "{}", out[2].1);
    assert!(out[3].1.starts_with("Done: T-1"), "{}", out[3].1);
    assert!(out[5].1.contains("in progress"), "{}", out[5].1);
}

#[tokio::test]
async fn the_console_runs_on_a_store_the_tests_can_read() {
    // The console and the library agree on the database: what one writes, the
    // other reads.
    let db = TestDb::sqlite().await;
    console(
        &db.url,
        ":as @carol\n!baton add Check the store for @alice\n",
    );
    let mut tx = db.store.begin().await.unwrap();
    let task = tx
        .task(baton::domain::TaskKey::new(1))
        .await
        .unwrap()
        .expect("T-1 stored");
    assert_eq!(task.title, "Check the store");
    assert_eq!(
        task.home_thread.as_deref(),
        Some("T-1"),
        "the delivered card is the task's thread"
    );
}

#[test]
fn graph_of_a_20000_task_room_is_one_bounded_reply_and_commands_name_20_tasks_at_most() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let workload = baton(
        &["bench", "workload", "--tasks", "20000", "--seed", "3"],
        b"",
    );
    let imported = baton(&["import", "--database-url", &url, "-"], &workload.stdout);
    assert!(imported.status.success());

    let started = std::time::Instant::now();
    let out = console(&url, "!baton graph\n");
    eprintln!(
        "graph of 20,000 tasks, whole process: {:?}",
        started.elapsed()
    );

    assert_eq!(out.len(), 1, "one reply: {}", out.len());
    let reply = &out[0].1;
    assert!(reply.len() < 4_000, "{} bytes", reply.len());
    assert!(reply.lines().count() <= 32, "{reply}");
    assert!(reply.contains("more"), "the rest is counted: {reply}");

    let keys: Vec<String> = (1..=25).map(|n| format!("T-{n}")).collect();
    let out = console(&url, &format!("!baton show {}\n", keys.join(" ")));
    assert_eq!(out.len(), 1);
    assert!(out[0].1.contains("at most 20"), "{}", out[0].1);
}

#[test]
fn set_digest_days_to_mon_fri_changes_only_the_days() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);

    let out = console(
        &url,
        "!baton settings digest 11:15 Europe/Berlin sat,sun\n!baton set digest days to mon-fri\n!baton settings\n",
    );

    assert_eq!(out.len(), 3, "{out:#?}");
    assert!(
        out[1].1.contains("11:15 Europe/Berlin mon,tue,wed,thu,fri"),
        "{}",
        out[1].1
    );
    assert!(
        out[2].1.contains("11:15 Europe/Berlin mon,tue,wed,thu,fri"),
        "{}",
        out[2].1
    );
    let out = console(&url, "!baton settings colour blue\n");
    assert!(out[0].1.contains("I know `settings tz"), "{}", out[0].1);
}

#[test]
fn the_readme_forge_story_runs_in_the_console_and_a_replayed_payload_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/forge");
    let script = format!(
        "!baton add Billing export for @alice\n\
         !baton add Invoice emails for @bob after T-1\n\
         :github pull_request {examples}/github-pull_request-opened.json\n\
         :github pull_request {examples}/github-pull_request-merged.json\n\
         :github pull_request {examples}/github-pull_request-merged.json\n\
         :github pull_request {examples}/no-such-file.json\n\
         !baton show T-1\n"
    );
    let blocks = console(&url, &script);
    let pr = "https://github.com/Codertocat/Hello-World/pull/2";
    let thread: Vec<&String> = blocks
        .iter()
        .filter(|(to, _)| to == "#general thread T-1")
        .map(|(_, text)| text)
        .collect();
    assert_eq!(thread.len(), 2, "{blocks:#?}");
    assert!(
        thread[0].contains("T-1 Billing export is in progress"),
        "{}",
        thread[0]
    );
    assert!(
        thread[1].contains(&format!("Evidence: {pr}")),
        "{}",
        thread[1]
    );
    let handoffs: Vec<&String> = blocks
        .iter()
        .filter(|(to, _)| to == "DM @bob")
        .map(|(_, text)| text)
        .collect();
    assert_eq!(handoffs.len(), 1, "the replay sends nothing: {blocks:#?}");
    assert!(handoffs[0].contains("T-2 Invoice emails is ready for you"));
    assert!(handoffs[0].contains(pr));
    let shown = &blocks.last().unwrap().1;
    assert!(shown.contains("done"), "{shown}");
}
