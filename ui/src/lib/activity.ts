/** The dashboard's activity feed: where each event leads, and when it was in words. */

import type { ActivityView_Serialize as ActivityView } from "@/bindings";

/** The page an event opens: its job, dataset or model; an alert opens its job, or the notifications. */
export function activityLink(a: Pick<ActivityView, "subject" | "id" | "jobId">): string {
  switch (a.subject) {
    case "job":
      return `/training/jobs/${a.id}`;
    case "dataset":
      return `/datasets/${a.id}`;
    case "model":
      return `/models/${a.id}`;
    case "notification":
      return a.jobId ? `/training/jobs/${a.jobId}` : "/notifications";
  }
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", then the date. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  if (seconds < 7 * 86_400) return `${Math.floor(seconds / 86_400)} d ago`;
  return new Date(at).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

/** A stable React key: one job has a "launched" and an "ended" event with the same id. */
export function activityKey(a: Pick<ActivityView, "subject" | "id" | "at" | "title">): string {
  return `${a.subject}:${a.id}:${a.at}:${a.title}`;
}
