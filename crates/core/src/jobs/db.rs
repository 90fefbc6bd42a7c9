//! Store calls from async code: SQLite is blocking, so each call runs on tokio's blocking pool.

use crate::store::{Store, StoreAccess, StoreError};

use super::{JobsError, SharedStore};

/// Runs `f` with the store on the blocking pool.
pub(crate) async fn with<R, F>(store: &SharedStore, f: F) -> Result<R, JobsError>
where
    R: Send + 'static,
    F: FnOnce(&Store) -> Result<R, StoreError> + Send + 'static,
{
    let store = std::sync::Arc::clone(store);
    tokio::task::spawn_blocking(move || store.with_store(f))
        .await
        .map_err(|e| JobsError::Task(e.to_string()))?
        .map_err(JobsError::from)
}
