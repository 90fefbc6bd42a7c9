//! GPU memory verdicts and suggestions for realistic setups, against sums computed by hand.

use brightrun_core::training::estimator::{
    adapter_parameters, estimate_memory, find_known_model, DeviceKind, GpuSpec, MemoryChange, MemoryVerdict,
    ModelSpec, TrainingSetup, GIB,
};

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} is not {expected}"
    );
}

fn llama_8b() -> ModelSpec {
    find_known_model("meta-llama/Llama-3.1-8B").unwrap().spec
}

fn gpu(id: &str) -> GpuSpec {
    GpuSpec::by_id(id).unwrap()
}

/// What the trainer does on a GPU: all linear layers, dropout 0.1, gradient checkpointing on.
fn balanced(batch_size: u32, sequence_length: u32) -> TrainingSetup {
    TrainingSetup {
        batch_size,
        sequence_length,
        lora_rank: 16,
        lora_dropout: 0.1,
        target_modules: vec!["all-linear".into()],
        qlora: false,
        gradient_checkpointing: true,
        fused_cross_entropy: false,
    }
}

// Shared hand computation for Llama-3.1-8B (h 4096, 32 layers, q 4096, kv 1024, i 14336, vocab 128256),
// rank 16 on all seven linear modules:
//   adapter params per layer = 16·[(4096+4096) + 2·(4096+1024) + (4096+4096) + 2·(4096+14336) + (14336+4096)]
//                            = 1,310,720; × 32 = 41,943,040; × 16 B = 671,088,640 B
//   bf16 weights = 2 × 8,030,261,248 = 16,060,522,496 B
//   activation bytes per token per layer = 2·(4·4096 + 2·4096 + 2·1024 + 4·14336) = 167,936
//     + adapter-path inputs (q,k,v,gate,up: 5·4096; o: 4096; down: 14336 = 38,912) × (2 + 1 mask) = 116,736
//     = 284,672
//   with checkpointing, per token: 32 layers × 2 B × 4096 (layer inputs) + 284,672 (one layer) = 546,816
//   logits per token: 128,256 × 12 B = 1,539,072
const WEIGHTS: f64 = 16_060_522_496.0;
const ADAPTER: f64 = 671_088_640.0;

#[test]
fn llama_8b_batch_8_seq_2048_fits_on_80_gb() {
    let m = estimate_memory(&llama_8b(), &gpu("a100-80gb"), &balanced(8, 2048));
    // 8 × 2048 = 16,384 tokens: activations 16,384 × 546,816 = 8,959,033,344 B; logits 16,384 × 1,539,072 =
    // 25,216,155,648 B; tensors 16,060,522,496 + 671,088,640 + 8,959,033,344 + 25,216,155,648 = 50,906,800,128;
    // + 1 GiB + 10 % = 57,071,221,964.8 B = 53.15 GiB of 80 GiB → 66.4 %: fits.
    close(m.weights_bytes, WEIGHTS);
    close(m.adapter_parameters, 41_943_040.0);
    close(m.adapter_bytes, ADAPTER);
    close(m.activations_bytes, 8_959_033_344.0);
    close(m.logits_bytes, 25_216_155_648.0);
    close(m.total_bytes, 57_071_221_964.8);
    close(m.usage, 57_071_221_964.8 / (80.0 * GIB));
    assert_eq!(m.verdict, MemoryVerdict::Fits);
    assert_eq!(m.suggestion, None);
}

#[test]
fn without_checkpointing_it_does_not_fit_and_checkpointing_is_the_fix() {
    let setup = TrainingSetup {
        gradient_checkpointing: false,
        ..balanced(8, 2048)
    };
    let m = estimate_memory(&llama_8b(), &gpu("h100-sxm"), &setup);
    // Activations 16,384 × 32 × 284,672 = 149,250,113,536 B; total (16,060,522,496 + 671,088,640 +
    // 149,250,113,536 + 25,216,155,648) × 1.1 + 1 GiB = 211,391,410,176 B = 196.9 GiB > 79.6 GiB.
    close(m.activations_bytes, 149_250_113_536.0);
    close(m.total_bytes, 211_391_410_176.0);
    assert_eq!(m.verdict, MemoryVerdict::DoesNotFit);
    // Checkpointing alone brings it to 53.15 GiB (66.8 % of 79.6): the cheapest change that fits.
    let s = m.suggestion.unwrap();
    assert_eq!(s.changes, [MemoryChange::EnableGradientCheckpointing]);
    close(s.total_bytes, 57_071_221_964.8);
}

#[test]
fn llama_8b_batch_8_on_24_gb_needs_qlora_and_a_smaller_batch() {
    let m = estimate_memory(&llama_8b(), &gpu("rtx-4090"), &balanced(8, 2048));
    // 53.15 GiB of 24 GiB: does not fit.
    assert_eq!(m.verdict, MemoryVerdict::DoesNotFit);
    // Batch 1 alone: 2048 tokens → activations 1,119,879,168, logits 3,152,019,456 → total
    // (16,060,522,496 + 671,088,640 + 1,119,879,168 + 3,152,019,456) × 1.1 + 1 GiB = 24,177,602,560 B
    // = 22.52 GiB = 93.8 % of 24 GiB: tight, not a fix. QLoRA alone at batch 8 keeps ~34 GB of activations and
    // logits: no. QLoRA + batch 2 (cost 3 + 2): weights 7,921,614,848 (below) + 671,088,640 + 2,239,758,336 +
    // 6,304,038,912 = 17,136,500,736 × 1.1 + 1 GiB = 19,923,892,633.6 B = 18.56 GiB = 77.3 %: fits.
    // (Batch 4 with QLoRA: more than 85 %, no.)
    let s = m.suggestion.unwrap();
    assert_eq!(
        s.changes,
        [
            MemoryChange::ReduceBatchSize {
                batch_size: 2,
                gradient_accumulation_factor: 4
            },
            MemoryChange::UseQlora
        ]
    );
    close(s.total_bytes, 19_923_892_633.6);
}

#[test]
fn a_tight_batch_of_one_on_24_gb_gets_qlora() {
    let m = estimate_memory(&llama_8b(), &gpu("rtx-4090"), &balanced(1, 2048));
    // 24,177,602,560 B = 22.52 GiB of 24 GiB = 93.8 % (see above): tight.
    close(m.total_bytes, 24_177_602_560.0);
    assert_eq!(m.verdict, MemoryVerdict::Tight);
    // The batch cannot shrink; QLoRA (cost 3) beats halving the sequences (cost 8, 20.3 GiB = 84.7 %).
    // QLoRA weights: linear 32 × (16,777,216 + 8,388,608 + 16,777,216 + 176,160,768) = 6,979,321,856 params
    // × (4 + 8/64 + 32/16384)/8 = 0.515869140625 B = 3,600,416,768 B; the other 1,050,939,392 params
    // (embeddings, head, norms) up-cast to fp32 by prepare_model_for_kbit_training = 4,203,757,568 B; one
    // dequantised 4096 × 14336 bf16 matrix = 117,440,512 B → 7,921,614,848 B.
    // Total (7,921,614,848 + 671,088,640 + 1,119,879,168 + 3,152,019,456 = 12,864,602,112) × 1.1 + 1 GiB
    // = 15,224,804,147.2 B = 14.18 GiB = 59.1 %.
    let s = m.suggestion.unwrap();
    assert_eq!(s.changes, [MemoryChange::UseQlora]);
    close(s.total_bytes, 15_224_804_147.2);
    let q = estimate_memory(
        &llama_8b(),
        &gpu("rtx-4090"),
        &TrainingSetup {
            qlora: true,
            ..balanced(1, 2048)
        },
    );
    close(q.weights_bytes, 7_921_614_848.0);
    assert_eq!(q.verdict, MemoryVerdict::Fits);
}

#[test]
fn when_no_setting_helps_a_larger_gpu_is_suggested() {
    let small = GpuSpec {
        id: "tiny".into(),
        name: "A 4 GiB GPU".into(),
        peak_tflops: 10.0,
        memory_gib: 4.0,
        kind: DeviceKind::Gpu,
    };
    let m = estimate_memory(&llama_8b(), &small, &balanced(8, 2048));
    // Even QLoRA, batch 1, 512 tokens needs 5.8 GB of weights: no setting fits 4 GiB. Unchanged the run needs
    // 53.15 GiB → 85 % line at 62.5 GiB: the smallest table GPU above it is the H100 SXM (79.6 GiB, first of two).
    assert_eq!(m.verdict, MemoryVerdict::DoesNotFit);
    let s = m.suggestion.unwrap();
    assert_eq!(
        s.changes,
        [MemoryChange::LargerGpu {
            gpu_id: "h100-sxm".into(),
            name: "NVIDIA H100 SXM 80GB".into()
        }]
    );
}

#[test]
fn a_small_model_on_the_cpu_counts_float32() {
    let qwen = find_known_model("Qwen/Qwen2.5-0.5B").unwrap().spec;
    let setup = TrainingSetup {
        batch_size: 2,
        sequence_length: 512,
        lora_rank: 8,
        lora_dropout: 0.0,
        target_modules: vec!["q_proj".into(), "v_proj".into()],
        // QLoRA is asked for but the CPU cannot do it: the weights stay float32.
        qlora: true,
        gradient_checkpointing: false,
        fused_cross_entropy: false,
    };
    let m = estimate_memory(&qwen, &GpuSpec::cpu(16.0), &setup);
    // Weights 494,032,768 × 4 B = 1,976,131,072.
    close(m.weights_bytes, 1_976_131_072.0);
    // Adapter: 8 × [(896 + 896) + (896 + 128)] = 22,528 per layer × 24 = 540,672 params.
    close(m.adapter_parameters, 540_672.0);
    // Per token per layer: 4·(4·896 + 2·896 + 2·128 + 4·4864) = 4·25,088 = 100,352, + adapter inputs
    // (896 + 896) × 4 B (no dropout, no mask) = 7,168 → 107,520; × 24 layers × 1024 tokens = 2,642,411,520.
    close(m.activations_bytes, 2_642_411_520.0);
    // Logits 1024 × 151,936 × 12 = 1,866,989,568.
    close(m.logits_bytes, 1_866_989_568.0);
    // (1,976,131,072 + 8,650,752 + 2,642,411,520 + 1,866,989,568 = 6,494,182,912) × 1.1 + 1 GiB
    // = 8,217,343,027.2 B = 7.65 GiB of 16 GiB: fits.
    close(m.total_bytes, 8_217_343_027.2);
    assert_eq!(m.verdict, MemoryVerdict::Fits);
}

#[test]
fn a_fused_loss_replaces_the_vocabulary_by_the_hidden_size() {
    let fused = TrainingSetup {
        fused_cross_entropy: true,
        ..balanced(8, 2048)
    };
    let m = estimate_memory(&llama_8b(), &gpu("a100-80gb"), &fused);
    // 16,384 tokens × 4096 × 12 B = 805,306,368 B instead of 25.2 GB.
    close(m.logits_bytes, 805_306_368.0);
}

#[test]
fn adapter_targets_are_matched_by_name() {
    let model = llama_8b();
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // q and v: 8 × [(4096 + 4096) + (4096 + 1024)] = 106,496 per layer × 32 = 3,407,872.
    close(
        adapter_parameters(&model, 8, &names(&["q_proj", "v_proj"])),
        3_407_872.0,
    );
    // Dotted paths select the same modules; unknown names add nothing; repeats count once.
    close(
        adapter_parameters(
            &model,
            8,
            &names(&["model.layers.0.self_attn.q_proj", "v_proj", "v_proj", "lm_head"]),
        ),
        3_407_872.0,
    );
    close(
        adapter_parameters(&model, 16, &names(&["all-linear"])),
        41_943_040.0,
    );
}

#[test]
fn verdict_boundaries() {
    use brightrun_core::training::estimator::verdict_for;
    assert_eq!(verdict_for(0.85), MemoryVerdict::Fits);
    assert_eq!(verdict_for(0.8501), MemoryVerdict::Tight);
    assert_eq!(verdict_for(1.0), MemoryVerdict::Tight);
    assert_eq!(verdict_for(1.0001), MemoryVerdict::DoesNotFit);
    assert_eq!(verdict_for(f64::NAN), MemoryVerdict::DoesNotFit);
}

#[test]
fn evaluation_logits_are_counted_and_win_under_a_fused_loss() {
    // Evaluation materialises the full logits in bf16 with an fp32 up-cast for the loss: 16,384 tokens ×
    // 128,256 × 6 B = 12,608,077,824 B. Without a fused loss the training step is larger (activations
    // 8,959,033,344 + logits 25,216,155,648); with one it is smaller (8,959,033,344 + 805,306,368), so the
    // evaluation batch sets the peak.
    let plain = estimate_memory(&llama_8b(), &gpu("a100-80gb"), &balanced(8, 2048));
    close(plain.eval_logits_bytes, 12_608_077_824.0);
    close(
        plain.total_bytes,
        (WEIGHTS + ADAPTER + 8_959_033_344.0 + 25_216_155_648.0) * 1.1 + GIB,
    );
    let fused = estimate_memory(
        &llama_8b(),
        &gpu("a100-80gb"),
        &TrainingSetup {
            fused_cross_entropy: true,
            ..balanced(8, 2048)
        },
    );
    close(
        fused.total_bytes,
        (WEIGHTS + ADAPTER + 12_608_077_824.0) * 1.1 + GIB,
    );
}

#[test]
fn llama_8b_rank_16_seq_2048_batch_8_fits_an_h100_80gb_with_auto_checkpointing() {
    use brightrun_core::training::estimator::resolve_checkpointing;
    use brightrun_core::training::{Checkpointing, Hyperparameters};
    let h = Hyperparameters {
        lora_rank: 16,
        lora_alpha: 32,
        lora_dropout: 0.1,
        batch_size: 8,
        max_seq_len: 2048,
        target_modules: vec!["all-linear".into()],
        gradient_checkpointing: Checkpointing::Auto,
        ..Hyperparameters::default()
    };
    let h100 = gpu("h100-sxm");
    let without = TrainingSetup::for_run(&h, false, false);
    // Without checkpointing the activations alone (16,384 tokens × 32 layers × 284,672 B ≈ 149 GB) do not fit,
    // so `auto` turns it on, exactly as the trainer will run it.
    assert_eq!(
        estimate_memory(&llama_8b(), &h100, &without).verdict,
        MemoryVerdict::DoesNotFit
    );
    let on = resolve_checkpointing(h.gradient_checkpointing, &llama_8b(), &h100, &without);
    assert!(on);
    let m = estimate_memory(&llama_8b(), &h100, &TrainingSetup::for_run(&h, on, false));
    // 57,071,221,964.8 B (see the first test) of 79.6 GiB: fits.
    assert_eq!(m.verdict, MemoryVerdict::Fits, "{m:?}");
    close(m.total_bytes, 57_071_221_964.8);
    // A small run that fits without it keeps it off (a third less compute).
    let small = TrainingSetup::for_run(
        &Hyperparameters {
            batch_size: 1,
            max_seq_len: 512,
            ..h
        },
        false,
        false,
    );
    assert!(!resolve_checkpointing(
        Checkpointing::Auto,
        &llama_8b(),
        &h100,
        &small
    ));
}
