//! The local SQLite store: migrations, one module per table.
