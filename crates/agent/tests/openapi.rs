//! docs/openapi.json must be exactly what the code generates.

use std::path::Path;

#[test]
fn docs_openapi_json_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = brightrun_agent::openapi::document_json();
    if std::env::var_os("BRIGHTRUN_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the API the code serves. Regenerate it with\n  \
         cargo run -p brightrun-agent -- openapi > docs/openapi.json\n\
         (or BRIGHTRUN_UPDATE_OPENAPI=1 cargo test -p brightrun-agent --test openapi) and commit it."
    );
}

#[test]
fn every_route_is_documented() {
    let doc = brightrun_agent::openapi::document();
    let paths: Vec<&String> = doc.paths.paths.keys().collect();
    for expected in [
        "/v1/health",
        "/v1/capabilities",
        "/v1/openapi.json",
        "/v1/datasets/{sha256}",
        "/v1/jobs",
        "/v1/jobs/{id}",
        "/v1/jobs/{id}/cancel",
        "/v1/jobs/{id}/metrics",
        "/v1/jobs/{id}/logs",
        "/v1/jobs/{id}/checkpoints",
        "/v1/jobs/{id}/artifacts",
        "/v1/jobs/{id}/artifacts/{name}",
    ] {
        assert!(
            paths.iter().any(|p| p.as_str() == expected),
            "{expected} is not documented"
        );
    }
}

#[test]
fn the_documented_hyperparameters_are_the_cores() {
    let doc = serde_json::to_value(brightrun_agent::openapi::document()).unwrap();
    let mut documented: Vec<String> = doc["components"]["schemas"]["Hyperparameters"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let defaults = serde_json::to_value(brightrun_api::Hyperparameters::default()).unwrap();
    let mut actual: Vec<String> = defaults.as_object().unwrap().keys().cloned().collect();
    documented.sort();
    actual.sort();
    assert_eq!(
        documented, actual,
        "api::HyperparametersDoc no longer mirrors core's Hyperparameters"
    );
}
