//! Task keys: `T-<n>`, case-insensitive on input, always written `T-<n>`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The key people use to name a task: `T-12`.
///
/// Parsed case-insensitively (`t-12` is `T-12`) and displayed upper-case. The number
/// is the task's identity in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskKey(u64);

impl TaskKey {
    /// The key with number `n`.
    pub const fn new(n: u64) -> Self {
        Self(n)
    }

    /// The task's number, `12` for `T-12`.
    pub const fn number(self) -> u64 {
        self.0
    }
}

/// Why a string is not a task key; its `Display` is what a user reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a task key; task keys look like `T-12`")]
pub struct InvalidTaskKey(pub String);

impl FromStr for TaskKey {
    type Err = InvalidTaskKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidTaskKey(s.to_owned());
        let rest = s.strip_prefix(['T', 't']).ok_or_else(bad)?;
        let digits = rest.strip_prefix('-').ok_or_else(bad)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 15 {
            return Err(bad());
        }
        digits.parse().map(TaskKey).map_err(|_| bad())
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T-{}", self.0)
    }
}

impl Serialize for TaskKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaskKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_either_case_and_displays_upper_case() {
        assert_eq!("t-12".parse::<TaskKey>().unwrap().to_string(), "T-12");
        assert_eq!("T-3".parse::<TaskKey>().unwrap().number(), 3);
    }

    #[test]
    fn rejects_what_is_not_a_key() {
        for bad in [
            "",
            "T-",
            "T12",
            "X-1",
            "T--1",
            "T-1a",
            "T-99999999999999999",
        ] {
            assert!(bad.parse::<TaskKey>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn error_message_shows_the_expected_shape() {
        let err = "ticket".parse::<TaskKey>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`ticket` is not a task key; task keys look like `T-12`"
        );
    }
}
