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

/// The settings a user may read and change by name (`brightrun settings`, the Settings page), in the user's
/// words: `monthly_budget_usd` (dollars, or `none`) and `poll_interval_s` (seconds).
pub const USER_SETTINGS: [&str; 2] = ["monthly_budget_usd", "poll_interval_s"];

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

    /// The value of the user setting `key` (one of [`USER_SETTINGS`]): a number, or null for no budget.
    pub fn get_user(&self, key: &str) -> Result<serde_json::Value, StoreError> {
        Ok(match key {
            "monthly_budget_usd" => match self.monthly_budget_usd()? {
                Some(usd) => number(usd),
                None => serde_json::Value::Null,
            },
            "poll_interval_s" => serde_json::Value::from(self.polling_interval_secs()?),
            _ => return Err(unknown_key(key)),
        })
    }

    /// Sets the user setting `key` from its text (`none` or an empty text removes the budget); an unknown key
    /// or a value out of range is refused with [`StoreError::InvalidInput`]. Returns the value now stored.
    pub fn set_user(&self, key: &str, raw: &str) -> Result<serde_json::Value, StoreError> {
        let raw = raw.trim();
        let invalid = |message: String| StoreError::InvalidInput {
            field: key.to_string(),
            message,
        };
        match key {
            "monthly_budget_usd" => {
                let budget =
                    if raw.is_empty() || raw.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        Some(raw.parse::<f64>().map_err(|_| {
                            invalid(format!("{raw:?} is not an amount in dollars (or `none`)"))
                        })?)
                    };
                self.set_monthly_budget_usd(budget)?;
            }
            "poll_interval_s" => {
                let secs = raw
                    .parse::<u64>()
                    .map_err(|_| invalid(format!("{raw:?} is not a whole number of seconds")))?;
                // Reported under the user's name of the setting, not the stored key.
                self.set_polling_interval_secs(secs).map_err(|e| match e {
                    StoreError::InvalidInput { message, .. } => invalid(message),
                    e => e,
                })?;
            }
            _ => return Err(unknown_key(key)),
        }
        self.get_user(key)
    }
}

fn unknown_key(key: &str) -> StoreError {
    StoreError::InvalidInput {
        field: "key".into(),
        message: format!(
            "unknown setting {key:?}; the settings are {}",
            USER_SETTINGS.join(", ")
        ),
    }
}

/// A whole amount as an integer (`100`, not `100.0`), so what the user typed reads back the same.
fn number(value: f64) -> serde_json::Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serde_json::Value::from(value as i64)
    } else {
        serde_json::Value::from(value)
    }
}
