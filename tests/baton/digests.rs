//! Handoffs worth reading, quiet hours and daily digests, scripted in the console.

use crate::helpers::{baton, blocks};

fn run(script: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("digests.db").display());
    let output = baton(&["console", "--database-url", &url], script.as_bytes());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    blocks(&output.stdout)
}

/// The DMs printed to `who`.
fn dms_to<'a>(out: &'a [(String, String)], who: &str) -> Vec<&'a String> {
    out.iter()
        .filter(|(h, _)| h == &format!("DM {who}"))
        .map(|(_, b)| b)
        .collect()
}

const BILLING: &str = "\
:tick 2026-11-24T10:00
:as @carol
!baton add Design the billing API for @alice
!baton add Implement billing client for @bob after T-1
!baton add Write billing docs for @dan after T-2
!baton add Publish the docs for @erin after T-3
!baton add Update the SDK for @bob after T-1
:as @alice
:thread T-1
decision: amounts are integer cents, see https://docs.example.com/billing-api
thanks!
👍
:room
";

#[test]
fn one_dm_names_every_task_readied_and_carries_decisions_not_thanks() {
    let out = run(&format!("{BILLING}!baton done T-1\n"));

    let dms = dms_to(&out, "@bob");
    assert_eq!(dms.len(), 1, "{out:#?}");
    let dm = dms[0];
    assert!(
        dm.contains("T-2 Implement billing client") && dm.contains("T-5 Update the SDK"),
        "{dm}"
    );
    assert!(
        dm.contains("integer cents") && dm.contains("https://docs.example.com/billing-api"),
        "{dm}"
    );
    assert!(!dm.contains("thanks") && !dm.contains('👍'), "{dm}");
    assert_eq!(
        dm.matches("was finished by @alice").count(),
        1,
        "the shared blocker is described once: {dm}"
    );
}

#[test]
fn dms_outside_working_hours_wait_for_the_morning() {
    let script = format!(
        "{BILLING}:as @bob\n!baton settings hours 09:00-17:00\n!baton settings tz UTC\n:as @alice\n\
         :tick 2026-11-24T22:00\n!baton done T-1\n:tick 2026-11-25T08:59\n"
    );
    let night = run(&script);
    assert!(
        dms_to(&night, "@bob").is_empty(),
        "held overnight: {night:#?}"
    );

    let morning = run(&format!("{script}:tick 2026-11-25T09:00\n"));
    assert_eq!(
        dms_to(&morning, "@bob").len(),
        1,
        "released at 09:00: {morning:#?}"
    );
}

#[test]
fn the_digest_ranks_root_blockers_and_is_posted_once_a_day() {
    let setup = format!(
        "{BILLING}:as @carol\n!baton add Sign the DPA for @hana\n!baton blocked T-6 waiting on legal review\n\
         :as @alice\n!baton start T-1\n"
    );
    // Wednesday 09:30, then a minute later and a quarter of an hour later.
    let script =
        format!("{setup}:tick 2026-11-25T09:30\n:tick 2026-11-25T09:31\n:tick 2026-11-25T09:45\n");

    let out = run(&script);

    let digests: Vec<&String> = digests_in(&out);
    assert_eq!(digests.len(), 1, "one digest on Wednesday: {out:#?}");
    let digest = digests[0];
    let first_root = digest
        .lines()
        .find(|l| l.starts_with("1. "))
        .unwrap_or_default();
    assert!(
        first_root.starts_with("1. T-1 Design the billing API")
            && first_root.contains("4 tasks wait"),
        "{digest}"
    );
    assert!(
        digest.contains("T-4") && digest.contains("waits on T-3"),
        "the chain to the root: {digest}"
    );
    assert!(
        digest.contains("T-6 Sign the DPA") && digest.contains("legal review"),
        "{digest}"
    );

    // Thursday: one more digest, with what changed.
    let next_day = run(&format!(
        "{script}:tick 2026-11-25T11:00\n!baton done T-1\n:tick 2026-11-26T09:30\n:tick 2026-11-26T09:40\n"
    ));
    let digests = digests_in(&next_day);
    assert_eq!(digests.len(), 2, "{next_day:#?}");
    let thursday = digests[1];
    assert!(thursday.contains("Since the last digest:"), "{thursday}");
    assert!(
        thursday.contains("done: T-1 Design the billing API"),
        "{thursday}"
    );
    assert!(
        thursday.contains("newly ready: T-2 Implement billing client; T-5 Update the SDK"),
        "{thursday}"
    );
}

#[test]
fn a_room_can_move_or_stop_its_digest() {
    let out = run(&format!(
        "{BILLING}!baton settings digest 11:00 Europe/Berlin mon-fri\n:tick 2026-11-25T09:30\n:tick 2026-11-25T10:01\n\
         !baton settings digest off\n:tick 2026-11-26T10:30\n"
    ));

    let digests = digests_in(&out);
    assert_eq!(
        digests.len(),
        1,
        "only at 11:00 Berlin (10:00 UTC) on Wednesday: {out:#?}"
    );
    assert!(
        out.iter()
            .any(|(_, b)| b.contains("No more digests for #general")),
        "{out:#?}"
    );
}

#[test]
fn a_room_that_starts_after_the_digest_time_waits_for_the_next_morning() {
    // The billing room's tasks are made on Tuesday at 10:00, after the 09:30 digest.
    let tuesday = run(&format!(
        "{BILLING}:tick 2026-11-24T10:05\n:tick 2026-11-24T17:00\n"
    ));
    assert!(digests_in(&tuesday).is_empty(), "{tuesday:#?}");
    let wednesday = run(&format!(
        "{BILLING}:tick 2026-11-24T17:00\n:tick 2026-11-25T09:30\n"
    ));
    assert_eq!(digests_in(&wednesday).len(), 1, "{wednesday:#?}");
}

fn digests_in(out: &[(String, String)]) -> Vec<&String> {
    out.iter()
        .filter(|(h, b)| h == "#general" && b.starts_with("Blocker digest"))
        .map(|(_, b)| b)
        .collect()
}

mod replicas {
    use std::sync::Arc;

    use chrono::DateTime;
    use tokio::sync::Notify;

    use baton::clock::ManualClock;
    use baton::domain::PersonId;
    use baton::engine::{Defaults, Engine, Inbound, InboundKind};
    use baton::scheduler::Scheduler;

    use crate::helpers::{TestDb, on_both_backends};

    on_both_backends!(two_schedulers_post_one_digest_per_room_and_day);

    async fn two_schedulers_post_one_digest_per_room_and_day(db: TestDb) {
        let at = DateTime::parse_from_rfc3339("2026-11-25T09:35:00Z")
            .unwrap()
            .to_utc();
        let engine = Engine::new(
            db.store.clone(),
            Arc::new(Notify::new()),
            Defaults::default(),
        );
        for (n, text) in [
            "!baton add First for @alice",
            "!baton add Second for @bob after T-1",
        ]
        .iter()
        .enumerate()
        {
            let inbound = Inbound {
                event_id: format!("replica-test:{n}"),
                platform: "console".into(),
                room: "console:#general".into(),
                room_name: "#general".into(),
                room_privacy: baton::domain::RoomPrivacy::Public,
                author: PersonId::new("console", "@carol"),
                kind: InboundKind::Message {
                    text: (*text).into(),
                    thread_task: None,
                    dm: false,
                },
                message_id: None,
                permalink: None,
                // The day before the digest: a room's first digest is the one due
                // after its first task (not one dated before the task existed).
                at: at - chrono::Duration::days(1),
            };
            engine.handle(&inbound).await.unwrap();
        }
        let before = db.store.pending_count().await.unwrap();
        let scheduler =
            |clock: Arc<ManualClock>| Scheduler::new(db.store.clone(), Defaults::default(), clock);
        let clock = Arc::new(ManualClock::default());
        clock.set(at);
        let (one, two) = (scheduler(clock.clone()), scheduler(clock.clone()));

        let (a, b) = tokio::join!(one.run_due(), two.run_due());

        let posted = a.unwrap() + b.unwrap();
        assert_eq!(posted, 1, "exactly one of the two posts the digest");
        assert_eq!(db.store.pending_count().await.unwrap(), before + 1);
        assert_eq!(one.run_due().await.unwrap(), 0, "and never again that day");
    }
}

#[test]
fn a_snoozed_handoff_comes_back_the_next_morning() {
    let script = format!(
        "{BILLING}!baton done T-1\n:as @bob\n:dm\n!baton snooze T-2\n:tick 2026-11-25T08:59\n"
    );
    let out = run(&script);
    let to_bob = dms_to(&out, "@bob");
    assert!(
        to_bob
            .iter()
            .any(|b| b.contains("Snoozed T-2 until Wed 25 Nov 09:00")),
        "{out:#?}"
    );
    assert!(
        !to_bob.iter().any(|b| b.starts_with("Reminder")),
        "not before the morning: {out:#?}"
    );

    let out = run(&format!("{script}:tick 2026-11-25T09:00\n"));
    let reminders: Vec<_> = dms_to(&out, "@bob")
        .into_iter()
        .filter(|b| b.starts_with("Reminder: T-2"))
        .collect();
    assert_eq!(reminders.len(), 1, "{out:#?}");

    let refused = run(&format!("{BILLING}:as @dan\n!baton snooze T-2\n"));
    assert!(
        refused
            .iter()
            .any(|(_, b)| b.contains("Only a task's owner can snooze it")),
        "{refused:#?}"
    );
}

#[test]
fn handoffs_held_overnight_merge_into_dms_of_bounded_size() {
    // 60 blockers finished overnight, each readying a task of bob's: 60 handoffs
    // held for his morning.
    let mut script = String::from(
        ":tick 2026-11-24T10:00\n:as @bob\n!baton settings hours 09:00-17:00\n!baton settings tz UTC\n:as @carol\n",
    );
    for n in 0..60 {
        let blocker = 2 * n + 1;
        script.push_str(&format!(
            "!baton add Prepare part {n} with a title long enough to matter for @alice\n\
             !baton add Follow-up number {n} with a title long enough to matter for @bob after T-{blocker}\n"
        ));
    }
    script.push_str(":as @alice\n:tick 2026-11-24T22:00\n");
    for n in 0..60 {
        script.push_str(&format!("!baton done T-{}\n", 2 * n + 1));
    }
    script.push_str(":tick 2026-11-25T09:00\n");

    let out = run(&script);

    let to_bob = dms_to(&out, "@bob");
    assert!(
        to_bob.len() >= 2,
        "merged, but not into one: {}",
        to_bob.len()
    );
    assert!(to_bob.len() < 60, "merged at all: {}", to_bob.len());
    for dm in &to_bob {
        assert!(dm.chars().count() <= 12_500, "{} chars", dm.chars().count());
    }
    let all: String = to_bob.iter().map(|s| s.as_str()).collect();
    for n in 0..60 {
        assert!(
            all.contains(&format!("Follow-up number {n} ")),
            "T-{} lost",
            2 * n + 2
        );
    }
}

#[test]
fn the_digest_carries_the_picture_of_its_top_blocker_chain() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("digests.db").display());
    let script = format!("{BILLING}:tick 2026-11-25T09:30\n");
    let output = baton(&["console", "--database-url", &url], script.as_bytes());
    assert!(output.status.success());
    let out = blocks(&output.stdout);

    let digest = digests_in(&out)[0];
    let last = digest.lines().last().unwrap();
    assert!(last.starts_with("Picture: "), "{digest}");
    let svg = std::fs::read_to_string(dir.path().join("blockers-general.svg")).unwrap();
    let png = std::fs::read(dir.path().join("blockers-general.png")).unwrap();
    assert!(resvg::tiny_skia::Pixmap::decode_png(&png).is_ok());
    // The longest chain below the top root T-1: T-2, T-3 and T-4 wait in line.
    let document = resvg::usvg::roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for key in ["T-1 · ", "T-2 · ", "T-3 · ", "T-4 · "] {
        assert!(
            texts.iter().any(|t| t.starts_with(key)),
            "{key} missing: {texts:?}"
        );
    }
    assert!(
        texts.iter().any(|t| t.contains("+1 more waiting")),
        "T-5 is counted: {texts:?}"
    );
}
