//! `brightrun jobs compare ID ID [ID…]`: runs side by side from the local metrics.

use brightrun_core::jobs::compare::{compare_jobs, COMPARE_MAX, COMPARE_MIN};
use clap::Args;

use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two to six job ids (or unique prefixes).
    #[arg(required = true, num_args = COMPARE_MIN..=COMPARE_MAX, value_name = "ID")]
    pub ids: Vec<String>,
}

/// Prints the comparison: JSON, or a table of final losses and the settings that differ.
pub fn compare(ctx: &Context, args: CompareArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let comparison = compare_jobs(&store, &args.ids)?;
    if ctx.json {
        print_json(&comparison)?;
        return Ok(Outcome::Success);
    }
    let num = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
    println!(
        "{:<38} {:<24} {:>10} {:>10}",
        "job", "name", "train loss", "val loss"
    );
    for job in &comparison.jobs {
        println!(
            "{:<38} {:<24} {:>10} {:>10}",
            job.id,
            job.name.chars().take(24).collect::<String>(),
            num(job.final_train_loss),
            num(job.final_val_loss)
        );
    }
    if comparison.differences.is_empty() {
        println!("\nSame settings.");
    } else {
        println!("\nSettings that differ:");
        for d in &comparison.differences {
            let values: Vec<String> = d.values.iter().map(|v| v.to_string()).collect();
            println!("  {:<22} {}", d.field, values.join("  |  "));
        }
    }
    Ok(Outcome::Success)
}
