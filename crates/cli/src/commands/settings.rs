//! `brightrun settings get|set|list`: the user settings the app's Settings page edits (monthly budget,
//! polling interval), by the names in docs/cli.md.

use brightrun_core::store::settings::USER_SETTINGS;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

/// `brightrun settings …`
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print one setting: `monthly_budget_usd` (null when none) or `poll_interval_s`.
    Get(KeyArgs),
    /// Change one setting (`monthly_budget_usd none` removes the budget).
    Set(SetArgs),
    /// Print every setting.
    List,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    /// `monthly_budget_usd` or `poll_interval_s`.
    pub key: String,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// `monthly_budget_usd` or `poll_interval_s`.
    pub key: String,
    /// The new value: dollars (or `none`), or seconds (5 to 3600).
    // Hyphens allowed so `-5` reaches the setting's own check (and its JSON error) instead of clap's.
    #[arg(allow_hyphen_values = true)]
    pub value: String,
}

/// Runs one `settings` subcommand.
pub fn run(ctx: &Context, command: SettingsCommand) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let settings = store.settings();
    match command {
        SettingsCommand::Get(args) => print_setting(ctx, &args.key, &settings.get_user(&args.key)?)?,
        SettingsCommand::Set(args) => {
            let value = settings.set_user(&args.key, &args.value)?;
            print_setting(ctx, &args.key, &value)?;
        }
        SettingsCommand::List => {
            let values = USER_SETTINGS
                .iter()
                .map(|key| Ok(json!({ "key": key, "value": settings.get_user(key)? })))
                .collect::<anyhow::Result<Vec<Value>>>()?;
            if ctx.json {
                print_json(&values)?;
            } else {
                for v in &values {
                    println!("{} = {}", v["key"].as_str().unwrap_or_default(), v["value"]);
                }
            }
        }
    }
    Ok(Outcome::Success)
}

fn print_setting(ctx: &Context, key: &str, value: &Value) -> anyhow::Result<()> {
    if ctx.json {
        print_json(&json!({ "key": key, "value": value }))
    } else {
        match value {
            Value::Null => println!("{key} = none"),
            v => println!("{key} = {v}"),
        }
        Ok(())
    }
}
