//! What was said in a private room reaches only its members, on every read path:
//! every read verb, asked in the private room, in another room and in a DM, by a
//! member and by someone who is not one. On the console here; on Slack in
//! `slack_privacy`.

/// Words only the private room #secret has seen: T-1's title, a note in its
/// thread, and its external blocker's reason.
const SECRETS: [&str; 3] = ["payroll key", "ops/payroll-7", "bank fraud team"];

/// #secret is private; carol, alice and mia are its members (mia has never
/// spoken there: she was added with `:join`). T-2 (bob's) in #general waits on
/// T-1; so does T-3 (mia's).
const SETUP: &str = "\
:in #secret
:private
:as @carol
!baton add Rotate the payroll key for @alice
:as @alice
:thread T-1
the old key is in vault path ops/payroll-7
:room
!baton blocked T-1 waiting on the bank fraud team
:join @mia
:in #general
:as @dan
!baton add Ship payroll v2 for @bob after T-1
!baton add Tell the auditors for @mia after T-1
";

/// Where a question is asked.
#[derive(Debug, Clone, Copy)]
enum Place {
    ThePrivateRoom,
    AnotherRoom,
    Dm,
}

impl Place {
    fn meta(self) -> &'static str {
        match self {
            Place::ThePrivateRoom => ":in #secret",
            Place::AnotherRoom => ":in #general",
            Place::Dm => ":dm",
        }
    }
}

/// Every read verb, as people ask.
const READS: [&str; 7] = [
    "!baton show T-1",
    "@baton who owns T-1?",
    "@baton T-1",
    "!baton mine",
    "!baton blocked",
    "!baton graph T-2",
    "!baton digest",
];

fn console(url: &str, script: &str) -> Vec<(String, String)> {
    crate::helpers::console_blocks(url, script)
}

fn leaked(out: &[(String, String)]) -> Vec<&str> {
    SECRETS
        .iter()
        .copied()
        .filter(|secret| out.iter().any(|(_, body)| body.contains(secret)))
        .collect()
}

fn set_up() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("privacy.db").display());
    console(&url, SETUP);
    (dir, url)
}

#[test]
fn every_read_verb_keeps_a_private_rooms_words_among_its_members() {
    let (_dir, url) = set_up();
    // (who asks, where, whether they may see #secret's words there)
    let askers = [
        ("@alice", Place::ThePrivateRoom, true),
        ("@alice", Place::AnotherRoom, false),
        ("@alice", Place::Dm, true),
        ("@mia", Place::Dm, true),
        ("@bob", Place::AnotherRoom, false),
        ("@bob", Place::Dm, false),
    ];
    for (who, place, may_see) in askers {
        for read in READS {
            let script = format!(":as {who}\n{}\n{read}\n", place.meta());
            let out = console(&url, &script);
            assert!(
                !out.is_empty(),
                "{who} in {place:?}: `{read}` got no answer"
            );
            let leaked = leaked(&out);
            if !may_see {
                assert!(
                    leaked.is_empty(),
                    "{who} in {place:?} read {leaked:?} with `{read}`: {out:#?}"
                );
            }
        }
        // `show` tells a member everything and anyone else what blocks them.
        let out = console(
            &url,
            &format!(":as {who}\n{}\n!baton show T-1\n", place.meta()),
        );
        let shown = &out.last().unwrap().1;
        assert!(shown.contains("T-1"), "{shown}");
        if may_see {
            assert_eq!(
                leaked(&out),
                SECRETS.to_vec(),
                "{who} in {place:?}: {shown}"
            );
        } else {
            assert!(shown.contains("in a private room"), "{shown}");
            assert!(
                shown.contains("@alice"),
                "the owner is still named: {shown}"
            );
        }
    }
}

#[test]
fn the_handoff_quotes_the_notes_to_a_member_who_never_spoke_and_not_to_others() {
    let (_dir, url) = set_up();

    let out = console(
        &url,
        ":as @alice\n:in #secret\n!baton unblock T-1\n!baton done T-1\n",
    );

    let dm = |to: &str| {
        out.iter()
            .find(|(h, _)| h == &format!("DM {to}"))
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("no DM to {to}: {out:#?}"))
    };
    let to_mia = dm("@mia");
    assert!(
        to_mia.contains("ops/payroll-7"),
        "mia is a member: {to_mia}"
    );
    assert!(to_mia.contains("payroll key"), "{to_mia}");
    let to_bob = dm("@bob");
    assert!(to_bob.contains("T-2") && to_bob.contains("T-1"), "{to_bob}");
    for secret in SECRETS {
        assert!(!to_bob.contains(secret), "bob read {secret}: {to_bob}");
    }
    assert!(
        to_bob.contains("More context on T-1 is in #secret"),
        "bob is told where the context is: {to_bob}"
    );
}

#[test]
fn a_public_rooms_digest_names_a_private_blocker_without_its_reason() {
    let (_dir, url) = set_up();

    let out = console(&url, ":in #general\n!baton digest\n");

    let digest = &out.last().unwrap().1;
    assert!(digest.contains("T-1"), "{digest}");
    assert!(leaked(&out).is_empty(), "{digest}");
    // In the private room itself, its own digest says everything.
    let out = console(&url, ":in #secret\n!baton digest\n");
    assert!(
        out.last().unwrap().1.contains("bank fraud team"),
        "{out:#?}"
    );
}

#[test]
fn a_room_made_private_stays_private_in_a_later_run() {
    let (_dir, url) = set_up();

    // A later run, with no `:private` line, speaking in #secret again.
    let out = console(
        &url,
        ":as @alice\n:in #secret\n!baton note T-1 the new key is ops/payroll-8\n:as @bob\n:in #general\n!baton show T-1\n",
    );

    let shown = &out.last().unwrap().1;
    assert!(!shown.contains("ops/payroll-8"), "{shown}");
    assert!(shown.contains("in a private room"), "{shown}");
}
