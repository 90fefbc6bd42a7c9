//! Model shapes from config.json, the known-model table and the GPU table.

use brightrun_core::training::estimator::{
    find_known_model, known_models, DeviceKind, EstimatorError, GpuSpec, ModelSpec,
};

/// Llama-3.1-8B's config.json as published on the Hugging Face hub.
const LLAMA_31_8B: &str = r#"{
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu", "hidden_size": 4096,
  "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
  "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256
}"#;

/// Qwen2.5-0.5B's config.json: tied embeddings, and q/k/v biases that the config does not mention.
const QWEN25_05B: &str = r#"{
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
  "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24, "model_type": "qwen2",
  "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936
}"#;

/// gemma-2-2b's config.json: head_dim 256 (not hidden/heads = 288), four norms per layer, tied by default.
const GEMMA2_2B: &str = r#"{
  "architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
  "final_logit_softcapping": 30.0, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
  "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "initializer_range": 0.02,
  "intermediate_size": 9216, "max_position_embeddings": 8192, "model_type": "gemma2",
  "num_attention_heads": 8, "num_hidden_layers": 26, "num_key_value_heads": 4, "pad_token_id": 0,
  "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "sliding_window": 4096,
  "torch_dtype": "float32", "transformers_version": "4.42.4", "use_cache": true, "vocab_size": 256000
}"#;

#[test]
fn llama_config_counts_the_published_parameters() {
    let spec = ModelSpec::from_hf_config(LLAMA_31_8B).unwrap();
    // By hand: embed 128256·4096 = 525,336,576; per layer q 4096·4096 = 16,777,216, k+v 2·4096·1024 = 8,388,608,
    // o 16,777,216, MLP 3·4096·14336 = 176,160,768, 2 norms 8,192 → 218,112,000; × 32 = 6,979,584,000;
    // + final norm 4,096 + untied head 525,336,576 + embed → 8,030,261,248 (the hub's safetensors total).
    assert_eq!(spec.parameters, 8_030_261_248.0);
    assert_eq!(
        (
            spec.hidden_size,
            spec.num_layers,
            spec.num_attention_heads,
            spec.num_kv_heads
        ),
        (4096, 32, 32, 8)
    );
    assert_eq!(
        (spec.head_dim, spec.intermediate_size, spec.vocab_size),
        (128, 14336, 128_256)
    );
    assert!(!spec.tie_word_embeddings);
}

#[test]
fn qwen_config_counts_biases_and_tied_embeddings() {
    let spec = ModelSpec::from_hf_config(QWEN25_05B).unwrap();
    // By hand: embed 151936·896 = 136,134,656; per layer q 802,816 + bias 896, k+v 2·896·128 = 229,376 + bias
    // 256, o 802,816, MLP 3·896·4864 = 13,074,432, norms 1,792 → 14,912,384; × 24 = 357,897,216;
    // + embed + final norm 896 = 494,032,768 (tied: no separate head).
    assert_eq!(spec.parameters, 494_032_768.0);
    assert_eq!(spec.head_dim, 64);
    assert!(spec.tie_word_embeddings);
}

#[test]
fn gemma_config_uses_its_head_dim_and_four_norms() {
    let spec = ModelSpec::from_hf_config(GEMMA2_2B).unwrap();
    // By hand: embed 256000·2304 = 589,824,000; per layer q 2304·2048 = 4,718,592, k+v 2·2304·1024 = 4,718,592,
    // o 4,718,592, MLP 3·2304·9216 = 63,700,992, 4 norms 9,216 → 77,865,984; × 26 = 2,024,515,584;
    // + embed + final norm 2,304 = 2,614,341,888.
    assert_eq!(spec.parameters, 2_614_341_888.0);
    assert_eq!(spec.head_dim, 256);
    assert!(spec.tie_word_embeddings);
}

#[test]
fn a_nested_text_config_is_read() {
    let json = format!(r#"{{"model_type": "llava", "text_config": {LLAMA_31_8B}}}"#);
    let spec = ModelSpec::from_hf_config(&json).unwrap();
    assert_eq!(spec.parameters, 8_030_261_248.0);
}

#[test]
fn bad_configs_are_refused_with_the_reason() {
    let missing = ModelSpec::from_hf_config(r#"{"hidden_size": 64, "num_hidden_layers": 2}"#).unwrap_err();
    assert!(missing.to_string().contains("num_attention_heads"), "{missing}");
    let negative = ModelSpec::from_hf_config(
        r#"{"hidden_size": -1, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 8,
            "vocab_size": 10}"#,
    )
    .unwrap_err();
    assert!(negative.to_string().contains("hidden_size"), "{negative}");
    let kv = ModelSpec::from_hf_config(
        r#"{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 4,
            "intermediate_size": 8, "vocab_size": 10}"#,
    )
    .unwrap_err();
    assert!(matches!(kv, EstimatorError::InvalidModelConfig { .. }));
    assert!(ModelSpec::from_hf_config("not json").is_err());
    assert!(ModelSpec::from_hf_config("[1, 2]").is_err());
}

#[test]
fn known_models_have_their_published_sizes() {
    // Parameter counts as the hub's safetensors metadata gives them.
    let expected = [
        ("meta-llama/Llama-3.2-1B", 1_235_814_400.0),
        ("meta-llama/Llama-3.2-3B", 3_212_749_824.0),
        ("meta-llama/Llama-3.1-8B", 8_030_261_248.0),
        ("Qwen/Qwen2.5-0.5B", 494_032_768.0),
        ("Qwen/Qwen2.5-1.5B", 1_543_714_304.0),
        ("Qwen/Qwen2.5-7B", 7_615_616_512.0),
        ("mistralai/Mistral-7B-v0.3", 7_248_023_552.0),
        ("google/gemma-2-2b", 2_614_341_888.0),
    ];
    let table = known_models();
    assert_eq!(table.len(), expected.len());
    for (id, parameters) in expected {
        let model = table.iter().find(|m| m.hub_id == id).unwrap();
        assert_eq!(model.spec.parameters, parameters, "{id}");
    }
    // The table and the config parser agree on the same model.
    assert_eq!(
        find_known_model("meta-llama/Llama-3.1-8B").unwrap().spec,
        ModelSpec::from_hf_config(LLAMA_31_8B).unwrap()
    );
    assert_eq!(
        find_known_model("Qwen/Qwen2.5-0.5B").unwrap().spec,
        ModelSpec::from_hf_config(QWEN25_05B).unwrap()
    );
    assert_eq!(
        find_known_model("google/gemma-2-2b").unwrap().spec,
        ModelSpec::from_hf_config(GEMMA2_2B).unwrap()
    );
}

#[test]
fn known_models_are_found_by_chat_variant_and_short_name() {
    let id = |name: &str| find_known_model(name).map(|m| m.hub_id);
    assert_eq!(
        id("meta-llama/Llama-3.1-8B-Instruct").as_deref(),
        Some("meta-llama/Llama-3.1-8B")
    );
    assert_eq!(id("qwen2.5-7b-instruct").as_deref(), Some("Qwen/Qwen2.5-7B"));
    assert_eq!(id("google/gemma-2-2b-it").as_deref(), Some("google/gemma-2-2b"));
    assert_eq!(id("gpt2"), None);
}

#[test]
fn gpus_are_found_by_the_names_nvidia_smi_prints() {
    let id = |name: &str| GpuSpec::from_name(name).map(|g| g.id);
    assert_eq!(id("NVIDIA H100 80GB HBM3").as_deref(), Some("h100-sxm"));
    assert_eq!(id("NVIDIA H100 PCIe").as_deref(), Some("h100-pcie"));
    assert_eq!(id("NVIDIA H200").as_deref(), Some("h200"));
    assert_eq!(id("NVIDIA A100-SXM4-40GB").as_deref(), Some("a100-40gb"));
    assert_eq!(id("NVIDIA A100 80GB PCIe").as_deref(), Some("a100-80gb"));
    assert_eq!(id("NVIDIA L40S").as_deref(), Some("l40s"));
    assert_eq!(id("NVIDIA A10G").as_deref(), Some("a10g"));
    assert_eq!(id("NVIDIA GeForce RTX 4090").as_deref(), Some("rtx-4090"));
    assert_eq!(id("NVIDIA L4").as_deref(), Some("l4"));
    assert_eq!(id("cpu").as_deref(), Some("cpu"));
    assert_eq!(id("Tesla T4"), None);
    assert_eq!(id("NVIDIA H100 NVL"), None);
}

#[test]
fn the_gpu_table_holds_dense_datasheet_figures() {
    let gpu = |id: &str| GpuSpec::by_id(id).unwrap();
    // Dense BF16 = half the datasheet's "with sparsity" figure.
    assert_eq!(gpu("h100-sxm").peak_tflops, 989.4);
    assert_eq!(gpu("h100-pcie").peak_tflops, 756.0);
    assert_eq!(gpu("a100-80gb").peak_tflops, 312.0);
    assert_eq!(gpu("l4").peak_tflops, 121.0);
    assert_eq!(gpu("h200").memory_gib, 140.4);
    let cpu = gpu("cpu");
    assert_eq!(cpu.kind, DeviceKind::Cpu);
    assert_eq!(GpuSpec::all().len(), 10);
    assert!(GpuSpec::all()
        .iter()
        .all(|g| g.peak_tflops > 0.0 && g.memory_gib > 0.0));
}
