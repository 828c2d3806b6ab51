//! `baton bench`: a deterministic workload, and timings of what Baton exists to do.
//!
//! `baton bench workload --tasks N --seed S` writes N tasks as `baton import` JSON
//! lines (a stable contract: other tools run on the very same workload).
//! `baton bench run` imports a workload into a fresh SQLite file and a fresh
//! Postgres database and measures ingest (against the database's own ceiling),
//! completion → handoff latency, queries and import, printing a Markdown table.
//! `baton bench handoff --sizes 1000,10000,...` times completion → handoff on a
//! fresh database at each size, and how its p99 grows with the size.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::Notify;

use crate::chat::console;
use crate::domain::{PersonId, TaskKey};
use crate::engine::{Defaults, Engine, Inbound, InboundKind};
use crate::store::{PgStore, SqliteStore, Store};
use crate::transfer::{self, TaskLine};

/// Owners in a workload: `user0` .. `user49`.
pub const OWNERS: u64 = 50;
/// The first tasks depend on nothing.
const ROOTS: u64 = 3;
/// Dependencies reach back at most this far, so chains form among recent tasks.
const REACH: u64 = 1000;

const VERBS: [&str; 8] = [
    "Migrate", "Review", "Ship", "Design", "Document", "Test", "Deploy", "Refactor",
];
const NOUNS: [&str; 8] = [
    "billing API",
    "SDK",
    "runbook",
    "search index",
    "login flow",
    "dashboard",
    "queue",
    "schema",
];

/// `tasks` tasks as a DAG: each after the first few depends on 0–3 earlier ones,
/// mostly recent ones; 50 owners. The same seed gives the same workload.
pub fn workload(tasks: u64, seed: u64) -> impl Iterator<Item = TaskLine> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=tasks).map(move |n| {
        let mut depends_on = BTreeSet::new();
        if n > ROOTS {
            for _ in 0..rng.random_range(0..=3) {
                // Cubing a uniform number biases the distance towards 1.
                let reach = (n - 1).min(REACH) as f64;
                let distance = 1 + (rng.random::<f64>().powi(3) * reach) as u64;
                depends_on.insert(TaskKey::new(n - distance.min(n - 1)));
            }
        }
        let verb = VERBS[rng.random_range(0..VERBS.len())];
        let noun = NOUNS[rng.random_range(0..NOUNS.len())];
        TaskLine {
            key: TaskKey::new(n),
            title: format!("{verb} the {noun} ({n})"),
            owner: Some(format!("user{}", rng.random_range(0..OWNERS))),
            depends_on: depends_on.into_iter().collect(),
            status: None,
            room: None,
            created_by: None,
            external_blocker: None,
            events: Vec::new(),
        }
    })
}

/// What `baton bench run` measures.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Tasks imported before the queries and completions.
    pub tasks: u64,
    /// Commands for each ingest measurement.
    pub commands: usize,
    /// Completions timed for the handoff latency.
    pub completions: usize,
    /// Where to create a fresh Postgres database (`postgres://USER@HOST:PORT`); none
    /// to measure SQLite only.
    pub postgres: Option<String>,
    pub seed: u64,
}

/// One line of the results table.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub backend: &'static str,
    pub what: String,
    pub value: String,
}

/// Runs every measurement on SQLite and, if given, Postgres.
///
/// # Errors
/// When a database cannot be created or a step fails.
pub async fn run(options: &BenchOptions) -> anyhow::Result<Vec<Measurement>> {
    let mut results = Vec::new();
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let sqlite = SqliteStore::connect(&url).await?;
    sqlite.migrate().await?;
    let ceiling_pool = sqlite.pool().clone();
    let ceiling = |n, statements| sqlite_ceiling(ceiling_pool.clone(), n, statements);
    results.extend(measure("sqlite", Arc::new(sqlite), options, ceiling).await?);

    if let Some(base) = &options.postgres {
        let name = format!("baton_bench_{}", std::process::id());
        let admin = format!("{base}/postgres");
        create_database(&admin, &name).await?;
        let outcome = async {
            let pg = PgStore::connect(&format!("{base}/{name}")).await?;
            pg.migrate().await?;
            let pool = pg.pool().clone();
            let ceiling = |n, statements| pg_ceiling(pool.clone(), n, statements);
            measure("postgres", Arc::new(pg), options, ceiling).await
        }
        .await;
        drop_database(&admin, &name).await?;
        results.extend(outcome?);
    }
    Ok(results)
}

async fn measure<C, F>(
    backend: &'static str,
    store: Arc<dyn Store>,
    options: &BenchOptions,
    ceiling: C,
) -> anyhow::Result<Vec<Measurement>>
where
    C: Fn(usize, usize) -> F,
    F: Future<Output = anyhow::Result<Duration>>,
{
    let mut out = Vec::new();
    let mut row = |what: String, value: String| {
        out.push(Measurement {
            backend,
            what,
            value,
        })
    };
    let engine = Engine::new(store.clone(), Arc::new(Notify::new()), Defaults::default());
    let n = options.tasks;

    // Import.
    let file = write_workload(n, options.seed)?;
    reset_peak_rss();
    let took = import_file(store.as_ref(), &file).await?;
    row(
        format!("import {n} tasks"),
        format!("{:.2} s", took.as_secs_f64()),
    );
    row(format!("peak RSS, import {n} tasks"), rss_row());

    // Ingest: one command, one transaction, as in production.
    reset_peak_rss();
    let m = options.commands;
    let started = Instant::now();
    for i in 0..m {
        engine
            .handle(&command(
                "#ingest",
                i,
                &format!(
                    "!baton add Ingest task {i} for @user{} after T-{}",
                    i % 50,
                    1 + i as u64 % n
                ),
            ))
            .await?;
    }
    let single = m as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let rooms: Vec<_> = (0..4)
        .map(|room| {
            let engine = engine.clone();
            tokio::spawn(async move {
                for i in 0..m / 4 {
                    let text = format!("!baton add Room {room} task {i} for @user{}", i % 50);
                    let inbound = command(&format!("#room{room}"), i, &text);
                    engine.handle(&inbound).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for room in rooms {
        room.await??;
    }
    let concurrent = (m / 4 * 4) as f64 / started.elapsed().as_secs_f64();
    let ceiling_rate = m as f64 / ceiling(m, 1).await?.as_secs_f64();
    // Not a target: how much of the gap is the count of statements alone.
    let statements_rate = m as f64 / ceiling(m, COMMAND_STATEMENTS).await?.as_secs_f64();
    row("ingest, 1 room (commands/s)".into(), format!("{single:.0}"));
    row(
        "ingest, 4 rooms at once (commands/s)".into(),
        format!("{concurrent:.0}"),
    );
    row(
        "ceiling: 1-row INSERT per transaction (/s)".into(),
        format!("{ceiling_rate:.0}"),
    );
    row(
        "ingest / ceiling".into(),
        format!("{:.2}", single / ceiling_rate),
    );
    row(
        format!(
            "{COMMAND_STATEMENTS} 1-row INSERTs per transaction, as many statements as an add (/s)"
        ),
        format!("{statements_rate:.0}"),
    );
    row(
        format!("ingest / {COMMAND_STATEMENTS}-INSERT transactions"),
        format!("{:.2}", single / statements_rate),
    );
    row("peak RSS, ingest".into(), rss_row());

    // Completion → handoff rows committed.
    reset_peak_rss();
    let latencies = time_completions(&engine, n, options.seed, options.completions).await?;
    row(
        format!("done → handoff p50 at {n} tasks"),
        millis(percentile(&latencies, 50)),
    );
    row(
        format!("done → handoff p99 at {n} tasks"),
        millis(percentile(&latencies, 99)),
    );
    row("peak RSS, completions".into(), rss_row());

    // Queries in the room holding the workload.
    reset_peak_rss();
    for (what, text) in [
        ("show", "!baton show T-42".to_owned()),
        ("mine", "!baton mine".to_owned()),
        ("blocked (room)", "!baton blocked".to_owned()),
        ("digest (room)", "!baton digest".to_owned()),
        ("graph T-42 (SVG)", "!baton graph T-42".to_owned()),
        ("graph (room, SVG)", "!baton graph".to_owned()),
    ] {
        let runs = 5;
        let started = Instant::now();
        for i in 0..runs {
            let mut inbound = command("#general", i, &text);
            inbound.author = PersonId::new(console::PLATFORM, "@user7");
            engine.handle(&inbound).await?;
        }
        row(
            format!("{what}, room of {n} tasks"),
            millis(started.elapsed() / runs as u32),
        );
    }
    row("peak RSS, queries".into(), rss_row());

    // The picture alone, as the adapters make it at delivery: 60 tasks.
    let scene = crate::picture::sample(crate::picture::MAX_NODES as u64);
    let runs = 5;
    let started = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(scene.svg());
    }
    row(
        "picture of 60 tasks: layout and SVG".into(),
        millis(started.elapsed() / runs),
    );
    let started = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(scene.png()?);
    }
    row(
        "picture of 60 tasks: layout, SVG and PNG".into(),
        millis(started.elapsed() / runs),
    );
    Ok(out)
}

/// What `baton bench handoff` measures: completion → handoff at several sizes.
#[derive(Debug, Clone)]
pub struct HandoffOptions {
    /// Workload sizes, each imported into a fresh database.
    pub sizes: Vec<u64>,
    /// Completions timed at each size.
    pub completions: usize,
    /// Where to create fresh Postgres databases; none to measure SQLite only.
    pub postgres: Option<String>,
    pub seed: u64,
}

/// Completion → handoff latency at each size, on a fresh database each time, and
/// how p99 grows from the smallest size to the largest: the cost must follow the
/// finished task's dependents, not the size of the graph.
///
/// # Errors
/// When a database cannot be created or a step fails.
pub async fn handoff(options: &HandoffOptions) -> anyhow::Result<Vec<Measurement>> {
    let mut results = Vec::new();
    let dir = tempfile::tempdir()?;
    for (backend, postgres) in [("sqlite", None), ("postgres", options.postgres.as_deref())] {
        if backend == "postgres" && postgres.is_none() {
            continue;
        }
        let mut p99s = Vec::new();
        for &n in &options.sizes {
            let file = write_workload(n, options.seed)?;
            reset_peak_rss();
            let (import, latencies) = match postgres {
                None => {
                    let url = format!(
                        "sqlite://{}",
                        dir.path().join(format!("handoff-{n}.db")).display()
                    );
                    let store = SqliteStore::connect(&url).await?;
                    store.migrate().await?;
                    let store: Arc<dyn Store> = Arc::new(store);
                    let outcome = import_and_complete(store, &file, n, options).await;
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(
                            dir.path().join(format!("handoff-{n}.db{suffix}")),
                        );
                    }
                    outcome?
                }
                Some(base) => {
                    let name = format!("baton_bench_{}_{n}", std::process::id());
                    let admin = format!("{base}/postgres");
                    create_database(&admin, &name).await?;
                    let outcome = async {
                        let pg = PgStore::connect(&format!("{base}/{name}")).await?;
                        pg.migrate().await?;
                        import_and_complete(Arc::new(pg), &file, n, options).await
                    }
                    .await;
                    drop_database(&admin, &name).await?;
                    outcome?
                }
            };
            let p99 = percentile(&latencies, 99);
            p99s.push(p99);
            for (what, value) in [
                (
                    format!("import {n} tasks"),
                    format!("{:.2} s", import.as_secs_f64()),
                ),
                (
                    format!("done → handoff p50 at {n} tasks"),
                    millis(percentile(&latencies, 50)),
                ),
                (format!("done → handoff p99 at {n} tasks"), millis(p99)),
                (
                    format!("peak RSS, import and completions at {n} tasks"),
                    rss_row(),
                ),
            ] {
                results.push(Measurement {
                    backend,
                    what,
                    value,
                });
            }
        }
        if let (Some(first), Some(last), Some(small), Some(large)) = (
            p99s.first(),
            p99s.last(),
            options.sizes.first(),
            options.sizes.last(),
        ) && !first.is_zero()
        {
            results.push(Measurement {
                backend,
                what: format!("p99({large}) / p99({small})"),
                value: format!("{:.2}", last.as_secs_f64() / first.as_secs_f64()),
            });
        }
    }
    Ok(results)
}

/// Imports the workload in `file`, then times completions on it.
async fn import_and_complete(
    store: Arc<dyn Store>,
    file: &tempfile::NamedTempFile,
    n: u64,
    options: &HandoffOptions,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let import = import_file(store.as_ref(), file).await?;
    let engine = Engine::new(store, Arc::new(Notify::new()), Defaults::default());
    let latencies = time_completions(&engine, n, options.seed, options.completions).await?;
    Ok((import, latencies))
}

/// Writes the workload as `baton import` lines to a scratch file, so the import
/// streams it as `baton import FILE` would.
fn write_workload(n: u64, seed: u64) -> anyhow::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new()?;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        for line in workload(n, seed) {
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    Ok(file)
}

/// `baton import` of a workload file; how long it took.
async fn import_file(
    store: &dyn Store,
    file: &tempfile::NamedTempFile,
) -> anyhow::Result<Duration> {
    let input = tokio::io::BufReader::new(tokio::fs::File::open(file.path()).await?);
    let started = Instant::now();
    transfer::import(store, input, Utc::now()).await?;
    Ok(started.elapsed())
}

/// Finishes up to `count` tasks that wait on nothing, each by its owner, timing each
/// `done` from entering the engine to its handoff rows being committed; sorted.
async fn time_completions(
    engine: &Engine,
    n: u64,
    seed: u64,
    count: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(count);
    let candidates = workload(n, seed)
        .filter(|t| t.depends_on.is_empty())
        .take(count);
    for (i, task) in candidates.enumerate() {
        let owner = task.owner.unwrap_or_default();
        let mut inbound = command("#general", i, &format!("!baton done {}", task.key));
        inbound.author = PersonId::new(console::PLATFORM, &format!("@{owner}"));
        let started = Instant::now();
        engine.handle(&inbound).await?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    Ok(latencies)
}

fn command(room: &str, i: usize, text: &str) -> Inbound {
    Inbound {
        event_id: format!(
            "bench:{room}:{i}:{}",
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ),
        platform: console::PLATFORM.to_owned(),
        room: format!("{}:{room}", console::PLATFORM),
        room_name: room.to_owned(),
        room_privacy: crate::domain::RoomPrivacy::Public,
        author: PersonId::new(console::PLATFORM, "@bench"),
        kind: InboundKind::Message {
            text: text.to_owned(),
            thread_task: None,
            dm: false,
        },
        message_id: None,
        permalink: None,
        at: Utc::now(),
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * p) / 100]
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Statements inside the transaction of the ingest's `add ... after T-n`: its dedup
/// record, the blocker's row, the task, the dependency, the events and the card.
const COMMAND_STATEMENTS: usize = 6;

/// The least a durable command needs: one single-row INSERT per transaction. With
/// `statements` above one, as many INSERTs in each transaction: what the count of
/// statements costs by itself.
async fn sqlite_ceiling(
    pool: sqlx::SqlitePool,
    n: usize,
    statements: usize,
) -> anyhow::Result<Duration> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_ceiling (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)",
    )
    .execute(&pool)
    .await?;
    let started = Instant::now();
    for i in 0..n {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for _ in 0..statements {
            sqlx::query("INSERT INTO bench_ceiling (payload) VALUES ($1)")
                .bind(format!("row {i}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(started.elapsed())
}

async fn pg_ceiling(pool: sqlx::PgPool, n: usize, statements: usize) -> anyhow::Result<Duration> {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_ceiling (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    let started = Instant::now();
    for i in 0..n {
        let mut tx = pool.begin().await?;
        for _ in 0..statements {
            sqlx::query("INSERT INTO bench_ceiling (payload) VALUES ($1)")
                .bind(format!("row {i}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(started.elapsed())
}

async fn create_database(admin: &str, name: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    Ok(())
}

async fn drop_database(admin: &str, name: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Writes `results` as the Markdown table BENCHMARKS.md shows.
///
/// # Errors
/// When `out` cannot be written.
pub fn write_table(results: &[Measurement], out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "| backend | measurement | result |\n|---|---|---|")?;
    for m in results {
        writeln!(out, "| {} | {} | {} |", m.backend, m.what, m.value)?;
    }
    Ok(())
}

/// Writes the workload of [`workload`] as `baton import` JSON lines.
///
/// # Errors
/// When `out` cannot be written.
pub fn write_workload_to(tasks: u64, seed: u64, out: impl std::io::Write) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    for line in workload(tasks, seed) {
        serde_json::to_writer(&mut out, &line)?;
        std::io::Write::write_all(&mut out, b"\n")?;
    }
    std::io::Write::flush(&mut out)?;
    Ok(())
}

mod memory;
mod parsing;
use memory::{reset_peak_rss, rss_row};
pub use parsing::{ParseTiming, time_parsing, write_parse_timing};

#[cfg(test)]
mod tests;
