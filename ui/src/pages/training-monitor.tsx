import { useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { ArrowDownRight, ArrowRight, ArrowUpRight, RotateCcw, Square, WifiOff } from "lucide-react";

import { CompareWithPrevious } from "@/pages/compare-with-previous";

import { commands, type CostAlert, type HyperparametersInput, type JobDetail_Serialize } from "@/bindings";
import { MetricChart } from "@/components/charts/metric-chart";
import { latest, toChartData, trend, type MetricField } from "@/components/charts/series";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Progress } from "@/components/ui/progress";
import { CommandErrorNotice } from "@/components/command-error-notice";
import { insideTauri, unwrap } from "@/lib/ipc";
import { cn } from "@/lib/utils";
import { ARTIFACT_STATUS_WORDS, COST_ALERT_WORDS, JOB_STAGES, JOB_STAGE_WORDS, JOB_STATUS_WORDS, executorWords } from "@/lib/job-vocabulary";
import { formatDuration, formatUsd, projectedCost, remainingSeconds } from "@/lib/training-format";
import { ACTIVE_STATUSES, jobDetailQuery, statusVariant, trainingKeys } from "@/lib/training-queries";

const STAGES = JOB_STAGES;

const METRIC_ROWS: { field: MetricField; label: string; digits: number }[] = [
  { field: "train_loss", label: "Training loss", digits: 4 },
  { field: "val_loss", label: "Validation loss", digits: 4 },
  { field: "learning_rate", label: "Learning rate", digits: 7 },
  { field: "grad_norm", label: "Grad norm", digits: 3 },
  { field: "tokens_per_second", label: "Tokens / s", digits: 0 },
  { field: "gpu_utilization", label: "GPU use (%)", digits: 0 },
  { field: "gpu_memory_gb", label: "GPU memory (GB)", digits: 2 },
];

/** The live monitor of one job. */
export function TrainingMonitor() {
  const { jobId = "" } = useParams();
  const detail = useQuery(jobDetailQuery(jobId));
  useEffect(() => {
    // Opening a monitor asks for fresh numbers instead of waiting for the next tick.
    if (insideTauri()) void commands.pollJobsNow();
  }, [jobId]);

  if (detail.isPending) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (detail.isError) return <CommandErrorNotice error={detail.error} onRetry={() => void detail.refetch()} />;
  return <Monitor detail={detail.data} />;
}

function Monitor({ detail }: { detail: JobDetail_Serialize }) {
  const { job, metrics } = detail;
  const active = ACTIVE_STATUSES.includes(job.status);
  const now = useNow(active);
  const started = job.started_at ? Date.parse(job.started_at) : null;
  const ended = job.finished_at ? Date.parse(job.finished_at) : null;
  const elapsed = started ? ((ended ?? now) - started) / 1000 : null;
  const remaining = elapsed !== null && active ? remainingSeconds(elapsed, job.progress ?? 0) : null;
  const executor = executorWords(job.executor);

  const lossData = useMemo(() => toChartData(metrics, ["train_loss", "val_loss"]), [metrics]);
  const lrData = useMemo(() => toChartData(metrics, ["learning_rate"]), [metrics]);
  const gradData = useMemo(() => toChartData(metrics, ["grad_norm"]), [metrics]);
  const speedData = useMemo(() => toChartData(metrics, ["tokens_per_second"]), [metrics]);
  const gpuData = useMemo(() => toChartData(metrics, ["gpu_utilization"]), [metrics]);

  return (
    <div className="flex flex-col gap-6" data-testid="job-monitor" data-status={job.status}>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="flex flex-col gap-1">
          <h2 className="text-xl font-semibold" data-testid="job-name">
            {job.name}
          </h2>
          <p className="text-sm text-muted-foreground">
            {job.base_model} · {job.gpu_count} × {job.gpu_type} {job.spot ? "(spot)" : ""} on {detail.cluster_name}
          </p>
          {executor && (
            <p className="text-sm text-muted-foreground" data-testid="job-executor" data-kind={job.executor?.kind}>
              {executor}
            </p>
          )}
        </div>
        <div className="flex items-center gap-2">
          <Badge variant={statusVariant(job.status)} data-testid="job-status">
            {JOB_STATUS_WORDS[job.status]}
          </Badge>
          {active && job.remote_job_id && <CancelButton jobId={job.id} />}
          <CompareWithPrevious jobId={job.id} datasetId={job.dataset_id} />
          {!active && <RetryButton detail={detail} />}
        </div>
      </div>

      {job.unreachable_since && (
        <p role="status" className="flex items-center gap-2 rounded-md border border-warning/60 bg-warning/10 p-3 text-sm" data-testid="unreachable">
          <WifiOff className="size-4" aria-hidden="true" />
          The cluster has not answered since {new Date(job.unreachable_since).toLocaleString()}; BrightRun keeps trying.
        </p>
      )}
      {job.status === "failed" && (
        <div role="alert" className="flex flex-col gap-1 rounded-md border border-destructive/50 p-3 text-sm">
          <span className="font-medium">Failed{job.error_kind ? ` (${job.error_kind.replace(/_/g, " ")})` : ""}</span>
          {job.error_message && <span>{job.error_message}</span>}
          {job.error_hint && <span className="text-muted-foreground">{job.error_hint}</span>}
        </div>
      )}
      {job.status === "cancelled" && job.cancel_reason && (
        <p className="text-sm text-muted-foreground">Cancelled: {job.cancel_reason}</p>
      )}

      <Card>
        <CardContent className="flex flex-col gap-4">
          <ol className="flex flex-wrap gap-2 text-xs" aria-label="Stages">
            {STAGES.map((stage) => {
              const reached = job.stage ? STAGES.indexOf(job.stage) >= STAGES.indexOf(stage) : false;
              const done = job.status === "completed" || (reached && job.stage !== stage);
              return (
                <li
                  key={stage}
                  className={cn(
                    "rounded-full border px-2 py-0.5",
                    job.stage === stage && active && "border-primary bg-primary/10 text-primary",
                    done && "border-success/50 text-success",
                  )}
                >
                  {JOB_STAGE_WORDS[stage]}
                </li>
              );
            })}
          </ol>
          <div className="flex flex-col gap-1">
            <Progress value={job.progress ?? 0} data-testid="job-progress" />
            <span className="text-sm tabular-nums">{(job.progress ?? 0).toFixed(1)} %</span>
          </div>
          <dl className="grid grid-cols-2 gap-4 text-sm md:grid-cols-5">
            <Stat label="Step" value={`${job.current_step ?? 0}${job.total_steps ? ` / ${job.total_steps}` : ""}`} testId="job-step" />
            <Stat
              label="Epoch"
              value={job.current_epoch != null ? `${job.current_epoch.toFixed(2)}${job.total_epochs ? ` / ${job.total_epochs}` : ""}` : "—"}
            />
            <Stat label="Elapsed" value={elapsed !== null ? formatDuration(elapsed) : "—"} />
            <Stat label="Remaining" value={remaining !== null ? `about ${formatDuration(remaining)}` : "—"} />
            <Stat label="Adapter" value={job.artifacts_status ? ARTIFACT_STATUS_WORDS[job.artifacts_status] : job.status === "completed" ? "waiting" : "—"} testId="job-artifacts" />
          </dl>
        </CardContent>
      </Card>

      <CostTracker spent={job.cost_usd ?? 0} estimate={job.estimate_usd ?? null} high={job.estimate_high_usd ?? null} progress={job.progress ?? 0} alert={job.cost_alert} />

      <Card>
        <CardContent>
          <MetricChart
            title="Loss"
            testId="loss-chart"
            data={lossData}
            series={[
              { label: "training", color: "#f97316" },
              { label: "validation", color: "#2563eb", dashed: true, points: true },
            ]}
            height={280}
            exportable
          />
        </CardContent>
      </Card>

      <div className="grid gap-4 md:grid-cols-2">
        <Card>
          <CardContent>
            <MetricChart title="Learning rate" data={lrData} series={[{ label: "lr", color: "#8b5cf6" }]} height={160} />
          </CardContent>
        </Card>
        <Card>
          <CardContent>
            <MetricChart title="Grad norm" data={gradData} series={[{ label: "grad norm", color: "#10b981" }]} height={160} />
          </CardContent>
        </Card>
        <Card>
          <CardContent>
            <MetricChart title="Throughput (tokens/s)" data={speedData} series={[{ label: "tokens/s", color: "#0ea5e9" }]} height={160} />
          </CardContent>
        </Card>
        <Card>
          <CardContent>
            <MetricChart title="GPU use (%)" data={gpuData} series={[{ label: "GPU %", color: "#ef4444" }]} height={160} />
          </CardContent>
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Current metrics</CardTitle>
          </CardHeader>
          <CardContent>
            <table className="w-full text-sm" data-testid="metrics-table">
              <tbody>
                {METRIC_ROWS.map(({ field, label, digits }) => {
                  const value = latest(metrics, field);
                  const direction = trend(metrics, field);
                  return (
                    <tr key={field} className="border-b last:border-0">
                      <th scope="row" className="py-1.5 text-left font-normal text-muted-foreground">
                        {label}
                      </th>
                      <td className="py-1.5 text-right tabular-nums">{value === null ? "—" : value.toFixed(digits)}</td>
                      <td className="w-8 py-1.5 text-right" aria-label={direction ?? "no trend"}>
                        {direction === "up" && <ArrowUpRight className="ml-auto size-4" />}
                        {direction === "down" && <ArrowDownRight className="ml-auto size-4" />}
                        {direction === "flat" && <ArrowRight className="ml-auto size-4" />}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Checkpoints</CardTitle>
            {detail.model_id && (
              <CardDescription>
                The adapter is in <Link className="underline" to={`/models/${detail.model_id}`}>Models</Link>.
              </CardDescription>
            )}
          </CardHeader>
          <CardContent>
            {detail.checkpoints.length === 0 ? (
              <p className="text-sm text-muted-foreground">None yet.</p>
            ) : (
              <ul className="text-sm">
                {detail.checkpoints.map((c) => (
                  <li key={c.name} className="flex justify-between border-b py-1.5 last:border-0">
                    <span>{c.name}</span>
                    <span className="text-muted-foreground">step {c.step}</span>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <CardTitle>Logs</CardTitle>
        </CardHeader>
        <CardContent>
          <LogTail text={detail.log_tail} />
        </CardContent>
      </Card>
    </div>
  );
}

function useNow(ticking: boolean) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, [ticking]);
  return now;
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="flex flex-col gap-0.5">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="font-medium tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function LogTail({ text }: { text: string }) {
  const el = useRef<HTMLPreElement>(null);
  useEffect(() => {
    // Follow the end like `tail -f`.
    if (el.current) el.current.scrollTop = el.current.scrollHeight;
  }, [text]);
  return (
    <pre ref={el} className="max-h-72 overflow-auto rounded-md bg-muted p-3 text-xs leading-relaxed" data-testid="job-log">
      {text || "No log yet."}
    </pre>
  );
}

/** The cost against the estimate; `alert` is the core's band (live through the poller's progress updates). */
function CostTracker({
  spent,
  estimate,
  high,
  progress,
  alert,
}: {
  spent: number;
  estimate: number | null;
  high: number | null;
  progress: number;
  alert: CostAlert | null;
}) {
  const band = alert ?? "unknown";
  const share = estimate ? (spent / estimate) * 100 : null;
  const projected = projectedCost(spent, progress);
  return (
    <Card data-testid="cost-tracker" data-band={band}>
      <CardHeader>
        <CardTitle>Cost</CardTitle>
        <CardDescription>{alert ? COST_ALERT_WORDS[alert] : "no estimate to compare with"}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div className="grid grid-cols-3 gap-4 text-sm">
          <Stat label="Spent" value={formatUsd(spent)} />
          <Stat label="Of estimate" value={share !== null ? `${share.toFixed(0)} % of ${formatUsd(estimate)}` : "—"} />
          <Stat label="Projected" value={projected !== null ? formatUsd(projected) : "—"} />
        </div>
        {share !== null && (
          <div className="relative h-3 w-full overflow-hidden rounded-full bg-muted" aria-hidden="true">
            {/* Bands at 80, 100 and 120 % of the estimate, on a scale to 150 %. */}
            <div className="absolute inset-y-0 bg-warning/25" style={{ left: `${(80 / 150) * 100}%`, width: `${(20 / 150) * 100}%` }} />
            <div className="absolute inset-y-0 bg-destructive/20" style={{ left: `${(100 / 150) * 100}%`, width: `${(20 / 150) * 100}%` }} />
            <div className="absolute inset-y-0 bg-destructive/40" style={{ left: `${(120 / 150) * 100}%`, right: 0 }} />
            <div
              className={cn("absolute inset-y-0 left-0 rounded-full", band === "normal" ? "bg-success" : band === "warning" ? "bg-warning" : "bg-destructive")}
              style={{ width: `${Math.min(100, (share / 150) * 100)}%` }}
            />
          </div>
        )}
        {high !== null && <p className="text-xs text-muted-foreground">The estimate's high end: {formatUsd(high)}.</p>}
      </CardContent>
    </Card>
  );
}

function CancelButton({ jobId }: { jobId: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap(commands.cancelJob(jobId, reason)),
    onSuccess: () => {
      setOpen(false);
      void client.invalidateQueries({ queryKey: trainingKeys.allJobs });
    },
  });
  return (
    <>
      <Button variant="outline" size="sm" onClick={() => setOpen(true)} data-testid="cancel-job">
        <Square aria-hidden="true" /> Cancel
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Cancel this job?</DialogTitle>
            <DialogDescription>The cluster stops it; what it cost so far stays billed.</DialogDescription>
          </DialogHeader>
          <div className="flex flex-col gap-2">
            <Label htmlFor="cancel-reason">Why?</Label>
            <Input id="cancel-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Wrong dataset, loss not falling…" />
          </div>
          {cancel.isError && <CommandErrorNotice error={cancel.error} />}
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              Keep running
            </Button>
            <Button variant="destructive" disabled={reason.trim() === "" || cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel the job
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

function RetryButton({ detail }: { detail: JobDetail_Serialize }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const retry = useMutation({
    mutationFn: ({ h, override }: { h: HyperparametersInput | null; override: boolean }) =>
      unwrap(commands.retryJob(detail.job.id, h, override)),
    onSuccess: (job) => {
      void client.invalidateQueries({ queryKey: trainingKeys.allJobs });
      void navigate(`/training/jobs/${job.id}`);
    },
  });
  if (detail.job.status === "completed") return null;
  const fix = detail.suggested_retry;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2">
        {fix && (
          <Button size="sm" onClick={() => retry.mutate({ h: fix, override: false })} disabled={retry.isPending} data-testid="retry-half-batch">
            <RotateCcw aria-hidden="true" /> Retry with batch {fix.batch_size}
          </Button>
        )}
        <Button size="sm" variant="outline" onClick={() => retry.mutate({ h: null, override: false })} disabled={retry.isPending} data-testid="retry-job">
          <RotateCcw aria-hidden="true" /> Retry
        </Button>
      </div>
      {retry.isError && <CommandErrorNotice className="flex max-w-sm flex-col items-end gap-1 text-right text-xs text-destructive" error={retry.error} />}
    </div>
  );
}
