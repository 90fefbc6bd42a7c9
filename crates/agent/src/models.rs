//! The base models an agent offers: the configured hub ids, and local folders under `<data-dir>/models/`.

use crate::api::BaseModelView;
use crate::state::AppState;

/// Every base model a job may name, configured ones first.
pub fn offered(state: &AppState) -> Vec<BaseModelView> {
    let mut models: Vec<BaseModelView> = state
        .config
        .base_models
        .iter()
        .map(|id| BaseModelView {
            id: id.clone(),
            source: "hub".into(),
        })
        .collect();
    let mut local: Vec<String> = std::fs::read_dir(&state.paths.models)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("config.json").is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    local.sort();
    models.extend(local.into_iter().map(|id| BaseModelView {
        id,
        source: "local".into(),
    }));
    models
}
