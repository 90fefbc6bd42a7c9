//! The error of cluster operations that span the store, the keyring, the network and the local daemon.

use super::{ClientError, KeyringError, LocalError};
use crate::store::StoreError;

/// What can go wrong adding, testing, removing or starting a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The local database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The OS keyring.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// Talking to the cluster.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The local cluster's daemon or Python stack.
    #[error(transparent)]
    Local(#[from] LocalError),
}

/// Runs a blocking keyring call off the async runtime's threads (the Secret Service is a D-Bus round trip).
pub(crate) async fn blocking<T, E>(call: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<KeyringError> + Send + 'static,
{
    match tokio::task::spawn_blocking(call).await {
        Ok(result) => result,
        Err(join) => Err(E::from(KeyringError::Unavailable {
            detail: format!("the keyring call did not complete: {join}"),
        })),
    }
}
