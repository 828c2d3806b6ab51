//! The engine end to end on both backends: messages in, outbox messages out.

use std::sync::Arc;

use tokio::sync::Notify;

use baton::clock::SystemClock;
use baton::domain::{PersonId, TaskKey};
use baton::engine::{Defaults, Engine, Inbound, InboundKind, Outcome};
use baton::outbox::OutboxWorker;
use baton::store::Destination;

use crate::helpers::{Recording, TestDb, general_inbound, on_both_backends};

/// A bot on a test database, driven one message at a time.
struct Bot {
    engine: Engine,
    worker: OutboxWorker,
    outlet: Arc<Recording>,
    next_event: u64,
    _db: TestDb,
}

/// A message the bot sent, as the test reads it.
#[derive(Debug, Clone)]
struct Sent {
    to: Destination,
    body: String,
}

impl Sent {
    fn is_dm_to(&self, handle: &str) -> bool {
        self.to == Destination::Dm(PersonId::new("console", handle))
    }
}

impl Bot {
    fn new(db: TestDb) -> Bot {
        let outlet = Arc::new(Recording::default());
        let engine = Engine::new(
            db.store.clone(),
            Arc::new(Notify::new()),
            Defaults::default(),
        );
        let worker = OutboxWorker::new(db.store.clone(), Arc::new(SystemClock))
            .with_outlet("console", outlet.clone());
        Bot {
            engine,
            worker,
            outlet,
            next_event: 0,
            _db: db,
        }
    }

    fn inbound(&mut self, author: &str, kind: InboundKind) -> Inbound {
        self.next_event += 1;
        general_inbound(self.next_event, author, kind)
    }

    async fn handle(&mut self, inbound: &Inbound) -> Vec<Sent> {
        self.engine.handle(inbound).await.expect("handled");
        self.worker.drain().await.expect("drained");
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
        let inbound = self.inbound(author, message(text, None));
        self.handle(&inbound).await
    }

    async fn say_in_thread(&mut self, author: &str, task: u64, text: &str) -> Vec<Sent> {
        let inbound = self.inbound(author, message(text, Some(TaskKey::new(task))));
        self.handle(&inbound).await
    }

    /// The reply to a command, which must be the only message it caused.
    async fn reply(&mut self, author: &str, text: &str) -> String {
        let sent = self.say(author, text).await;
        assert_eq!(
            sent.len(),
            1,
            "expected one reply to {text:?}, got {sent:#?}"
        );
        sent[0].body.clone()
    }
}

fn message(text: &str, thread_task: Option<TaskKey>) -> InboundKind {
    InboundKind::Message {
        text: text.into(),
        thread_task,
        dm: false,
    }
}

/// The billing story of the core issue's acceptance: three tasks, a note, a done.
async fn billing_story(bot: &mut Bot) {
    bot.say("@carol", "!baton add Design the billing API for @alice")
        .await;
    bot.say(
        "@carol",
        "!baton add Implement billing client for @bob after T-1",
    )
    .await;
    bot.say(
        "@carol",
        "!baton add Write billing docs for @dan after T-1 and T-2",
    )
    .await;
    let note = bot
        .say_in_thread(
            "@alice",
            1,
            "decision: amounts are integer cents, see https://docs.example.com/billing-api",
        )
        .await;
    assert!(
        note.is_empty(),
        "a note in the task's thread is not answered: {note:?}"
    );
}

on_both_backends!(
    finishing_the_last_blocker_hands_off_with_context,
    a_cycle_is_refused_and_the_graph_is_unchanged,
    only_the_owner_or_creator_may_finish_a_task,
    a_redelivered_event_changes_nothing,
    reopening_tells_the_owner_once,
    assigning_a_ready_task_hands_it_off,
    cancelled_blockers_resolve_and_are_named,
    notes_from_private_rooms_stay_there,
    blocked_lists_thirty_and_counts_the_rest,
    mine_and_the_digest_list_a_page_and_count_the_rest,
);

async fn finishing_the_last_blocker_hands_off_with_context(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;

    let sent = bot
        .say(
            "@alice",
            "!baton done T-1 https://github.com/acme/api/pull/1",
        )
        .await;

    let dms: Vec<&Sent> = sent
        .iter()
        .filter(|s| matches!(s.to, Destination::Dm(_)))
        .collect();
    assert_eq!(dms.len(), 1, "one DM, to @bob only: {sent:#?}");
    let dm = dms[0];
    assert!(dm.is_dm_to("@bob"));
    for expected in [
        "T-2",
        "T-1",
        "@alice",
        "https://github.com/acme/api/pull/1",
        "https://docs.example.com/billing-api",
        "integer cents",
    ] {
        assert!(
            dm.body.contains(expected),
            "the DM lacks {expected:?}:\n{}",
            dm.body
        );
    }
    assert!(
        dm.body.contains("T-3"),
        "the DM says who waits downstream:\n{}",
        dm.body
    );

    let sent = bot.say("@bob", "!baton done T-2").await;
    let to_dan: Vec<&Sent> = sent.iter().filter(|s| s.is_dm_to("@dan")).collect();
    assert_eq!(to_dan.len(), 1, "{sent:#?}");
    assert!(
        to_dan[0]
            .body
            .contains("T-3 Write billing docs is ready for you"),
        "{}",
        to_dan[0].body
    );
}

async fn a_cycle_is_refused_and_the_graph_is_unchanged(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;
    let before = bot.reply("@carol", "!baton show T-1").await;

    let reply = bot.reply("@carol", "!baton T-1 depends on T-2").await;

    assert!(reply.contains("T-1 → T-2 → T-1"), "{reply}");
    assert_eq!(bot.reply("@carol", "!baton show T-1").await, before);
}

async fn only_the_owner_or_creator_may_finish_a_task(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;

    let reply = bot.reply("@mallory", "!baton done T-1").await;
    assert!(
        reply.contains("only @alice (the owner) or @carol (who created it)"),
        "{reply}"
    );
    let show = bot.reply("@mallory", "!baton show T-1").await;
    assert!(show.contains("Status: open"), "{show}");

    let sent = bot.say("@carol", "!baton done T-1").await;
    assert!(
        sent.iter().any(|s| s.body.starts_with("Done: T-1")),
        "the creator may: {sent:#?}"
    );
}

async fn a_redelivered_event_changes_nothing(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;
    let done = bot.inbound("@alice", message("!baton done T-1", None));
    assert!(!bot.handle(&done).await.is_empty());

    let outcome = bot.engine.handle(&done).await.unwrap();

    assert_eq!(outcome, Outcome::Duplicate);
    assert!(bot.handle(&done).await.is_empty(), "no second reply or DM");
}

async fn reopening_tells_the_owner_once(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;
    bot.say("@alice", "!baton done T-1").await;

    let sent = bot.say("@alice", "!baton reopen T-1").await;

    let to_bob: Vec<&Sent> = sent.iter().filter(|s| s.is_dm_to("@bob")).collect();
    assert_eq!(to_bob.len(), 1, "{sent:#?}");
    assert!(
        to_bob[0].body.contains("blocked again"),
        "{}",
        to_bob[0].body
    );
    assert!(
        !sent.iter().any(|s| s.is_dm_to("@dan")),
        "T-3 was never ready: {sent:#?}"
    );
}

async fn assigning_a_ready_task_hands_it_off(db: TestDb) {
    let mut bot = Bot::new(db);
    bot.say("@carol", "!baton add Rotate the TLS certs").await;

    let sent = bot.say("@carol", "!baton assign T-1 to @erin").await;

    assert!(sent.iter().any(|s| s.is_dm_to("@erin")), "{sent:#?}");
    let taken = bot.say("@carol", "!baton add Second task").await;
    assert_eq!(taken.len(), 1);
    let sent = bot.say("@ivy", "!baton I'll take T-2").await;
    assert!(
        !sent.iter().any(|s| s.is_dm_to("@ivy")),
        "nobody is DMed about their own action: {sent:#?}"
    );
}

async fn cancelled_blockers_resolve_and_are_named(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;

    let sent = bot.say("@carol", "!baton cancel T-1").await;

    let dm = sent
        .iter()
        .find(|s| s.is_dm_to("@bob"))
        .expect("a DM to @bob");
    assert!(
        dm.body.contains("T-1 Design the billing API was cancelled"),
        "{}",
        dm.body
    );
}

async fn notes_from_private_rooms_stay_there(db: TestDb) {
    let mut bot = Bot::new(db);
    billing_story(&mut bot).await;
    let mut secret = bot.inbound(
        "@alice",
        message("the vendor contract says net-90", Some(TaskKey::new(1))),
    );
    secret.room = "console:#leadership".into();
    secret.room_name = "#leadership".into();
    secret.room_privacy = baton::domain::RoomPrivacy::Private;
    bot.handle(&secret).await;

    let sent = bot.say("@alice", "!baton done T-1").await;

    let dm = sent
        .iter()
        .find(|s| s.is_dm_to("@bob"))
        .expect("a DM to @bob");
    assert!(
        !dm.body.contains("net-90"),
        "a private note leaked:\n{}",
        dm.body
    );
    assert!(
        dm.body.contains("#leadership"),
        "the DM says more context exists:\n{}",
        dm.body
    );
    assert!(
        dm.body.contains("integer cents"),
        "public notes still travel:\n{}",
        dm.body
    );
}

/// `blocked` shows 30 tasks and counts the rest exactly; finished, cancelled and
/// externally blocked tasks are told apart.
async fn blocked_lists_thirty_and_counts_the_rest(db: TestDb) {
    let mut bot = Bot::new(db);
    bot.say("@carol", "!baton add Cut the release for @alice")
        .await;
    for i in 2..=34 {
        bot.say(
            "@carol",
            &format!("!baton add Waiter {i} for @bob after T-1"),
        )
        .await;
    }
    bot.say("@carol", "!baton add Loose end for @dan").await;
    bot.say("@carol", "!baton cancel T-34").await;
    bot.say("@dan", "!baton T-35 blocked on legal review").await;

    let reply = bot.reply("@carol", "!baton blocked").await;

    // T-2..T-33 wait on T-1 (T-34 is cancelled), and T-35 waits on legal: 33.
    assert!(reply.starts_with("Blocked in #general (33):"), "{reply}");
    let listed: Vec<&str> = reply.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 30, "{reply}");
    assert!(
        listed[0].contains("T-2") && listed[0].contains("T-1"),
        "{reply}"
    );
    assert!(
        !reply.contains("T-34"),
        "cancelled tasks are not blocked: {reply}"
    );
    assert!(reply.contains("…and 3 more"), "{reply}");

    bot.say("@alice", "!baton done T-1").await;
    bot.say("@dan", "!baton T-35 unblocked").await;
    let reply = bot.reply("@carol", "!baton blocked").await;
    assert_eq!(reply, "Nothing is blocked in #general.");
}

async fn mine_and_the_digest_list_a_page_and_count_the_rest(db: TestDb) {
    let mut bot = Bot::new(db);
    bot.say("@carol", "!baton add Cut the release for @alice")
        .await;
    // @bob: T-2..T-34 wait on T-1, T-35..T-66 are ready.
    for i in 2..=34 {
        let text = format!("!baton add Waiter {i} for @bob after T-1");
        bot.say("@carol", &text).await;
    }
    for i in 35..=66 {
        bot.say("@carol", &format!("!baton add Chore {i} for @bob"))
            .await;
    }
    // Twelve tasks nobody owns, T-67..T-78.
    for i in 67..=78 {
        bot.say("@carol", &format!("!baton add Spare {i}")).await;
    }
    // A chain of ten for @dan: T-79 ← T-80 ← … ← T-88.
    bot.say("@carol", "!baton add Step 79 for @dan").await;
    for i in 80..=88 {
        let text = format!("!baton add Step {i} for @dan after T-{}", i - 1);
        bot.say("@carol", &text).await;
    }

    let mine = bot.reply("@bob", "!baton mine").await;

    let sections: Vec<&str> = mine.lines().filter(|l| l.ends_with(':')).collect();
    assert_eq!(
        sections,
        ["Your tasks, @bob:", "Ready:", "Blocked:"],
        "{mine}"
    );
    let listed: Vec<&str> = mine.lines().filter(|l| l.starts_with("- T-")).collect();
    assert_eq!(listed.len(), 60, "thirty a section:\n{mine}");
    assert!(listed[0].starts_with("- T-35 Chore 35"), "{mine}");
    assert!(
        listed[30].starts_with("- T-2 Waiter 2 — waits on T-1"),
        "{mine}"
    );
    let more: Vec<&str> = mine.lines().filter(|l| l.starts_with("- …and")).collect();
    assert_eq!(more, ["- …and 2 more", "- …and 3 more"], "{mine}");

    let digest = bot.reply("@carol", "!baton digest").await;

    assert!(
        digest.contains("T-1 Cut the release (@alice, open") && digest.contains("33 tasks wait"),
        "{digest}"
    );
    let unowned = digest
        .split("Ready, and nobody owns them:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no unowned list:\n{digest}"));
    let unowned: Vec<&str> = unowned
        .lines()
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(unowned.len(), 11, "ten and a count:\n{digest}");
    assert!(unowned[0].starts_with("- T-67 Spare 67"), "{digest}");
    assert_eq!(unowned[10], "- …and 2 more", "{digest}");
    let chain = digest
        .lines()
        .find(|l| l.contains("which waits on 4 more"))
        .unwrap_or_else(|| panic!("the long chain is not shortened:\n{digest}"));
    for shown in ["T-88", "T-87", "T-86", "T-81", "T-80", "T-79"] {
        assert!(chain.contains(shown), "{shown} missing: {chain}");
    }
    assert!(!chain.contains("T-84"), "{chain}");
}
