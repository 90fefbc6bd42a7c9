//! FLOPs, time and cost of a run against figures computed by hand.

use brightrun_core::training::estimator::{
    estimate, find_known_model, Band, Calibration, Capacity, EstimateRequest, GpuPricing, GpuSpec, ModelSpec,
    ThroughputObservation, TimeBasis, TrainingSetup, Workload,
};

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} is not {expected}"
    );
}

fn close_band(actual: &Band, low: f64, expected: f64, high: f64) {
    close(actual.low, low);
    close(actual.expected, expected);
    close(actual.high, high);
}

fn setup(gradient_checkpointing: bool) -> TrainingSetup {
    TrainingSetup {
        batch_size: 4,
        sequence_length: 1024,
        lora_rank: 8,
        lora_dropout: 0.05,
        target_modules: vec!["q_proj".into(), "v_proj".into()],
        qlora: false,
        gradient_checkpointing,
        fused_cross_entropy: false,
    }
}

/// A model of exactly one billion parameters (the shape only matters for memory).
fn one_billion() -> ModelSpec {
    ModelSpec {
        parameters: 1e9,
        ..find_known_model("meta-llama/Llama-3.2-1B").unwrap().spec
    }
}

fn request(
    model: ModelSpec,
    gpu: &str,
    gpu_count: u32,
    setup: TrainingSetup,
    workload: Workload,
) -> EstimateRequest {
    EstimateRequest {
        model,
        gpu: GpuSpec::by_id(gpu).unwrap(),
        gpu_count,
        setup,
        workload,
        pricing: GpuPricing {
            spot_per_gpu_hour: 0.9,
            on_demand_per_gpu_hour: 1.8,
        },
        capacity: Capacity::OnDemand,
    }
}

#[test]
fn one_billion_parameters_one_million_tokens_on_an_h100() {
    let workload = Workload {
        train_tokens: 1e6,
        validation_tokens: 0.0,
        epochs: 1,
        evaluations: 0,
    };
    let e = estimate(
        &request(one_billion(), "h100-sxm", 1, setup(false), workload),
        None,
    )
    .unwrap();
    // 1e9 params × 1e6 tokens × 4 = 4e15 FLOPs (no checkpointing, no validation).
    close(e.flops.per_training_token, 4e9);
    close(e.flops.total, 4e15);
    // 989.4e12 FLOP/s × 0.45 = 445.23e12 → 4e15 / 445.23e12 = 8.98412955106…  s
    // 989.4e12 × 0.35 = 346.29e12 → 11.55101215166… s;  989.4e12 × 0.25 = 247.35e12 → 16.1714170204… s
    close_band(
        &e.time.compute_seconds,
        4e15 / 445.23e12,
        4e15 / 346.29e12,
        4e15 / 247.35e12,
    );
    // Overhead: weights 1e9 × 2 B = 2e9 B; start-up 60/120/300 s + loading at 1e9/0.5e9/0.1e9 B/s = 2/4/20 s.
    close_band(&e.time.overhead_seconds, 62.0, 124.0, 320.0);
    close_band(
        &e.time.seconds,
        62.0 + 4e15 / 445.23e12,
        124.0 + 4e15 / 346.29e12,
        320.0 + 4e15 / 247.35e12,
    );
    assert!(matches!(e.time.basis, TimeBasis::FlopsModel { .. }));
}

#[test]
fn llama_8b_three_epochs_with_checkpointing_and_validation_on_an_a100() {
    let model = find_known_model("meta-llama/Llama-3.1-8B").unwrap().spec;
    let workload = Workload {
        train_tokens: 2e6,
        validation_tokens: 2e5,
        epochs: 3,
        evaluations: 3,
    };
    let e = estimate(&request(model, "a100-80gb", 1, setup(true), workload), None).unwrap();
    // N = 8,030,261,248. Training: 6N × 2e6 × 3 = 2.89089404928e17 FLOPs;
    // validation: 2N × 2e5 × 3 = 9.6363134976e15; total 2.987257184256e17.
    close(e.flops.training, 2.89089404928e17);
    close(e.flops.validation, 9.6363134976e15);
    close(e.flops.total, 2.987257184256e17);
    // Compute at 312e12 × 0.45 / 0.35 / 0.25: 2127.676057… / 2735.583502… / 3829.816902… s.
    close_band(
        &e.time.compute_seconds,
        2.987257184256e17 / (312e12 * 0.45),
        2.987257184256e17 / (312e12 * 0.35),
        2.987257184256e17 / (312e12 * 0.25),
    );
    // Overhead: weights 2N = 16,060,522,496 B → loading 16.06 / 32.12 / 160.61 s; start-up 60/120/300 s;
    // 3 evaluations × 10 s = 30 s → 106.060522496 / 182.121044992 / 490.60522496 s.
    close_band(
        &e.time.overhead_seconds,
        106.060522496,
        182.121044992,
        490.60522496,
    );
    // Whole run 2233.7366 / 2917.7045 / 4320.4221 s → GPU-hours 0.62048 / 0.81047 / 1.20012;
    // at 1.80 $/GPU-hour on demand: 1.1169 / 1.4589 / 2.1602 $.
    let seconds = [
        2.987257184256e17 / (312e12 * 0.45) + 106.060522496,
        2.987257184256e17 / (312e12 * 0.35) + 182.121044992,
        2.987257184256e17 / (312e12 * 0.25) + 490.60522496,
    ];
    close_band(&e.time.seconds, seconds[0], seconds[1], seconds[2]);
    close_band(
        &e.cost.gpu_hours,
        seconds[0] / 3600.0,
        seconds[1] / 3600.0,
        seconds[2] / 3600.0,
    );
    close_band(
        &e.cost.usd,
        seconds[0] / 3600.0 * 1.8,
        seconds[1] / 3600.0 * 1.8,
        seconds[2] / 3600.0 * 1.8,
    );
    assert!((e.cost.usd.expected - 1.4589).abs() < 1e-4);
    assert_eq!(e.cost.capacity, Capacity::OnDemand);
}

#[test]
fn two_gpus_on_spot_scale_at_ninety_percent_and_bill_both() {
    let model = find_known_model("meta-llama/Llama-3.1-8B").unwrap().spec;
    let workload = Workload {
        train_tokens: 2e6,
        validation_tokens: 2e5,
        epochs: 3,
        evaluations: 3,
    };
    let mut r = request(model, "a100-80gb", 2, setup(true), workload);
    r.capacity = Capacity::Spot;
    let e = estimate(&r, None).unwrap();
    // Throughput 2 × 0.9 = 1.8 GPUs: expected compute 2.987257184256e17 / (312e12 × 1.8 × 0.35) = 1519.7686 s,
    // plus 182.121044992 s overhead = 1701.8897 s; GPU-hours × 2 = 0.94549; × 0.90 $ spot = 0.85094 $.
    let expected_seconds = 2.987257184256e17 / (312e12 * 1.8 * 0.35) + 182.121044992;
    close(e.time.seconds.expected, expected_seconds);
    close(e.cost.gpu_hours.expected, expected_seconds / 3600.0 * 2.0);
    close(e.cost.usd.expected, expected_seconds / 3600.0 * 2.0 * 0.9);
    assert!((e.cost.usd.expected - 0.85094).abs() < 1e-5);
}

#[test]
fn checkpointing_adds_a_forward_pass() {
    let workload = Workload {
        train_tokens: 1e6,
        validation_tokens: 0.0,
        epochs: 1,
        evaluations: 0,
    };
    let with = estimate(
        &request(one_billion(), "h100-sxm", 1, setup(true), workload),
        None,
    )
    .unwrap();
    // 1e9 × 1e6 × (4 + 2) = 6e15.
    close(with.flops.total, 6e15);
}

#[test]
fn qlora_steps_take_longer_on_a_gpu_but_not_on_the_cpu() {
    let workload = Workload {
        train_tokens: 1e6,
        validation_tokens: 0.0,
        epochs: 1,
        evaluations: 0,
    };
    let qlora = TrainingSetup {
        qlora: true,
        ..setup(false)
    };
    let e = estimate(
        &request(one_billion(), "h100-sxm", 1, qlora.clone(), workload.clone()),
        None,
    )
    .unwrap();
    // 4e15 FLOPs / 346.29e12 × 1.3 (dequantisation) = 15.0163158…  s.
    close(e.time.compute_seconds.expected, 4e15 / 346.29e12 * 1.3);
    // Loading still reads the 16-bit checkpoint: 2e9 B at 0.5e9 B/s = 4 s + 120 s.
    close(e.time.overhead_seconds.expected, 124.0);
    // The CPU falls back to plain LoRA: 4e15 / (0.4e12 × 0.35) = 28,571.43 s, no factor.
    let cpu = estimate(&request(one_billion(), "cpu", 1, qlora, workload), None).unwrap();
    close(cpu.time.compute_seconds.expected, 4e15 / (0.4e12 * 0.35));
}

#[test]
fn calibration_uses_the_median_of_matching_jobs() {
    let obs = |cluster: &str, gpu: &str, model: &str, gpus: u32, tps: f64| ThroughputObservation {
        cluster_id: cluster.into(),
        gpu_type: gpu.into(),
        base_model: model.into(),
        gpu_count: gpus,
        tokens_per_second: tps,
        ..Default::default()
    };
    let m = "meta-llama/Llama-3.2-1B";
    let observations = [
        obs("home", "h100-sxm", m, 1, 900.0),
        obs("home", "H100-SXM", m, 1, 1100.0),
        obs("home", "h100-sxm", m, 1, 1000.0),
        // Two GPUs measured 1800 tokens/s together: 1800 / (2 × 0.9) = 1000 per GPU.
        obs("home", "h100-sxm", m, 2, 1800.0),
        // Other cluster, other GPU, other model, broken value: all ignored.
        obs("lab", "h100-sxm", m, 1, 50.0),
        obs("home", "a100-80gb", m, 1, 50.0),
        obs("home", "h100-sxm", "Qwen/Qwen2.5-7B", 1, 50.0),
        obs("home", "h100-sxm", m, 1, f64::NAN),
    ];
    let c = Calibration::from_observations(&observations, "home", "h100-sxm", m).unwrap();
    // Sorted 900, 1000, 1000, 1100 → median 1000; band max(0.25/√4 = 0.125, (1100 − 900)/(2·1000) = 0.1) = 0.125.
    assert_eq!(c.observations, 4);
    close(c.median_tokens_per_second_per_gpu, 1000.0);
    close(c.band, 0.125);

    let workload = Workload {
        train_tokens: 5e5,
        validation_tokens: 3e5,
        epochs: 2,
        evaluations: 1,
    };
    let e = estimate(
        &request(one_billion(), "h100-sxm", 1, setup(true), workload),
        Some(&c),
    )
    .unwrap();
    // Training tokens 5e5 × 2 = 1e6; validation runs forward only: 3e5 × 2N/6N = 1e5 training-token
    // equivalents → 1.1e6 at 1000 tokens/s: expected 1100 s, low 1100/1.125 = 977.78 s, high 1100/0.875 = 1257.14 s.
    close_band(&e.time.compute_seconds, 1100.0 / 1.125, 1100.0, 1100.0 / 0.875);
    // Overhead as without calibration: 62/124/320 s + 1 evaluation × 10 s.
    close_band(
        &e.time.seconds,
        1100.0 / 1.125 + 72.0,
        1100.0 + 134.0,
        1100.0 / 0.875 + 330.0,
    );
    match e.time.basis {
        TimeBasis::Calibrated {
            observations, band, ..
        } => {
            assert_eq!(observations, 4);
            close(band, 0.125);
        }
        other => panic!("expected a calibrated time, got {other:?}"),
    }
}

#[test]
fn calibration_bands_narrow_with_observations_and_widen_with_scatter() {
    // One observation: ±25 %.
    let one = Calibration::from_throughputs(&[1234.0]).unwrap();
    close(one.band, 0.25);
    close(one.median_tokens_per_second_per_gpu, 1234.0);
    // Nine identical ones: 0.25/3 = 0.0833 → the 10 % floor.
    close(Calibration::from_throughputs(&[500.0; 9]).unwrap().band, 0.10);
    // Scattered 100 / 200 / 900: median 200, half-spread 800/400 = 2.0 → capped at 0.5.
    close(
        Calibration::from_throughputs(&[900.0, 100.0, 200.0])
            .unwrap()
            .band,
        0.5,
    );
    // Nothing usable: no calibration, the FLOPs model stays.
    assert!(Calibration::from_throughputs(&[]).is_none());
    assert!(Calibration::from_throughputs(&[0.0, -3.0, f64::INFINITY]).is_none());
}

#[test]
fn impossible_inputs_are_refused_not_estimated() {
    let workload = Workload {
        train_tokens: -1.0,
        validation_tokens: 0.0,
        epochs: 1,
        evaluations: 0,
    };
    let err = estimate(
        &request(one_billion(), "l4", 1, setup(false), workload.clone()),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("workload.train_tokens"), "{err}");
    let mut r = request(
        one_billion(),
        "l4",
        0,
        setup(false),
        Workload {
            train_tokens: 1.0,
            ..workload
        },
    );
    assert!(estimate(&r, None).unwrap_err().to_string().contains("gpu_count"));
    r.gpu_count = 1;
    r.model.parameters = f64::NAN;
    assert!(estimate(&r, None).is_err());
}

#[test]
fn evaluations_follow_the_trainer_schedule() {
    use brightrun_core::training::Hyperparameters;
    let hp = Hyperparameters {
        batch_size: 4,
        gradient_accumulation: 2,
        num_epochs: 3,
        eval_steps: None,
        ..Hyperparameters::default()
    };
    // Once per epoch without eval_steps; none without validation tokens.
    assert_eq!(Workload::evaluations_for(&hp, 100, 1, 1e4), 3);
    assert_eq!(Workload::evaluations_for(&hp, 100, 1, 0.0), 0);
    // 100 examples / (4 × 2 × 1) = 12.5 → 13 steps per epoch × 3 = 39 steps; every 10 steps → 3 evaluations.
    let every_ten = Hyperparameters {
        eval_steps: Some(10),
        ..hp.clone()
    };
    assert_eq!(Workload::evaluations_for(&every_ten, 100, 1, 1e4), 3);
    // On 2 GPUs: 100 / 16 → 7 steps per epoch × 3 = 21 → 2 evaluations; a 15-step cap → 1.
    assert_eq!(Workload::evaluations_for(&every_ten, 100, 2, 1e4), 2);
    let capped = Hyperparameters {
        max_steps: Some(15),
        ..every_ten
    };
    assert_eq!(Workload::evaluations_for(&capped, 100, 2, 1e4), 1);
}

#[test]
fn requests_and_estimates_cross_ipc_as_json() {
    let model = find_known_model("meta-llama/Llama-3.1-8B").unwrap().spec;
    let workload = Workload {
        train_tokens: 2e6,
        validation_tokens: 2e5,
        epochs: 3,
        evaluations: 3,
    };
    let mut setup = setup(true);
    setup.batch_size = 16;
    setup.sequence_length = 4096;
    let r = request(model, "l4", 1, setup, workload);
    let r_back: EstimateRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(r_back, r);
    let e = estimate(&r, None).unwrap();
    let json = serde_json::to_value(&e).unwrap();
    // Tagged enums keep their shape for the UI.
    assert_eq!(json["time"]["basis"]["kind"], "flops_model");
    assert_eq!(json["memory"]["verdict"], "does_not_fit");
    assert!(json["memory"]["suggestion"]["changes"][0]["kind"].is_string());
    let back: brightrun_core::training::estimator::TrainingEstimate = serde_json::from_value(json).unwrap();
    assert_eq!(back, e);
}
