//! The local SQLite store: one connection recipe, embedded migrations, one module per table.

pub mod db;
pub mod error;

pub use db::{migrate, open, open_in_memory, Durability, Migration};
pub use error::StoreError;
