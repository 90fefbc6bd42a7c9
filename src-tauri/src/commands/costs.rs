//! The Costs page and its CSV: the core's cost summary and CSV (`brightrun_core::jobs::costs`, the figures
//! `brightrun costs` prints), with this month's spend and the budget beside them.

use brightrun_core::jobs::costs;
use brightrun_core::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use tauri::State;

use crate::core_state::CoreState;
use crate::dto::costs::CostsView;
use crate::error::{AppError, ErrorCode};

/// Spend over the last `days` days, today included (1 to 366; the page offers 7, 30 and 90).
#[tauri::command]
#[specta::specta]
pub async fn cost_summary(core: State<'_, CoreState>, days: u32) -> Result<CostsView, AppError> {
    summary(&core, days, Utc::now()).await
}

/// The period's rows as CSV (`date,job_id,name,gpu,capacity,kind,usd`), as `brightrun costs --csv` writes them.
#[tauri::command]
#[specta::specta]
pub async fn cost_csv(core: State<'_, CoreState>, days: u32) -> Result<String, AppError> {
    csv(&core, days, Utc::now()).await
}

/// [`cost_summary`] at `now`, without a window.
pub async fn summary(core: &CoreState, days: u32, now: DateTime<Utc>) -> Result<CostsView, AppError> {
    core.read(move |s: &Store| -> Result<_, StoreError> {
        let summary = costs::cost_summary(s, days, now)?;
        Ok(CostsView::new(
            summary,
            s.cost_records().spent_in_month_of(now)?,
            s.settings().monthly_budget_usd()?,
        ))
    })
    .await
}

/// [`cost_csv`] at `now`, without a window.
pub async fn csv(core: &CoreState, days: u32, now: DateTime<Utc>) -> Result<String, AppError> {
    let rows = core.read(move |s| costs::cost_rows(s, days, now)).await?;
    costs::to_csv(&rows).map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot write the CSV: {e}")))
}

#[cfg(test)]
#[path = "costs_tests.rs"]
mod tests;
