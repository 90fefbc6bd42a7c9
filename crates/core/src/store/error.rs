//! Errors of the store.

/// What can go wrong reading or writing the local database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed an operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file or its folder could not be created or read.
    #[error("cannot open the database at {path}: {source}")]
    Io {
        /// The file or folder involved.
        path: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The database was written by a newer BrightRun than this one.
    #[error(
        "the database at {path} has migration {migration} that this version does not know; \
         upgrade BrightRun or point it at another data folder"
    )]
    NewerSchema {
        /// The database file.
        path: String,
        /// The unknown migration's name.
        migration: String,
    },
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
