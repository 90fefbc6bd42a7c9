//! `brightrun dataset …`: validate and convert files, and manage the library. Each command is a few
//! lines over the core; `render` holds the text output.

use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use brightrun_core::dataset::{self, ConvertOptions, ValidateOptions};
use brightrun_core::store::{
    import_dataset, revalidate_dataset, Dataset, DatasetQuery, DatasetStatus, ImportError, ImportOutcome,
    ImportRequest,
};
use serde::Serialize;

use super::Context;
use crate::args::{ConvertArgs, DatasetCommand, IdArgs, ImportArgs, ListArgs, RevalidateArgs, ValidateArgs};
use crate::error::{Outcome, UsageError};
use crate::output::print_json;
use crate::{progress, render};

/// Runs one `dataset` subcommand.
pub fn run(ctx: &Context, command: DatasetCommand) -> anyhow::Result<Outcome> {
    match command {
        DatasetCommand::Validate(args) => validate(ctx, args),
        DatasetCommand::Convert(args) => convert(ctx, args),
        DatasetCommand::Import(args) => import(ctx, args),
        DatasetCommand::List(args) => list(ctx, args),
        DatasetCommand::Show(args) => show(ctx, args),
        DatasetCommand::Rm(args) => remove(ctx, args),
        DatasetCommand::Restore(args) => restore(ctx, args),
        DatasetCommand::Revalidate(args) => revalidate(ctx, args),
    }
}

fn validate(ctx: &Context, args: ValidateArgs) -> anyhow::Result<Outcome> {
    let opts = ValidateOptions {
        format: args.format.map(Into::into),
        tokenizer: args.tokenizer,
        max_seq_len: args.max_seq_len.map(|n| n as usize),
    };
    let bar = progress::for_file(&args.file, "Validating");
    // The CLI never cancels: Ctrl-C ends the process, which is safe for a read-only validation.
    let cancel = AtomicBool::new(false);
    let report = dataset::validate_file(&args.file, &opts, &progress::callback(&bar), &cancel);
    bar.finish_and_clear();
    let report = report?;
    if ctx.json {
        print_json(&report)?;
    } else {
        print!("{}", render::report(&report, args.show));
    }
    Ok(if report.valid {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

fn convert(ctx: &Context, args: ConvertArgs) -> anyhow::Result<Outcome> {
    let opts = ConvertOptions {
        format: args.format.map(Into::into),
        validation_split: args.split,
        seed: args.seed,
    };
    if let Some(parent) = args.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the output folder {}", parent.display()))?;
    }
    let bar = progress::for_file(&args.file, "Converting");
    let cancel = AtomicBool::new(false);
    let summary = dataset::convert_to_openai_messages(
        &args.file,
        &args.output,
        &opts,
        &progress::callback(&bar),
        &cancel,
    );
    bar.finish_and_clear();
    let summary = summary?;
    if ctx.json {
        print_json(&summary)?;
    } else {
        print!("{}", render::convert_summary(&summary));
    }
    // Invalid records were left out of the output: say so with the exit code, as `validate` does.
    let complete = summary.errors == 0 && summary.train_examples > 0;
    Ok(if complete {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

/// A library entry as `import --json` prints it: the dataset, plus what the import did.
#[derive(Serialize)]
struct ImportedJson<'a> {
    #[serde(flatten)]
    dataset: &'a Dataset,
    outcome: ImportOutcome,
}

fn import(ctx: &Context, args: ImportArgs) -> anyhow::Result<Outcome> {
    if args.files.len() > 1 && args.name.is_some() {
        return Err(UsageError(
            "--name names a single dataset; import one file at a time to name each".into(),
        )
        .into());
    }
    // Check every path first, so a typo in the last one does not leave the others half-done.
    for file in &args.files {
        if !file.exists() {
            return Err(ImportError::SourceNotFound { path: file.clone() }.into());
        }
    }
    let (data_dir, store) = ctx.open_store()?;
    let request = ImportRequest {
        name: args.name,
        description: args.description,
    };
    let cancel = AtomicBool::new(false);
    let mut imported = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let bar = progress::for_file(file, "Importing");
        let result = import_dataset(
            &store,
            &data_dir,
            file,
            &request,
            &ValidateOptions::default(),
            &progress::callback(&bar),
            &cancel,
        );
        bar.finish_and_clear();
        let done = result.with_context(|| format!("importing {}", file.display()))?;
        if !ctx.json {
            print!("{}", render::imported(&done.dataset, done.outcome));
        }
        imported.push(done);
    }
    if ctx.json {
        let items: Vec<ImportedJson<'_>> = imported
            .iter()
            .map(|i| ImportedJson {
                dataset: &i.dataset,
                outcome: i.outcome,
            })
            .collect();
        print_json(&items)?;
    }
    let all_ready = imported.iter().all(|i| i.dataset.status == DatasetStatus::Ready);
    Ok(if all_ready {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

fn list(ctx: &Context, args: ListArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let query = DatasetQuery {
        search: args.search,
        sort: args.sort.into(),
        format: args.format.map(Into::into),
        status: args.status.map(Into::into),
        ready: args.ready.then_some(true),
        deleted: args.deleted,
        page: args.page,
        per_page: args.per_page,
    };
    let page = store.datasets().list(&query)?;
    if ctx.json {
        print_json(&page)?;
    } else {
        print!("{}", render::dataset_page(&page, args.deleted));
    }
    Ok(Outcome::Success)
}

fn show(ctx: &Context, args: IdArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let detail = store.datasets().get_detail(&args.id)?;
    if ctx.json {
        print_json(&detail)?;
    } else {
        print!("{}", render::dataset_detail(&detail));
    }
    Ok(Outcome::Success)
}

fn remove(ctx: &Context, args: IdArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let dataset = store.datasets().soft_delete(&args.id)?;
    if ctx.json {
        print_json(&dataset)?;
    } else {
        println!(
            "Moved \"{}\" to the trash. Undo with: brightrun dataset restore {}",
            dataset.name, dataset.id
        );
    }
    Ok(Outcome::Success)
}

fn restore(ctx: &Context, args: IdArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let dataset = store.datasets().restore(&args.id)?;
    if ctx.json {
        print_json(&dataset)?;
    } else {
        println!("Restored \"{}\" to the library.", dataset.name);
    }
    Ok(Outcome::Success)
}

fn revalidate(ctx: &Context, args: RevalidateArgs) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let opts = ValidateOptions {
        format: None,
        tokenizer: args.tokenizer,
        max_seq_len: args.max_seq_len.map(|n| n as usize),
    };
    // Look the id up first, so an unknown one is `not_found` rather than a failed validation.
    let dataset = store.datasets().get(&args.id)?;
    let path = dataset.path_in(&data_dir);
    let bar = progress::for_file(&path, "Validating");
    let cancel = AtomicBool::new(false);
    let result = revalidate_dataset(
        &store,
        &data_dir,
        &dataset.id,
        &opts,
        &progress::callback(&bar),
        &cancel,
    );
    bar.finish_and_clear();
    let dataset = result?;
    if ctx.json {
        print_json(&store.datasets().get_detail(&dataset.id)?)?;
    } else {
        print!(
            "{}",
            render::dataset_detail(&store.datasets().get_detail(&dataset.id)?)
        );
    }
    Ok(if dataset.status == DatasetStatus::Ready {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}
