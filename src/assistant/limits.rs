//! How many model calls a room and a person may cause: a chatty room or one
//! person pasting messages the grammar does not know cannot run up a bill or
//! hold the model for everyone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window the limits count in.
const WINDOW: Duration = Duration::from_secs(60 * 60);
/// Counters kept at most; past it, those whose window has ended are dropped.
const MAX_COUNTERS: usize = 10_000;

/// Calls per hour for each room and each person.
#[derive(Debug)]
pub struct RateLimits {
    per_room: usize,
    per_person: usize,
    counters: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    calls: usize,
}

impl RateLimits {
    pub fn new(per_room: usize, per_person: usize) -> Self {
        Self {
            per_room,
            per_person,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from `room`'s and `person`'s allowance; `false` (and
    /// nothing taken) when either has none left this hour.
    pub fn allow(&self, room: Option<&str>, person: Option<&str>, now: Instant) -> bool {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if counters.len() > MAX_COUNTERS {
            counters.retain(|_, w| now.duration_since(w.started) < WINDOW);
        }
        let keys: Vec<(String, usize)> = room
            .map(|r| (format!("room:{r}"), self.per_room))
            .into_iter()
            .chain(person.map(|p| (format!("person:{p}"), self.per_person)))
            .collect();
        let has_room = |counters: &HashMap<String, Window>, key: &str, limit: usize| {
            counters
                .get(key)
                .is_none_or(|w| now.duration_since(w.started) >= WINDOW || w.calls < limit)
        };
        if !keys
            .iter()
            .all(|(key, limit)| has_room(&counters, key, *limit))
        {
            metrics::counter!("baton_model_rate_limited_total").increment(1);
            return false;
        }
        for (key, _) in keys {
            let window = counters.entry(key).or_insert(Window {
                started: now,
                calls: 0,
            });
            if now.duration_since(window.started) >= WINDOW {
                *window = Window {
                    started: now,
                    calls: 0,
                };
            }
            window.calls += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_past_their_allowance_waits_for_the_next_hour() {
        let limits = RateLimits::new(10, 2);
        let now = Instant::now();
        assert!(limits.allow(Some("#ops"), Some("@ana"), now));
        assert!(limits.allow(Some("#ops"), Some("@ana"), now));
        assert!(!limits.allow(Some("#ops"), Some("@ana"), now));
        // Someone else in the same room still may.
        assert!(limits.allow(Some("#ops"), Some("@bo"), now));
        assert!(limits.allow(Some("#ops"), Some("@ana"), now + WINDOW));
    }

    #[test]
    fn a_busy_room_limits_everyone_in_it() {
        let limits = RateLimits::new(1, 10);
        let now = Instant::now();
        assert!(limits.allow(Some("#ops"), Some("@ana"), now));
        assert!(!limits.allow(Some("#ops"), Some("@bo"), now));
        assert!(limits.allow(Some("#dev"), Some("@bo"), now));
    }
}
