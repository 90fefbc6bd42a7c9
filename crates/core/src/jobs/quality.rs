//! Quality of a trained adapter from its metrics: final losses, perplexity, improvement, overfitting and a
//! 1–5 rating. The thresholds are documented in docs/jobs.md ("Model quality").

use crate::cluster::client::MetricsPoint;
use crate::store::model_artifacts::ModelQuality;

/// Validation loss above training loss by more than this many nats counts as overfitting: the model fits
/// the training conversations noticeably better than held-out ones (≈ 22 % higher perplexity).
pub const OVERFITTING_GAP: f64 = 0.2;

/// Improvement (in percent of the first loss) needed for each rating from 2 to 5.
const RATING_STEPS: [(f64, u8); 4] = [(50.0, 5), (30.0, 4), (15.0, 3), (5.0, 2)];

/// The quality of a run from its metrics points (in any order).
pub fn model_quality(points: &[MetricsPoint]) -> ModelQuality {
    let mut sorted: Vec<&MetricsPoint> = points.iter().collect();
    sorted.sort_by_key(|p| p.step);
    let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
    let first_train = sorted.iter().find_map(|p| finite(p.train_loss));
    let final_train = sorted.iter().rev().find_map(|p| finite(p.train_loss));
    let final_val = sorted.iter().rev().find_map(|p| finite(p.val_loss));
    // Perplexity of held-out data when there is validation, else of the training data (documented).
    let perplexity = final_val.or(final_train).map(f64::exp).filter(|p| p.is_finite());
    let improvement_pct = match (first_train, final_train) {
        (Some(first), Some(last)) if first > 0.0 => Some((first - last) / first * 100.0),
        _ => None,
    };
    let overfitting = matches!((final_train, final_val), (Some(t), Some(v)) if v - t > OVERFITTING_GAP);
    let mut rating = improvement_pct
        .and_then(|pct| RATING_STEPS.iter().find(|(min, _)| pct >= *min).map(|(_, r)| *r))
        .unwrap_or(1);
    if overfitting {
        rating = rating.saturating_sub(1).max(1);
    }
    ModelQuality {
        final_train_loss: final_train,
        final_val_loss: final_val,
        perplexity,
        improvement_pct,
        overfitting,
        rating,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(step: u64, train: Option<f64>, val: Option<f64>) -> MetricsPoint {
        MetricsPoint {
            step,
            epoch: None,
            train_loss: train,
            val_loss: val,
            learning_rate: None,
            grad_norm: None,
            tokens_per_second: None,
            gpu_utilization: None,
            gpu_memory_gb: None,
            timestamp: String::new(),
        }
    }

    #[test]
    fn a_run_that_halves_its_loss_without_overfitting_rates_five() {
        let q = model_quality(&[point(20, Some(1.0), Some(1.1)), point(10, Some(2.0), None)]);
        assert_eq!(q.final_train_loss, Some(1.0));
        assert_eq!(q.final_val_loss, Some(1.1));
        assert!((q.perplexity.unwrap() - 1.1f64.exp()).abs() < 1e-12);
        assert!((q.improvement_pct.unwrap() - 50.0).abs() < 1e-12);
        assert!(!q.overfitting);
        assert_eq!(q.rating, 5);
    }

    #[test]
    fn overfitting_costs_one_rating_point() {
        let q = model_quality(&[point(1, Some(2.0), None), point(2, Some(1.0), Some(1.3))]);
        assert!(q.overfitting);
        assert_eq!(q.rating, 4);
    }

    #[test]
    fn no_improvement_and_no_points_rate_one() {
        let q = model_quality(&[point(1, Some(2.0), None), point(2, Some(2.1), None)]);
        assert_eq!(q.rating, 1);
        assert!(q.improvement_pct.unwrap() < 0.0);
        assert_eq!(q.perplexity, Some(2.1f64.exp()));
        let empty = model_quality(&[]);
        assert_eq!(empty.rating, 1);
        assert_eq!(empty.perplexity, None);
    }
}
