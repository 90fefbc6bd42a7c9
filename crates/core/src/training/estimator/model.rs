//! The shape of a base model, as far as the estimator needs it, read from a Hugging Face `config.json`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::EstimatorError;

/// The architecture of a decoder-only base model (Llama, Qwen2, Mistral, Gemma 2 style).
///
/// Counts are `u32` and the parameter count is `f64` so the type crosses IPC without 64-bit integers; an `f64`
/// holds every parameter count below 2^53 exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Total parameters of the base model (embeddings and output head counted once when they are tied).
    pub parameters: f64,
    /// Width of the residual stream (`hidden_size`).
    pub hidden_size: u32,
    /// Decoder layers (`num_hidden_layers`).
    pub num_layers: u32,
    /// Query heads (`num_attention_heads`).
    pub num_attention_heads: u32,
    /// Key/value heads (`num_key_value_heads`; fewer than query heads under grouped-query attention).
    pub num_kv_heads: u32,
    /// Width of each head (`head_dim`, or hidden size / heads when the config leaves it out).
    pub head_dim: u32,
    /// Width of the MLP (`intermediate_size`).
    pub intermediate_size: u32,
    /// Tokens in the vocabulary (`vocab_size`): the width of the logits.
    pub vocab_size: u32,
    /// Whether the output head reuses the input embedding matrix.
    pub tie_word_embeddings: bool,
}

/// The linear layers of one decoder layer, by the module names PEFT's `target_modules` uses.
pub const LINEAR_MODULES: [&str; 7] = [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
];

impl ModelSpec {
    /// Reads a Hugging Face `config.json` (LlamaForCausalLM-style fields; a nested `text_config` is used when
    /// the top level has none) and counts the parameters from the shapes.
    pub fn from_hf_config(json: &str) -> Result<ModelSpec, EstimatorError> {
        let root: Value = serde_json::from_str(json).map_err(|e| EstimatorError::InvalidModelConfig {
            reason: format!("not JSON: {e}"),
        })?;
        let config = match root.get("text_config") {
            Some(text) if root.get("hidden_size").is_none() && text.is_object() => text,
            _ => &root,
        };
        if !config.is_object() {
            return Err(EstimatorError::InvalidModelConfig {
                reason: "the config is not a JSON object".into(),
            });
        }
        let model_type = config
            .get("model_type")
            .or_else(|| root.get("model_type"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let hidden_size = required(config, "hidden_size")?;
        let num_layers = required(config, "num_hidden_layers")?;
        let num_attention_heads = required(config, "num_attention_heads")?;
        let num_kv_heads = optional(config, "num_key_value_heads")?.unwrap_or(num_attention_heads);
        let intermediate_size = required(config, "intermediate_size")?;
        let vocab_size = required(config, "vocab_size")?;
        let head_dim = match optional(config, "head_dim")? {
            Some(d) => d,
            None => hidden_size / num_attention_heads,
        };
        if head_dim == 0 || num_kv_heads == 0 || num_kv_heads > num_attention_heads {
            return Err(EstimatorError::InvalidModelConfig {
                reason: format!(
                    "inconsistent attention shape: {num_attention_heads} heads, {num_kv_heads} key/value heads, \
                     head_dim {head_dim}"
                ),
            });
        }
        // Gemma ties its embeddings unless told otherwise; the Llama family does not.
        let gemma = model_type.starts_with("gemma");
        let tie_word_embeddings = config
            .get("tie_word_embeddings")
            .or_else(|| root.get("tie_word_embeddings"))
            .and_then(Value::as_bool)
            .unwrap_or(gemma);
        // Qwen2 always has biases on q/k/v; Llama-style configs say so in `attention_bias`.
        let qkv_bias = model_type == "qwen2"
            || config
                .get("attention_bias")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        let mlp_bias = config.get("mlp_bias").and_then(Value::as_bool).unwrap_or(false);
        // Gemma 2 and 3 normalise before and after both attention and MLP.
        let norms_per_layer = if model_type == "gemma2" || model_type == "gemma3_text" {
            4
        } else {
            2
        };
        let shape = Shape {
            hidden_size,
            num_layers,
            num_attention_heads,
            num_kv_heads,
            head_dim,
            intermediate_size,
            vocab_size,
            tie_word_embeddings,
            qkv_bias,
            mlp_bias,
            norms_per_layer,
        };
        Ok(shape.spec())
    }

    /// Parameters of the decoder layers' linear weights: the part QLoRA stores in 4 bits.
    pub fn linear_parameters(&self) -> f64 {
        f64::from(self.num_layers) * LINEAR_MODULES.iter().map(|m| self.module_weights(m)).sum::<f64>()
    }

    /// Parameters of the embedding and, when untied, the output head: these stay in 16 bits under QLoRA.
    pub fn embedding_parameters(&self) -> f64 {
        let one = f64::from(self.vocab_size) * f64::from(self.hidden_size);
        if self.tie_word_embeddings {
            one
        } else {
            2.0 * one
        }
    }

    /// `(inputs, outputs)` of one of the decoder layer's linear modules named as PEFT names it, or `None` for a
    /// name that is not one of [`LINEAR_MODULES`].
    pub fn module_shape(&self, module: &str) -> Option<(f64, f64)> {
        let h = f64::from(self.hidden_size);
        let q = f64::from(self.num_attention_heads) * f64::from(self.head_dim);
        let kv = f64::from(self.num_kv_heads) * f64::from(self.head_dim);
        let i = f64::from(self.intermediate_size);
        match module {
            "q_proj" => Some((h, q)),
            "k_proj" | "v_proj" => Some((h, kv)),
            "o_proj" => Some((q, h)),
            "gate_proj" | "up_proj" => Some((h, i)),
            "down_proj" => Some((i, h)),
            _ => None,
        }
    }

    fn module_weights(&self, module: &str) -> f64 {
        self.module_shape(module).map_or(0.0, |(i, o)| i * o)
    }
}

/// The raw shape of a model, from which its parameter count follows.
pub(super) struct Shape {
    pub hidden_size: u32,
    pub num_layers: u32,
    pub num_attention_heads: u32,
    pub num_kv_heads: u32,
    pub head_dim: u32,
    pub intermediate_size: u32,
    pub vocab_size: u32,
    pub tie_word_embeddings: bool,
    pub qkv_bias: bool,
    pub mlp_bias: bool,
    pub norms_per_layer: u32,
}

impl Shape {
    /// The spec with its parameters counted: embeddings, per layer q/k/v/o + gate/up/down (+ biases) + norm
    /// weights, the final norm, and the output head when untied.
    pub fn spec(&self) -> ModelSpec {
        let h = f64::from(self.hidden_size);
        let q = f64::from(self.num_attention_heads) * f64::from(self.head_dim);
        let kv = f64::from(self.num_kv_heads) * f64::from(self.head_dim);
        let i = f64::from(self.intermediate_size);
        let mut layer = h * q + 2.0 * h * kv + q * h + 3.0 * h * i + f64::from(self.norms_per_layer) * h;
        if self.qkv_bias {
            layer += q + 2.0 * kv;
        }
        if self.mlp_bias {
            layer += 2.0 * i + h;
        }
        let embedding = f64::from(self.vocab_size) * h;
        let head = if self.tie_word_embeddings { 0.0 } else { embedding };
        let parameters = embedding + f64::from(self.num_layers) * layer + h + head;
        ModelSpec {
            parameters,
            hidden_size: self.hidden_size,
            num_layers: self.num_layers,
            num_attention_heads: self.num_attention_heads,
            num_kv_heads: self.num_kv_heads,
            head_dim: self.head_dim,
            intermediate_size: self.intermediate_size,
            vocab_size: self.vocab_size,
            tie_word_embeddings: self.tie_word_embeddings,
        }
    }
}

fn optional(config: &Value, field: &str) -> Result<Option<u32>, EstimatorError> {
    match config.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| EstimatorError::InvalidModelConfig {
                reason: format!("`{field}` must be a positive whole number, found {v}"),
            }),
    }
}

fn required(config: &Value, field: &str) -> Result<u32, EstimatorError> {
    optional(config, field)?.ok_or_else(|| EstimatorError::InvalidModelConfig {
        reason: format!("`{field}` is missing"),
    })
}
