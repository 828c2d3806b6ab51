//! The `baton` command: parse the command line, load settings, start logging, and
//! hand over to the library.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use baton::settings::{self, Settings};
use baton::store::{self, Store};
use baton::{app, chat, parser, telemetry, transfer};

/// Baton: a chat-ops bot that moves work between people.
///
/// Capture tasks and dependencies in chat; when a task's last blocker finishes,
/// Baton hands it to its owner with everything they need to start.
#[derive(Debug, Parser)]
#[command(name = "baton", version, propagate_version = true)]
struct Cli {
    /// Configuration file [default: baton.toml, if it exists].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB [default: sqlite://baton.db].
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot with every configured chat adapter (the default).
    Run,
    /// Talk to the bot in this terminal, on the configured database.
    Console,
    /// Parse chat messages given as JSON lines on stdin; print one JSON line each.
    Parse,
    /// Apply database migrations, then exit.
    Migrate,
    /// Import tasks from a JSON lines file (`-` for stdin), all or nothing.
    Import {
        /// The file: one `{"key": "T-1", "title": ..., "owner": ..., "depends_on": [...]}` a line.
        file: PathBuf,
    },
    /// Write every task, with its status and events, as JSON lines to stdout.
    Export,
    /// Check the configuration, the database and the chat credentials; say how to fix what is wrong.
    Doctor,
    /// Probe a running Baton's /healthz (for container health checks); exit 0 when healthy.
    Healthcheck {
        /// Where Baton listens [default: the configured http.listen].
        #[arg(long, value_name = "HOST:PORT")]
        address: Option<String>,
    },
    /// Benchmarks: a deterministic workload, and timings on SQLite and Postgres.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Draw the dependency graph around a task, or a room's most blocking chains.
    ///
    /// Writes to stdout (`baton graph T-7 --format png > graph.png`). What a
    /// private room said shows only in that room's picture: the picture is drawn
    /// as the members of --room (or of the task's own room) see it.
    Graph {
        /// The task to draw around, like T-7; without it, the room's chains.
        task: Option<baton::domain::TaskKey>,
        /// The room, by id or name (`#general`): whose picture it is.
        #[arg(long, value_name = "ROOM")]
        room: Option<String>,
        /// What to write.
        #[arg(long, value_enum, default_value_t = baton::picture::Format::Text)]
        format: baton::picture::Format,
    },
    /// Show the outbox: messages waiting, delivered and failed.
    Outbox {
        /// Only messages that failed permanently, with the reason.
        #[arg(long)]
        failed: bool,
        /// How many of the newest messages to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Write a deterministic workload as `baton import` JSON lines to stdout.
    Workload {
        /// How many tasks.
        #[arg(long, default_value_t = 1000)]
        tasks: u64,
        /// The same seed gives the same workload.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measure ingest, completion → handoff, queries and import; print a table.
    Run {
        /// Tasks imported before the queries and completions.
        #[arg(long, default_value_t = 10_000)]
        tasks: u64,
        /// Commands for each ingest measurement.
        #[arg(long, default_value_t = 1000)]
        commands: usize,
        /// Completions timed for the handoff latency.
        #[arg(long, default_value_t = 200)]
        completions: usize,
        #[command(flatten)]
        scratch: BenchScratch,
    },
    /// Time the parser on JSON lines from stdin, as `baton parse` reads them: the
    /// first message (a cold start: its patterns are compiled), then the rest.
    Parse,
    /// Time completion → handoff at several workload sizes, each on a fresh database.
    Handoff {
        /// Workload sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<u64>,
        /// Completions timed at each size.
        #[arg(long, default_value_t = 500)]
        completions: usize,
        #[command(flatten)]
        scratch: BenchScratch,
    },
}

/// What every measuring benchmark takes: where its databases go, and the workload's seed.
#[derive(Debug, clap::Args)]
struct BenchScratch {
    /// Where to create scratch Postgres databases (dropped afterwards).
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    postgres: String,
    /// Measure SQLite only.
    #[arg(long)]
    no_postgres: bool,
    /// The same seed gives the same workload.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl BenchScratch {
    fn postgres(&self) -> Option<String> {
        (!self.no_postgres).then(|| self.postgres.clone())
    }
}

fn main() -> ExitCode {
    // slack-morphism's TLS (ring) and the Matrix SDK's (aws-lc) are both linked:
    // rustls needs to be told which one to use, or Socket Mode's handshake panics.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let loaded = match settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("baton: {e}");
            return ExitCode::from(2);
        }
    };
    let mut settings = loaded.settings;
    if let Some(url) = cli.database_url {
        settings.database_url = url;
    }
    let command = cli.command.unwrap_or(Command::Run);
    // The console and the parser talk on stdout; keep their stderr quiet by default.
    let default_filter = match command {
        Command::Run => "info",
        _ => "warn",
    };
    telemetry::init(settings.log_format, default_filter);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let loaded_warnings = loaded.warnings;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("baton: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let warnings = loaded_warnings;
    match runtime.block_on(execute(command, settings, &warnings)) {
        Ok(code) => code,
        // A reader that stopped reading (`baton export | head`) is not an error,
        // as for any Unix tool.
        Err(e) if closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::debug!(error = ?e, "command failed");
            eprintln!("baton: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

async fn execute(
    command: Command,
    settings: Settings,
    warnings: &[String],
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Doctor => {
            let findings = baton::doctor::examine(&settings, warnings).await;
            let healthy = baton::doctor::report(&findings, &mut io::stdout().lock())?;
            Ok(if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Parse => {
            parse_stdin()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => app::run(settings).await,
        Command::Console => {
            // In the console nobody has quiet hours until they set their own: its
            // clock is whatever the script ticks it to.
            let defaults = baton::engine::Defaults {
                working_hours: None,
                ..settings.defaults().map_err(anyhow::Error::msg)?
            };
            let store = open(&settings).await?;
            let pictures = store::database_directory(&settings.database_url)
                .unwrap_or_else(|| PathBuf::from("."));
            let assistant = baton::assistant::Assistant::from_settings(&settings.model)?
                .map(std::sync::Arc::new);
            chat::console::run(store, defaults, pictures, assistant).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            open(&settings).await?;
            println!("The database is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file } => {
            let store = open(&settings).await?;
            let input: Box<dyn tokio::io::AsyncBufRead + Unpin> = if file.as_os_str() == "-" {
                Box::new(tokio::io::BufReader::new(tokio::io::stdin()))
            } else {
                let opened = tokio::fs::File::open(&file)
                    .await
                    .with_context(|| format!("cannot open {}", file.display()))?;
                Box::new(tokio::io::BufReader::new(opened))
            };
            let count = transfer::import(store.as_ref(), input, chrono::Utc::now()).await?;
            eprintln!("Imported {count} tasks.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Export => {
            let store = open(&settings).await?;
            transfer::export(store.as_ref(), io::stdout().lock()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck { address } => {
            let address = address.unwrap_or(settings.http.listen);
            match baton::http::probe(&address).await {
                Ok(true) => Ok(ExitCode::SUCCESS),
                Ok(false) => {
                    eprintln!("baton: {address} answered /healthz, but not with 200");
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => {
                    eprintln!("baton: cannot reach {address}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Bench(BenchCommand::Parse) => {
            let timing = baton::bench::time_parsing(io::stdin().lock())?;
            baton::bench::write_parse_timing(&timing, &mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Workload { tasks, seed }) => {
            baton::bench::write_workload_to(tasks, seed, io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Run {
            tasks,
            commands,
            completions,
            scratch,
        }) => {
            let options = baton::bench::BenchOptions {
                tasks,
                commands,
                completions,
                postgres: scratch.postgres(),
                seed: scratch.seed,
            };
            let results = baton::bench::run(&options).await?;
            baton::bench::write_table(&results, &mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Handoff {
            sizes,
            completions,
            scratch,
        }) => {
            let options = baton::bench::HandoffOptions {
                sizes,
                completions,
                postgres: scratch.postgres(),
                seed: scratch.seed,
            };
            let results = baton::bench::handoff(&options).await?;
            baton::bench::write_table(&results, &mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { task, room, format } => {
            use std::io::{IsTerminal, Write};
            let mut out = io::stdout().lock();
            if format == baton::picture::Format::Png && out.is_terminal() {
                anyhow::bail!(
                    "a PNG is binary: send it to a file, like `baton graph --format png > graph.png`"
                );
            }
            let store = open(&settings).await?;
            let scene = baton::engine::graph_request(
                store.as_ref(),
                task,
                room.as_deref(),
                chrono::Utc::now(),
            )
            .await?;
            out.write_all(&format.write(&scene)?)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox { failed, limit } => {
            let store = open(&settings).await?;
            app::print_outbox(store.as_ref(), failed, limit, &mut io::stdout().lock()).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let store = store::connect(&settings.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                app::redact_url(&settings.database_url)
            )
        })?;
    Ok(Arc::from(store))
}

/// `baton parse`: one JSON line out for every line in, in order.
fn parse_stdin() -> anyhow::Result<()> {
    parser::run_contract(io::stdin().lock(), io::stdout().lock())?;
    Ok(())
}
