//! Chat adapters: turn platform events into [`crate::engine::Inbound`] and deliver
//! outbox messages back ([`crate::outbox::Outlet`]).

pub mod chunk;
pub mod console;
pub mod matrix;
pub mod normalize;
pub mod slack;

/// Compiles one of the adapters' built-in patterns (a constant of this crate).
///
/// Each is compiled by the unit tests of the module that declares it, so a
/// failure here is a bug those tests catch, never something a message triggers.
#[expect(
    clippy::expect_used,
    reason = "a built-in pattern that does not compile is a bug the tests catch"
)]
pub(crate) fn pattern(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("a built-in pattern compiles")
}
