//! Clusters: where training runs. The typed client of the Cluster API v1, the API keys kept in the OS
//! keyring, the built-in local cluster (an agent daemon on this computer), and adding, testing and
//! removing clusters.

pub mod client;
pub mod credentials;
mod error;
pub mod local;
pub mod manage;
pub mod sensitive;

pub use client::{ClientError, ClusterClient, Progress};
pub use credentials::{Keyring, KeyringError, DEFAULT_KEYRING_SERVICE, KEYRING_SERVICE_ENV};
pub(crate) use error::blocking;
pub use error::ClusterError;
pub use local::{LocalCluster, LocalError, LocalOptions};
pub use manage::{add_cluster, client_for, remove_cluster, test_cluster, update_cluster, TestReport};
pub use sensitive::Sensitive;
