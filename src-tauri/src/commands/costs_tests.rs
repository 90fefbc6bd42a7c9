//! The costs handlers on a real SQLite file: the core's summary and CSV, this month against the budget, and
//! the core's refusal of a bad period.

use brightrun_core::store::training_jobs::NewTrainingJob;
use brightrun_core::store::{Inserted, NewDataset, StoreAccess};
use brightrun_core::training::Hyperparameters;
use chrono::TimeZone;

use super::*;
use crate::dto::costs::CostKind;

fn open_core() -> (tempfile::TempDir, CoreState) {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    (dir, core)
}

/// A job on `gpu` with the given cost records (amount, when).
fn job_with_costs(core: &CoreState, name: &str, gpu: &str, spend: &[(f64, DateTime<Utc>)]) -> String {
    core.store.with_store(|s| {
        let sha = format!("{:064x}", name.len() + gpu.len() * 100);
        let dataset = match s
            .datasets()
            .insert_validating(&NewDataset {
                name: format!("data for {name}"),
                description: None,
                sha256: sha.clone(),
                file_path: format!("datasets/{sha}.jsonl"),
                original_file_name: "d.jsonl".into(),
                bytes: 1,
            })
            .unwrap()
        {
            Inserted::New(d) | Inserted::Existing(d) => d,
        };
        let job = s
            .training_jobs()
            .insert_submitting(&NewTrainingJob {
                cluster_id: "c".into(),
                name: name.into(),
                dataset_id: dataset.id,
                dataset_sha256: sha,
                base_model: "tiny".into(),
                hyperparameters: Hyperparameters::default(),
                gpu_type: gpu.into(),
                gpu_count: 1,
                spot: true,
                max_duration_hours: 1.0,
                estimate: None,
                retry_of: None,
                validation_sha256: None,
                split: None,
                skipped_invalid: 0,
            })
            .unwrap();
        for (usd, at) in spend {
            s.cost_records().record(&job.id, *usd, *at).unwrap();
        }
        job.id
    })
}

#[tokio::test]
async fn the_summary_is_the_cores_with_the_month_and_budget() {
    let (_dir, core) = open_core();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
    let big = job_with_costs(&core, "big run", "h100", &[(4.0, day(19)), (2.0, day(20))]);
    job_with_costs(&core, "small run", "a10", &[(1.0, day(18))]);
    // Outside a 7-day period, inside this month.
    job_with_costs(&core, "old run", "a10", &[(10.0, day(2))]);
    core.store
        .with_store(|s| s.settings().set_monthly_budget_usd(Some(20.0)))
        .unwrap();

    let week = summary(&core, 7, now).await.unwrap();
    assert_eq!(week.days, 7);
    assert_eq!(week.total_usd, 7.0);
    assert_eq!(week.by_day.len(), 7, "every day of the period, for the chart");
    assert_eq!(week.by_day.first().unwrap().date, "2026-11-14");
    assert_eq!(week.by_day.last().unwrap().usd, 2.0);
    assert_eq!(week.by_job[0].job_id, big);
    assert_eq!(
        (week.by_job[0].name.as_str(), week.by_job[0].usd),
        ("big run", 6.0)
    );
    let gpus: Vec<(&str, f64)> = week.by_gpu.iter().map(|g| (g.gpu.as_str(), g.usd)).collect();
    assert_eq!(gpus, vec![("h100", 6.0), ("a10", 1.0)]);
    let kinds: Vec<(CostKind, f64)> = week.by_kind.iter().map(|k| (k.kind, k.usd)).collect();
    assert_eq!(
        kinds,
        vec![
            (CostKind::Compute, 7.0),
            (CostKind::Storage, 0.0),
            (CostKind::Transfer, 0.0)
        ]
    );
    assert!(
        !week.kinds_reported,
        "only compute was recorded: the page says so"
    );
    assert_eq!(
        week.month_spent_usd, 17.0,
        "the month counts the run outside the week"
    );
    assert_eq!(week.monthly_budget_usd, Some(20.0));

    // The same figures `brightrun costs --json` prints.
    let core_summary = core.store.with_store(|s| costs::cost_summary(s, 7, now)).unwrap();
    assert_eq!(core_summary.total_usd, week.total_usd);
    assert_eq!(core_summary.by_job.len(), week.by_job.len());
}

#[tokio::test]
async fn the_csv_is_the_cores_with_quoted_names() {
    let (_dir, core) = open_core();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let id = job_with_costs(&core, "run, \"quoted\"", "cpu", &[(0.5, now)]);
    let text = csv(&core, 30, now).await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("date,job_id,name,gpu,capacity,kind,usd"));
    assert_eq!(
        lines.next(),
        Some(format!("2026-11-20,{id},\"run, \"\"quoted\"\"\",cpu,spot,compute,0.5").as_str())
    );
    assert_eq!(lines.next(), None);

    let empty = csv(&core, 1, Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(
        empty, "date,job_id,name,gpu,capacity,kind,usd\n",
        "a period without spend still has its header"
    );
}

#[tokio::test]
async fn a_period_outside_one_to_366_days_is_refused() {
    let (_dir, core) = open_core();
    for days in [0, 367] {
        let err = summary(&core, days, Utc::now()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{days}: {err}");
        let err = csv(&core, days, Utc::now()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{days}: {err}");
    }
}
