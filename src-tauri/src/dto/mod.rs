//! What crosses IPC: the core's types mapped to shapes specta can export (no u64/i64: counts become f64,
//! ids strings). Datasets and clusters use the camelCase the UI expects; jobs, training, models and
//! notifications keep the core's snake_case names.
//!
//! The core does not depend on specta, so its enums are mirrored here by [`mirror_enum!`]: an exhaustive match
//! each way, so a variant added in the core fails to compile until the UI's bindings have it too.

pub mod clusters;
pub mod costs;
pub mod dashboard;
pub mod dataset_sorts;
pub mod datasets;
pub mod estimate;
pub mod jobs;
pub mod model_use;
pub mod models;
pub mod notifications;
pub mod settings;
pub mod training;

/// A count as the UI receives it; exact up to 2^53, far past any dataset's size.
pub(crate) fn count(value: u64) -> f64 {
    value as f64
}

/// A snake_case unit enum for the UI mirroring a core enum variant for variant, with `From` both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $core:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, specta::Type)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$core> for $name {
            fn from(value: $core) -> Self {
                match value {
                    $($core::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $core::$variant),+
                }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// The variant of a snake_case unit enum named `raw` (a stored or cluster-sent string), if it is one.
pub(crate) fn parse_name<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).ok()
}
