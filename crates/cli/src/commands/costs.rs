//! `brightrun costs`: what training cost over the last N days, by day, job and GPU type; `--csv FILE` writes
//! the rows those totals add up (one per day, job and kind of cost). The figures come from
//! `brightrun_core::jobs::costs`, as the app's Costs page shows them.

use std::path::PathBuf;

use anyhow::Context as _;
use brightrun_core::jobs::costs::{self, MAX_DAYS};
use chrono::Utc;
use clap::Args;

use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct CostsArgs {
    /// The period: the last N days, today included (1 to 366).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_DAYS)))]
    pub days: u32,
    /// Also write the period's rows (date, job_id, name, gpu, capacity, kind, usd) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// Runs `brightrun costs`.
pub fn run(ctx: &Context, args: CostsArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let now = Utc::now();
    let rows = costs::cost_rows(&store, args.days, now)?;
    let summary = costs::summarise(&rows, args.days, now);
    if let Some(path) = &args.csv {
        let file =
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        costs::write_csv(&rows, std::io::BufWriter::new(file))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if ctx.json {
        print_json(&summary)?;
        return Ok(Outcome::Success);
    }
    println!("Last {} days: ${:.2}", summary.days, summary.total_usd);
    if !summary.by_gpu.is_empty() {
        println!("By GPU:");
        for g in &summary.by_gpu {
            println!("  {:<16} ${:.2}", g.gpu, g.usd);
        }
    }
    if !summary.by_job.is_empty() {
        println!("By job:");
        for j in &summary.by_job {
            println!("  {:<40} ${:.2}  {}", j.name, j.usd, j.job_id);
        }
    }
    if let Some(path) = &args.csv {
        eprintln!("Wrote {} rows to {}.", rows.len(), path.display());
    }
    Ok(Outcome::Success)
}
