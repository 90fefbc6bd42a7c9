//! Errors of the store.

/// What can go wrong reading or writing the local database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed an operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Opening or migrating the database failed: its folder or file could not be created or read, or a newer
    /// BrightRun wrote it. `brightrun-sqlite`'s own error (the agent gets the same), wrapped, not copied; its
    /// `Sqlite` case arrives as [`StoreError::Sqlite`].
    #[error(transparent)]
    Database(brightrun_sqlite::SqliteError),
    /// No row has this id (a dataset, a job…).
    #[error("no {what} with id {id}")]
    NotFound {
        /// What was looked for, e.g. `dataset`.
        what: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// A value given by the caller is not acceptable (an empty name, a negative budget…).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The field or setting involved.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A stored value could not be read back (hand-edited or written by an incompatible version).
    #[error("stored {what} is unreadable: {message}")]
    Corrupt {
        /// What was being read, e.g. `validation report of dataset <id>`.
        what: String,
        /// The parser's message.
        message: String,
    },
}
