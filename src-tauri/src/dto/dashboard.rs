//! The dashboard's cards and activity feed (`brightrun_core::overview`), in shapes specta exports.

use brightrun_core::overview::{Activity, ActivitySubject, Overview};
use serde::{Deserialize, Serialize};

use crate::dto::count;

/// What an event is about, which decides where clicking it leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySubjectView {
    Job,
    Dataset,
    Model,
    Notification,
}

impl From<ActivitySubject> for ActivitySubjectView {
    fn from(subject: ActivitySubject) -> Self {
        match subject {
            ActivitySubject::Job => Self::Job,
            ActivitySubject::Dataset => Self::Dataset,
            ActivitySubject::Model => Self::Model,
            ActivitySubject::Notification => Self::Notification,
        }
    }
}

/// One event of the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityView {
    pub subject: ActivitySubjectView,
    /// The job, dataset, model or notification.
    pub id: String,
    pub title: String,
    pub detail: String,
    /// RFC 3339 UTC.
    pub at: String,
    /// The job a model or an alert is about, if any.
    pub job_id: Option<String>,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        Self {
            subject: a.subject.into(),
            id: a.id,
            title: a.title,
            detail: a.detail,
            at: a.at,
            job_id: a.job_id,
        }
    }
}

/// The dashboard's cards and feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    /// Datasets in the library (not in the trash).
    pub datasets: f64,
    /// Of those, ready to train.
    pub datasets_ready: f64,
    /// Jobs submitting, queued, initializing or running.
    pub active_jobs: f64,
    /// Models of completed jobs (not in the trash).
    pub completed_models: f64,
    /// This calendar month (UTC).
    pub month_spent_usd: f64,
    pub monthly_budget_usd: Option<f64>,
    /// Newest first.
    pub activity: Vec<ActivityView>,
}

impl From<Overview> for DashboardView {
    fn from(o: Overview) -> Self {
        Self {
            datasets: count(o.datasets),
            datasets_ready: count(o.datasets_ready),
            active_jobs: count(o.active_jobs),
            completed_models: count(o.completed_models),
            month_spent_usd: o.month_spent_usd,
            monthly_budget_usd: o.monthly_budget_usd,
            activity: o.activity.into_iter().map(ActivityView::from).collect(),
        }
    }
}
