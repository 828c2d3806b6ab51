//! Chat adapters: turn platform events into [`crate::engine::Inbound`] and deliver
//! outbox messages back ([`crate::outbox::Outlet`]).

pub mod chunk;
pub mod console;
pub mod matrix;
pub mod normalize;
pub mod slack;
