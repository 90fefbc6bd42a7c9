import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";

// The app shell loads this module, so the guard runs before any chart chunk loads uPlot.
import "@/components/charts/locale-guard";
import { events, type JobDetail_Serialize, type JobUpdate_Serialize } from "@/bindings";
import { mergePoints } from "@/components/charts/series";
import { useTauriEvent } from "@/lib/use-tauri-event";
import { dashboardQuery } from "@/lib/dashboard-queries";
import { trainingKeys } from "@/lib/training-queries";

/** How much log the monitor keeps in memory (the store keeps it all). */
const LOG_KEEP = 64 * 1024;

/**
 * Applies one batch of job updates to the query cache: metrics and log text go straight into the open
 * job's detail (no refetch per point); status, progress, models and notifications invalidate their lists.
 */
export function applyJobUpdates(client: QueryClient, updates: JobUpdate_Serialize[], resync: boolean) {
  if (resync) {
    void client.invalidateQueries({ queryKey: trainingKeys.allJobs });
  }
  const touched = new Set<string>();
  for (const update of updates) {
    switch (update.type) {
      case "metrics":
        client.setQueryData<JobDetail_Serialize>(trainingKeys.job(update.job_id), (old) =>
          old ? { ...old, metrics: mergePoints(old.metrics, update.points) } : old,
        );
        break;
      case "log":
        client.setQueryData<JobDetail_Serialize>(trainingKeys.job(update.job_id), (old) =>
          old ? { ...old, log_tail: (old.log_tail + update.text).slice(-LOG_KEEP) } : old,
        );
        break;
      case "progress":
        client.setQueryData<JobDetail_Serialize>(trainingKeys.job(update.job_id), (old) =>
          old
            ? {
                ...old,
                job: {
                  ...old.job,
                  status: update.status,
                  stage: update.stage,
                  progress: update.progress,
                  current_step: update.current_step,
                  total_steps: update.total_steps,
                  cost_usd: update.cost_usd,
                  cost_alert: update.cost_alert,
                  unreachable_since: null,
                },
              }
            : old,
        );
        touched.add("jobs-list");
        break;
      case "unreachable":
        client.setQueryData<JobDetail_Serialize>(trainingKeys.job(update.job_id), (old) =>
          old ? { ...old, job: { ...old.job, unreachable_since: update.since } } : old,
        );
        touched.add("jobs-list");
        break;
      case "status_changed":
      case "download_failed":
        touched.add(`job:${update.job_id}`);
        touched.add("jobs-list");
        touched.add("costs");
        break;
      case "model_ready":
        touched.add(`job:${update.job_id}`);
        touched.add("models");
        break;
      case "notification":
        touched.add("notifications");
        break;
      case "download":
        break;
    }
  }
  for (const what of touched) {
    if (what === "jobs-list") void client.invalidateQueries({ queryKey: ["jobs", "list"] });
    else if (what === "models") void client.invalidateQueries({ queryKey: trainingKeys.models });
    else if (what === "costs") void client.invalidateQueries({ queryKey: trainingKeys.allCosts });
    else if (what === "notifications") void client.invalidateQueries({ queryKey: trainingKeys.notifications });
    else if (what.startsWith("job:")) void client.invalidateQueries({ queryKey: trainingKeys.job(what.slice(4)) });
  }
  // The dashboard's cards and feed sum up all of the above.
  if (touched.size > 0 || resync) void client.invalidateQueries({ queryKey: dashboardQuery.queryKey });
}

/** Listens to the poller's batches and to "open this job" (a notification or the tray was clicked). */
export function useJobEventBridge() {
  const client = useQueryClient();
  const navigate = useNavigate();
  useTauriEvent(events.jobEvents, (payload) => applyJobUpdates(client, payload.updates, payload.resync));
  useTauriEvent(events.openJob, (payload) => void navigate(`/training/jobs/${payload.job_id}`));
}
