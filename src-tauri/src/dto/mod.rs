//! What crosses IPC: the core's types mapped to shapes specta can export (no u64/i64: counts become f64,
//! ids strings), in the camelCase the UI expects.

pub mod clusters;
pub mod costs;
pub mod dashboard;
pub mod dataset_sorts;
pub mod datasets;
pub mod settings;

/// A count as the UI receives it; exact up to 2^53, far past any dataset's size.
pub(crate) fn count(value: u64) -> f64 {
    value as f64
}
