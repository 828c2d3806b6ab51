//! One call to an OpenAI-compatible chat-completions API: a system prompt and a
//! user message in, the answer's text out, within a timeout.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Why a call gave no answer. Logged and counted, never shown in chat.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the model's API could not be reached")]
    Http(#[source] reqwest::Error),
    #[error("the model's API answered HTTP {0}")]
    Status(u16),
    #[error("the model's answer is not a chat completion")]
    Malformed(#[source] reqwest::Error),
    #[error("the model's answer has no text")]
    Empty,
}

impl ModelError {
    /// The `outcome` label of `baton_model_calls_total`.
    fn outcome(&self) -> &'static str {
        match self {
            ModelError::Timeout(_) => "timeout",
            ModelError::Http(_) => "unreachable",
            ModelError::Status(_) => "http_error",
            ModelError::Malformed(_) | ModelError::Empty => "malformed",
        }
    }
}

/// What a call is for: the `purpose` label of the model metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Summary,
    Proposal,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Summary => "summary",
            Purpose::Proposal => "proposal",
        }
    }
}

/// The API client: where, which model, with which key, how long to wait.
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    endpoint: String,
    model: String,
    api_key: Option<SecretString>,
    timeout: Duration,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: [ChatMessage<'a>; 2],
    temperature: f32,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat>,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'a str,
    content: &'a str,
}

#[derive(Serialize)]
struct ResponseFormat {
    r#type: &'static str,
}

#[derive(Deserialize)]
struct Response {
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Answer,
}

#[derive(Deserialize)]
struct Answer {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    total_tokens: Option<u64>,
}

impl ChatClient {
    /// A client for the API at `base_url` (the part before `/chat/completions`).
    ///
    /// # Errors
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<SecretString>,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(Self {
            http,
            endpoint: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
            timeout,
        })
    }

    /// The longest a call waits for its answer.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Asks once; `json` asks for a JSON object as the answer.
    ///
    /// # Errors
    /// [`ModelError`] when no usable answer came within the timeout.
    pub async fn complete(
        &self,
        purpose: Purpose,
        system: &str,
        user: &str,
        json: bool,
    ) -> Result<String, ModelError> {
        let started = Instant::now();
        let answer = self.ask(system, user, json).await;
        let purpose = purpose.as_str();
        metrics::histogram!("baton_model_seconds", "purpose" => purpose)
            .record(started.elapsed().as_secs_f64());
        let outcome = match &answer {
            Ok((_, tokens)) => {
                if let Some(tokens) = tokens {
                    metrics::counter!("baton_model_tokens_total", "purpose" => purpose)
                        .increment(*tokens);
                }
                "ok"
            }
            Err(error) => error.outcome(),
        };
        metrics::counter!("baton_model_calls_total", "purpose" => purpose, "outcome" => outcome)
            .increment(1);
        answer.map(|(text, _)| text)
    }

    async fn ask(
        &self,
        system: &str,
        user: &str,
        json: bool,
    ) -> Result<(String, Option<u64>), ModelError> {
        let request = Request {
            model: &self.model,
            messages: [
                ChatMessage {
                    role: "system",
                    content: system,
                },
                ChatMessage {
                    role: "user",
                    content: user,
                },
            ],
            temperature: 0.0,
            stream: false,
            response_format: json.then_some(ResponseFormat {
                r#type: "json_object",
            }),
        };
        let mut call = self.http.post(&self.endpoint).json(&request);
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key.expose_secret());
        }
        let timed_out = |e: &reqwest::Error| e.is_timeout();
        let response = call.send().await.map_err(|e| {
            if timed_out(&e) {
                ModelError::Timeout(self.timeout)
            } else {
                // The URL may hold credentials (`?api-key=`): never in a log.
                ModelError::Http(e.without_url())
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(ModelError::Status(status.as_u16()));
        }
        let response: Response = response.json().await.map_err(|e| {
            if timed_out(&e) {
                ModelError::Timeout(self.timeout)
            } else {
                ModelError::Malformed(e.without_url())
            }
        })?;
        let tokens = response.usage.and_then(|u| u.total_tokens);
        let text = response
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or(ModelError::Empty)?;
        Ok((text, tokens))
    }
}
