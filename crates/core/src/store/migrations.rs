//! Every schema change of the local database, in order. A table's module owns its migration files;
//! each new one is appended here (names are UTC timestamps, so the list sorts by time).

use super::Migration;

/// The migrations `Store::open` applies, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "20261122030000_datasets",
        sql: include_str!("../../migrations/20261122030000_datasets.sql"),
    },
    Migration {
        name: "20261122030100_settings",
        sql: include_str!("../../migrations/20261122030100_settings.sql"),
    },
    Migration {
        name: "20261122040000_clusters",
        sql: include_str!("../../migrations/20261122040000_clusters.sql"),
    },
    Migration {
        name: "20261122050000_training_jobs",
        sql: include_str!("../../migrations/20261122050000_training_jobs.sql"),
    },
    Migration {
        name: "20261122050100_metrics_points",
        sql: include_str!("../../migrations/20261122050100_metrics_points.sql"),
    },
    Migration {
        name: "20261122050200_checkpoints",
        sql: include_str!("../../migrations/20261122050200_checkpoints.sql"),
    },
    Migration {
        name: "20261122050300_model_artifacts",
        sql: include_str!("../../migrations/20261122050300_model_artifacts.sql"),
    },
    Migration {
        name: "20261122050400_cost_records",
        sql: include_str!("../../migrations/20261122050400_cost_records.sql"),
    },
    Migration {
        name: "20261122050500_notifications",
        sql: include_str!("../../migrations/20261122050500_notifications.sql"),
    },
    Migration {
        name: "20261130110000_training_jobs_split_throughput",
        sql: include_str!("../../migrations/20261130110000_training_jobs_split_throughput.sql"),
    },
    Migration {
        name: "20261130120000_model_artifacts_edit",
        sql: include_str!("../../migrations/20261130120000_model_artifacts_edit.sql"),
    },
    Migration {
        name: "20261130130000_model_versions",
        sql: include_str!("../../migrations/20261130130000_model_versions.sql"),
    },
    Migration {
        name: "20261130140000_datasets_quality_and_use",
        sql: include_str!("../../migrations/20261130140000_datasets_quality_and_use.sql"),
    },
    Migration {
        name: "20261130150000_training_jobs_executor",
        sql: include_str!("../../migrations/20261130150000_training_jobs_executor.sql"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_timestamps_in_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        for migration in MIGRATIONS {
            let (stamp, what) = migration.name.split_at(14);
            assert!(stamp.bytes().all(|b| b.is_ascii_digit()), "{}", migration.name);
            assert!(what.starts_with('_') && what.len() > 1, "{}", migration.name);
        }
    }
}
