//! Time, passed explicitly so the console (`:tick`) and tests can move it.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that runs with the system clock from a point someone set.
///
/// `:tick` in the console sets it; time then keeps moving from there, so messages
/// sent after a tick are still ordered in time.
#[derive(Debug)]
pub struct ManualClock {
    offset: Mutex<chrono::Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self {
            offset: Mutex::new(chrono::Duration::zero()),
        }
    }
}

impl ManualClock {
    /// Moves the clock so that it reads `to` now.
    pub fn set(&self, to: DateTime<Utc>) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = to - Utc::now();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        Utc::now() + offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_the_time_it_was_set_to() {
        let clock = ManualClock::default();
        let to = DateTime::parse_from_rfc3339("2026-11-24T09:30:00Z")
            .unwrap()
            .to_utc();
        clock.set(to);
        let drift = clock.now() - to;
        assert!(drift >= chrono::Duration::zero() && drift < chrono::Duration::seconds(5));
    }
}
