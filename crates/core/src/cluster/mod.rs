//! Clusters: where training runs. The typed client of the Cluster API v1, the API keys kept in the OS
//! keyring, and the built-in local cluster (an agent daemon on this computer).

pub mod credentials;
pub mod sensitive;

pub use credentials::{Keyring, KeyringError, DEFAULT_KEYRING_SERVICE, KEYRING_SERVICE_ENV};
pub use sensitive::Sensitive;
pub mod client;

pub use client::{ClientError, ClusterClient, Progress};
