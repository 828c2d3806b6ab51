//! The HTTP listener: `/healthz`, `/readyz` and `/metrics`, the Slack endpoints
//! (later webhooks), served within [`Limits`] so that idle, slow or numerous
//! clients cannot starve it of connections or open files.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error_chain::error_chain;
use crate::store::Store;

/// How long `/readyz` waits for the database before calling it unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// What the handlers need.
#[derive(Clone)]
pub struct HttpState {
    pub store: Arc<dyn Store>,
    pub metrics: PrometheusHandle,
    /// Each running chat adapter and whether it is connected.
    pub adapters: Vec<AdapterHealth>,
}

/// What `/readyz` knows of one chat adapter.
#[derive(Clone)]
pub struct AdapterHealth {
    pub name: &'static str,
    /// Set while it can receive events.
    pub connected: Arc<AtomicBool>,
    /// Why it cannot reach its platform, while it cannot.
    pub problem: Arc<std::sync::Mutex<Option<String>>>,
}

impl AdapterHealth {
    /// Why the adapter is not ready, or `None` when it is.
    fn not_ready(&self) -> Option<String> {
        if self.connected.load(Ordering::Relaxed) {
            return None;
        }
        let problem = self
            .problem
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Some(match problem {
            Some(problem) => format!("{} is not connected: {problem}", self.name),
            None => format!("{} is not connected", self.name),
        })
    }
}

/// The routes.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(render_metrics))
        .with_state(state)
}

/// The process is alive and serving.
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers and every adapter is connected; 503 with the
/// reason otherwise.
async fn readyz(State(state): State<HttpState>) -> impl IntoResponse {
    if let Some(reason) = state.adapters.iter().find_map(AdapterHealth::not_ready) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        );
    }
    let probe = state.store.probe_write(chrono::Utc::now());
    match tokio::time::timeout(READY_TIMEOUT, probe).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(Err(error)) => {
            tracing::warn!(error = %error_chain(&error), "not ready: the database failed a write");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "unavailable", "reason": "the database does not take writes (unreachable, or its disk is full)" }),
                ),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "unavailable", "reason": "the database did not answer in time" }),
            ),
        ),
    }
}

/// Prometheus text format.
async fn render_metrics(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}

/// How the listener protects itself from clients that are slow, idle or many.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once, lowered to fit the open-file limit (see
    /// [`Limits::connection_cap`]). When full, a new connection closes the oldest
    /// idle one (as nginx reuses connections); when every connection is answering a
    /// request, the new one is closed at once.
    pub max_connections: usize,
    /// How long a client may take to send a request head: on a new connection, and
    /// between requests on a kept-alive one, so it is also the idle timeout.
    pub header_read_timeout: Duration,
    /// How long a request may take, reading its body included, before a 408.
    pub request_timeout: Duration,
    /// The largest body any route accepts (413 beyond). Routes read at most axum's
    /// 2 MB unless they set their own `DefaultBodyLimit`, up to this ceiling; the
    /// Slack routes set 1 MB.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: crate::settings::DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            // GitHub caps webhook payloads at 25 MB.
            max_body_bytes: 25 * 1024 * 1024,
        }
    }
}

/// Open files kept for everything but clients' connections: the database, the
/// connections to Slack and Matrix, the Matrix store, logs.
const RESERVED_FILES: u64 = 128;

/// How long a new connection waits for an evicted idle one to close.
const EVICTION_WAIT: Duration = Duration::from_millis(250);

/// How often, at most, the log says that connections are being refused.
const REFUSAL_WARNING_EVERY: Duration = Duration::from_secs(60);

impl Limits {
    /// `max_connections`, lowered so that connections plus [`RESERVED_FILES`] fit
    /// under the process's open-file limit (`ulimit -n`): past it, `accept` fails
    /// with "Too many open files" and nothing is served at all. At least 1.
    pub fn connection_cap(&self) -> usize {
        let cap = match open_file_limit() {
            Some(files) => {
                let room = files.saturating_sub(RESERVED_FILES).max(files / 2);
                self.max_connections
                    .min(usize::try_from(room).unwrap_or(usize::MAX))
            }
            None => self.max_connections,
        };
        cap.max(1)
    }
}

/// The soft `RLIMIT_NOFILE`; `None` when unlimited or unknown.
#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// Serves `router` on `listener` within `limits` until `shutdown`, then waits for
/// the requests in flight (idle connections are closed at once).
///
/// HTTP/1.1 only, as before; upgrades (WebSocket) are supported.
///
/// # Errors
/// None so far: failures to accept are logged and retried.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let router = within_limits(router, &limits);
    let cap = limits.connection_cap();
    if cap < limits.max_connections {
        tracing::warn!(
            cap,
            max_connections = limits.max_connections,
            open_file_limit = open_file_limit(),
            "the open-file limit (ulimit -n) allows fewer HTTP connections than http.max_connections"
        );
    }
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let connections = Connections::new(cap);
    let mut tasks = JoinSet::new();
    let mut warned_at: Option<Instant> = None;
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            Some(_) = tasks.join_next() => continue,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    back_off_after(&error).await;
                    continue;
                }
            },
        };
        let Some(slot) = connections.admit().await else {
            // Every connection is answering a request: closing this one at once
            // keeps the open files within the limit.
            metrics::counter!("baton_http_connections_refused_total").increment(1);
            if warned_at.is_none_or(|at| at.elapsed() >= REFUSAL_WARNING_EVERY) {
                warned_at = Some(Instant::now());
                tracing::warn!(cap, "every HTTP connection is busy; closing new ones");
            }
            continue;
        };
        tasks.spawn(serve_connection(
            http.clone(),
            stream,
            router.clone(),
            slot,
            shutdown.clone(),
        ));
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// `router` with the request timeout and the body ceiling of `limits`, for every
/// route merged into it so far.
fn within_limits(router: Router, limits: &Limits) -> Router {
    router
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
}

/// After a failed `accept`: at once when only that connection failed; otherwise
/// (out of open files, say) after a pause, so the loop does not spin.
async fn back_off_after(error: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept HTTP connections");
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// Serves one connection until it ends, or until shutdown or eviction close it:
/// a request in flight is answered first, an idle connection closes at once.
async fn serve_connection(
    http: http1::Builder,
    stream: TcpStream,
    router: Router,
    slot: Slot,
    shutdown: CancellationToken,
) {
    let tracked = slot.tracked.clone();
    let service = hyper::service::service_fn(move |request| {
        // Counted now, as hyper hands over the request head, not when the
        // answer's future first runs: eviction must see it.
        answer(router.clone(), request, InFlight::enter(&tracked))
    });
    let connection = http
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        ended = connection.as_mut() => return log_connection_end(ended),
        () = shutdown.cancelled() => {}
        () = slot.tracked.evict.cancelled() => {}
    }
    if slot.tracked.is_busy() {
        connection.as_mut().graceful_shutdown();
        log_connection_end(connection.await);
    }
}

/// Connections end badly all the time (timeouts, resets); only worth a debug line.
fn log_connection_end(ended: Result<(), hyper::Error>) {
    if let Err(error) = ended {
        tracing::debug!(%error, "HTTP connection ended");
    }
}

/// Runs `router` on `request`; the connection counts as busy until hyper has
/// written the whole response body and dropped it.
async fn answer(
    router: Router,
    request: Request<Incoming>,
    in_flight: InFlight,
) -> Result<Response, Infallible> {
    let response = router.oneshot(request).await?;
    Ok(response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _busy_until_dropped = &in_flight;
            frame
        }))
    }))
}

/// The open connections, oldest first, and the permits that cap them.
struct Connections {
    permits: Arc<Semaphore>,
    open: Mutex<BTreeMap<u64, Arc<Tracked>>>,
    next_id: AtomicU64,
}

/// What the listener knows of one open connection.
#[derive(Default)]
struct Tracked {
    /// Requests being answered: 0 or 1, HTTP/1 answers them in turn.
    in_flight: AtomicUsize,
    /// Cancelled to close the connection and make room for a new one.
    evict: CancellationToken,
}

impl Tracked {
    fn is_busy(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) > 0
    }
}

/// A request being answered on a connection; counted while alive.
struct InFlight(Arc<Tracked>);

impl InFlight {
    fn enter(tracked: &Arc<Tracked>) -> Self {
        tracked.in_flight.fetch_add(1, Ordering::SeqCst);
        Self(tracked.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection's place among the [`Connections`], given back on drop.
struct Slot {
    id: u64,
    tracked: Arc<Tracked>,
    connections: Arc<Connections>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.lock_open().remove(&self.id);
    }
}

impl Connections {
    fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(cap)),
            open: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    /// A place for a new connection. When all are taken, the oldest idle connection
    /// is closed to make room; `None` when every connection is answering a request.
    async fn admit(self: &Arc<Self>) -> Option<Slot> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if !self.evict_oldest_idle() {
                    return None;
                }
                tokio::time::timeout(EVICTION_WAIT, self.permits.clone().acquire_owned())
                    .await
                    .ok()?
                    .ok()?
            }
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked::default());
        self.lock_open().insert(id, tracked.clone());
        Some(Slot {
            id,
            tracked,
            connections: self.clone(),
            _permit: permit,
        })
    }

    /// Tells the oldest idle connection to close; true when one is closing (that
    /// one or one told before), false when every connection is answering a request.
    fn evict_oldest_idle(&self) -> bool {
        let open = self.lock_open();
        let idle = open
            .values()
            .find(|tracked| !tracked.evict.is_cancelled() && !tracked.is_busy());
        if let Some(idle) = idle {
            idle.evict.cancel();
            metrics::counter!("baton_http_idle_connections_evicted_total").increment(1);
            return true;
        }
        open.values().any(|tracked| tracked.evict.is_cancelled())
    }

    /// The map stays consistent even if a holder panicked: each step is one call.
    fn lock_open(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Tracked>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `baton healthcheck`: GET `/healthz` on `address` (for container HEALTHCHECKs
/// without curl); true on a 200.
///
/// # Errors
/// When the connection fails or times out.
pub async fn probe(address: &str) -> std::io::Result<bool> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        let request =
            format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 5 s"))??;
    let status_line = String::from_utf8_lossy(&response);
    Ok(status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200"))
}
