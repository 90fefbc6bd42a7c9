import type { ComparedJobView_Serialize as ComparedJob } from "@/bindings";
import type { ChartData } from "@/components/charts/series";

/** What the compare chart's x axis counts. */
export type CompareAxis = "step" | "tokens";

/** One colour per compared job (at most six). */
export const JOB_COLORS = ["#f97316", "#2563eb", "#10b981", "#8b5cf6", "#ef4444", "#0ea5e9"];

/**
 * uPlot columns for the loss curves of several jobs: x is the union of every job's steps (or tokens seen), and
 * each job gives a training and a validation column, null where it has no point at that x. Points whose x is
 * unknown (tokens seen without a throughput) are left out.
 */
export function overlayLosses(jobs: readonly ComparedJob[], axis: CompareAxis): ChartData {
  const byJob = jobs.map((job) => {
    const s = job.series;
    const xs = axis === "step" ? s.steps : s.tokens_seen;
    const rows = new Map<number, { train: number | null; val: number | null }>();
    xs.forEach((x, i) => {
      if (typeof x !== "number" || !Number.isFinite(x)) return;
      rows.set(x, { train: s.train_loss[i] ?? null, val: s.val_loss[i] ?? null });
    });
    return rows;
  });
  const xs = [...new Set(byJob.flatMap((rows) => [...rows.keys()]))].sort((a, b) => a - b);
  const columns: (number | null)[][] = [];
  for (const rows of byJob) {
    columns.push(xs.map((x) => rows.get(x)?.train ?? null));
    columns.push(xs.map((x) => rows.get(x)?.val ?? null));
  }
  return [xs, ...columns];
}

/** A JSON value as a table shows it: strings without quotes, numbers as written, null as a dash. */
export function showValue(json: string): string {
  if (json === "null") return "—";
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "string" ? value : json;
  } catch {
    return json;
  }
}

/** The job ids of a `?jobs=a,b` parameter: unique, at most six. */
export function parseJobIds(param: string | null): string[] {
  return [...new Set((param ?? "").split(",").map((s) => s.trim()).filter(Boolean))].slice(0, 6);
}

/** Up to five earlier jobs on `datasetId` besides `jobId`, newest first (the jobs list is newest first). */
export function previousOnDataset(jobs: readonly { id: string; dataset_id: string }[], jobId: string, datasetId: string): string[] {
  return jobs.filter((j) => j.dataset_id === datasetId && j.id !== jobId).slice(0, 5).map((j) => j.id);
}
