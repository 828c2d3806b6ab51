//! The `baton` command line: parse, import/export, outbox, run, help.

use crate::helpers::baton;

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
fn run_without_adapters_says_how_to_try_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());

    let output = baton(&["run", "--database-url", &url], b"");

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("baton console"));
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
