//! The domain: tasks, their dependency graph, events and who hears about what.
//!
//! Pure: no async, no SQL, no chat types. Everything here is decided from values the
//! engine loads from the store, so it is unit-tested without I/O.

mod defaults;
mod digest;
mod event;
mod forge;
mod graph;
mod key;
mod notify;
mod privacy;
mod reach;
mod schedule;
mod setting;
mod summary;
mod task;
mod zone;

pub use defaults::Defaults;
pub use digest::{
    Changes, Digest, OpenTask, RoomWork, RootBlocker, STALE_AFTER_WORKING_DAYS, digest,
    working_days_between,
};
pub use event::{EventKind, NewEvent, Source};
pub use forge::{
    Change, ChangeAction, ChangeState, CiRun, DoneOn, Forge, ForgeEvent, Links, Signal,
    TrackedChange, Verdict,
};
pub use graph::{Cycle, DependencyGraph};
pub use key::{InvalidTaskKey, TaskKey};
pub use notify::{
    Dependent, Handoff, Notice, Reblock, after_assign, after_reopen, after_resolution, handoffs,
};
pub use privacy::{
    PRIVATE_REASON, PRIVATE_TITLE, Reader, RoomFacts, RoomPrivacy, may_read, seen_from_outside,
};
pub use schedule::{
    DigestSchedule, InvalidWeekdays, Weekdays, WorkingHours, at_local, parse_hours,
    parse_time_of_day,
};
pub use setting::{DigestChange, SETTINGS_HELP, SettingChange};
pub use summary::{SummaryBlocker, SummaryNote, SummarySource, SummaryThreshold};
pub use task::{PersonId, Readiness, Status, Task, UnknownStatus};
pub use zone::zone_of_place;
