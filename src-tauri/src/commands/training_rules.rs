//! The configurator's form rules, from the core: the page validates what the user types by asking here
//! (`Hyperparameters::validate` and the job limits), so the UI holds no copy of the ranges' logic.

use crate::commands::training::{check_form, FieldIssue, TrainingForm};

/// Every out-of-range field of the form, with the core's message; empty when it may launch. The same check
/// `launch_training` makes before anything is converted or uploaded.
#[tauri::command]
#[specta::specta]
pub async fn check_training_form(form: TrainingForm) -> Vec<FieldIssue> {
    check_form(&form)
}

#[cfg(test)]
mod tests {
    use brightrun_core::training::Hyperparameters;

    use super::*;
    use crate::commands::training::HyperparametersInput;

    fn form() -> TrainingForm {
        TrainingForm {
            dataset_id: "d".into(),
            cluster_id: "c".into(),
            name: None,
            base_model: "tiny".into(),
            hyperparameters: HyperparametersInput::from_core(&Hyperparameters::default()),
            gpu_type: None,
            gpu_count: 1,
            spot: false,
            max_duration_hours: 24.0,
            skip_invalid: false,
        }
    }

    #[tokio::test]
    async fn the_core_names_each_field_out_of_range() {
        assert!(check_training_form(form()).await.is_empty());
        let mut bad = form();
        bad.hyperparameters.lora_rank = 6;
        bad.hyperparameters.validation_split = 0.9;
        bad.hyperparameters.learning_rate = f64::NAN;
        bad.gpu_count = 9;
        bad.base_model = " ".into();
        let issues = check_training_form(bad).await;
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "learning_rate",
                "lora_rank",
                "validation_split",
                "gpu_count",
                "base_model"
            ]
        );
        let rank = &issues[1].message;
        assert!(rank.contains("steps of 4"), "{rank}");
    }
}
