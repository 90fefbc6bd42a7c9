//! Presets and the badge that turns "Custom" as soon as a preset value is edited.

use brightrun_core::training::presets::{badge_for, badge_for_hyperparameters, Preset, PresetBadge};
use brightrun_core::training::Hyperparameters;

#[test]
fn presets_hold_the_spec_values() {
    let v = Preset::Conservative.values();
    assert_eq!(
        (
            v.learning_rate,
            v.batch_size,
            v.num_epochs,
            v.lora_rank,
            v.lora_alpha,
            v.lora_dropout
        ),
        (1e-4, 4, 3, 8, 16, 0.05)
    );
    let v = Preset::Balanced.values();
    assert_eq!(
        (
            v.learning_rate,
            v.batch_size,
            v.num_epochs,
            v.lora_rank,
            v.lora_alpha,
            v.lora_dropout
        ),
        (2e-4, 8, 5, 16, 32, 0.1)
    );
    let v = Preset::Aggressive.values();
    assert_eq!(
        (
            v.learning_rate,
            v.batch_size,
            v.num_epochs,
            v.lora_rank,
            v.lora_alpha,
            v.lora_dropout
        ),
        (3e-4, 16, 10, 32, 64, 0.1)
    );
}

#[test]
fn every_preset_is_within_the_allowed_ranges() {
    for preset in Preset::ALL {
        let mut hp = Hyperparameters::default();
        preset.apply_to(&mut hp);
        assert_eq!(hp.validate(), vec![], "{preset:?}");
    }
}

#[test]
fn applying_a_preset_shows_its_badge_and_keeps_other_settings() {
    let mut hp = Hyperparameters {
        max_seq_len: 4096,
        warmup_ratio: 0.1,
        ..Hyperparameters::default()
    };
    Preset::Aggressive.apply_to(&mut hp);
    assert_eq!(badge_for_hyperparameters(&hp), PresetBadge::Aggressive);
    assert_eq!((hp.max_seq_len, hp.warmup_ratio), (4096, 0.1));
    // Settings outside the six do not change the badge.
    hp.seed = 7;
    hp.max_seq_len = 512;
    assert_eq!(badge_for_hyperparameters(&hp), PresetBadge::Aggressive);
}

#[test]
fn any_edit_of_a_preset_value_turns_the_badge_custom() {
    let base = Preset::Balanced.values();
    assert_eq!(badge_for(&base), PresetBadge::Balanced);
    let edits: [&dyn Fn(&mut brightrun_core::training::presets::PresetValues); 6] = [
        &|v| v.learning_rate = 2.5e-4,
        &|v| v.batch_size = 4,
        &|v| v.num_epochs = 6,
        &|v| v.lora_rank = 8,
        &|v| v.lora_alpha = 16,
        &|v| v.lora_dropout = 0.05,
    ];
    for (i, edit) in edits.iter().enumerate() {
        let mut v = base;
        edit(&mut v);
        assert_eq!(badge_for(&v), PresetBadge::Custom, "edit {i}");
    }
    // Editing back to the preset's value restores the badge; a value typed as 0.0002 is the same number.
    let mut v = base;
    v.learning_rate = "0.0002".parse().unwrap();
    assert_eq!(badge_for(&v), PresetBadge::Balanced);
}

#[test]
fn mixing_values_of_two_presets_is_custom() {
    // Conservative's learning rate with balanced's everything else matches neither.
    let mut v = Preset::Balanced.values();
    v.learning_rate = Preset::Conservative.values().learning_rate;
    assert_eq!(badge_for(&v), PresetBadge::Custom);
}

#[test]
fn the_default_hyperparameters_are_the_conservative_preset() {
    assert_eq!(
        badge_for_hyperparameters(&Hyperparameters::default()),
        PresetBadge::Conservative
    );
}

#[test]
fn badges_and_presets_serialise_in_snake_case() {
    assert_eq!(serde_json::to_string(&PresetBadge::Custom).unwrap(), "\"custom\"");
    assert_eq!(serde_json::to_string(&Preset::Balanced).unwrap(), "\"balanced\"");
    let back: Preset = serde_json::from_str("\"aggressive\"").unwrap();
    assert_eq!(back, Preset::Aggressive);
}
