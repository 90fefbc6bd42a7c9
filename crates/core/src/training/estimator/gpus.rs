//! The accelerators a job can run on: dense 16-bit peak throughput and usable memory. Sources in
//! docs/estimator.md ("GPU table").

use serde::{Deserialize, Serialize};

/// Whether a device trains in 16 bits on CUDA or in 32 bits on the CPU (the trainer's choice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A CUDA GPU: bf16 weights and activations, QLoRA possible.
    Gpu,
    /// No GPU: float32 everywhere, no QLoRA (bitsandbytes needs CUDA).
    Cpu,
}

/// One accelerator type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuSpec {
    /// Short id used in settings and the Cluster API (`"h100-sxm"`, `"cpu"`).
    pub id: String,
    /// Name for people (`"NVIDIA H100 SXM 80GB"`).
    pub name: String,
    /// Peak dense (no sparsity) BF16 tensor throughput in TFLOPS; for the CPU, a measured float32 figure.
    pub peak_tflops: f64,
    /// Memory a process can allocate, in GiB (what `nvidia-smi` reports as total; for the CPU, the RAM assumed).
    pub memory_gib: f64,
    /// GPU or CPU.
    pub kind: DeviceKind,
}

/// `(id, name, peak dense bf16 TFLOPS, memory GiB as nvidia-smi reports it)`.
const GPUS: [(&str, &str, f64, f64); 9] = [
    // Datasheet: 1,979 TFLOPS BF16 with 2:4 sparsity, half of it dense; 80 GB HBM3 (81,559 MiB usable).
    ("h100-sxm", "NVIDIA H100 SXM 80GB", 989.4, 79.6),
    // Datasheet: 1,513 TFLOPS with sparsity, 756 dense; 80 GB HBM2e.
    ("h100-pcie", "NVIDIA H100 PCIe 80GB", 756.0, 79.6),
    // Same compute die as H100 SXM; 141 GB HBM3e (143,771 MiB usable).
    ("h200", "NVIDIA H200 SXM 141GB", 989.4, 140.4),
    // Datasheet: 312 TFLOPS BF16 dense (624 with sparsity).
    ("a100-40gb", "NVIDIA A100 40GB", 312.0, 40.0),
    ("a100-80gb", "NVIDIA A100 80GB", 312.0, 80.0),
    // Datasheet: 362.05 TFLOPS BF16 dense (733 with sparsity); 48 GB GDDR6 with ECC (46,068 MiB usable).
    ("l40s", "NVIDIA L40S 48GB", 362.05, 45.0),
    // AWS-only part without a public NVIDIA datasheet: 70 TFLOPS BF16 dense, half the A10's; 24 GB GDDR6.
    ("a10g", "NVIDIA A10G 24GB", 70.0, 22.5),
    // Ada whitepaper: 165.2 TFLOPS FP16/BF16 with FP32 accumulate, dense; 24 GB GDDR6X.
    ("rtx-4090", "NVIDIA GeForce RTX 4090 24GB", 165.2, 24.0),
    // Datasheet: 242 TFLOPS BF16 with sparsity, 121 dense; 24 GB GDDR6.
    ("l4", "NVIDIA L4 24GB", 121.0, 22.5),
];

/// Float32 GEMM throughput assumed for the "cpu" device: a typical 8-core desktop at ~50 GFLOPS per core
/// (measured 47 GFLOPS with torch on 2 shared EPYC vCPUs; see docs/estimator.md).
pub const CPU_PEAK_TFLOPS: f64 = 0.4;
/// RAM assumed for the "cpu" device when the machine's own figure is not known.
pub const CPU_DEFAULT_MEMORY_GIB: f64 = 16.0;

impl GpuSpec {
    /// Every known device, GPUs first, then `cpu`.
    pub fn all() -> Vec<GpuSpec> {
        GPUS.iter()
            .map(|(id, name, peak, memory)| GpuSpec {
                id: (*id).to_string(),
                name: (*name).to_string(),
                peak_tflops: *peak,
                memory_gib: *memory,
                kind: DeviceKind::Gpu,
            })
            .chain(std::iter::once(GpuSpec::cpu(CPU_DEFAULT_MEMORY_GIB)))
            .collect()
    }

    /// The CPU "device" of a machine with `memory_gib` of RAM.
    pub fn cpu(memory_gib: f64) -> GpuSpec {
        GpuSpec {
            id: "cpu".into(),
            name: "CPU".into(),
            peak_tflops: CPU_PEAK_TFLOPS,
            memory_gib,
            kind: DeviceKind::Cpu,
        }
    }

    /// The device with id `id` (`"a100-80gb"`), case-insensitive.
    pub fn by_id(id: &str) -> Option<GpuSpec> {
        GpuSpec::all()
            .into_iter()
            .find(|g| g.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The device for a name as `nvidia-smi` or a cloud prints it (`"NVIDIA A100-SXM4-80GB"`,
    /// `"NVIDIA GeForce RTX 4090"`), or an id; `None` when it is none of the known ones.
    pub fn from_name(name: &str) -> Option<GpuSpec> {
        if let Some(gpu) = GpuSpec::by_id(name) {
            return Some(gpu);
        }
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |w: &str| words.contains(&w);
        let id = if has("h200") {
            "h200"
        } else if has("h100") && (has("pcie") || lower.contains("pcie")) {
            "h100-pcie"
        } else if has("h100") && !has("nvl") {
            "h100-sxm"
        } else if lower.contains("a100") && lower.contains("40g") {
            "a100-40gb"
        } else if lower.contains("a100") {
            "a100-80gb"
        } else if has("l40s") {
            "l40s"
        } else if has("a10g") {
            "a10g"
        } else if has("4090") {
            "rtx-4090"
        } else if has("l4") {
            "l4"
        } else if has("cpu") {
            "cpu"
        } else {
            return None;
        };
        GpuSpec::by_id(id)
    }

    /// Memory in bytes.
    pub fn memory_bytes(&self) -> f64 {
        self.memory_gib * GIB
    }
}

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
