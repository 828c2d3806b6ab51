//! `POST /forge/github` and `POST /forge/gitlab`: verified, read, applied.
//!
//! A delivery is checked before anything is read (GitHub: `X-Hub-Signature-256`,
//! an HMAC-SHA256 of the raw body with the webhook secret; GitLab: the
//! `X-Gitlab-Token` secret), each compared in constant time; a bad one is a 401
//! and changes nothing. The engine applies the delivery in one transaction with
//! its dedup record, so a delivery seen before changes nothing, and answers
//! before the forge's timeout (GitHub waits 10 s): every message it causes goes
//! out through the outbox afterwards.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{PayloadError, RepoFilter, github, gitlab};
use crate::domain::{Forge, ForgeEvent};
use crate::engine::{Engine, ForgeOutcome};
use crate::error_chain::error_chain;

/// What the webhook endpoints need.
#[derive(Clone)]
pub struct ForgeWebhooks {
    pub engine: Engine,
    pub github_secret: Option<SecretString>,
    pub gitlab_token: Option<SecretString>,
    pub repos: RepoFilter,
}

/// The endpoints of the forges that are configured; one without its secret is
/// not routed (404).
pub fn routes(webhooks: ForgeWebhooks) -> Router {
    let mut router = Router::new();
    if webhooks.github_secret.is_some() {
        router = router.route("/forge/github", post(github_delivery));
    }
    if webhooks.gitlab_token.is_some() {
        router = router.route("/forge/gitlab", post(gitlab_delivery));
    }
    router.with_state(Arc::new(webhooks))
}

async fn github_delivery(
    State(hooks): State<Arc<ForgeWebhooks>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = hooks.github_secret.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = header(&headers, "x-hub-signature-256");
    if !github_signature_matches(secret, signature, &body) {
        return refuse(Forge::GitHub, "missing or wrong X-Hub-Signature-256");
    }
    let (Some(event), Some(delivery)) = (
        header(&headers, "x-github-event"),
        header(&headers, "x-github-delivery"),
    ) else {
        return bad_request(
            Forge::GitHub,
            "X-GitHub-Event and X-GitHub-Delivery are required",
        );
    };
    apply(&hooks, github::read(event, delivery, &body)).await
}

async fn gitlab_delivery(
    State(hooks): State<Arc<ForgeWebhooks>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = hooks.gitlab_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = header(&headers, "x-gitlab-token").unwrap_or_default();
    let expected = token.expose_secret().as_bytes();
    if expected.is_empty() || !bool::from(given.as_bytes().ct_eq(expected)) {
        return refuse(Forge::GitLab, "missing or wrong X-Gitlab-Token");
    }
    let (Some(event), Some(delivery)) = (
        header(&headers, "x-gitlab-event"),
        header(&headers, "x-gitlab-event-uuid"),
    ) else {
        return bad_request(
            Forge::GitLab,
            "X-Gitlab-Event and X-Gitlab-Event-UUID are required",
        );
    };
    apply(&hooks, gitlab::read(event, delivery, &body)).await
}

/// Whether `signature` is `sha256=<hex HMAC-SHA256(secret, body)>`, checked in
/// constant time.
pub fn github_signature_matches(
    secret: &SecretString,
    signature: Option<&str>,
    body: &[u8],
) -> bool {
    let Some(hex_digest) = signature.and_then(|s| s.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// Applies a verified delivery and answers the forge.
async fn apply(hooks: &ForgeWebhooks, read: Result<ForgeEvent, PayloadError>) -> Response {
    let event = match read {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(error = %error, "a forge delivery could not be read");
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "error": error.to_string() })),
            )
                .into_response();
        }
    };
    let kind = event.signal.kind().to_owned();
    if !event.repo.is_empty() && !hooks.repos.allows(&event.repo) {
        tracing::info!(forge = event.forge.as_str(), repo = %event.repo, kind, "ignored: the repository is not in forge.repos");
        count(event.forge, &kind, "ignored_repository");
        return answer(
            StatusCode::ACCEPTED,
            "ignored: repository not in forge.repos",
        );
    }
    match hooks.engine.apply_forge(&event).await {
        Ok(outcome) => {
            count(event.forge, &kind, outcome.name());
            tracing::info!(forge = event.forge.as_str(), repo = %event.repo, kind, outcome = outcome.name(), "forge delivery");
            let status = match outcome {
                ForgeOutcome::Applied(_) => StatusCode::OK,
                ForgeOutcome::Duplicate | ForgeOutcome::Unlinked => StatusCode::ACCEPTED,
            };
            answer(status, outcome.name())
        }
        Err(error) => {
            count(event.forge, &kind, "failed");
            tracing::error!(error = %error_chain(&error), forge = event.forge.as_str(), "a forge delivery failed; the forge may redeliver it");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "failed; redeliver later")
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn refuse(forge: Forge, why: &'static str) -> Response {
    tracing::warn!(forge = forge.as_str(), why, "refused a forge delivery");
    count(forge, "unknown", "unauthorized");
    answer(StatusCode::UNAUTHORIZED, why)
}

fn bad_request(forge: Forge, why: &'static str) -> Response {
    count(forge, "unknown", "bad_request");
    answer(StatusCode::BAD_REQUEST, why)
}

fn answer(status: StatusCode, outcome: &str) -> Response {
    (status, axum::Json(json!({ "outcome": outcome }))).into_response()
}

/// `baton_forge_events_total{forge, kind, outcome}`.
fn count(forge: Forge, kind: &str, outcome: &'static str) {
    metrics::counter!(
        "baton_forge_events_total",
        "forge" => forge.as_str(),
        "kind" => kind.to_owned(),
        "outcome" => outcome
    )
    .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_matches_only_its_body_and_secret() {
        // GitHub's documented example: secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        let secret = SecretString::from("It's a Secret to Everybody");
        let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(github_signature_matches(
            &secret,
            Some(signature),
            b"Hello, World!"
        ));
        assert!(!github_signature_matches(
            &secret,
            Some(signature),
            b"Hello, World?"
        ));
        let other = SecretString::from("another secret");
        assert!(!github_signature_matches(
            &other,
            Some(signature),
            b"Hello, World!"
        ));
        assert!(!github_signature_matches(&secret, None, b"Hello, World!"));
        assert!(!github_signature_matches(
            &secret,
            Some("sha1=abc"),
            b"Hello, World!"
        ));
        assert!(!github_signature_matches(
            &secret,
            Some("sha256=zz"),
            b"Hello, World!"
        ));
    }
}
