//! Code forges as a source of signals: GitHub's and GitLab's webhooks.
//!
//! Data flows one way, as from chat: a delivery arrives at `webhook` (verified,
//! deduplicated by the engine), is read by `github` or `gitlab` into a
//! [`ForgeEvent`](crate::domain::ForgeEvent), and the engine applies it to the
//! tasks its pull or merge request links.

pub mod github;
pub mod gitlab;
mod webhook;

pub use webhook::{ForgeWebhooks, routes};

/// Why a delivery could not be read; its `Display` is the 400 answer's reason.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("the body is not the JSON this event has: {0}")]
    Json(String),
    #[error("the payload has no `{0}`")]
    Missing(&'static str),
}

impl PayloadError {
    fn from_json(error: serde_json::Error) -> Self {
        PayloadError::Json(error.to_string())
    }
}

/// Which repositories' events count (`forge.repos`): `owner/name` patterns with
/// `*` wildcards, compared without case; none means every repository.
#[derive(Debug, Clone, Default)]
pub struct RepoFilter {
    patterns: Vec<String>,
}

impl RepoFilter {
    /// From `acme/*, tools/cli`.
    pub fn new(setting: &str) -> Self {
        let patterns = setting
            .split(',')
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        Self { patterns }
    }

    pub fn allows(&self, repo: &str) -> bool {
        let repo = repo.to_lowercase();
        self.patterns.is_empty() || self.patterns.iter().any(|p| wildcard_match(p, &repo))
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_match_their_patterns_without_case() {
        let filter = RepoFilter::new("acme/*, tools/cli");
        assert!(filter.allows("acme/api"));
        assert!(filter.allows("ACME/Web"));
        assert!(filter.allows("tools/cli"));
        assert!(!filter.allows("tools/cli-extra"));
        assert!(!filter.allows("other/api"));
        assert!(!filter.allows("acmecorp/api"));
        assert!(RepoFilter::new("").allows("anyone/anything"));
        assert!(RepoFilter::new("*-api").allows("acme/billing-api"));
        assert!(RepoFilter::new("a*b*c").allows("a-b-c"));
        assert!(!RepoFilter::new("a*b*c").allows("a-c"));
    }
}
