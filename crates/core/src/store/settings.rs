//! The `settings` table: key/value application settings (migration `20261122030100_settings`).
//!
//! Values are stored as JSON so each keeps its type; the typed getters and setters below check ranges,
//! and a missing key reads as its default. Never a secret here: those live in the OS keyring.

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{time, Store, StoreError};

/// Key of the monthly spending budget in US dollars (absent: no budget).
pub const MONTHLY_BUDGET_USD: &str = "monthly_budget_usd";

/// Key of the seconds between two polls of a running job.
pub const POLLING_INTERVAL_SECS: &str = "polling_interval_secs";

/// Polling interval used until the user picks one (the design asks for 5 s: live curves, yet one cheap
/// incremental request per job and tick).
pub const DEFAULT_POLLING_INTERVAL_SECS: u64 = 5;

/// The polling intervals a user may choose: faster would hammer a cluster, slower hides failures.
pub const POLLING_INTERVAL_RANGE: std::ops::RangeInclusive<u64> = 5..=3600;

/// The `settings` table of a store.
pub struct Settings<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The application settings.
    pub fn settings(&self) -> Settings<'_> {
        Settings {
            conn: self.connection(),
        }
    }
}

impl Settings<'_> {
    /// The value of `key`, or `None` when it was never set.
    pub fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let raw: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?;
        raw.map(|raw| {
            serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt {
                what: format!("setting {key}"),
                message: e.to_string(),
            })
        })
        .transpose()
    }

    /// Sets `key` to `value` (replacing any earlier value).
    pub fn set_json<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let raw = serde_json::to_string(value).map_err(|e| StoreError::InvalidInput {
            field: key.to_string(),
            message: e.to_string(),
        })?;
        self.conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, raw, time::now()],
        )?;
        Ok(())
    }

    /// Forgets `key`, so it reads as its default again.
    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    /// The monthly budget in US dollars; `None` when the user set none.
    pub fn monthly_budget_usd(&self) -> Result<Option<f64>, StoreError> {
        self.get_json(MONTHLY_BUDGET_USD)
    }

    /// Sets the monthly budget (a finite amount ≥ 0), or removes it with `None`.
    pub fn set_monthly_budget_usd(&self, budget: Option<f64>) -> Result<(), StoreError> {
        match budget {
            None => self.remove(MONTHLY_BUDGET_USD),
            Some(usd) if usd.is_finite() && usd >= 0.0 => self.set_json(MONTHLY_BUDGET_USD, &usd),
            Some(usd) => Err(StoreError::InvalidInput {
                field: MONTHLY_BUDGET_USD.into(),
                message: format!("the budget must be an amount of 0 or more, not {usd}"),
            }),
        }
    }

    /// Seconds between two polls of a running job ([`DEFAULT_POLLING_INTERVAL_SECS`] until set).
    pub fn polling_interval_secs(&self) -> Result<u64, StoreError> {
        Ok(self
            .get_json(POLLING_INTERVAL_SECS)?
            .unwrap_or(DEFAULT_POLLING_INTERVAL_SECS))
    }

    /// Sets the polling interval, which must lie in [`POLLING_INTERVAL_RANGE`].
    pub fn set_polling_interval_secs(&self, secs: u64) -> Result<(), StoreError> {
        if !POLLING_INTERVAL_RANGE.contains(&secs) {
            return Err(StoreError::InvalidInput {
                field: POLLING_INTERVAL_SECS.into(),
                message: format!(
                    "the polling interval must be {} to {} seconds, not {secs}",
                    POLLING_INTERVAL_RANGE.start(),
                    POLLING_INTERVAL_RANGE.end()
                ),
            });
        }
        self.set_json(POLLING_INTERVAL_SECS, &secs)
    }
}
