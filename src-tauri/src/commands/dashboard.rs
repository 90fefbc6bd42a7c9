//! The dashboard: its cards (datasets, active jobs, completed models, this month's spend) and the feed of
//! recent activity, from the core's overview.

use brightrun_core::overview::{overview, MAX_ACTIVITY};
use chrono::Utc;
use tauri::State;

use crate::core_state::CoreState;
use crate::dto::dashboard::DashboardView;
use crate::error::AppError;

/// Events the dashboard's feed shows.
pub const FEED_LENGTH: u32 = 12;

/// The cards and the newest `limit` events (at most 50; the dashboard asks for 12).
#[tauri::command]
#[specta::specta]
pub async fn dashboard_overview(
    core: State<'_, CoreState>,
    limit: Option<u32>,
) -> Result<DashboardView, AppError> {
    load(&core, limit.unwrap_or(FEED_LENGTH)).await
}

/// [`dashboard_overview`] without a window.
pub async fn load(core: &CoreState, limit: u32) -> Result<DashboardView, AppError> {
    let limit = limit.min(MAX_ACTIVITY);
    let view = core.read(move |s| overview(s, Utc::now(), limit)).await?;
    Ok(view.into())
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
