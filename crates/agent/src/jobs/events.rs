//! The trainer's stdout: one JSON event per line (docs/trainer.md).

use serde::Deserialize;

use crate::api::{JobError, MetricsPoint};

/// One line of the trainer's stdout.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainerEvent {
    Stage {
        stage: String,
    },
    Plan {
        total_steps: Option<u64>,
        total_epochs: Option<f64>,
    },
    Metrics {
        time: Option<f64>,
        step: u64,
        epoch: Option<f64>,
        train_loss: Option<f64>,
        val_loss: Option<f64>,
        learning_rate: Option<f64>,
        grad_norm: Option<f64>,
        tokens_per_second: Option<f64>,
        gpu_utilization: Option<f64>,
        gpu_memory_gb: Option<f64>,
    },
    Checkpoint {
        step: u64,
        path: String,
    },
    Artifact {
        name: String,
        size: Option<u64>,
    },
    Completed {
        #[serde(default)]
        summary: serde_json::Value,
    },
    Cancelled {},
    Error {
        kind: String,
        message: String,
        hint: Option<String>,
    },
}

/// A parsed line: an event, or text that is not one (kept in the log).
#[derive(Debug)]
pub enum Line {
    Event(Box<TrainerEvent>, serde_json::Value),
    Other(String),
}

/// Parses one stdout line; anything that is not a known event comes back as text.
pub fn parse(line: &str) -> Line {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
        return Line::Other(line.to_string());
    };
    match serde_json::from_value::<TrainerEvent>(value.clone()) {
        Ok(event) => Line::Event(Box::new(event), value),
        Err(_) => Line::Other(line.to_string()),
    }
}

impl TrainerEvent {
    /// The metrics point of a `metrics` event.
    pub fn metrics_point(&self) -> Option<MetricsPoint> {
        let TrainerEvent::Metrics {
            time,
            step,
            epoch,
            train_loss,
            val_loss,
            learning_rate,
            grad_norm,
            tokens_per_second,
            gpu_utilization,
            gpu_memory_gb,
        } = self
        else {
            return None;
        };
        let at = time
            .and_then(|t| chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64))
            .unwrap_or_else(chrono::Utc::now);
        Some(MetricsPoint {
            step: *step,
            epoch: *epoch,
            train_loss: *train_loss,
            val_loss: *val_loss,
            learning_rate: *learning_rate,
            grad_norm: *grad_norm,
            tokens_per_second: *tokens_per_second,
            gpu_utilization: *gpu_utilization,
            gpu_memory_gb: *gpu_memory_gb,
            timestamp: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
    }

    /// The failure of an `error` event.
    pub fn job_error(&self) -> Option<JobError> {
        match self {
            TrainerEvent::Error { kind, message, hint } => Some(JobError {
                kind: kind.clone(),
                message: message.clone(),
                hint: hint.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contracts_events() {
        let metrics = r#"{"event":"metrics","time":1763780000.5,"step":3,"epoch":0.5,"train_loss":2.5,
            "val_loss":null,"learning_rate":0.0001,"grad_norm":1.0,"tokens_per_second":100.0,
            "gpu_utilization":null,"gpu_memory_gb":null}"#
            .replace('\n', "");
        let Line::Event(event, _) = parse(&metrics) else {
            panic!("not an event")
        };
        let point = event.metrics_point().unwrap();
        assert_eq!(point.step, 3);
        assert_eq!(point.train_loss, Some(2.5));
        assert!(point.timestamp.starts_with("2025-11-22T"));
        let Line::Event(event, _) =
            parse(r#"{"event":"error","time":1,"kind":"out_of_memory","message":"m","hint":"h"}"#)
        else {
            panic!("not an event")
        };
        assert_eq!(event.job_error().unwrap().kind, "out_of_memory");
        assert!(matches!(
            parse(r#"{"event":"cancelled","time":1,"checkpoint":null}"#),
            Line::Event(..)
        ));
        assert!(matches!(parse("Loading weights..."), Line::Other(_)));
        assert!(matches!(parse(r#"{"event":"surprise"}"#), Line::Other(_)));
    }
}
