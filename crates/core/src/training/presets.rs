//! The three named starting points for a run (conservative, balanced, aggressive) and the badge that tells
//! whether the form still holds one of them or has become "custom".

use serde::{Deserialize, Serialize};

use super::Hyperparameters;

/// A named set of the six headline hyperparameters, from the product spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Small steps, small adapter: the safest first run on a new dataset.
    Conservative,
    /// The usual choice.
    Balanced,
    /// Bigger adapter, more epochs, higher learning rate: more capacity, more risk of overfitting.
    Aggressive,
}

/// The values a preset sets; every other hyperparameter keeps what the user had.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PresetValues {
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Examples per device per micro-step.
    pub batch_size: u32,
    /// Passes over the training examples.
    pub num_epochs: u32,
    /// LoRA rank (r).
    pub lora_rank: u32,
    /// LoRA alpha.
    pub lora_alpha: u32,
    /// Dropout on the LoRA path.
    pub lora_dropout: f64,
}

/// What the form's badge shows: the preset the values still match, or `Custom` once any of them was edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresetBadge {
    /// All six values equal the conservative preset's.
    Conservative,
    /// All six values equal the balanced preset's.
    Balanced,
    /// All six values equal the aggressive preset's.
    Aggressive,
    /// At least one value differs from every preset.
    Custom,
}

impl Preset {
    /// Every preset, in the order the form lists them.
    pub const ALL: [Preset; 3] = [Preset::Conservative, Preset::Balanced, Preset::Aggressive];

    /// The values this preset sets (DESIGN.md, "Numbers from the original spec worth keeping").
    pub fn values(self) -> PresetValues {
        let (learning_rate, batch_size, num_epochs, lora_rank, lora_alpha, lora_dropout) = match self {
            Preset::Conservative => (1e-4, 4, 3, 8, 16, 0.05),
            Preset::Balanced => (2e-4, 8, 5, 16, 32, 0.1),
            Preset::Aggressive => (3e-4, 16, 10, 32, 64, 0.1),
        };
        PresetValues {
            learning_rate,
            batch_size,
            num_epochs,
            lora_rank,
            lora_alpha,
            lora_dropout,
        }
    }

    /// The lowercase name used in files and the CLI (`"balanced"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Conservative => "conservative",
            Preset::Balanced => "balanced",
            Preset::Aggressive => "aggressive",
        }
    }

    /// The preset named `name` (case-insensitive), if any.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Sets this preset's six values on `hyperparameters`, leaving the others as they were.
    pub fn apply_to(self, hyperparameters: &mut Hyperparameters) {
        let v = self.values();
        hyperparameters.learning_rate = v.learning_rate;
        hyperparameters.batch_size = v.batch_size;
        hyperparameters.num_epochs = v.num_epochs;
        hyperparameters.lora_rank = v.lora_rank;
        hyperparameters.lora_alpha = v.lora_alpha;
        hyperparameters.lora_dropout = v.lora_dropout;
    }

    fn badge(self) -> PresetBadge {
        match self {
            Preset::Conservative => PresetBadge::Conservative,
            Preset::Balanced => PresetBadge::Balanced,
            Preset::Aggressive => PresetBadge::Aggressive,
        }
    }
}

impl PresetValues {
    /// The six preset-controlled values of `hyperparameters`.
    pub fn of(hyperparameters: &Hyperparameters) -> Self {
        Self {
            learning_rate: hyperparameters.learning_rate,
            batch_size: hyperparameters.batch_size,
            num_epochs: hyperparameters.num_epochs,
            lora_rank: hyperparameters.lora_rank,
            lora_alpha: hyperparameters.lora_alpha,
            lora_dropout: hyperparameters.lora_dropout,
        }
    }

    /// Whether these values are the same as `other`'s. Floats compare with a relative tolerance of 1e-9 so that
    /// a value that went through a text field (`0.0001` vs `1e-4`) or JSON still counts as unedited.
    pub fn same_as(&self, other: &PresetValues) -> bool {
        self.batch_size == other.batch_size
            && self.num_epochs == other.num_epochs
            && self.lora_rank == other.lora_rank
            && self.lora_alpha == other.lora_alpha
            && nearly_equal(self.learning_rate, other.learning_rate)
            && nearly_equal(self.lora_dropout, other.lora_dropout)
    }
}

/// The badge for `values`: the preset they match, or `Custom` as soon as any of the six differs.
pub fn badge_for(values: &PresetValues) -> PresetBadge {
    Preset::ALL
        .into_iter()
        .find(|p| p.values().same_as(values))
        .map_or(PresetBadge::Custom, Preset::badge)
}

/// The badge for a whole set of hyperparameters (only the six preset values count).
pub fn badge_for_hyperparameters(hyperparameters: &Hyperparameters) -> PresetBadge {
    badge_for(&PresetValues::of(hyperparameters))
}

fn nearly_equal(a: f64, b: f64) -> bool {
    // NaN is never equal, so a broken value shows as Custom rather than as a preset.
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for preset in Preset::ALL {
            assert_eq!(Preset::from_name(preset.as_str()), Some(preset));
        }
        assert_eq!(Preset::from_name(" Balanced "), Some(Preset::Balanced));
        assert_eq!(Preset::from_name("custom"), None);
    }

    #[test]
    fn nan_is_custom() {
        let mut v = Preset::Balanced.values();
        v.lora_dropout = f64::NAN;
        assert_eq!(badge_for(&v), PresetBadge::Custom);
    }
}
