//! Store work off the window's thread and off the async workers: a SQLite call can wait on the disk or on
//! another writer's lock (busy_timeout), so it runs on tokio's blocking pool.

use brightrun_core::store::{Store, StoreAccess};

use crate::core_errors::join_error;
use crate::core_state::CoreState;
use crate::error::AppError;

/// Runs `f` with the store on a blocking thread; its error becomes the UI's `{code, message}`.
pub async fn with_store<R, E>(
    core: &CoreState,
    f: impl FnOnce(&Store) -> Result<R, E> + Send + 'static,
) -> Result<R, AppError>
where
    R: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    let store = core.store.clone();
    tokio::task::spawn_blocking(move || store.with_store(f).map_err(Into::into))
        .await
        .map_err(join_error)?
}
