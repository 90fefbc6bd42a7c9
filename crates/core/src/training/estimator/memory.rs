//! Peak GPU memory of a LoRA / QLoRA run and whether it fits. Formulas and their reasoning in
//! docs/estimator.md ("GPU memory").

use serde::{Deserialize, Serialize};

use super::gpus::{DeviceKind, GpuSpec, GIB};
use super::model::{ModelSpec, LINEAR_MODULES};
use super::suggest::{suggest, MemorySuggestion};
use super::TrainingSetup;

/// Bytes per parameter of a 4-bit NF4 weight with double quantisation (bitsandbytes, block 64): 4 bits, plus an
/// 8-bit absmax per 64 weights, plus a 32-bit constant per 256 absmax: (4 + 8/64 + 32/(64·256)) / 8.
pub const NF4_BYTES_PER_PARAMETER: f64 = (4.0 + 8.0 / 64.0 + 32.0 / (64.0 * 256.0)) / 8.0;
/// Bytes per trainable (adapter) parameter: fp32 weight 4, fp32 gradient 4, AdamW's two fp32 moments 8.
pub const ADAPTER_BYTES_PER_PARAMETER: f64 = 16.0;
/// Bytes per logit element alive at the start of backward: the bf16 logits (2), their fp32 log-softmax kept
/// for backward (4), the fp32 gradient of the logits (4) and its 16-bit cast (2).
pub const LOGIT_BYTES: f64 = 12.0;
/// Bytes per logit element of an evaluation batch: the bf16 logits (2) and their fp32 up-cast for the loss (4).
/// No backward, so nothing else is kept; a fused loss does not help here, since evaluation returns the logits.
pub const EVAL_LOGIT_BYTES: f64 = 6.0;
/// Memory taken before any tensor: the CUDA context and cuBLAS workspaces (or, on the CPU, Python and torch).
pub const CONTEXT_BYTES: f64 = GIB;
/// Share added for the caching allocator's fragmentation and short-lived buffers.
pub const FRAGMENTATION: f64 = 0.10;
/// Above this share of the device's memory a run is "tight": it may fit, or fail on the longest batch.
pub const TIGHT_SHARE: f64 = 0.85;

/// Whether a configuration fits the device's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryVerdict {
    /// At most 85 % of the device's memory.
    Fits,
    /// Between 85 % and 100 %: may run out of memory on the longest batches.
    Tight,
    /// More than the device has.
    DoesNotFit,
}

/// The peak memory of one GPU (every GPU of a data-parallel job holds the same), by part, in bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryEstimate {
    /// Base model weights at their precision (bf16, NF4 for QLoRA, fp32 on the CPU).
    pub weights_bytes: f64,
    /// Trainable adapter parameters (rank · (inputs + outputs) per targeted module per layer).
    pub adapter_parameters: f64,
    /// Adapter weights, gradients and AdamW states: 16 bytes per adapter parameter.
    pub adapter_bytes: f64,
    /// Activations kept for backward over the decoder layers.
    pub activations_bytes: f64,
    /// Logits and the loss's buffers.
    pub logits_bytes: f64,
    /// Logits of one evaluation batch (weights and adapter come on top; no activations are kept). The peak is
    /// the larger of the training step and the evaluation step.
    pub eval_logits_bytes: f64,
    /// CUDA context plus fragmentation.
    pub overhead_bytes: f64,
    /// The sum of the above.
    pub total_bytes: f64,
    /// The device's memory.
    pub device_bytes: f64,
    /// `total_bytes / device_bytes`.
    pub usage: f64,
    /// Fits, tight or does not fit.
    pub verdict: MemoryVerdict,
    /// When tight or not fitting: the smallest change that makes it fit, if one does.
    pub suggestion: Option<MemorySuggestion>,
}

/// The verdict for a share of the device's memory.
pub fn verdict_for(usage: f64) -> MemoryVerdict {
    if !usage.is_finite() || usage > 1.0 {
        MemoryVerdict::DoesNotFit
    } else if usage > TIGHT_SHARE {
        MemoryVerdict::Tight
    } else {
        MemoryVerdict::Fits
    }
}

/// The memory estimate for `setup` on `gpu`, with a suggestion when it is tight or does not fit.
pub fn estimate_memory(model: &ModelSpec, gpu: &GpuSpec, setup: &TrainingSetup) -> MemoryEstimate {
    let mut estimate = memory_without_suggestion(model, gpu, setup);
    if estimate.verdict != MemoryVerdict::Fits {
        estimate.suggestion = suggest(model, gpu, setup);
    }
    estimate
}

/// The memory estimate alone (what the suggestion search evaluates for each candidate).
pub fn memory_without_suggestion(model: &ModelSpec, gpu: &GpuSpec, setup: &TrainingSetup) -> MemoryEstimate {
    let cpu = gpu.kind == DeviceKind::Cpu;
    // The trainer trains in float32 on the CPU and cannot quantise there (bitsandbytes needs CUDA).
    let element = if cpu { 4.0 } else { 2.0 };
    let qlora = setup.qlora && !cpu;
    let weights_bytes = weight_bytes(model, element, qlora);
    let adapter_parameters = adapter_parameters(model, setup.lora_rank, &setup.target_modules);
    let adapter_bytes = adapter_parameters * ADAPTER_BYTES_PER_PARAMETER;
    let tokens = f64::from(setup.batch_size) * f64::from(setup.sequence_length);
    let per_layer = layer_activation_bytes_per_token(model, element, setup);
    let layers = f64::from(model.num_layers);
    let h = f64::from(model.hidden_size);
    let activations_bytes = if setup.gradient_checkpointing {
        // Each layer keeps only its input; one layer at a time is recomputed in full during backward.
        tokens * (layers * element * h + per_layer)
    } else {
        tokens * layers * per_layer
    };
    // A fused linear + cross-entropy (Liger) never holds the whole logits: its chunk is batch·seq·h/vocab rows.
    let logit_width = if setup.fused_cross_entropy {
        h
    } else {
        f64::from(model.vocab_size)
    };
    let logits_bytes = tokens * logit_width * LOGIT_BYTES;
    // Evaluation runs the same batch size without gradients, but materialises the full logits even when
    // training uses a fused loss.
    let eval_logits_bytes = tokens * f64::from(model.vocab_size) * EVAL_LOGIT_BYTES;
    let training_step = activations_bytes + logits_bytes;
    let tensors = weights_bytes + adapter_bytes + training_step.max(eval_logits_bytes);
    let overhead_bytes = CONTEXT_BYTES + FRAGMENTATION * tensors;
    let total_bytes = tensors + overhead_bytes;
    let device_bytes = gpu.memory_bytes();
    let usage = if device_bytes > 0.0 {
        total_bytes / device_bytes
    } else {
        f64::INFINITY
    };
    MemoryEstimate {
        weights_bytes,
        adapter_parameters,
        adapter_bytes,
        activations_bytes,
        logits_bytes,
        eval_logits_bytes,
        overhead_bytes,
        total_bytes,
        device_bytes,
        usage,
        verdict: verdict_for(usage),
        suggestion: None,
    }
}

/// Base weights in bytes: all at `element` bytes, or under QLoRA the decoder's linear weights in NF4 plus one
/// bf16 copy of the largest of them (dequantised for each matmul), and the rest (embeddings, head, norms) in
/// fp32: PEFT's `prepare_model_for_kbit_training` up-casts every non-quantised weight to fp32 for stability.
pub fn weight_bytes(model: &ModelSpec, element: f64, qlora: bool) -> f64 {
    if !qlora {
        return model.parameters * element;
    }
    let linear = model.linear_parameters();
    let largest = LINEAR_MODULES
        .iter()
        .filter_map(|m| model.module_shape(m))
        .map(|(i, o)| i * o)
        .fold(0.0, f64::max);
    linear * NF4_BYTES_PER_PARAMETER + (model.parameters - linear) * 4.0 + largest * 2.0
}

/// Adapter parameters: rank · (inputs + outputs) for each targeted linear module, times the layers. Module names
/// the model does not have are not counted; `all-linear` means every one of [`LINEAR_MODULES`].
pub fn adapter_parameters(model: &ModelSpec, rank: u32, target_modules: &[String]) -> f64 {
    let per_layer: f64 = targeted(target_modules)
        .filter_map(|m| model.module_shape(m))
        .map(|(i, o)| f64::from(rank) * (i + o))
        .sum();
    per_layer * f64::from(model.num_layers)
}

/// Bytes one token keeps for backward in one decoder layer (memory-efficient attention, so no s² scores):
/// `e · (4h + 2·q + 2·kv + 4i)` for the norms' inputs (2h), attention input, Q, K, V and output
/// (h + 2q + 2kv), MLP input and gate, up, activation and product (h + 4i); plus, for each targeted module, the
/// adapter path's own copy of its input (e bytes per input) and, with LoRA dropout, the dropout mask (1 byte).
pub fn layer_activation_bytes_per_token(model: &ModelSpec, element: f64, setup: &TrainingSetup) -> f64 {
    let h = f64::from(model.hidden_size);
    let q = f64::from(model.num_attention_heads) * f64::from(model.head_dim);
    let kv = f64::from(model.num_kv_heads) * f64::from(model.head_dim);
    let i = f64::from(model.intermediate_size);
    let base = element * (4.0 * h + 2.0 * q + 2.0 * kv + 4.0 * i);
    let per_input = if setup.lora_dropout > 0.0 {
        element + 1.0
    } else {
        element
    };
    let adapter_inputs: f64 = targeted(&setup.target_modules)
        .filter_map(|m| model.module_shape(m))
        .map(|(inputs, _)| inputs)
        .sum();
    base + per_input * adapter_inputs
}

/// The distinct known module names targeted (PEFT matches names; `all-linear` expands to every linear module).
fn targeted(target_modules: &[String]) -> impl Iterator<Item = &'static str> + '_ {
    let all = target_modules
        .iter()
        .any(|m| m.eq_ignore_ascii_case("all-linear"));
    LINEAR_MODULES
        .into_iter()
        .filter(move |known| all || target_modules.iter().any(|m| module_matches(m, known)))
}

/// Whether a target name selects `known`: the name itself or a dotted path ending in it.
fn module_matches(target: &str, known: &str) -> bool {
    target == known || target.rsplit('.').next() == Some(known)
}
