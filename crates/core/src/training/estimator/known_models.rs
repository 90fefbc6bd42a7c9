//! Well-known base models with the shapes from their published `config.json`, so an estimate needs no download.

use serde::{Deserialize, Serialize};

use super::model::{ModelSpec, Shape};

/// A base model the estimator knows by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownModel {
    /// The Hugging Face hub id of the base (pretrained) model.
    pub hub_id: String,
    /// The model's shape and parameter count.
    pub spec: ModelSpec,
}

/// `(hub id, hidden, layers, heads, kv heads, head_dim, intermediate, vocab, tied, qkv bias, norms per layer)`,
/// copied from each model's `config.json` on the Hugging Face hub. The instruct variants share these shapes.
type Row = (&'static str, u32, u32, u32, u32, u32, u32, u32, bool, bool, u32);

const ROWS: [Row; 8] = [
    (
        "meta-llama/Llama-3.2-1B",
        2048,
        16,
        32,
        8,
        64,
        8192,
        128_256,
        true,
        false,
        2,
    ),
    (
        "meta-llama/Llama-3.2-3B",
        3072,
        28,
        24,
        8,
        128,
        8192,
        128_256,
        true,
        false,
        2,
    ),
    (
        "meta-llama/Llama-3.1-8B",
        4096,
        32,
        32,
        8,
        128,
        14_336,
        128_256,
        false,
        false,
        2,
    ),
    (
        "Qwen/Qwen2.5-0.5B",
        896,
        24,
        14,
        2,
        64,
        4864,
        151_936,
        true,
        true,
        2,
    ),
    (
        "Qwen/Qwen2.5-1.5B",
        1536,
        28,
        12,
        2,
        128,
        8960,
        151_936,
        true,
        true,
        2,
    ),
    (
        "Qwen/Qwen2.5-7B",
        3584,
        28,
        28,
        4,
        128,
        18_944,
        152_064,
        false,
        true,
        2,
    ),
    (
        "mistralai/Mistral-7B-v0.3",
        4096,
        32,
        32,
        8,
        128,
        14_336,
        32_768,
        false,
        false,
        2,
    ),
    (
        "google/gemma-2-2b",
        2304,
        26,
        8,
        4,
        256,
        9216,
        256_000,
        true,
        false,
        4,
    ),
];

/// Every known base model.
pub fn known_models() -> Vec<KnownModel> {
    ROWS.iter().map(|row| row_model(*row)).collect()
}

/// The known model named `name`: its hub id, case-insensitively, with or without the owner, and with the
/// chat variants' suffixes (`-Instruct`, `-it`) accepted, since they share the base model's shape.
pub fn find_known_model(name: &str) -> Option<KnownModel> {
    let wanted = base_name(name);
    ROWS.iter()
        .find(|row| {
            let id = row.0.to_ascii_lowercase();
            let short = id.rsplit('/').next().unwrap_or(&id).to_string();
            wanted == id || wanted == short
        })
        .map(|row| row_model(*row))
}

fn base_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    for suffix in ["-instruct", "-it"] {
        if let Some(stripped) = lower.strip_suffix(suffix) {
            return stripped.to_string();
        }
    }
    lower
}

fn row_model(
    (hub_id, hidden, layers, heads, kv, head_dim, inter, vocab, tied, qkv_bias, norms): Row,
) -> KnownModel {
    let spec = Shape {
        hidden_size: hidden,
        num_layers: layers,
        num_attention_heads: heads,
        num_kv_heads: kv,
        head_dim,
        intermediate_size: inter,
        vocab_size: vocab,
        tie_word_embeddings: tied,
        qkv_bias,
        mlp_bias: false,
        norms_per_layer: norms,
    }
    .spec();
    KnownModel {
        hub_id: hub_id.to_string(),
        spec,
    }
}
