//! Slurm's command-line tools as the agent runs them: `sbatch --parsable`, `scontrol show job -o`, `scancel`,
//! `sacct` for jobs the controller no longer remembers.

use std::collections::HashMap;
use std::path::Path;

use tokio::process::Command;

/// A Slurm tool with the agent's environment (SLURM_CONF and PATH decide which cluster it talks to).
pub fn slurm_command(tool: &str) -> std::process::Command {
    std::process::Command::new(tool)
}

async fn run(mut command: Command, what: &str) -> Result<String, String> {
    let output = command
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!("{what} failed: {}", stderr.trim()))
    }
}

/// Submits `script`; returns the Slurm job id. The batch job inherits only the trainer's allow-listed
/// environment (`--export=ALL` of a cleared environment): the agent's own secrets never reach compute nodes.
pub async fn sbatch(script: &Path) -> Result<String, String> {
    let mut command = Command::new("sbatch");
    command
        .arg("--parsable")
        .arg(script)
        .env_clear()
        .envs(crate::jobs::runner::trainer_environment())
        .envs(std::env::vars_os().filter(|(name, _)| {
            name.to_str()
                .is_some_and(|n| n == "SLURM_CONF" || n == "MUNGE_SOCKET")
        }))
        .env("PYTHONUNBUFFERED", "1");
    let out = run(command, "sbatch").await?;
    // `--parsable` prints `id` or `id;cluster`.
    let id = out.trim().split(';').next().unwrap_or("").trim().to_string();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return Err(format!("sbatch answered {out:?}, not a job id"));
    }
    Ok(id)
}

/// The id of a job named `name` that Slurm still knows (pending or running), if any.
pub async fn find_by_name(name: &str) -> Result<Option<String>, String> {
    let mut command = Command::new("squeue");
    command.args(["-h", "-o", "%i", "--name", name]);
    let out = run(command, "squeue").await?;
    Ok(out
        .lines()
        .next()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty()))
}

/// `scancel ID`: Slurm sends SIGTERM to the job's processes, SIGKILL after the cluster's KillWait.
pub async fn scancel(job_id: &str) -> Result<(), String> {
    let mut command = Command::new("scancel");
    command.arg(job_id);
    run(command, "scancel").await.map(|_| ())
}

/// What Slurm says about a job.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlurmJob {
    /// `PENDING`, `RUNNING`, `COMPLETED`, ...
    pub state: String,
    /// Why it waits or ended (`Priority`, `Resources`, `NonZeroExitCode`, ...).
    pub reason: Option<String>,
    /// `ExitCode=3:0` → "3:0".
    pub exit_code: Option<String>,
    pub restarts: u32,
    pub nodes: Option<String>,
    /// How long the current attempt has run and may run (`RunTime`, `TimeLimit`), in seconds.
    pub run_seconds: Option<u64>,
    pub limit_seconds: Option<u64>,
}

/// `scontrol show job -o ID`, or `sacct` once the controller forgot it (after MinJobAge). None when neither
/// knows the job.
pub async fn job(job_id: &str) -> Result<Option<SlurmJob>, String> {
    let mut command = Command::new("scontrol");
    command.args(["show", "job", "-o", job_id]);
    match run(command, "scontrol").await {
        Ok(out) => return Ok(parse_scontrol(&out)),
        Err(err) if err.contains("Invalid job id") => {}
        Err(err) => return Err(err),
    }
    // Accounting (sacct) or, without it, the job completion log (sacct -c).
    for args in [&["-X"][..], &["-c"][..]] {
        let mut command = Command::new("sacct");
        command
            .args(args)
            .args(["-n", "-P", "-o", "State,ExitCode", "-j", job_id]);
        if let Ok(out) = run(command, "sacct").await {
            if let Some(job) = parse_sacct(&out) {
                return Ok(Some(job));
            }
        }
    }
    Ok(None)
}

/// Reads the `Key=Value` pairs of `scontrol show job -o` (one line; values have no spaces except `Command`'s
/// and the like, which are not used).
pub fn parse_scontrol(text: &str) -> Option<SlurmJob> {
    let line = text.lines().find(|l| l.contains("JobState="))?;
    let fields: HashMap<&str, &str> = line
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .collect();
    Some(SlurmJob {
        state: fields.get("JobState")?.to_string(),
        reason: fields
            .get("Reason")
            .filter(|r| **r != "None" && !r.is_empty())
            .map(|r| r.to_string()),
        exit_code: fields.get("ExitCode").map(|c| c.to_string()),
        restarts: fields.get("Restarts").and_then(|r| r.parse().ok()).unwrap_or(0),
        nodes: fields
            .get("NodeList")
            .filter(|n| **n != "(null)")
            .map(|n| n.to_string()),
        run_seconds: fields
            .get("RunTime")
            .and_then(|t| super::script::parse_seconds(t)),
        limit_seconds: fields
            .get("TimeLimit")
            .and_then(|t| super::script::parse_seconds(t)),
    })
}

/// `State|ExitCode` lines of `sacct -n -P`; the last line is the newest record (a requeued job has several).
pub fn parse_sacct(text: &str) -> Option<SlurmJob> {
    let line = text.lines().rfind(|l| !l.trim().is_empty())?;
    let (state, exit) = line.trim().split_once('|')?;
    // `CANCELLED by 0` → `CANCELLED`.
    let state = state.split_whitespace().next()?.to_string();
    Some(SlurmJob {
        state,
        exit_code: Some(exit.to_string()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scontrol_and_sacct() {
        let job = parse_scontrol(
            "JobId=7 JobName=brightrun-x UserId=root(0) JobState=PENDING Reason=Resources Dependency=(null) \
             Requeue=1 Restarts=2 BatchFlag=1 ExitCode=0:0 RunTime=00:01:30 TimeLimit=1-00:00:00 NodeList=(null)\n",
        )
        .unwrap();
        assert_eq!(job.state, "PENDING");
        assert_eq!(job.reason.as_deref(), Some("Resources"));
        assert_eq!(job.restarts, 2);
        assert_eq!(job.nodes, None);
        assert_eq!((job.run_seconds, job.limit_seconds), (Some(90), Some(86400)));
        let done = parse_sacct("COMPLETED|0:0\nCANCELLED by 0|0:15\n").unwrap();
        assert_eq!(
            (done.state.as_str(), done.exit_code.as_deref()),
            ("CANCELLED", Some("0:15"))
        );
        assert!(parse_scontrol("slurm_load_jobs error: Invalid job id specified").is_none());
    }
}
