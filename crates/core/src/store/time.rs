//! Timestamps as the store keeps them: RFC 3339 UTC with milliseconds, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

/// `t` in the store's timestamp format, e.g. `2026-11-22T03:00:00.000Z`.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current time in the store's timestamp format.
pub fn now() -> String {
    format(Utc::now())
}
