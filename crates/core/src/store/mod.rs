//! The local SQLite store: one connection recipe, embedded migrations, one module per table.
//!
//! `Store::open(data_dir)` gives a migrated database; `store.datasets()` and `store.settings()` are the
//! tables; `import_dataset` is the import flow (copy, content-address, validate, record).

pub mod checkpoints;
pub mod clusters;
pub mod cost_records;
pub mod dataset_notices;
pub mod datasets;
pub mod db;
pub mod error;
mod files;
mod handle;
pub mod import;
pub mod job_logs;
pub mod metrics;
mod migrations;
pub mod model_artifacts;
pub mod model_versions;
pub mod notifications;
pub mod settings;
pub mod time;
pub mod training_jobs;

pub use clusters::{Cluster, ClusterKind, ClusterStatus, ClusterTest, Clusters, NewCluster};
pub use datasets::{
    Dataset, DatasetDetail, DatasetPage, DatasetQuery, DatasetSort, DatasetStatus, Datasets, Inserted,
    NewDataset, UnknownSort, UnknownStatus,
};
pub use db::{migrate, open, open_in_memory, Durability, Migration, SqliteError};
pub use error::StoreError;
pub use handle::{Store, StoreAccess};
pub use import::{import_dataset, revalidate_dataset, ImportError, ImportOutcome, ImportRequest, Imported};
pub use migrations::MIGRATIONS;
pub use settings::Settings;
