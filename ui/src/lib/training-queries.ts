import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { commands, type JobStatus } from "@/bindings";
import { unwrap } from "@/lib/ipc";

/** Query keys of the training side (jobs, models, costs, notifications); the event bridge invalidates them. */
export const trainingKeys = {
  defaults: ["training", "defaults"] as const,
  clusterOptions: (clusterId: string) => ["training", "cluster-options", clusterId] as const,
  tokens: (datasetId: string, clusterId: string, baseModel: string) => ["training", "tokens", datasetId, clusterId, baseModel] as const,
  jobs: (status: string) => ["jobs", "list", status] as const,
  allJobs: ["jobs"] as const,
  job: (id: string) => ["jobs", "detail", id] as const,
  models: ["models"] as const,
  model: (id: string) => ["models", id] as const,
  costs: (days: number) => ["costs", days] as const,
  allCosts: ["costs"] as const,
  notifications: ["notifications"] as const,
};

export const trainingDefaultsQuery = queryOptions({
  queryKey: trainingKeys.defaults,
  queryFn: () => unwrap(commands.trainingDefaults()),
});

/** Jobs of one status, or all (`null`). */
export const jobsQuery = (status: JobStatus | null) =>
  queryOptions({
    queryKey: trainingKeys.jobs(status ?? "all"),
    queryFn: () => unwrap(commands.listJobs(status)),
  });

export const jobDetailQuery = (id: string) =>
  queryOptions({
    queryKey: trainingKeys.job(id),
    queryFn: () => unwrap(commands.jobDetail(id)),
  });

export const modelsQuery = queryOptions({
  queryKey: trainingKeys.models,
  queryFn: () => unwrap(commands.listModels()),
});

export const modelQuery = (id: string) =>
  queryOptions({
    queryKey: trainingKeys.model(id),
    queryFn: () => unwrap(commands.modelDetail(id)),
  });

export const costsQuery = (days: number) =>
  queryOptions({
    queryKey: trainingKeys.costs(days),
    queryFn: () => unwrap(commands.costSummary(days)),
  });

export const notificationsQuery = queryOptions({
  queryKey: trainingKeys.notifications,
  queryFn: () => unwrap(commands.listNotifications(false)),
});

/** Jobs that are not finished. */
export { ACTIVE_STATUSES } from "@/lib/job-vocabulary";

/** Badge colour for a job status. */
export function statusVariant(status: JobStatus): "default" | "secondary" | "destructive" | "success" | "warning" | "outline" {
  switch (status) {
    case "completed":
      return "success";
    case "failed":
      return "destructive";
    case "cancelled":
      return "secondary";
    case "running":
      return "default";
    default:
      return "warning";
  }
}

/** Marks read; all unread when `ids` is empty. */
export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => unwrap(commands.markNotificationsRead(ids)),
    onSuccess: () => void client.invalidateQueries({ queryKey: trainingKeys.notifications }),
  });
}

