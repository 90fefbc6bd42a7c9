//! The machine's accelerators: NVIDIA GPUs from nvidia-smi, or the CPU as one device of type `cpu`, and which of
//! them running jobs hold.

use std::collections::HashMap;
use std::process::Command;

use crate::api::GpuGroup;

/// One device jobs can be given.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// The CUDA index (0 for the CPU).
    pub index: u32,
    pub gpu_type: String,
    pub name: String,
    pub memory_gb: f64,
}

/// Detects the GPUs with nvidia-smi; a machine without any offers its CPU as one device of type `cpu`.
pub fn detect(type_override: Option<&str>) -> Vec<Device> {
    let gpus = nvidia_smi().unwrap_or_default();
    if gpus.is_empty() {
        return vec![cpu_device()];
    }
    gpus.into_iter()
        .map(|(index, name, memory_gb)| Device {
            index,
            gpu_type: type_override
                .map(str::to_string)
                .unwrap_or_else(|| type_of(&name)),
            name,
            memory_gb,
        })
        .collect()
}

fn nvidia_smi() -> Option<Vec<(u32, String, f64)>> {
    let output = Command::new("nvidia-smi")
        .args([
            "--query-gpu=index,name,memory.total",
            "--format=csv,noheader,nounits",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Some(text.lines().filter_map(parse_smi_line).collect())
}

fn parse_smi_line(line: &str) -> Option<(u32, String, f64)> {
    let mut parts = line.split(',').map(str::trim);
    let index = parts.next()?.parse().ok()?;
    let name = parts.next()?.to_string();
    let memory_mib: f64 = parts.next()?.parse().ok()?;
    Some((index, name, (memory_mib / 1024.0 * 10.0).round() / 10.0))
}

/// `NVIDIA H100 80GB HBM3` → `h100-80gb-hbm3`: lower case, vendor words dropped, words joined by dashes.
pub fn type_of(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !matches!(w.to_ascii_lowercase().as_str(), "nvidia" | "geforce" | "tesla"))
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

fn cpu_device() -> Device {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    Device {
        index: 0,
        gpu_type: "cpu".to_string(),
        name: format!("CPU ({cores} cores)"),
        memory_gb: machine_memory_gb(),
    }
}

/// Total memory of the machine in GiB, from /proc/meminfo.
fn machine_memory_gb() -> f64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0
}

/// Which devices are held by which running job.
#[derive(Debug)]
pub struct Allocator {
    devices: Vec<Device>,
    held_by: HashMap<u32, String>,
}

impl Allocator {
    pub fn new(devices: Vec<Device>) -> Self {
        Self {
            devices,
            held_by: HashMap::new(),
        }
    }

    /// Gives `job_id` `count` free devices of `gpu_type`, or nothing if that many are not free.
    pub fn assign(&mut self, job_id: &str, gpu_type: &str, count: u32) -> Option<Vec<Device>> {
        let free: Vec<Device> = self
            .devices
            .iter()
            .filter(|d| d.gpu_type == gpu_type && !self.held_by.contains_key(&d.index))
            .take(count as usize)
            .cloned()
            .collect();
        if free.len() < count as usize || count == 0 {
            return None;
        }
        for device in &free {
            self.held_by.insert(device.index, job_id.to_string());
        }
        Some(free)
    }

    /// Frees every device `job_id` holds.
    pub fn release(&mut self, job_id: &str) {
        self.held_by.retain(|_, holder| holder != job_id);
    }

    /// Devices grouped by type, with how many are free.
    pub fn groups(&self) -> Vec<GpuGroup> {
        let mut groups: Vec<GpuGroup> = Vec::new();
        for device in &self.devices {
            let free = u32::from(!self.held_by.contains_key(&device.index));
            match groups.iter_mut().find(|g| g.gpu_type == device.gpu_type) {
                Some(group) => {
                    group.count += 1;
                    group.free += free;
                }
                None => groups.push(GpuGroup {
                    gpu_type: device.gpu_type.clone(),
                    name: device.name.clone(),
                    memory_gb: device.memory_gb,
                    count: 1,
                    free,
                }),
            }
        }
        groups
    }

    /// How many devices of `gpu_type` the machine has.
    pub fn total(&self, gpu_type: &str) -> u32 {
        self.devices.iter().filter(|d| d.gpu_type == gpu_type).count() as u32
    }

    pub fn device_count(&self) -> u32 {
        self.devices.len() as u32
    }
}

/// The value of `CUDA_VISIBLE_DEVICES` for `devices`: their indices, or empty (no GPU) for the CPU.
pub fn cuda_visible_devices(devices: &[Device]) -> String {
    devices
        .iter()
        .filter(|d| d.gpu_type != "cpu")
        .map(|d| d.index.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(index: u32) -> Device {
        Device {
            index,
            gpu_type: "h100-80gb-hbm3".into(),
            name: "NVIDIA H100 80GB HBM3".into(),
            memory_gb: 79.6,
        }
    }

    #[test]
    fn names_types_from_the_driver() {
        assert_eq!(type_of("NVIDIA H100 80GB HBM3"), "h100-80gb-hbm3");
        assert_eq!(type_of("NVIDIA A100-SXM4-40GB"), "a100-sxm4-40gb");
        assert_eq!(
            parse_smi_line("1, NVIDIA L4, 23034"),
            Some((1, "NVIDIA L4".into(), 22.5))
        );
    }

    #[test]
    fn assigns_only_free_devices() {
        let mut allocator = Allocator::new(vec![gpu(0), gpu(1)]);
        let first = allocator.assign("a", "h100-80gb-hbm3", 1).unwrap();
        assert_eq!(cuda_visible_devices(&first), "0");
        assert!(allocator.assign("b", "h100-80gb-hbm3", 2).is_none());
        assert_eq!(
            cuda_visible_devices(&allocator.assign("b", "h100-80gb-hbm3", 1).unwrap()),
            "1"
        );
        assert_eq!(allocator.groups()[0].free, 0);
        allocator.release("a");
        assert_eq!(allocator.groups()[0].free, 1);
        assert!(allocator.assign("c", "l4", 1).is_none());
    }
}
