//! Shared test fixtures: fresh databases on both backends, running the binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use async_trait::async_trait;
use baton::engine::{Inbound, InboundKind};
use baton::outbox::{Delivered, DeliveryError, Outlet};
use baton::store::{self, OutboxMessage, Store};

/// An outlet that keeps every delivered message, for tests that read what the
/// bot sent without a chat platform.
#[derive(Default)]
pub struct Recording {
    pub delivered: std::sync::Mutex<Vec<OutboxMessage>>,
}

impl Recording {
    /// What was delivered since the last call.
    pub fn take(&self) -> Vec<OutboxMessage> {
        std::mem::take(&mut *self.delivered.lock().unwrap())
    }
}

/// Event `n` of `author` in the console's `#general`, a public room.
pub fn general_inbound(n: u64, author: &str, kind: InboundKind) -> Inbound {
    Inbound {
        event_id: format!("test:{n}"),
        platform: "console".into(),
        room: "console:#general".into(),
        room_name: "#general".into(),
        room_privacy: baton::domain::RoomPrivacy::Public,
        author: baton::domain::PersonId::new("console", author),
        kind,
        message_id: None,
        permalink: None,
        at: chrono::Utc::now(),
    }
}

#[async_trait]
impl Outlet for Recording {
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
        self.delivered.lock().unwrap().push(message.clone());
        Ok(Delivered {
            platform_message_id: None,
        })
    }
}

/// Where the tests find Postgres; each test creates and drops its own database.
pub fn postgres_base_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    pub store: Arc<dyn Store>,
    /// Keeps the SQLite file's directory alive for the test.
    _dir: Option<tempfile::TempDir>,
    /// The Postgres database to drop afterwards.
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("baton.db").display());
        let store = store::connect(&url).await.expect("open sqlite");
        TestDb {
            url,
            store: Arc::from(store),
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// A SQLite database at `url` (a directory the caller keeps).
    pub async fn sqlite_at(url: &str) -> TestDb {
        let store = store::connect(url).await.expect("open sqlite");
        TestDb {
            url: url.to_owned(),
            store: Arc::from(store),
            _dir: None,
            pg_name: None,
        }
    }

    /// A fresh Postgres database, or `None` (skip) when Postgres is unreachable
    /// outside CI. In CI (`CI` set) an unreachable Postgres fails the test.
    pub async fn postgres() -> Option<TestDb> {
        let url = fresh_postgres_database().await?;
        let name = url.rsplit('/').next().map(str::to_owned);
        let store = store::connect(&url).await.expect("open postgres");
        Some(TestDb {
            url,
            store: Arc::from(store),
            _dir: None,
            pg_name: name,
        })
    }
}

/// Creates an empty Postgres database and returns its URL.
pub async fn fresh_postgres_database() -> Option<String> {
    use sqlx::Connection;
    let base = postgres_base_url();
    let admin = match sqlx::PgConnection::connect(&format!("{base}/postgres")).await {
        Ok(conn) => conn,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("Postgres at {base} is unreachable and CI is set: {e}")
        }
        Err(e) => {
            eprintln!("skipping a Postgres test: {base} is unreachable ({e})");
            return None;
        }
    };
    let mut admin = admin;
    let name = format!("baton_test_{}_{}", std::process::id(), unique());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create database");
    Some(format!("{base}/{name}"))
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    u64::from(nanos) * 1000 + NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Closes a Postgres database to every connection (and cuts the open ones), or
/// opens it again: an outage that loses nothing.
pub async fn set_postgres_database_open(name: &str, open: bool) {
    use sqlx::Connection;
    let base = postgres_base_url();
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS {open}"
    )))
    .execute(&mut admin)
    .await
    .expect("alter database");
    if !open {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(name)
            .execute(&mut admin)
            .await
            .expect("cut connections");
    }
}

/// Drops a Postgres database from a thread of its own (drop cannot await).
pub fn drop_postgres_database(name: String) {
    let base = postgres_base_url();
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await?;
            Ok::<_, anyhow::Error>(())
        })
    })
    .join();
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_postgres_database(name);
        }
    }
}

/// Runs a test body against SQLite and against Postgres, each on a fresh database.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn on_sqlite() {
                    super::$name(crate::helpers::TestDb::sqlite().await).await;
                }

                #[tokio::test]
                async fn on_postgres() {
                    if let Some(db) = crate::helpers::TestDb::postgres().await {
                        super::$name(db).await;
                    }
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

/// The `baton` binary, without the caller's `BATON_*` configuration or `RUST_LOG`:
/// tests set what they need.
pub fn baton_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baton"));
    command.env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BATON_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs the `baton` binary with `args`, feeding `stdin`.
pub fn baton(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = baton_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run baton");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("wait for baton");
    let _ = writer.join();
    output
}

/// A console session's output split into `>>>` blocks: (header, text).
pub fn blocks(stdout: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(stdout);
    let mut blocks = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        if let Some(header) = line.strip_prefix(">>> ") {
            if let Some((h, body)) = current.take() {
                blocks.push((h, body.join("\n").trim_end().to_owned()));
            }
            current = Some((header.to_owned(), Vec::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push(line.to_owned());
        }
    }
    if let Some((h, body)) = current {
        blocks.push((h, body.join("\n").trim_end().to_owned()));
    }
    blocks
}

/// `baton console` on `url` with `script` on stdin: the blocks it printed, after
/// checking it exited 0.
pub fn console_blocks(url: &str, script: &str) -> Vec<(String, String)> {
    let output = baton(&["console", "--database-url", url], script.as_bytes());
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    blocks(&output.stdout)
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `baton run` process on a free loopback port.
pub struct Service {
    child: std::process::Child,
    pub address: String,
    /// Everything the process wrote to stderr so far (its log).
    log: Arc<std::sync::Mutex<Vec<u8>>>,
    drain: Option<std::thread::JoinHandle<()>>,
}

impl Service {
    /// Starts `baton run` on `database_url` and waits until `/healthz` answers.
    pub fn start(database_url: &str) -> Service {
        Service::start_with(database_url, &[])
    }

    /// Starts `baton run` with extra environment and waits until `/healthz` answers.
    pub fn start_with(database_url: &str, env: &[(&str, &str)]) -> Service {
        let address = format!("127.0.0.1:{}", free_port());
        let mut child = baton_command()
            .args(["run", "--database-url", database_url])
            .env("BATON_HTTP__LISTEN", &address)
            .env("BATON_SHUTDOWN_GRACE", "2s")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start baton run");
        // Drained as it comes, so a chatty process never blocks on a full pipe.
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        let drain = std::thread::spawn(move || {
            use std::io::Read;
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        let service = Service {
            child,
            address,
            log,
            drain: Some(drain),
        };
        if !service.wait_for(
            "/healthz",
            "HTTP/1.1 200",
            std::time::Duration::from_secs(10),
        ) {
            panic!("baton run did not serve /healthz:\n{}", service.log());
        }
        service
    }

    /// The process's log so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// The base URL of the HTTP listener.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The raw HTTP response to `GET path`, or `None` when nothing answers.
    pub fn get(&self, path: &str) -> Option<String> {
        use std::io::Read;
        let mut stream = std::net::TcpStream::connect(&self.address).ok()?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        Some(response)
    }

    /// Polls `path` until its response starts with `prefix`; false after `timeout`.
    pub fn wait_for(&self, path: &str, prefix: &str, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if self.get(path).is_some_and(|r| r.starts_with(prefix)) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM and waits for the process to end.
    pub fn terminate(self) -> Output {
        self.signal("TERM")
    }

    /// Sends SIGKILL: the process dies mid-whatever, as in a crash.
    pub fn kill(self) -> Output {
        self.signal("KILL")
    }

    fn signal(mut self, name: &str) -> Output {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -{name}");
        let status = self.child.wait().expect("wait for baton run");
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
        Output {
            status,
            stdout: Vec::new(),
            stderr: self.log.lock().unwrap().clone(),
        }
    }
}

impl Drop for Service {
    /// A test that fails midway must not leave `baton run` behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
