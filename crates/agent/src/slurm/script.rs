//! The batch script the agent submits for a job: one task per node, the job's GPUs as gres, the trainer under
//! torchrun across nodes (rendezvous on the first node), SIGTERM before the time limit, requeue allowed, and on
//! a requeue the run resumes from the last checkpoint the trainer reported.

use std::fmt::Write as _;
use std::path::Path;

use super::config::SlurmConfig;

/// How a job's processes are laid out over nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub nodes: u32,
    /// Trainer processes per node (GPUs per node, or CPU processes for a `cpu` job).
    pub per_node: u32,
    /// Whether the job asks for GPUs (gres) rather than CPUs.
    pub gpus: bool,
}

/// Splits `count` GPUs of a type over nodes that have at most `per_node_max` each: one node when they fit,
/// otherwise full nodes. A `cpu` job is `count` processes on one node.
pub fn layout(gpu_type: &str, count: u32, per_node_max: u32) -> Result<Layout, String> {
    let count = count.max(1);
    if gpu_type == "cpu" {
        return Ok(Layout {
            nodes: 1,
            per_node: count,
            gpus: false,
        });
    }
    if per_node_max == 0 {
        return Err(format!("no node of the partition has a GPU of type {gpu_type}"));
    }
    if count <= per_node_max {
        return Ok(Layout {
            nodes: 1,
            per_node: count,
            gpus: true,
        });
    }
    if !count.is_multiple_of(per_node_max) {
        return Err(format!(
            "{count} GPUs of type {gpu_type} do not fill whole nodes of {per_node_max}: ask for a multiple of \
             {per_node_max}"
        ));
    }
    Ok(Layout {
        nodes: count / per_node_max,
        per_node: per_node_max,
        gpus: true,
    })
}

/// `minutes` as Slurm's `--time` reads it (`D-HH:MM:00`).
pub fn format_minutes(minutes: u64) -> String {
    let (days, rest) = (minutes / 1440, minutes % 1440);
    format!("{days}-{:02}:{:02}:00", rest / 60, rest % 60)
}

/// Minutes of a Slurm time (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`), rounded up.
pub fn parse_minutes(text: &str) -> Option<u64> {
    parse_seconds(text).map(|s| s.div_ceil(60))
}

/// Seconds of a Slurm time as `--time` reads it.
pub fn parse_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (days, rest) = match text.split_once('-') {
        Some((d, rest)) => (d.parse::<u64>().ok()?, rest),
        None => (0, text),
    };
    let parts: Vec<u64> = rest.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let seconds = match (text.contains('-'), &parts[..]) {
        (false, &[m]) => m * 60,
        (false, &[m, s]) => m * 60 + s,
        (false, &[h, m, s]) => h * 3600 + m * 60 + s,
        (true, &[h]) => h * 3600,
        (true, &[h, m]) => h * 3600 + m * 60,
        (true, &[h, m, s]) => h * 3600 + m * 60 + s,
        _ => return None,
    };
    Some(days * 86400 + seconds)
}

/// The parts of the script that differ per job.
pub struct ScriptJob<'a> {
    pub job_id: &'a str,
    pub dir: &'a Path,
    pub job_json: &'a Path,
    pub events: &'a Path,
    pub log: &'a Path,
    pub gpu_type: &'a str,
    pub layout: Layout,
    pub time_minutes: u64,
    pub python: &'a Path,
}

/// Single-quotes `text` for bash.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn quote_path(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

/// The Slurm job name of a BrightRun job: the agent finds its job by it if it died right after `sbatch`.
pub fn job_name(job_id: &str) -> String {
    format!("brightrun-{job_id}")
}

/// Picks the last checkpoint the trainer reported (its `checkpoint` events in the output file) whose folder
/// still exists, and writes it into job.json as `resume_from_checkpoint`. Runs at the start of every attempt,
/// so a requeued or preempted job resumes without the agent's help.
const RESUME_PY: &str = r#"import json, os, sys
job_path, events_path = sys.argv[1], sys.argv[2]
job = json.load(open(job_path))
latest = None
try:
    for line in open(events_path, errors="replace"):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "checkpoint" and os.path.isdir(str(event.get("path"))):
            if latest is None or event["step"] >= latest["step"]:
                latest = event
except FileNotFoundError:
    pass
if latest is not None and job.get("resume_from_checkpoint") != latest["path"]:
    job["resume_from_checkpoint"] = latest["path"]
    tmp = job_path + ".tmp"
    json.dump(job, open(tmp, "w"), indent=2)
    os.replace(tmp, job_path)
    print("resuming from " + latest["path"], file=sys.stderr)
"#;

/// The batch script for `job` under `config`.
pub fn render(job: &ScriptJob, config: &SlurmConfig) -> String {
    let layout = job.layout;
    let mut s = String::from("#!/bin/bash\n");
    let mut sbatch = |line: String| {
        let _ = writeln!(s, "#SBATCH {line}");
    };
    sbatch(format!("--job-name={}", job_name(job.job_id)));
    if let Some(partition) = &config.partition {
        sbatch(format!("--partition={partition}"));
    }
    if let Some(account) = &config.account {
        sbatch(format!("--account={account}"));
    }
    if let Some(qos) = &config.qos {
        sbatch(format!("--qos={qos}"));
    }
    sbatch(format!("--nodes={}", layout.nodes));
    sbatch("--ntasks-per-node=1".into());
    if layout.gpus {
        // An untyped gres (`gpu:2` in slurm.conf) is asked for without a type.
        let gres = if job.gpu_type == "gpu" {
            format!("gpu:{}", layout.per_node)
        } else {
            format!("gpu:{}:{}", job.gpu_type, layout.per_node)
        };
        sbatch(format!("--gres={gres}"));
        if let Some(cpus) = config.cpus_per_gpu {
            sbatch(format!("--cpus-per-task={}", cpus * layout.per_node));
        }
    } else {
        sbatch(format!("--cpus-per-task={}", layout.per_node));
    }
    sbatch(format!("--time={}", format_minutes(job.time_minutes.max(1))));
    // Single node: the trainer is the batch shell itself (exec), so `B:` reaches it. Several nodes: the signal
    // goes to the srun step, whose torchrun passes it to every worker.
    let target = if layout.nodes == 1 { "B:" } else { "" };
    sbatch(format!("--signal={target}TERM@{}", config.signal_seconds));
    sbatch("--requeue".into());
    sbatch("--open-mode=append".into());
    sbatch(format!("--chdir={}", job.dir.display()));
    sbatch(format!("--output={}", job.events.display()));
    sbatch(format!("--error={}", job.log.display()));
    for line in &config.extra_sbatch {
        let line = line.trim();
        let line = line.strip_prefix("#SBATCH").unwrap_or(line).trim();
        sbatch(line.to_string());
    }
    let python = quote_path(job.python);
    let job_json = quote_path(job.job_json);
    let events = quote_path(job.events);
    let _ = write!(
        s,
        r#"
# Written by brightrun-agent for BrightRun job {id}. stdout (the --output file) carries the trainer's JSON
# events, which the agent follows; stderr (--error) is the job's log.
set -u
export PYTHONUNBUFFERED=1
printf '{{"event":"slurm_attempt","slurm_job_id":"%s","restart":%s,"nodes":"%s"}}\n' \
  "$SLURM_JOB_ID" "${{SLURM_RESTART_COUNT:-0}}" "$SLURM_JOB_NODELIST"
echo "[slurm $(date -u +%FT%TZ)] job $SLURM_JOB_ID on $SLURM_JOB_NODELIST, attempt $((${{SLURM_RESTART_COUNT:-0}} + 1))" >&2
{python} -I - {job_json} {events} <<'BRIGHTRUN_RESUME'
{resume}BRIGHTRUN_RESUME
"#,
        id = job.job_id,
        resume = RESUME_PY,
    );
    if layout.nodes == 1 {
        // One node: the trainer starts torchrun itself when it needs several processes (docs/trainer.md).
        let _ = writeln!(s, "exec {python} -I -m brightrun_trainer --job {job_json}");
    } else {
        let _ = write!(
            s,
            r#"head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
exec srun --ntasks-per-node=1 --kill-on-bad-exit=1 {python} -I -m torch.distributed.run \
  --nnodes={nodes} --nproc_per_node={per_node} --rdzv_backend=c10d --rdzv_id="$SLURM_JOB_ID" \
  --rdzv_endpoint="$head:{port}" -m brightrun_trainer --job {job_json}
"#,
            nodes = layout.nodes,
            per_node = layout.per_node,
            port = config.rendezvous_port,
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_gpus_over_nodes() {
        assert_eq!(layout("a100", 2, 4).unwrap().nodes, 1);
        let wide = layout("a100", 8, 4).unwrap();
        assert_eq!((wide.nodes, wide.per_node), (2, 4));
        assert!(layout("a100", 6, 4).is_err());
        assert!(layout("h100", 1, 0).is_err());
        let cpu = layout("cpu", 2, 0).unwrap();
        assert_eq!((cpu.nodes, cpu.per_node, cpu.gpus), (1, 2, false));
    }

    #[test]
    fn reads_and_writes_slurm_times() {
        assert_eq!(parse_minutes("90"), Some(90));
        assert_eq!(parse_minutes("1:30:00"), Some(90));
        assert_eq!(parse_minutes("1-00:00:01"), Some(1441));
        assert_eq!(parse_minutes("2-12"), Some(3600));
        assert_eq!(parse_minutes("soon"), None);
        assert_eq!(format_minutes(1441), "1-00:01:00");
    }

    #[test]
    fn the_script_asks_what_the_job_needs() {
        let config = SlurmConfig {
            partition: Some("gpu".into()),
            account: Some("lab".into()),
            extra_sbatch: vec!["#SBATCH --constraint=a100".into(), "--mem=64G".into()],
            ..Default::default()
        };
        let dir = Path::new("/shared/jobs/j1");
        let job = ScriptJob {
            job_id: "j1",
            dir,
            job_json: &dir.join("job.json"),
            events: &dir.join("events.jsonl"),
            log: &dir.join("job.log"),
            gpu_type: "a100",
            layout: layout("a100", 8, 4).unwrap(),
            time_minutes: 120,
            python: Path::new("/opt/venv/bin/python"),
        };
        let script = render(&job, &config);
        for line in [
            "#SBATCH --partition=gpu",
            "#SBATCH --account=lab",
            "#SBATCH --nodes=2",
            "#SBATCH --ntasks-per-node=1",
            "#SBATCH --gres=gpu:a100:4",
            "#SBATCH --time=0-02:00:00",
            "#SBATCH --signal=TERM@120",
            "#SBATCH --requeue",
            "#SBATCH --constraint=a100",
            "#SBATCH --mem=64G",
            "--nnodes=2 --nproc_per_node=4 --rdzv_backend=c10d",
        ] {
            assert!(script.contains(line), "{line} missing from\n{script}");
        }
    }
}
