//! Facts about processes and stop signals to a trainer's process group: `brightrun-proc`, shared with the
//! core's local-daemon code (one liveness check for both).

pub use brightrun_proc::*;
