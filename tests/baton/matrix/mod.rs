//! `baton run` against a real Synapse (started once per run by `scripts/test`): the
//! humans are matrix-sdk clients with their own encryption keys, in an encrypted
//! room; the bot is the real binary.

use std::time::Duration;

use hmac::{Hmac, Mac};
use matrix_sdk::config::SyncSettings;
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoom;
use matrix_sdk::ruma::events::InitialStateEvent;
use matrix_sdk::ruma::events::reaction::ReactionEventContent;
use matrix_sdk::ruma::events::relation::{Annotation, Thread};
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::room::message::{
    Relation, ReplacementMetadata, RoomMessageEventContent,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UserId};
use matrix_sdk::{Client, Room};
use serde_json::{Value, json};

use crate::helpers::{Service, TestDb};

const PASSWORD: &str = "correct horse battery staple";
const PR: &str = "https://github.com/acme/api/pull/1";
const PATIENCE: Duration = Duration::from_secs(60);

/// The Synapse `scripts/test` started, or `None` (skip) outside CI.
fn synapse() -> Option<(String, String)> {
    match (
        std::env::var("BATON_TEST_SYNAPSE_URL"),
        std::env::var("BATON_TEST_SYNAPSE_SECRET"),
    ) {
        (Ok(url), Ok(secret)) => Some((url, secret)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but no Synapse is running: run the tests with scripts/test")
        }
        _ => None,
    }
}

/// Registers `localpart` (password [`password`]) through Synapse's shared-secret
/// admin API; for the benchmarks too.
pub async fn register_user(url: &str, secret: &str, localpart: &str) -> OwnedUserId {
    register(url, secret, localpart).await
}

/// The password every test user has.
pub fn password() -> secrecy::SecretString {
    secrecy::SecretString::from(PASSWORD.to_owned())
}

/// Registers `localpart` through Synapse's shared-secret admin API.
async fn register(url: &str, secret: &str, localpart: &str) -> OwnedUserId {
    let http = reqwest::Client::new();
    let endpoint = format!("{url}/_synapse/admin/v1/register");
    let nonce: Value = http
        .get(&endpoint)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = nonce["nonce"].as_str().unwrap().to_owned();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{nonce}\0{localpart}\0{PASSWORD}\0notadmin").as_bytes());
    let mac: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let registered: Value = http
        .post(&endpoint)
        .json(
            &json!({"nonce": nonce, "username": localpart, "password": PASSWORD,
                      "admin": false, "mac": mac}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = registered["user_id"]
        .as_str()
        .unwrap_or_else(|| panic!("registering {localpart}: {registered}"));
    UserId::parse(user).unwrap()
}

/// A person: a logged-in client with its own store (and so its own keys).
struct Human {
    client: Client,
    _dir: tempfile::TempDir,
}

impl Human {
    async fn login(url: &str, user: &UserId) -> Human {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::builder()
            .homeserver_url(url)
            .sqlite_store(dir.path(), None)
            .build()
            .await
            .unwrap();
        client
            .matrix_auth()
            .login_username(user.as_str(), PASSWORD)
            .send()
            .await
            .unwrap();
        let human = Human { client, _dir: dir };
        human.sync().await; // uploads this device's keys
        human
    }

    async fn sync(&self) {
        self.client
            .sync_once(SyncSettings::default().timeout(Duration::from_millis(500)))
            .await
            .unwrap();
    }

    fn room(&self, id: &RoomId) -> Room {
        self.client.get_room(id).expect("a known room")
    }

    /// A new unencrypted room inviting `guest`.
    async fn open_room(&self, guest: &UserId) -> OwnedRoomId {
        let mut request = CreateRoom::new();
        request.invite = vec![guest.to_owned()];
        let room = self.client.create_room(request).await.unwrap();
        room.room_id().to_owned()
    }

    /// A new encrypted room called `name` (invite-only when `private`) that
    /// `members` are invited to and have joined.
    async fn encrypted_room(
        &self,
        name: &str,
        private: bool,
        members: &[(&UserId, &Human)],
    ) -> Room {
        let mut request = CreateRoom::new();
        request.name = Some(name.to_owned());
        if private {
            request.preset =
                Some(matrix_sdk::ruma::api::client::room::create_room::v3::RoomPreset::PrivateChat);
        }
        request.invite = members.iter().map(|(id, _)| (*id).to_owned()).collect();
        request.initial_state = vec![
            InitialStateEvent::with_empty_state_key(
                RoomEncryptionEventContent::with_recommended_defaults(),
            )
            .to_raw_any(),
        ];
        let room = self.client.create_room(request).await.unwrap();
        for (_, human) in members {
            human.client.join_room_by_id(room.room_id()).await.unwrap();
            human.sync().await;
        }
        room
    }

    async fn say(&self, room: &RoomId, text: &str) {
        self.room(room)
            .send(RoomMessageEventContent::text_plain(text))
            .await
            .unwrap();
    }
}

/// A message in a room, decrypted where possible.
#[derive(Debug, Clone)]
struct Said {
    id: OwnedEventId,
    sender: String,
    body: String,
    thread_root: Option<String>,
}

/// The messages of a room as `human` reads them, oldest first.
async fn messages(human: &Human, room: &RoomId) -> Vec<Said> {
    let room = human.room(room);
    let mut options = MessagesOptions::backward();
    options.limit = 100u32.into();
    let page = room.messages(options).await.unwrap();
    let mut said: Vec<Said> = page
        .chunk
        .iter()
        .filter_map(|event| {
            let value: Value = serde_json::from_str(event.raw().json().get()).ok()?;
            // Still encrypted (the key has not arrived yet): counted, without a body.
            if value["type"] != "m.room.message" && value["type"] != "m.room.encrypted" {
                return None;
            }
            Some(Said {
                id: OwnedEventId::try_from(value["event_id"].as_str()?).ok()?,
                sender: value["sender"].as_str()?.to_owned(),
                body: value["content"]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                thread_root: value["content"]["m.relates_to"]["event_id"]
                    .as_str()
                    .filter(|_| value["content"]["m.relates_to"]["rel_type"] == "m.thread")
                    .map(str::to_owned),
            })
        })
        .collect();
    said.reverse();
    said
}

/// Polls until `check` holds for the room's messages; the messages seen last.
async fn wait_for_messages(
    human: &Human,
    room: &RoomId,
    check: impl Fn(&[Said]) -> bool,
) -> Vec<Said> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        human.sync().await;
        let said = messages(human, room).await;
        if check(&said) || tokio::time::Instant::now() > deadline {
            return said;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn membership(human: &Human, room: &RoomId, user: &UserId) -> Option<MembershipState> {
    human.sync().await;
    let member = human.room(room).get_member(user).await.ok().flatten()?;
    Some(member.membership().clone())
}

async fn wait_for_membership(
    human: &Human,
    room: &RoomId,
    user: &UserId,
    wanted: MembershipState,
) -> bool {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if membership(human, room, user).await == Some(wanted.clone()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    false
}

/// `baton run` for the bot, started off the async runtime (it polls).
async fn start_bot(
    db: &TestDb,
    url: &str,
    bot: &UserId,
    store: &std::path::Path,
    inviters: &str,
) -> Service {
    let env = [
        ("BATON_MATRIX__HOMESERVER", url.to_owned()),
        ("BATON_MATRIX__USER", bot.to_string()),
        ("BATON_MATRIX__PASSWORD", PASSWORD.to_owned()),
        ("BATON_MATRIX__STORE_DIR", store.display().to_string()),
        ("BATON_MATRIX__ALLOWED_INVITERS", inviters.to_owned()),
    ];
    let db_url = db.url.clone();
    let service = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Service::start_with(&db_url, &env)
    })
    .await
    .unwrap();
    let ready = {
        let address = service.address.clone();
        tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + PATIENCE;
            while std::time::Instant::now() < deadline {
                if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
                    use std::io::{Read, Write};
                    let _ = write!(
                        stream,
                        "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    );
                    let mut text = String::new();
                    let _ = stream.read_to_string(&mut text);
                    if text.starts_with("HTTP/1.1 200") {
                        return true;
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            false
        })
        .await
        .unwrap()
    };
    assert!(ready, "the bot never became ready:\n{}", service.log());
    service
}

/// Polls the exported tasks until `check` holds; fails naming `what` otherwise.
async fn wait_for_tasks(
    db: &TestDb,
    service: &Service,
    what: &str,
    check: impl Fn(&[Value]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let tasks = export(db);
        if check(&tasks) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited in vain for {what}: {tasks:#?}\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn export(db: &TestDb) -> Vec<Value> {
    let output = crate::helpers::baton(&["export", "--database-url", &db.url], b"");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handoff_story_in_an_encrypted_room_with_a_restart() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = format!("{:x}", rand_tag());
    let names = ["baton", "alice", "bob", "carol", "mallory"];
    let mut ids = Vec::new();
    for name in names {
        ids.push(register(&url, &secret, &format!("{name}-{tag}")).await);
    }
    let [bot, alice_id, bob_id, carol_id, mallory_id] = ids.try_into().unwrap();
    let (alice, bob, carol, mallory) = (
        Human::login(&url, &alice_id).await,
        Human::login(&url, &bob_id).await,
        Human::login(&url, &carol_id).await,
        Human::login(&url, &mallory_id).await,
    );

    // Carol's encrypted team room, with alice and bob in it.
    let room = carol
        .encrypted_room("Billing", false, &[(&alice_id, &alice), (&bob_id, &bob)])
        .await;
    let room_id = room.room_id().to_owned();

    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    // Only carol may invite the bot.
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    room.invite_user_by_id(&bot).await.unwrap();
    assert!(
        wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await,
        "the bot did not accept carol's invite:\n{}",
        service.log()
    );
    // Mallory is not on the allow-list: her invite is refused.
    let lair = mallory.open_room(&bot).await;

    carol.sync().await;
    carol
        .say(
            &room_id,
            &format!("!baton add Design the billing API for {alice_id}"),
        )
        .await;
    carol
        .say(
            &room_id,
            &format!("!baton add Implement billing client for {bob_id} after T-1"),
        )
        .await;
    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.starts_with("T-2"))
    })
    .await;
    assert!(
        said.iter().any(|m| m.body.starts_with("T-2")),
        "no card for T-2: {said:#?}\n{}",
        service.log()
    );
    alice.sync().await;
    alice.say(&room_id, &format!("!baton done T-1 {PR}")).await;

    // Bob is invited to one DM room, with one message naming T-2, T-1 and the PR.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let dm_id = loop {
        bob.sync().await;
        let invited: Vec<Room> = bob
            .client
            .invited_rooms()
            .into_iter()
            .filter(|r| r.room_id() != room_id)
            .collect();
        if let Some(dm) = invited.first() {
            assert_eq!(invited.len(), 1, "one DM room");
            break dm.room_id().to_owned();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "bob was never invited to a DM:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    bob.client.join_room_by_id(&dm_id).await.unwrap();
    let dm = wait_for_messages(&bob, &dm_id, |s| s.iter().any(|m| m.body.contains("T-2"))).await;
    let from_bot: Vec<&Said> = dm.iter().filter(|m| m.sender == bot.as_str()).collect();
    assert_eq!(from_bot.len(), 1, "one DM: {dm:#?}\n{}", service.log());
    for needle in ["T-2", "T-1", PR] {
        assert!(from_bot[0].body.contains(needle), "{needle}: {dm:#?}");
    }
    assert!(
        bob.room(&dm_id)
            .latest_encryption_state()
            .await
            .unwrap()
            .is_encrypted()
    );

    assert_eq!(
        membership(&mallory, &lair, &bot).await,
        Some(MembershipState::Leave),
        "mallory's invite was refused"
    );

    // A restart keeps the device, handles what was said while Baton was down, and
    // answers nothing twice.
    let before_room = messages(&carol, &room_id).await;
    let output = service.terminate();
    assert!(output.status.success());
    assert_no_error_lines(&String::from_utf8_lossy(&output.stderr));
    carol
        .say(
            &room_id,
            &format!("!baton add Written while Baton was away for {carol_id}"),
        )
        .await;
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    assert!(
        service.log().contains("restored the Matrix session"),
        "{}",
        service.log()
    );
    wait_for_messages(&carol, &room_id, |s| {
        s.iter()
            .any(|m| m.body.starts_with("T-3 Written while Baton was away"))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    carol.sync().await;
    let after_room = messages(&carol, &room_id).await;
    assert_eq!(
        after_room.len(),
        before_room.len() + 2,
        "the command sent meanwhile and its card, nothing twice: {:#?}\n{}",
        &after_room[before_room.len().min(after_room.len())..],
        service.log()
    );
    // Editing a command that was applied does not apply it again: Baton says so.
    let command = after_room
        .iter()
        .find(|m| m.sender == carol_id.as_str() && m.body.contains("Design the billing API"))
        .expect("carol's first command")
        .id
        .clone();
    let edit = RoomMessageEventContent::text_plain(format!(
        "!baton add Design the billing API v2 for {alice_id}"
    ))
    .make_replacement(ReplacementMetadata::new(command, None));
    carol.room(&room_id).send(edit).await.unwrap();
    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter().any(|m| m.body.contains("already handled"))
    })
    .await;
    assert!(
        said.iter().any(|m| m.body.contains("already handled")),
        "{said:#?}"
    );
    assert_eq!(export(&db).len(), 3, "the edit made no task");
    assert_eq!(
        messages(&bob, &dm_id)
            .await
            .iter()
            .filter(|m| m.sender == bot.as_str())
            .count(),
        1
    );

    // A reply in T-4's thread adds a dependency; ✅ on T-2's card finishes it.
    carol
        .say(
            &room_id,
            &format!("!baton add Write the billing docs for {carol_id}"),
        )
        .await;
    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter()
            .any(|m| m.body.starts_with("T-4") && m.thread_root.is_none())
    })
    .await;
    let card = |key: &str| {
        said.iter()
            .find(|m| {
                m.sender == bot.as_str() && m.thread_root.is_none() && m.body.starts_with(key)
            })
            .unwrap_or_else(|| panic!("no card for {key}: {said:#?}"))
            .id
            .clone()
    };
    let (t2_card, t4_card) = (card("T-2"), card("T-4"));
    let mut reply = RoomMessageEventContent::text_plain("this depends on T-2");
    reply.relates_to = Some(Relation::Thread(Thread::plain(
        t4_card.clone(),
        t4_card.clone(),
    )));
    carol.room(&room_id).send(reply).await.unwrap();
    wait_for_tasks(
        &db,
        &service,
        "the thread reply to add a dependency",
        |tasks| {
            tasks
                .iter()
                .any(|t| t["key"] == "T-4" && t["depends_on"].to_string().contains("T-2"))
        },
    )
    .await;
    bob.sync().await;
    bob.room(&room_id)
        .send(ReactionEventContent::new(Annotation::new(
            t2_card,
            "✅".to_owned(),
        )))
        .await
        .unwrap();
    wait_for_tasks(&db, &service, "the ✅ to finish T-2", |tasks| {
        tasks
            .iter()
            .any(|t| t["key"] == "T-2" && t["status"] == "done")
    })
    .await;
    let output = service.terminate();
    assert!(output.status.success());
    // Neither the password nor the session's access token reaches the log.
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains(PASSWORD), "the password reached the log");
    let session = db
        .store
        .adapter_state("matrix.session")
        .await
        .unwrap()
        .unwrap();
    let session: Value = serde_json::from_str(&session).unwrap();
    let token = session["access_token"].as_str().unwrap();
    assert!(!log.contains(token), "the access token reached the log");
    // Issue 16: a healthy run logs no ERROR, so an ERROR always means something.
    assert_no_error_lines(&log);
}

/// Fails on any ERROR line in a log (the SDK's expected failures are quieted by
/// Baton's default filter).
fn assert_no_error_lines(log: &str) {
    let errors: Vec<String> = log_lines(log)
        .into_iter()
        .filter(|l| l.split_whitespace().nth(1) == Some("ERROR"))
        .collect();
    assert!(
        errors.is_empty(),
        "ERROR lines in a healthy run:\n{}\n---\n{log}",
        errors.join("\n")
    );
}

/// A log's lines without terminal colours.
fn log_lines(log: &str) -> Vec<String> {
    log.lines()
        .map(|line| {
            let mut plain = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\u{1b}' {
                    // An escape sequence: ESC [ ... letter.
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                } else {
                    plain.push(c);
                }
            }
            plain
        })
        .collect()
}

/// A per-run tag, so that every run registers fresh users.
fn rand_tag() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    nanos ^ u64::from(std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_homeserver_and_the_store() {
    let Some((url, _)) = synapse() else {
        return;
    };
    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    let doctor = |homeserver: String| {
        let (db_url, store) = (db.url.clone(), store.path().display().to_string());
        tokio::task::spawn_blocking(move || {
            crate::helpers::baton_command()
                .args(["doctor", "--database-url", &db_url])
                .env("BATON_MATRIX__HOMESERVER", homeserver)
                .env("BATON_MATRIX__USER", "@baton:localhost")
                .env("BATON_MATRIX__PASSWORD", PASSWORD)
                .env("BATON_MATRIX__STORE_DIR", store)
                .output()
                .unwrap()
        })
    };
    let good = doctor(url).await.unwrap();
    let report = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{report}");
    assert!(report.contains("answers"), "{report}");
    let wrong = doctor("http://127.0.0.1:1".to_owned()).await.unwrap();
    let report = String::from_utf8_lossy(&wrong.stdout);
    assert!(!wrong.status.success(), "{report}");
    assert!(
        report.contains("FAIL  matrix homeserver") && report.contains("Fix:"),
        "{report}"
    );
    assert!(!report.contains(PASSWORD), "the password is never printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_postgres_take_turns_syncing_and_one_takes_over_when_the_other_dies() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let tag = format!("{:x}", rand_tag());
    let bot = register(&url, &secret, &format!("baton-{tag}")).await;
    let carol_id = register(&url, &secret, &format!("carol-{tag}")).await;
    let carol = Human::login(&url, &carol_id).await;
    let (store_a, store_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = start_bot(&db, &url, &bot, store_a.path(), carol_id.as_str()).await;
    let second = start_bot(&db, &url, &bot, store_b.path(), carol_id.as_str()).await;
    let holding = |service: &Service| service.log().contains("holding the Matrix lease");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        holding(&first) != holding(&second),
        "exactly one replica syncs:\n{}\n---\n{}",
        first.log(),
        second.log()
    );
    let (leader, standby) = if holding(&first) {
        (first, second)
    } else {
        (second, first)
    };

    let room_id = carol.open_room(&bot).await;
    assert!(
        wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await,
        "{}",
        leader.log()
    );
    carol.say(&room_id, "!baton add Task one for me").await;
    wait_for_messages(&carol, &room_id, |s| {
        s.iter().any(|m| m.body.starts_with("T-1"))
    })
    .await;

    // The leader dies without a word; the standby takes the lease and carries on.
    leader.kill();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !holding(&standby) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the standby never took over:\n{}",
            standby.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    carol.say(&room_id, "!baton add Task two for me").await;
    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter().any(|m| m.body.starts_with("T-2"))
    })
    .await;
    let cards = |key: &str| {
        said.iter()
            .filter(|m| m.sender == bot.as_str() && m.body.starts_with(key))
            .count()
    };
    assert_eq!(cards("T-1"), 1, "{said:#?}\n{}", standby.log());
    assert_eq!(cards("T-2"), 1, "{said:#?}\n{}", standby.log());
    assert!(standby.terminate().status.success());
}

/// The one DM room the bot invited `human` to (other than `except`), joined.
async fn join_dm_from_bot(human: &Human, except: &RoomId, service: &Service) -> OwnedRoomId {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        human.sync().await;
        let invited: Vec<Room> = human
            .client
            .invited_rooms()
            .into_iter()
            .filter(|r| r.room_id() != except)
            .collect();
        if let Some(dm) = invited.first() {
            let dm_id = dm.room_id().to_owned();
            human.client.join_room_by_id(&dm_id).await.unwrap();
            return dm_id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} was never invited to a DM:\n{}",
            human.client.user_id().unwrap(),
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Issue 15: who reads a private room's notes in a handoff DM is decided by the
/// room's real membership, not by who has spoken there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handoff_notes_from_a_private_encrypted_room_reach_members_only() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = format!("{:x}", rand_tag());
    let mut ids = Vec::new();
    for name in ["baton", "alice", "bob", "carol", "mia"] {
        ids.push(register(&url, &secret, &format!("{name}-{tag}")).await);
    }
    let [bot, alice_id, bob_id, carol_id, mia_id] = ids.try_into().unwrap();
    let (alice, bob, carol, mia) = (
        Human::login(&url, &alice_id).await,
        Human::login(&url, &bob_id).await,
        Human::login(&url, &carol_id).await,
        Human::login(&url, &mia_id).await,
    );

    // Carol's invite-only encrypted room: alice and mia are in it, bob is not.
    let room = carol
        .encrypted_room("Payments", true, &[(&alice_id, &alice), (&mia_id, &mia)])
        .await;
    let room_id = room.room_id().to_owned();

    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    room.invite_user_by_id(&bot).await.unwrap();
    assert!(
        wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await,
        "the bot did not accept carol's invite:\n{}",
        service.log()
    );

    carol.sync().await;
    for command in [
        format!("!baton add Rotate the payment webhook secret for {alice_id}"),
        format!("!baton add Update the checkout service for {mia_id} after T-1"),
        format!("!baton add Update the mobile app for {bob_id} after T-1"),
    ] {
        carol.say(&room_id, &command).await;
    }
    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.starts_with("T-3"))
    })
    .await;
    let t1_card = said
        .iter()
        .find(|m| m.sender == bot.as_str() && m.thread_root.is_none() && m.body.starts_with("T-1"))
        .unwrap_or_else(|| panic!("no card for T-1: {said:#?}\n{}", service.log()))
        .id
        .clone();

    // Alice's note in T-1's thread, then she finishes T-1.
    const SECRET: &str = "vault path kv/plum-zebra-4417";
    alice.sync().await;
    let mut note = RoomMessageEventContent::text_plain(format!(
        "the new signing key is at {SECRET}, old one revoked"
    ));
    note.relates_to = Some(Relation::Thread(Thread::plain(t1_card.clone(), t1_card)));
    alice.room(&room_id).send(note).await.unwrap();
    wait_for_tasks(&db, &service, "alice's note on T-1", |tasks| {
        tasks
            .iter()
            .any(|t| t["key"] == "T-1" && t.to_string().contains("plum-zebra-4417"))
    })
    .await;
    alice.say(&room_id, "!baton done T-1").await;

    // Mia, a member who never said a word, reads the note in her handoff DM.
    let mia_dm = join_dm_from_bot(&mia, &room_id, &service).await;
    let dm = wait_for_messages(&mia, &mia_dm, |s| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.contains("T-2"))
    })
    .await;
    let handoff = dm
        .iter()
        .find(|m| m.sender == bot.as_str() && m.body.contains("T-2"))
        .unwrap_or_else(|| panic!("no handoff DM for mia: {dm:#?}\n{}", service.log()));
    assert!(
        handoff.body.contains(SECRET),
        "mia's DM quotes the note: {handoff:#?}"
    );

    // Bob, who is not in the room, learns T-1 is done and where to ask, not what
    // was said there.
    let bob_dm = join_dm_from_bot(&bob, &room_id, &service).await;
    let dm = wait_for_messages(&bob, &bob_dm, |s| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.contains("T-3"))
    })
    .await;
    let handoff = dm
        .iter()
        .find(|m| m.sender == bot.as_str() && m.body.contains("T-3"))
        .unwrap_or_else(|| panic!("no handoff DM for bob: {dm:#?}\n{}", service.log()));
    assert!(handoff.body.contains("T-1"), "{handoff:#?}");
    assert!(
        !handoff.body.contains("plum-zebra-4417"),
        "the note stays in the room: {handoff:#?}"
    );
    assert!(
        !handoff.body.contains("Rotate the payment webhook"),
        "so does T-1's title: {handoff:#?}"
    );
    assert!(
        handoff.body.contains("More context on T-1 is in"),
        "{handoff:#?}"
    );
    assert!(service.terminate().status.success());
}

/// Sends `content` as a raw `m.room.encrypted` event, encrypted by hand.
async fn send_encrypted_raw(human: &Human, room: &RoomId, content: Value) {
    use matrix_sdk::ruma::TransactionId;
    use matrix_sdk::ruma::api::client::message::send_message_event::v3::Request;
    use matrix_sdk::ruma::serde::Raw;
    human
        .client
        .send(Request::new_raw(
            room.to_owned(),
            TransactionId::new(),
            "m.room.encrypted".into(),
            Raw::new(&content).unwrap().cast_unchecked(),
        ))
        .await
        .unwrap();
}

/// A message the bot cannot decrypt waits for its key: applied when the key comes
/// in time, explained to its sender when it never does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecryptable_command_waits_for_its_key_and_is_explained_if_it_never_comes() {
    use matrix_sdk::ruma::api::client::to_device::send_event_to_device::v3::Request as ToDevice;
    use matrix_sdk_base::store::StoreConfig;
    use matrix_sdk_base::{BaseClient, DmRoomDefinition, ThreadingSupport};

    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = format!("{:x}", rand_tag());
    let bot = register(&url, &secret, &format!("baton-{tag}")).await;
    let dana_id = register(&url, &secret, &format!("dana-{tag}")).await;
    // Dana's client is built on a base client of the test's own, through which
    // the test encrypts a message and holds back its room key.
    let base = BaseClient::new(
        StoreConfig::new(matrix_sdk::cross_process_lock::CrossProcessLockConfig::SingleProcess),
        ThreadingSupport::Disabled,
        DmRoomDefinition::default(),
    );
    let client = Client::builder()
        .homeserver_url(&url)
        .base_client(base.clone())
        .build()
        .await
        .unwrap();
    client
        .matrix_auth()
        .login_username(dana_id.as_str(), PASSWORD)
        .send()
        .await
        .unwrap();
    let dana = Human {
        client,
        _dir: tempfile::tempdir().unwrap(),
    };
    dana.sync().await;

    let room = dana.encrypted_room("Ops", false, &[]).await;
    let room_id = room.room_id().to_owned();
    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    let service = start_bot(&db, &url, &bot, store.path(), dana_id.as_str()).await;
    room.invite_user_by_id(&bot).await.unwrap();
    assert!(
        wait_for_membership(&dana, &room_id, &bot, MembershipState::Join).await,
        "{}",
        service.log()
    );
    // An ordinary command first: Dana's device now has a secure channel to Baton's.
    dana.say(&room_id, &format!("!baton add Warm up for {dana_id}"))
        .await;
    wait_for_tasks(&db, &service, "the first command", |tasks| tasks.len() == 1).await;

    // A command encrypted with a new room key that Baton gets 10 s later.
    dana.room(&room_id).discard_room_key().await.unwrap();
    let held = base.share_room_key(&room_id).await.unwrap();
    assert!(!held.is_empty(), "the new key has someone to go to");
    let command = RoomMessageEventContent::text_plain(format!(
        "!baton add Rotate the TLS certificates for {dana_id}"
    ));
    let encrypted = {
        let machine = base.olm_machine().await;
        let machine = machine.as_ref().unwrap();
        machine
            .encrypt_room_event(&room_id, command)
            .await
            .unwrap()
            .content
    };
    send_encrypted_raw(
        &dana,
        &room_id,
        encrypted.deserialize_as_unchecked().unwrap(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(export(&db).len(), 1, "Baton cannot read it yet");
    for request in &held {
        let response = dana
            .client
            .send(ToDevice::new_raw(
                request.event_type.clone(),
                request.txn_id.clone(),
                request.messages.clone(),
            ))
            .await
            .unwrap();
        let machine = base.olm_machine().await;
        machine
            .as_ref()
            .unwrap()
            .mark_request_as_sent(&request.txn_id, &response)
            .await
            .unwrap();
    }
    wait_for_tasks(&db, &service, "the command once its key came", |tasks| {
        tasks
            .iter()
            .any(|t| t.to_string().contains("Rotate the TLS certificates"))
    })
    .await;

    // A command whose key never comes: explained in the room within about a minute.
    let sent = tokio::time::Instant::now();
    send_encrypted_raw(
        &dana,
        &room_id,
        json!({"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEiBogus",
               "session_id": "bogus-session", "sender_key": "x", "device_id": "X"}),
    )
    .await;
    let explained = |s: &[Said]| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.contains("could not decrypt"))
    };
    let said = loop {
        dana.sync().await;
        let said = messages(&dana, &room_id).await;
        if explained(&said) || sent.elapsed() > Duration::from_secs(80) {
            break said;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert!(
        explained(&said),
        "no explanation after {:?}: {said:#?}\n{}",
        sent.elapsed(),
        service.log()
    );
    assert!(
        sent.elapsed() < Duration::from_secs(75),
        "{:?}",
        sent.elapsed()
    );
    let answer = said
        .iter()
        .find(|m| m.sender == bot.as_str() && m.body.contains("could not decrypt"))
        .unwrap();
    for needle in [dana_id.as_str(), "verify Baton", "send the message again"] {
        assert!(answer.body.contains(needle), "{needle}: {answer:#?}");
    }
    let output = service.terminate();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("decrypted a message once its key arrived"),
        "the held-back command went through the retry: {log}"
    );
    assert!(
        log.contains("cannot decrypt a message") && log.contains("WARN"),
        "{log}"
    );
    assert_eq!(export(&db).len(), 2, "the unreadable message made no task");
}

/// Closes the test's Postgres database to connections (cutting the open ones),
/// or opens it again.
async fn set_postgres_reachable(url: &str, reachable: bool) {
    let name = url.rsplit('/').next().unwrap();
    crate::helpers::set_postgres_database_open(name, reachable).await;
}

/// A bot on Postgres in carol's room, its first command applied.
struct Warm {
    url: String,
    db: TestDb,
    bot: OwnedUserId,
    carol_id: OwnedUserId,
    carol: Human,
    room_id: OwnedRoomId,
    store: tempfile::TempDir,
    service: Service,
}

/// [`Warm`], or `None` (skip) without Synapse or Postgres.
async fn warm_room_on_postgres() -> Option<Warm> {
    let (url, secret) = synapse()?;
    let db = TestDb::postgres().await?;
    let tag = format!("{:x}", rand_tag());
    let bot = register(&url, &secret, &format!("baton-{tag}")).await;
    let carol_id = register(&url, &secret, &format!("carol-{tag}")).await;
    let carol = Human::login(&url, &carol_id).await;
    let store = tempfile::tempdir().unwrap();
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    let room_id = carol.open_room(&bot).await;
    assert!(
        wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await,
        "{}",
        service.log()
    );
    carol.say(&room_id, "!baton add Warm up for me").await;
    wait_for_tasks(&db, &service, "the first command", |tasks| tasks.len() == 1).await;
    Some(Warm {
        url,
        db,
        bot,
        carol_id,
        carol,
        room_id,
        store,
        service,
    })
}

/// Issue 16, 8: commands that arrive while the database is away (longer than the
/// old 8 attempts, about 25 s) are applied when it is back, each once; nothing is
/// skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_sent_while_the_database_is_away_are_applied_once_it_is_back() {
    let Some(Warm {
        url: _url,
        db,
        bot,
        carol_id: _,
        carol,
        room_id,
        store: _store,
        service,
    }) = warm_room_on_postgres().await
    else {
        return;
    };

    // The database goes away for 30 s; three commands come meanwhile.
    set_postgres_reachable(&db.url, false).await;
    let away = tokio::time::Instant::now();
    for title in ["Outage one", "Outage two", "Outage three"] {
        carol
            .say(&room_id, &format!("!baton add {title} for me"))
            .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(away.elapsed())).await;
    set_postgres_reachable(&db.url, true).await;

    wait_for_tasks(
        &db,
        &service,
        "the commands sent during the outage",
        |tasks| tasks.len() >= 4,
    )
    .await;
    let said = wait_for_messages(&carol, &room_id, |s| {
        (2..=4).all(|n| s.iter().any(|m| m.body.starts_with(&format!("T-{n} "))))
    })
    .await;
    // Long enough for a duplicate to show.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let tasks = export(&db);
    let mut titles: Vec<String> = tasks
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        ["Outage one", "Outage three", "Outage two", "Warm up"],
        "each command once: {tasks:#?}\n{}",
        service.log()
    );
    carol.sync().await;
    let said_now = messages(&carol, &room_id).await;
    for n in 1..=4 {
        let cards = said_now
            .iter()
            .filter(|m| m.sender == bot.as_str() && m.body.starts_with(&format!("T-{n} ")))
            .count();
        assert_eq!(cards, 1, "one card for T-{n}: {said:#?}\n{}", service.log());
    }
    let output = service.terminate();
    assert!(output.status.success());
    let log = log_lines(&String::from_utf8_lossy(&output.stderr)).join("\n");
    assert!(
        log.contains("cannot apply a Matrix event; retrying"),
        "{log}"
    );
    assert!(!log.contains("skipped"), "{log}");
}

/// `baton run` with the Matrix adapter on `db`, until it exits (at most 60 s).
async fn run_until_exit(
    db: &TestDb,
    store: &std::path::Path,
    homeserver: &str,
) -> std::process::Output {
    let (db_url, store, homeserver) = (
        db.url.clone(),
        store.display().to_string(),
        homeserver.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let mut child = crate::helpers::baton_command()
            .args(["run", "--database-url", &db_url])
            .env(
                "BATON_HTTP__LISTEN",
                format!("127.0.0.1:{}", crate::helpers::free_port()),
            )
            .env("BATON_MATRIX__HOMESERVER", homeserver)
            .env("BATON_MATRIX__USER", "@baton:localhost")
            .env("BATON_MATRIX__PASSWORD", PASSWORD)
            .env("BATON_MATRIX__STORE_DIR", store)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + PATIENCE;
        while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// Issue 16, 9: a saved session Baton cannot read stops the start with a message
/// saying what to do; the encryption store is left exactly as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_saved_session_stops_the_start_and_keeps_the_keys() {
    let db = TestDb::sqlite().await;
    db.store
        .set_adapter_state(
            "matrix.session",
            "{\"user_id\": \"@baton:loc",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let parent = tempfile::tempdir().unwrap();
    let store = parent.path().join("matrix-store");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(
        store.join("matrix-sdk-crypto.sqlite3"),
        b"the old device's keys",
    )
    .unwrap();
    // Nothing listens there: the start must stop before any network.
    let output = run_until_exit(&db, &store, "http://127.0.0.1:1").await;
    let log = log_lines(&String::from_utf8_lossy(&output.stderr)).join("\n");
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains("the saved Matrix session")
            && log.contains("cannot be parsed")
            && log.contains("DELETE FROM adapter_state WHERE name = 'matrix.session'"),
        "{log}"
    );
    assert!(!log.contains("logged in to Matrix"), "{log}");
    assert_eq!(
        std::fs::read(store.join("matrix-sdk-crypto.sqlite3")).unwrap(),
        b"the old device's keys"
    );
    let entries: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing set aside: {entries:?}");
}

/// Issue 16, 9: only the homeserver saying the session is over (`M_UNKNOWN_TOKEN`)
/// makes Baton log in as a new device, and the old store is kept aside, renamed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_the_homeserver_ended_is_replaced_and_the_old_store_kept_aside() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = format!("{:x}", rand_tag());
    let bot = register(&url, &secret, &format!("baton-{tag}")).await;
    let db = TestDb::sqlite().await;
    let parent = tempfile::tempdir().unwrap();
    let store = parent.path().join("matrix-store");
    let service = start_bot(&db, &url, &bot, &store, "").await;
    assert!(service.terminate().status.success());
    // The bot's device is logged out behind its back.
    let session: Value = serde_json::from_str(
        &db.store
            .adapter_state("matrix.session")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let token = session["access_token"].as_str().unwrap();
    let logout = reqwest::Client::new()
        .post(format!("{url}/_matrix/client/v3/logout"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_success(), "{logout:?}");

    let service = start_bot(&db, &url, &bot, &store, "").await;
    let log = service.log();
    assert!(
        log.contains("the homeserver says the saved Matrix session is over"),
        "{log}"
    );
    assert!(log.contains("logged in to Matrix as a new device"), "{log}");
    assert!(service.terminate().status.success());
    let aside: Vec<std::path::PathBuf> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("matrix-store.replaced-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}\n{log}");
    assert!(
        std::fs::read_dir(&aside[0]).unwrap().next().is_some(),
        "the old store's files are kept"
    );
}

/// Issue 16, 8: a command the SDK synced but Baton could not apply (the database
/// was away) when the process died is applied after the restart, from Baton's
/// checkpoint, although the SDK's own sync token is already past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_synced_but_not_applied_before_a_crash_is_applied_after_it() {
    let Some(Warm {
        url,
        db,
        bot,
        carol_id,
        carol,
        room_id,
        store,
        service,
    }) = warm_room_on_postgres().await
    else {
        return;
    };

    set_postgres_reachable(&db.url, false).await;
    carol
        .say(&room_id, "!baton add Before the crash for me")
        .await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !log_lines(&service.log())
        .join("\n")
        .contains("cannot apply a Matrix event; retrying")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the command never reached the worker:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    service.kill();
    set_postgres_reachable(&db.url, true).await;

    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    wait_for_tasks(
        &db,
        &service,
        "the command from before the crash",
        |tasks| tasks.len() == 2,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(export(&db).len(), 2, "{}", service.log());
    assert!(service.terminate().status.success());
}

/// Forwards every connection to `port` on `to` (a homeserver coming up late).
async fn forward(listener: tokio::net::TcpListener, to: String) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        let to = to.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(&to).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_homeserver_that_is_down_at_start_is_tried_again_and_readyz_says_why() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = rand_tag();
    let bot = register(&url, &secret, &format!("late{tag}")).await;
    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    // The homeserver's address answers nothing yet.
    let port = crate::helpers::free_port();
    let env = [
        (
            "BATON_MATRIX__HOMESERVER",
            format!("http://127.0.0.1:{port}"),
        ),
        ("BATON_MATRIX__USER", bot.to_string()),
        ("BATON_MATRIX__PASSWORD", PASSWORD.to_owned()),
        (
            "BATON_MATRIX__STORE_DIR",
            store.path().display().to_string(),
        ),
    ];
    let db_url = db.url.clone();
    let mut service = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Service::start_with(&db_url, &env)
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let waiting = service.get("/readyz").unwrap_or_default();
    assert!(service.is_running(), "{}", service.log());
    assert!(waiting.starts_with("HTTP/1.1 503"), "{waiting}");
    assert!(waiting.contains("cannot reach the homeserver"), "{waiting}");

    // The homeserver comes up.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let synapse_address = url.trim_start_matches("http://").to_owned();
    let forwarder = tokio::spawn(forward(listener, synapse_address));
    let ready = tokio::task::spawn_blocking(move || {
        let ready = service.wait_for("/readyz", "HTTP/1.1 200", PATIENCE);
        (ready, service)
    })
    .await
    .unwrap();
    forwarder.abort();
    assert!(ready.0, "{}", ready.1.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reply_reaches_matrix_in_parts_the_server_accepts() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = rand_tag();
    let bot = register(&url, &secret, &format!("longbot{tag}")).await;
    let carol_id = register(&url, &secret, &format!("longcarol{tag}")).await;
    let carol = Human::login(&url, &carol_id).await;
    let room_id = carol.open_room(&bot).await;
    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    assert!(
        wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await,
        "{}",
        service.log()
    );
    carol.sync().await;

    carol.say(&room_id, "!baton add Write the runbook").await;
    for n in 0..5 {
        let note = format!("note {n} begins {} note {n} ends", "word ".repeat(700));
        carol
            .say(&room_id, &format!("!baton note T-1 {note}"))
            .await;
    }
    carol.say(&room_id, "!baton show T-1").await;

    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter()
            .filter(|m| m.sender == bot.as_str())
            .any(|m| m.body.contains("note 4 ends"))
    })
    .await;
    let shown: Vec<&Said> = said
        .iter()
        .filter(|m| m.sender == bot.as_str())
        .skip_while(|m| !m.body.starts_with("T-1 Write the runbook\n"))
        .collect();
    assert!(
        shown.len() >= 2,
        "one reply in parts: {shown:#?}\n{}",
        service.log()
    );
    assert!(shown.iter().all(|m| m.body.len() <= 12_000));
    let whole: String = shown.iter().map(|m| m.body.as_str()).collect();
    for n in 0..5 {
        assert!(whole.contains(&format!("note {n} ends")), "note {n} lost");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_with_a_user_id_in_it_is_not_made_a_mention() {
    let Some((url, secret)) = synapse() else {
        return;
    };
    let tag = rand_tag();
    let bot = register(&url, &secret, &format!("pillbot{tag}")).await;
    let carol_id = register(&url, &secret, &format!("pillcarol{tag}")).await;
    let alice_id = register(&url, &secret, &format!("pillalice{tag}")).await;
    let carol = Human::login(&url, &carol_id).await;
    let room_id = carol.open_room(&bot).await;
    let db = TestDb::sqlite().await;
    let store = tempfile::tempdir().unwrap();
    let service = start_bot(&db, &url, &bot, store.path(), carol_id.as_str()).await;
    assert!(wait_for_membership(&carol, &room_id, &bot, MembershipState::Join).await);
    carol.sync().await;
    let link = format!("https://wiki.example.org/people/{alice_id}/notes");

    carol.say(&room_id, "!baton add Read the notes").await;
    carol
        .say(&room_id, &format!("!baton note T-1 see {link}"))
        .await;
    carol.say(&room_id, "!baton show T-1").await;

    let said = wait_for_messages(&carol, &room_id, |s| {
        s.iter()
            .any(|m| m.sender == bot.as_str() && m.body.starts_with("T-1 Read the notes\n"))
    })
    .await;
    let shown = said
        .iter()
        .rev()
        .find(|m| m.sender == bot.as_str() && m.body.starts_with("T-1 Read the notes\n"))
        .unwrap_or_else(|| panic!("no answer: {said:#?}\n{}", service.log()));
    let event = carol.room(&room_id).event(&shown.id, None).await.unwrap();
    let value: Value = serde_json::from_str(event.raw().json().get()).unwrap();
    let content = &value["content"];
    let mentioned = content["m.mentions"]["user_ids"].to_string();
    assert!(!mentioned.contains(alice_id.as_str()), "{content}");
    let html = content["formatted_body"].as_str().unwrap_or_default();
    assert!(!html.contains(&format!("matrix.to/#/{alice_id}")), "{html}");
    assert!(shown.body.contains(&link), "{}", shown.body);
}

mod picture;
