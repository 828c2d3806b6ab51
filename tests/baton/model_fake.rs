//! A local stand-in for an OpenAI-compatible chat-completions server (Ollama,
//! llama.cpp's server, vLLM): real HTTP on loopback, real JSON, every request
//! kept for the test to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// How the fake answers one kind of request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A chat completion whose message is this text.
    Text(String),
    /// This HTTP status, with an error body.
    Status(u16),
    /// A completion, after this long.
    Slow(Duration, String),
}

/// What the fake says to summaries and to proposals.
#[derive(Debug, Clone)]
pub struct Script {
    pub summary: Answer,
    pub proposal: Answer,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

impl Received {
    /// The system prompt: which job the request is.
    pub fn is_summary(&self) -> bool {
        self.body["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.contains("summarise"))
    }

    /// The user message: what Baton sent of the chat.
    pub fn user_text(&self) -> String {
        self.body["messages"][1]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Clone)]
struct Shared {
    script: Script,
    received: Arc<Mutex<Vec<Received>>>,
}

/// The running fake. It serves on a thread of its own (so async and plain
/// tests alike can start it) until the test binary exits.
pub struct FakeModel {
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeModel {
    pub fn start(script: Script) -> FakeModel {
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            script,
            received: received.clone(),
        };
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                address_tx
                    .send(listener.local_addr().expect("address"))
                    .expect("send the address");
                let app = axum::Router::new()
                    .route("/v1/chat/completions", post(complete))
                    .with_state(shared);
                let _ = axum::serve(listener, app).await;
            });
        });
        let address = address_rx.recv().expect("the fake model's address");
        FakeModel {
            base_url: format!("http://{address}/v1"),
            received,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

async fn complete(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let received = Received {
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    let answer = if received.is_summary() {
        shared.script.summary.clone()
    } else {
        shared.script.proposal.clone()
    };
    shared.received.lock().expect("lock").push(received);
    match answer {
        Answer::Text(text) => completion(&text),
        Answer::Slow(wait, text) => {
            tokio::time::sleep(wait).await;
            completion(&text)
        }
        Answer::Status(code) => (
            StatusCode::from_u16(code).expect("status"),
            Json(json!({"error": {"message": "the model is not loaded", "type": "server_error"}})),
        )
            .into_response(),
    }
}

/// A chat completion as the OpenAI API writes one, usage included.
fn completion(text: &str) -> Response {
    Json(json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "llama3.2",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    }))
    .into_response()
}
