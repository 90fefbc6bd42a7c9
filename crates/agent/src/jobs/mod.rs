//! Running jobs: the queue, the trainer process, its events, and recovery after a restart.

pub mod events;
pub mod files;
pub mod queue;
pub mod recovery;
pub mod runner;
