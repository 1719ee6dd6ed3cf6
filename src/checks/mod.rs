//! Checks on a ready session: the gates of `wait`/`check`, creating a missing
//! database, and the facts `doctor` reports. Each is an `Inspect` the probe runs
//! before it closes the session.

pub mod create;
pub mod doctor;
pub mod gates;
pub mod migrations;
pub mod pooler;
pub mod sql;
