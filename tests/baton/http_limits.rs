//! The HTTP listener's limits, on a real `baton run` and real sockets: a flood of
//! idle connections does not stop `/healthz`, and slow or idle clients are cut off.
#![cfg(unix)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baton::http::Limits;

use crate::helpers::{Service, free_port};

/// The open files `baton run` may hold in the flood test (`ulimit -n`), well below
/// the flood, as a host with the usual 1,024 facing the 1,100 sockets of issue 16.
const OPEN_FILES: usize = 256;

/// Idle connections in the flood.
const FLOOD: usize = 1_100;

#[test]
fn a_flood_of_idle_sockets_leaves_healthz_answering_within_a_second() {
    raise_own_open_file_limit(FLOOD + 1_000);
    let service = LimitedService::start(OPEN_FILES);
    let address: SocketAddr = service.address.parse().unwrap();

    // Every other socket sends half a request head, the rest send nothing.
    let flood: Vec<TcpStream> = (0..FLOOD)
        .map(|i| {
            let mut socket = TcpStream::connect_timeout(&address, Duration::from_secs(2))
                .unwrap_or_else(|e| panic!("flood socket {i} cannot connect: {e}"));
            if i % 2 == 1 {
                // The server may have closed it already to make room.
                let _ = socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
            }
            socket
        })
        .collect();

    for attempt in 1..=5 {
        let started = Instant::now();
        let response = get(&address, "/healthz", Duration::from_secs(1));
        let took = started.elapsed();
        assert!(
            response
                .as_ref()
                .is_ok_and(|r| r.starts_with("HTTP/1.1 200")),
            "attempt {attempt}: /healthz during the flood: {response:?} after {took:?}\n{}",
            service.log()
        );
        assert!(took < Duration::from_secs(1), "attempt {attempt}: {took:?}");
    }
    let open = service.open_files();
    assert!(
        open.is_none_or(|open| open < OPEN_FILES),
        "baton holds {open:?} files, the limit is {OPEN_FILES}"
    );
    let log = service.log();
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(
        log.contains("the open-file limit (ulimit -n) allows fewer HTTP connections"),
        "says the cap was lowered to fit: {log}"
    );

    let (exited, took) = service.terminate();
    assert!(exited, "exit 0 on SIGTERM with the flood still connected");
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    drop(flood);
}

#[test]
fn slow_and_idle_clients_are_cut_off_after_the_header_read_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.db").display());
    let service = Service::start(&url);
    let address: SocketAddr = service.address.parse().unwrap();
    let timeout = Limits::default().header_read_timeout;
    let give_up = timeout + Duration::from_secs(5);

    let silent = std::thread::spawn(move || {
        let (mut socket, started) = connect(&address);
        closed_after(&mut socket, started, give_up)
    });
    let slow_loris = std::thread::spawn(move || {
        let (mut socket, started) = connect(&address);
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        drip_until_closed(&mut socket, started, give_up)
    });
    let kept_alive = std::thread::spawn(move || {
        let (mut socket, _) = connect(&address);
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_until(&mut socket, b"{\"status\":\"ok\"}");
        closed_after(&mut socket, Instant::now(), give_up)
    });

    for (client, thread) in [
        ("a client that sends nothing", silent),
        ("a client that drips its request head", slow_loris),
        ("an idle kept-alive client", kept_alive),
    ] {
        let closed = thread.join().unwrap();
        assert!(
            closed.is_some_and(|after| after >= timeout - Duration::from_secs(1)
                && after <= timeout + Duration::from_secs(3)),
            "{client}: closed after {closed:?}, the header-read timeout is {timeout:?}"
        );
    }
    assert!(service.get("/healthz").unwrap().starts_with("HTTP/1.1 200"));
}

/// Lets this test process hold `files` open files (the flood's sockets beside the
/// other tests' files), up to the hard limit; many hosts start with 1,024.
fn raise_own_open_file_limit(files: usize) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let wanted = u64::try_from(files).unwrap();
    if limit.current.is_some_and(|current| current < wanted) {
        let raised = rustix::process::Rlimit {
            current: Some(limit.maximum.map_or(wanted, |maximum| maximum.min(wanted))),
            maximum: limit.maximum,
        };
        setrlimit(Resource::Nofile, raised).expect("raise the open-file limit");
    }
}

/// `baton run` on a free port, allowed `open_files` open files.
struct LimitedService {
    child: Child,
    address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl LimitedService {
    /// Starts it under `ulimit -n open_files` and waits until `/healthz` answers.
    fn start(open_files: usize) -> LimitedService {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db.db").display());
        let log = dir.path().join("baton.log");
        let address = format!("127.0.0.1:{}", free_port());
        let mut command = Command::new("sh");
        command
            .args(["-c", r#"ulimit -n "$1" && shift && exec "$@""#, "sh"])
            .arg(open_files.to_string())
            .arg(env!("CARGO_BIN_EXE_baton"))
            .args(["run", "--database-url", &url])
            .env_remove("RUST_LOG");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("BATON_") {
                command.env_remove(name);
            }
        }
        let child = command
            .env("BATON_HTTP__LISTEN", &address)
            .env("BATON_SHUTDOWN_GRACE", "2s")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start baton run");
        let service = LimitedService {
            child,
            address,
            log,
            _dir: dir,
        };
        let socket_address: SocketAddr = service.address.parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while get(&socket_address, "/healthz", Duration::from_secs(1)).is_err() {
            assert!(
                Instant::now() < deadline,
                "baton run did not serve /healthz:\n{}",
                service.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        service
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The files the process holds open, where `/proc` tells.
    fn open_files(&self) -> Option<usize> {
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).ok()?;
        Some(fds.count())
    }

    /// SIGTERM; whether it exited 0, and how long that took.
    fn terminate(mut self) -> (bool, Duration) {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM");
        let status = self.child.wait().expect("wait for baton run");
        (status.success(), started.elapsed())
    }
}

impl Drop for LimitedService {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The raw response to `GET path` on a connection of its own, all within `within`.
fn get(address: &SocketAddr, path: &str, within: Duration) -> Result<String, std::io::Error> {
    let mut socket = TcpStream::connect_timeout(address, within)?;
    socket.set_read_timeout(Some(within))?;
    socket.set_write_timeout(Some(within))?;
    write!(
        socket,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    socket.read_to_string(&mut response)?;
    Ok(response)
}

fn connect(address: &SocketAddr) -> (TcpStream, Instant) {
    let socket = TcpStream::connect(address).unwrap();
    (socket, Instant::now())
}

/// Reads until `marker` has arrived.
fn read_until(socket: &mut TcpStream, marker: &[u8]) {
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !received.windows(marker.len()).any(|w| w == marker) {
        let n = socket.read(&mut buffer).unwrap();
        assert!(n > 0, "closed before the response ended");
        received.extend_from_slice(&buffer[..n]);
    }
}

/// How long after `started` the server closed `socket`; `None` if still open at
/// `give_up`.
fn closed_after(socket: &mut TcpStream, started: Instant, give_up: Duration) -> Option<Duration> {
    let mut buffer = [0u8; 1024];
    while started.elapsed() < give_up {
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match socket.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(started.elapsed()),
            Ok(_) | Err(_) => {}
        }
    }
    None
}

/// Sends a header line every half second, as a slow-loris client does, until the
/// server closes the connection; how long after `started` that was.
fn drip_until_closed(
    socket: &mut TcpStream,
    started: Instant,
    give_up: Duration,
) -> Option<Duration> {
    let mut buffer = [0u8; 1024];
    while started.elapsed() < give_up {
        if socket.write_all(b"X-Drip: 1\r\n").is_err() {
            return Some(started.elapsed());
        }
        socket
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        match socket.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(started.elapsed()),
            Ok(_) | Err(_) => {}
        }
    }
    None
}
