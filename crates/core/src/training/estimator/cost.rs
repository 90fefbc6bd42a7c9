//! Money: GPU-hours times the cluster's price for the chosen capacity.

use serde::{Deserialize, Serialize};

use super::Band;

/// Spot (cheaper, can be interrupted) or on-demand capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// Interruptible, cheaper.
    Spot,
    /// Reserved for the job's whole run.
    OnDemand,
}

/// A cluster's prices per GPU-hour for one GPU type, in US dollars (set by the cluster's operator).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuPricing {
    /// Price of one spot GPU for one hour.
    pub spot_per_gpu_hour: f64,
    /// Price of one on-demand GPU for one hour.
    pub on_demand_per_gpu_hour: f64,
}

impl GpuPricing {
    /// The price per GPU-hour of `capacity`.
    pub fn per_gpu_hour(&self, capacity: Capacity) -> f64 {
        match capacity {
            Capacity::Spot => self.spot_per_gpu_hour,
            Capacity::OnDemand => self.on_demand_per_gpu_hour,
        }
    }
}

/// What a run is expected to cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostEstimate {
    /// GPU-hours: wall-clock hours × GPUs.
    pub gpu_hours: Band,
    /// The price used, per GPU-hour.
    pub price_per_gpu_hour: f64,
    /// The capacity the price is for.
    pub capacity: Capacity,
    /// US dollars: GPU-hours × price.
    pub usd: Band,
}

/// The cost of a run lasting `seconds` on `gpu_count` GPUs at `price_per_gpu_hour`.
pub fn cost_estimate(
    seconds: &Band,
    gpu_count: u32,
    pricing: &GpuPricing,
    capacity: Capacity,
) -> CostEstimate {
    let price = pricing.per_gpu_hour(capacity);
    let gpu_hours = seconds.map(|s| s / 3600.0 * f64::from(gpu_count));
    CostEstimate {
        usd: gpu_hours.map(|h| h * price),
        gpu_hours,
        price_per_gpu_hour: price,
        capacity,
    }
}
