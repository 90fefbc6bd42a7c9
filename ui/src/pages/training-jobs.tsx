import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Cpu, GitCompare } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Progress } from "@/components/ui/progress";
import type { JobStatus } from "@/bindings";
import { describeError } from "@/lib/ipc";
import { JOB_STATUSES, JOB_STATUS_WORDS } from "@/lib/job-vocabulary";
import { cn } from "@/lib/utils";
import { formatUsd } from "@/lib/training-format";
import { jobsQuery, statusVariant } from "@/lib/training-queries";

/** The filter buttons: every job, then one status each (the statuses come from the bindings). */
const FILTERS: readonly ("all" | JobStatus)[] = ["all", "running", "queued", "completed", "failed", "cancelled"];

/** Training → Jobs: every job with its status, progress and cost, filtered by status. */
export function TrainingJobs() {
  const [params, setParams] = useSearchParams();
  const asked = params.get("status");
  // A status the app does not know (an old bookmark) shows every job.
  const status: "all" | JobStatus = JOB_STATUSES.find((s) => s === asked) ?? "all";
  const jobs = useQuery(jobsQuery(status === "all" ? null : status));
  // Ticked jobs, for Compare (2 to 6).
  const [ticked, setTicked] = useState<string[]>([]);
  const navigate = useNavigate();
  const toggle = (id: string) => setTicked((t) => (t.includes(id) ? t.filter((x) => x !== id) : [...t, id].slice(-6)));

  return (
    <div className="flex flex-col gap-4" data-testid="jobs-list">
      <div className="flex flex-wrap items-center justify-between gap-2">
      <div className="flex flex-wrap gap-1" role="group" aria-label="Filter by status">
        {FILTERS.map((f) => (
          <Button
            key={f}
            size="sm"
            variant={status === f ? "default" : "outline"}
            onClick={() => setParams(f === "all" ? {} : { status: f })}
            data-testid={`filter-${f}`}
          >
            {f === "all" ? "All" : JOB_STATUS_WORDS[f]}
          </Button>
        ))}
      </div>
        <Button
          size="sm"
          variant="outline"
          disabled={ticked.length < 2}
          onClick={() => void navigate(`/compare?jobs=${ticked.join(",")}`)}
          data-testid="compare-jobs"
        >
          <GitCompare aria-hidden="true" /> Compare{ticked.length > 0 ? ` (${ticked.length})` : ""}
        </Button>
      </div>
      {jobs.isError && <p role="alert">{describeError(jobs.error)}</p>}
      {jobs.isSuccess && jobs.data.length === 0 && (
        <EmptyState
          icon={Cpu}
          title={status === "all" ? "No training jobs yet" : `No ${status} jobs`}
          description="Jobs you launch are listed here with their progress, loss and cost so far."
          actions={
            <Button asChild>
              <Link to="/training/configure">Configure a run</Link>
            </Button>
          }
        />
      )}
      {jobs.isSuccess && jobs.data.length > 0 && (
        <ul className="flex flex-col divide-y rounded-xl border">
          {jobs.data.map((job) => (
            <li key={job.id} className="flex items-center">
              <input
                type="checkbox"
                className="ml-4 size-4 accent-primary"
                aria-label={`Compare ${job.name}`}
                checked={ticked.includes(job.id)}
                onChange={() => toggle(job.id)}
                data-testid="job-tick"
              />
              <Link
                to={`/training/jobs/${job.id}`}
                className="grid flex-1 grid-cols-[1fr_auto] items-center gap-x-4 gap-y-1 px-4 py-3 hover:bg-accent md:grid-cols-[2fr_1fr_1fr_auto]"
                data-testid="job-row"
              >
                <span className="flex min-w-0 flex-col">
                  <span className="truncate font-medium">{job.name}</span>
                  <span className="truncate text-xs text-muted-foreground">
                    {job.base_model} · {job.gpu_count} × {job.gpu_type} · {new Date(job.created_at).toLocaleString()}
                  </span>
                </span>
                <Progress value={job.progress ?? 0} className={cn("hidden md:block")} />
                <span className="hidden text-sm tabular-nums md:block">{formatUsd(job.cost_usd)}</span>
                <Badge variant={statusVariant(job.status)}>{JOB_STATUS_WORDS[job.status]}</Badge>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
