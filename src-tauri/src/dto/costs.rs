//! The Costs page's figures: the core's cost summary (`brightrun costs --json`) with the month against the
//! budget, in shapes specta exports.

use brightrun_core::jobs::costs::CostSummary;
use serde::{Deserialize, Serialize};

/// What a cost was for, as clusters report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// GPU or CPU time.
    Compute,
    /// Keeping datasets, checkpoints and adapters.
    Storage,
    /// Moving data in or out.
    Transfer,
}

impl CostKind {
    /// The three kinds, in the order the breakdown shows them.
    pub const ALL: [CostKind; 3] = [CostKind::Compute, CostKind::Storage, CostKind::Transfer];

    /// The kind's name in the cost records.
    pub fn as_str(self) -> &'static str {
        match self {
            CostKind::Compute => "compute",
            CostKind::Storage => "storage",
            CostKind::Transfer => "transfer",
        }
    }
}

/// The spend of one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DayCostView {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub usd: f64,
}

/// The spend of one job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobCostView {
    pub job_id: String,
    pub name: String,
    pub usd: f64,
}

/// The spend on one GPU type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GpuCostView {
    pub gpu: String,
    pub usd: f64,
}

/// The spend of one kind of cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KindCostView {
    pub kind: CostKind,
    pub usd: f64,
}

/// Spend over the last `days` days (today included), and this month against the budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CostsView {
    pub days: u32,
    pub total_usd: f64,
    /// Every day of the period, oldest first (0 on a day without spend).
    pub by_day: Vec<DayCostView>,
    /// Most expensive first.
    pub by_job: Vec<JobCostView>,
    /// Most expensive first.
    pub by_gpu: Vec<GpuCostView>,
    /// Compute, storage and transfer, always all three in that order (0 where nothing was recorded).
    pub by_kind: Vec<KindCostView>,
    /// Whether any record of the period is storage or transfer: clusters that bill only compute report
    /// none, and the page says so instead of showing zeros as if they were measured.
    pub kinds_reported: bool,
    /// This calendar month (UTC).
    pub month_spent_usd: f64,
    /// The monthly budget, if set.
    pub monthly_budget_usd: Option<f64>,
}

impl CostsView {
    /// The core's summary with the month's figures.
    pub fn new(summary: CostSummary, month_spent_usd: f64, monthly_budget_usd: Option<f64>) -> Self {
        let kind_usd = |kind: CostKind| {
            summary
                .by_kind
                .iter()
                .filter(|k| k.kind == kind.as_str())
                .map(|k| k.usd)
                .sum::<f64>()
        };
        let by_kind = CostKind::ALL
            .into_iter()
            .map(|kind| KindCostView {
                kind,
                usd: kind_usd(kind),
            })
            .collect();
        let kinds_reported = summary
            .by_kind
            .iter()
            .any(|k| k.kind != CostKind::Compute.as_str());
        Self {
            days: summary.days,
            total_usd: summary.total_usd,
            by_day: summary
                .by_day
                .into_iter()
                .map(|d| DayCostView {
                    date: d.date,
                    usd: d.usd,
                })
                .collect(),
            by_job: summary
                .by_job
                .into_iter()
                .map(|j| JobCostView {
                    job_id: j.job_id,
                    name: j.name,
                    usd: j.usd,
                })
                .collect(),
            by_gpu: summary
                .by_gpu
                .into_iter()
                .map(|g| GpuCostView {
                    gpu: g.gpu,
                    usd: g.usd,
                })
                .collect(),
            by_kind,
            kinds_reported,
            month_spent_usd,
            monthly_budget_usd,
        }
    }
}
