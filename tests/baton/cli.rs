//! The `baton` command line: parse, import/export, outbox, run, help.

use crate::helpers::{
    Service, baton, baton_command, drop_postgres_database, fresh_postgres_database,
    set_postgres_database_open,
};

#[test]
fn parse_writes_one_line_per_input_line_even_for_garbage() {
    let input = concat!(
        r#"{"text": "/baton done T-12", "author": "@alice"}"#,
        "\n",
        "this is not json\n",
        r#"{"text": "merged 🎉", "author": "@bob", "thread_task": "T-9"}"#,
        "\n"
    );

    let output = baton(&["parse"], input.as_bytes());

    assert!(output.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["intent"], "done");
    assert_eq!(lines[0]["tasks"], serde_json::json!(["T-12"]));
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("not a message"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["intent"], "done");
    assert_eq!(lines[2]["tasks"], serde_json::json!(["T-9"]));
}

#[test]
fn export_then_import_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let first = format!("sqlite://{}", dir.path().join("first.db").display());
    let second = format!("sqlite://{}", dir.path().join("second.db").display());
    let input = concat!(
        r#"{"key": "T-1", "title": "Design", "owner": "user1", "depends_on": []}"#,
        "\n",
        r#"{"key": "T-2", "title": "Build", "owner": "user2", "depends_on": ["T-1"]}"#,
        "\n",
        r#"{"key": "T-5", "title": "Ship", "depends_on": ["T-1", "T-2"]}"#,
        "\n"
    );
    let file = dir.path().join("tasks.jsonl");
    std::fs::write(&file, input).unwrap();
    let imported = baton(
        &["import", file.to_str().unwrap(), "--database-url", &first],
        b"",
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let script = ":as @user1\n!baton done T-1\n";
    let console = baton(&["console", "--database-url", &first], script.as_bytes());
    assert!(String::from_utf8_lossy(&console.stdout).contains(">>> DM @user2"));

    let exported = baton(&["export", "--database-url", &first], b"");
    assert!(exported.status.success());
    let reimport = dir.path().join("export.jsonl");
    std::fs::write(&reimport, &exported.stdout).unwrap();
    let imported = baton(
        &[
            "import",
            reimport.to_str().unwrap(),
            "--database-url",
            &second,
        ],
        b"",
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let exported_again = baton(&["export", "--database-url", &second], b"");

    assert_eq!(
        String::from_utf8_lossy(&exported_again.stdout),
        String::from_utf8_lossy(&exported.stdout)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["key"], "T-1");
    assert_eq!(lines[0]["owner"], "user1");
    assert_eq!(lines[0]["status"], "done");
    assert_eq!(lines[2]["key"], "T-5");
    assert_eq!(lines[2]["depends_on"], serde_json::json!(["T-1", "T-2"]));
    assert!(
        lines[0]["events"].as_array().unwrap().len() >= 2,
        "created and done"
    );
}

#[test]
fn a_bad_import_names_the_problem_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());
    let file = dir.path().join("cycle.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"key": "T-1", "title": "A", "depends_on": ["T-2"]}"#,
            "\n",
            r#"{"key": "T-2", "title": "B", "depends_on": ["T-1"]}"#,
            "\n"
        ),
    )
    .unwrap();

    let output = baton(
        &["import", file.to_str().unwrap(), "--database-url", &url],
        b"",
    );

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cycle") && stderr.contains("T-1") && stderr.contains("T-2"),
        "{stderr}"
    );
    let exported = baton(&["export", "--database-url", &url], b"");
    assert!(exported.stdout.is_empty(), "nothing was imported");
}

/// More tasks than one import batch (20,000), the first depending on the last: all
/// of them land with the dependency; a second file whose last task is taken
/// already imports none of its tasks, not even the batches before it.
#[test]
fn an_import_larger_than_a_batch_lands_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());
    let lines = |keys: std::ops::RangeInclusive<u64>, first_waits_on: Option<u64>| {
        keys.map(|n| {
            let depends_on = match first_waits_on {
                Some(blocker) if n == 1 => vec![format!("T-{blocker}")],
                _ => Vec::new(),
            };
            serde_json::json!({"key": format!("T-{n}"), "title": format!("Task {n}"), "depends_on": depends_on})
                .to_string()
        })
        .collect::<Vec<_>>()
    };
    let first = dir.path().join("first.jsonl");
    std::fs::write(&first, lines(1..=20_005, Some(20_005)).join("\n")).unwrap();

    let output = baton(
        &["import", first.to_str().unwrap(), "--database-url", &url],
        b"",
    );

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let exported =
        String::from_utf8(baton(&["export", "--database-url", &url], b"").stdout).unwrap();
    assert_eq!(exported.lines().count(), 20_005);
    let t1: serde_json::Value = serde_json::from_str(exported.lines().next().unwrap()).unwrap();
    assert_eq!(t1["depends_on"], serde_json::json!(["T-20005"]));

    let mut second = lines(30_001..=50_010, None);
    second.push(r#"{"key": "T-7", "title": "Taken already"}"#.to_owned());
    let file = dir.path().join("second.jsonl");
    std::fs::write(&file, second.join("\n")).unwrap();

    let output = baton(
        &["import", file.to_str().unwrap(), "--database-url", &url],
        b"",
    );

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("T-7 already exists"), "{stderr}");
    let exported = baton(&["export", "--database-url", &url], b"").stdout;
    assert_eq!(String::from_utf8(exported).unwrap().lines().count(), 20_005);
}

#[test]
fn the_outbox_command_lists_messages() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());
    baton(
        &["console", "--database-url", &url],
        b":as @carol\n!baton add Something\n",
    );

    let all = baton(&["outbox", "--database-url", &url], b"");
    let failed = baton(&["outbox", "--failed", "--database-url", &url], b"");

    assert!(
        String::from_utf8_lossy(&all.stdout).contains("Delivered"),
        "{}",
        String::from_utf8_lossy(&all.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&failed.stdout).trim(),
        "No failed messages."
    );
}

#[test]
fn run_without_adapters_serves_health_and_metrics_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());
    let service = Service::start(&url);

    assert!(service.get("/readyz").unwrap().starts_with("HTTP/1.1 200"));
    let metrics = service.get("/metrics").unwrap();
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    for family in [
        "baton_inbound_events_total",
        "baton_parse_failures_total",
        "baton_commands_refused_total",
        "baton_handoff_dms_total",
        "baton_deliveries_total",
        "baton_outbox_depth",
        "baton_outbox_oldest_pending_seconds",
        "baton_digests_posted_total",
    ] {
        assert!(
            metrics.contains(family),
            "/metrics lacks {family}: {metrics}"
        );
    }
    let probe = baton(&["healthcheck", "--address", &service.address], b"");
    assert!(probe.status.success(), "baton healthcheck");

    let output = service.terminate();

    assert!(
        output.status.success(),
        "exit 0 on SIGTERM: {:?}",
        output.status
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("baton console"),
        "says how to try Baton without a chat server: {stderr}"
    );
}

#[tokio::test]
async fn readiness_follows_the_database_and_the_process_stays_up() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let name = url.rsplit('/').next().unwrap().to_owned();
    let mut service = Service::start(&url);
    assert!(service.get("/readyz").unwrap().starts_with("HTTP/1.1 200"));

    // The database goes away (connections cut and refused), then comes back.
    set_postgres_database_open(&name, false).await;
    let unavailable = service.wait_for(
        "/readyz",
        "HTTP/1.1 503",
        std::time::Duration::from_secs(10),
    );
    let body = service.get("/readyz").unwrap_or_default();
    set_postgres_database_open(&name, true).await;
    let ready_again = service.wait_for(
        "/readyz",
        "HTTP/1.1 200",
        std::time::Duration::from_secs(15),
    );

    assert!(unavailable, "/readyz turns 503 while the database is gone");
    assert!(body.contains("unavailable"), "with a reason: {body}");
    assert!(
        ready_again,
        "/readyz is 200 again once the database is back"
    );
    assert!(service.is_running(), "the process did not exit");
    assert!(service.terminate().status.success());
    drop_postgres_database(name);
}

#[test]
fn run_stops_with_a_clear_reason_when_an_adapter_cannot_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());
    let mut command = baton_command();
    command
        .args(["run", "--database-url", &url])
        .env("BATON_HTTP__LISTEN", "127.0.0.1:0")
        .env("BATON_MATRIX__HOMESERVER", "http://127.0.0.1:1")
        .env("BATON_MATRIX__STORE_DIR", dir.path().join("store"));

    let output = command.output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{log}");
    assert!(log.contains("BATON_MATRIX__USER is not set"), "{log}");

    let mut command = baton_command();
    command
        .args(["run", "--database-url", &url])
        .env("BATON_HTTP__LISTEN", "127.0.0.1:0")
        .env("BATON_SLACK__BOT_TOKEN", "xoxb-1")
        .env("BATON_SLACK__API_URL", "http://127.0.0.1:1/api/");
    let output = command.output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains("BATON_SLACK__APP_TOKEN"),
        "how to receive events: {log}"
    );
}

#[test]
fn every_subcommand_has_help_and_the_binary_a_version() {
    for sub in [
        "run", "console", "parse", "migrate", "import", "export", "outbox",
    ] {
        let output = baton(&[sub, "--help"], b"");
        assert!(output.status.success(), "{sub} --help failed");
        assert!(!output.stdout.is_empty());
    }
    let version = baton(&["--version"], b"");
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("baton "));
}

#[test]
fn an_unsupported_database_url_is_explained() {
    let output = baton(
        &["migrate", "--database-url", "mysql://localhost/baton"],
        b"",
    );

    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("sqlite://"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn doctor_says_what_is_wrong_and_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = format!("sqlite://{}", dir.path().join("db.db").display());
    let fresh = baton(&["doctor", "--database-url", &good], b"");
    assert!(
        String::from_utf8_lossy(&fresh.stdout).contains("baton migrate"),
        "a new database needs migrating"
    );
    assert!(
        baton(&["migrate", "--database-url", &good], b"")
            .status
            .success()
    );
    let healthy = baton(&["doctor", "--database-url", &good], b"");
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stdout)
    );

    let unreachable = baton(
        &[
            "doctor",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/baton",
        ],
        b"",
    );
    let report = String::from_utf8_lossy(&unreachable.stdout);
    assert!(!unreachable.status.success());
    assert!(
        report.contains("FAIL  database") && report.contains("Fix:"),
        "{report}"
    );

    let mut command = baton_command();
    command
        .args(["doctor", "--database-url", &good])
        .env("BATON_SLACK__BOT_TOKEN", "not-a-token");
    let wrong_token = command.output().unwrap();
    let report = String::from_utf8_lossy(&wrong_token.stdout);
    assert!(!wrong_token.status.success());
    assert!(
        report.contains("FAIL  slack") && report.contains("xoxb-"),
        "{report}"
    );
    assert!(
        !report.contains("not-a-token"),
        "the token itself is never printed: {report}"
    );
}

#[test]
fn doctor_reports_each_forge_as_configured_or_not_and_never_prints_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let good = format!("sqlite://{}", dir.path().join("db.db").display());
    assert!(
        baton(&["migrate", "--database-url", &good], b"")
            .status
            .success()
    );
    let plain = baton(&["doctor", "--database-url", &good], b"");
    let report = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.status.success(), "{report}");
    assert!(
        report.contains("ok    github webhooks: not configured (set BATON_GITHUB__WEBHOOK_SECRET"),
        "{report}"
    );
    assert!(
        report.contains("ok    gitlab webhooks: not configured"),
        "{report}"
    );

    let secret = "0123456789abcdef-a-long-github-secret";
    let mut command = baton_command();
    command
        .args(["doctor", "--database-url", &good])
        .env("BATON_GITHUB__WEBHOOK_SECRET", secret)
        .env("BATON_GITLAB__WEBHOOK_TOKEN", "short")
        .env("BATON_FORGE__REPOS", "acme/*");
    let configured = command.output().unwrap();
    let report = String::from_utf8_lossy(&configured.stdout);
    assert!(
        report.contains("ok    github webhooks: configured at POST /forge/github, from acme/*"),
        "{report}"
    );
    assert!(
        report.contains("FAIL  gitlab webhooks: BATON_GITLAB__WEBHOOK_TOKEN is only 5 characters"),
        "{report}"
    );
    assert!(!configured.status.success());
    let said = format!("{report}{}", String::from_utf8_lossy(&configured.stderr));
    assert!(
        !said.contains(secret) && !said.contains("short\n"),
        "{said}"
    );
}

#[test]
fn a_database_password_never_reaches_the_output_even_when_the_url_does_not_parse() {
    for url in [
        "postgres://bob:s3cr#et@127.0.0.1:5432/db",
        "postgres://bob:s3cret@127.0.0.1:99999/db",
        "postgres://127.0.0.1:1/db?user=bob&password=s3cret",
        "mysql://bob:s3cret@127.0.0.1/db",
    ] {
        let output = baton(&["export", "--database-url", url], b"");

        assert!(!output.status.success(), "{url}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(said.contains("cannot open the database"), "{said}");
        assert!(
            !said.contains("s3c"),
            "the password of {url} was printed: {said}"
        );
    }
}

#[test]
fn export_into_a_pipe_closed_early_exits_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pipe.db").display());
    let workload = baton(
        &["bench", "workload", "--tasks", "3000", "--seed", "7"],
        b"",
    );
    assert!(
        baton(&["import", "--database-url", &url, "-"], &workload.stdout)
            .status
            .success()
    );

    // `baton export | head -1`: read one line, then close the pipe.
    let mut child = baton_command()
        .args(["export", "--database-url", &url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(first.contains("\"key\""), "{first}");
    assert!(output.status.success(), "{output:?}");
    // Read to the end, page after page, every task once and in order.
    let whole = baton(&["export", "--database-url", &url], b"");
    let keys: Vec<String> = String::from_utf8_lossy(&whole.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 3000);
    assert_eq!(keys.first().map(String::as_str), Some("T-1"));
    assert_eq!(keys.last().map(String::as_str), Some("T-3000"));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
