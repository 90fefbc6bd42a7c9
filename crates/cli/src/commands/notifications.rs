//! `brightrun notifications list|read|read-all`: the notifications the app shows in its header (job
//! queued/completed/failed, budget alerts…), recorded by the poller.

use brightrun_core::store::StoreError;
use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

/// How many notifications `list` prints; older ones stay in the store.
const LIST_LIMIT: u32 = 200;

/// `brightrun notifications …`
#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List notifications, newest first.
    List(ListArgs),
    /// Mark one notification read.
    Read(IdArgs),
    /// Mark every notification read.
    ReadAll,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the unread ones.
    #[arg(long)]
    pub unread: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The notification's id (from `brightrun notifications list`).
    pub id: String,
}

/// Runs one `notifications` subcommand.
pub fn run(ctx: &Context, command: NotificationsCommand) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let notifications = store.notifications();
    match command {
        NotificationsCommand::List(args) => {
            let list = notifications.list(args.unread, LIST_LIMIT)?;
            if ctx.json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No notifications.");
            } else {
                for n in &list {
                    let mark = if n.read { " " } else { "*" };
                    println!("{mark} {}  {}  {}", n.id, n.created_at, n.title);
                }
            }
        }
        NotificationsCommand::Read(args) => {
            if !notifications.mark_read(&args.id)? {
                return Err(StoreError::NotFound {
                    what: "notification",
                    id: args.id,
                }
                .into());
            }
            if ctx.json {
                print_json(&json!({ "id": args.id, "read": true }))?;
            }
        }
        NotificationsCommand::ReadAll => {
            let marked = notifications.mark_all_read()?;
            if ctx.json {
                print_json(&json!({ "marked_read": marked }))?;
            } else {
                println!("Marked {marked} notification(s) read.");
            }
        }
    }
    Ok(Outcome::Success)
}
