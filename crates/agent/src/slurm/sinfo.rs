//! What the partition offers, from `sinfo`: GPU types and counts (gres), CPUs and memory per node. These become
//! the agent's devices, so capabilities and the job checks work as for a single machine.

use std::collections::BTreeMap;

use super::config::SlurmConfig;
use crate::gpu::Device;

/// One node of the partition as `sinfo -N -o '%n|%c|%m|%G'` prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub cpus: u32,
    pub memory_mb: u64,
    /// GPUs by gres type (`gpu:a100:4` → `a100`: 4; an untyped `gpu:2` → `gpu`: 2).
    pub gpus: BTreeMap<String, u32>,
}

/// The partition's nodes, one per name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partition {
    pub nodes: Vec<Node>,
}

/// Runs `sinfo` for the configured partition (the default one when none is set).
pub fn query(config: &SlurmConfig) -> Result<Partition, String> {
    let mut command = super::commands::slurm_command("sinfo");
    command.args(["-h", "-N", "-o", "%n|%c|%m|%G"]);
    if let Some(partition) = &config.partition {
        command.args(["-p", partition]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run sinfo: {e} (is Slurm's client installed on this machine?)"))?;
    if !output.status.success() {
        return Err(format!(
            "sinfo failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let partition = parse(&String::from_utf8_lossy(&output.stdout));
    if partition.nodes.is_empty() {
        return Err(format!(
            "sinfo lists no nodes in partition {}",
            config.partition.as_deref().unwrap_or("(default)")
        ));
    }
    Ok(partition)
}

/// Parses `sinfo -h -N -o '%n|%c|%m|%G'`; a node listed in several partitions counts once.
pub fn parse(text: &str) -> Partition {
    let mut nodes: Vec<Node> = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.trim().splitn(4, '|').collect();
        let [name, cpus, memory, gres] = parts[..] else {
            continue;
        };
        if name.is_empty() || nodes.iter().any(|n| n.name == name) {
            continue;
        }
        nodes.push(Node {
            name: name.to_string(),
            cpus: cpus.trim().parse().unwrap_or(1),
            // `%m` may end in `+` when nodes of a group differ.
            memory_mb: memory.trim().trim_end_matches('+').parse().unwrap_or(0),
            gpus: parse_gres(gres),
        });
    }
    Partition { nodes }
}

/// `gpu:a100:4(S:0-1),gpu:h100:2,shard:8` → {a100: 4, h100: 2}.
fn parse_gres(gres: &str) -> BTreeMap<String, u32> {
    // Socket bindings in parentheses may hold commas: drop them first.
    let mut plain = String::new();
    let mut depth = 0;
    for c in gres.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let mut gpus = BTreeMap::new();
    for entry in plain.split(',') {
        let fields: Vec<&str> = entry.trim().split(':').collect();
        let (gpu_type, count) = match fields[..] {
            ["gpu", count] => ("gpu", count),
            ["gpu", gpu_type, count] => (gpu_type, count),
            _ => continue,
        };
        if let Ok(count) = count.parse::<u32>() {
            if count > 0 {
                *gpus.entry(gpu_type.to_string()).or_insert(0) += count;
            }
        }
    }
    gpus
}

impl Partition {
    /// The most GPUs of `gpu_type` one node has (0 when none has it).
    pub fn gpus_per_node(&self, gpu_type: &str) -> u32 {
        self.nodes
            .iter()
            .filter_map(|n| n.gpus.get(gpu_type))
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// The agent's devices: every GPU of the partition by gres type, and `cpu` devices as many as the smallest
    /// node has CPUs (a `cpu` job runs that many processes on one node).
    pub fn devices(&self, config: &SlurmConfig) -> Vec<Device> {
        let mut by_type: BTreeMap<String, u32> = BTreeMap::new();
        for node in &self.nodes {
            let offered = node
                .gpus
                .iter()
                .filter(|(gpu_type, _)| !config.ignore_gpu_types.contains(gpu_type));
            for (gpu_type, count) in offered {
                *by_type.entry(gpu_type.clone()).or_insert(0) += count;
            }
        }
        let mut devices = Vec::new();
        let mut index = 0;
        for (gpu_type, count) in by_type {
            let memory_gb = config
                .gpu_memory_gb
                .get(&gpu_type)
                .copied()
                .unwrap_or_else(|| memory_from_name(&gpu_type));
            for _ in 0..count {
                devices.push(Device {
                    index,
                    gpu_type: gpu_type.clone(),
                    name: format!("{gpu_type} (Slurm gres)"),
                    memory_gb,
                });
                index += 1;
            }
        }
        let cpus = self.nodes.iter().map(|n| n.cpus).min().unwrap_or(1).max(1);
        let memory_mb = self.nodes.iter().map(|n| n.memory_mb).min().unwrap_or(0);
        for _ in 0..cpus {
            devices.push(Device {
                index,
                gpu_type: "cpu".into(),
                name: format!("CPU of a Slurm node ({cpus} cores)"),
                memory_gb: (memory_mb as f64 / 1024.0 * 10.0).round() / 10.0,
            });
            index += 1;
        }
        devices
    }
}

/// `a100-80gb` → 80: the memory a type's name states, else 0 (unknown).
fn memory_from_name(gpu_type: &str) -> f64 {
    gpu_type
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|word| {
            word.to_ascii_lowercase()
                .strip_suffix("gb")
                .and_then(|n| n.parse().ok())
        })
        .next()
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gres_types_counts_and_cpus() {
        let partition = parse(
            "gpu01|64|512000|gpu:a100-80gb:4(S:0-1)\ngpu02|32|256000+|gpu:a100-80gb:2,gpu:l4:1\n\
             cpu01|16|64000|(null)\ngpu01|64|512000|gpu:a100-80gb:4(S:0-1)\n",
        );
        assert_eq!(partition.nodes.len(), 3);
        assert_eq!(partition.gpus_per_node("a100-80gb"), 4);
        assert_eq!(partition.gpus_per_node("l4"), 1);
        let devices = partition.devices(&SlurmConfig::default());
        let count = |t: &str| devices.iter().filter(|d| d.gpu_type == t).count();
        assert_eq!((count("a100-80gb"), count("l4"), count("cpu")), (6, 1, 16));
        assert_eq!(devices[0].memory_gb, 80.0);
        assert_eq!(parse_gres("gpu:2"), BTreeMap::from([("gpu".to_string(), 2)]));
        let fake = parse("localhost|2|23000|gpu:fake:2\n").devices(&SlurmConfig::default());
        assert!(
            fake.iter().all(|d| d.gpu_type == "cpu") && fake.len() == 2,
            "{fake:?}"
        );
        assert!(parse_gres("(null)").is_empty());
    }
}
