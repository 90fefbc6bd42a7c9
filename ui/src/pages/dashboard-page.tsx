import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { Activity, ArrowRight, Bell, Boxes, Cpu, Database, Rocket, Upload, Wallet, type LucideIcon } from "lucide-react";

import type { ActivitySubjectView } from "@/bindings";
import { AppInfoCard } from "@/components/app-info-card";
import { useImports } from "@/components/datasets/import-provider";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Progress } from "@/components/ui/progress";
import { activityKey, activityLink, timeAgo } from "@/lib/activity";
import { formatCount } from "@/lib/format";
import { describeError, insideTauri } from "@/lib/ipc";
import { dashboardQuery } from "@/lib/dashboard-queries";
import { JOB_STATUS_WORDS } from "@/lib/job-vocabulary";
import { budgetShare } from "@/lib/spend";
import { cn } from "@/lib/utils";
import { formatUsd } from "@/lib/training-format";
import { ACTIVE_STATUSES, jobsQuery, statusVariant } from "@/lib/training-queries";

const STEPS = [
  { title: "Import a dataset", text: "Drop a .jsonl or .json file; BrightRun checks every line.", to: "/datasets", icon: Database },
  { title: "Configure a run", text: "Pick a preset, see the cost and time before you launch.", to: "/training", icon: Cpu },
  { title: "Get your adapter", text: "Follow the loss live; the LoRA adapter lands in Models.", to: "/models", icon: Rocket },
] as const;

const SUBJECT_ICONS: Record<ActivitySubjectView, LucideIcon> = {
  job: Cpu,
  dataset: Database,
  model: Boxes,
  notification: Bell,
};

export function DashboardPage() {
  const connected = insideTauri();
  const overview = useQuery({ ...dashboardQuery, enabled: connected });
  const jobs = useQuery({ ...jobsQuery(null), enabled: connected });
  const active = (jobs.data ?? []).filter((j) => ACTIVE_STATUSES.includes(j.status));
  const data = overview.data;
  const firstRun = data !== undefined && (data.datasets ?? 0) === 0 && (jobs.data?.length ?? 0) === 0;

  return (
    <div data-testid="page-dashboard" className="flex flex-col gap-6">
      <PageHeader title="Dashboard" description="Your datasets, training runs and spending at a glance." actions={<QuickActions />} />
      {overview.isError && <p role="alert">{describeError(overview.error)}</p>}
      <StatCards />
      {firstRun && <GetStarted />}
      <div className="grid items-start gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2" data-testid="activity-feed">
          <CardHeader>
            <CardTitle>Recent activity</CardTitle>
            <CardDescription>Jobs, datasets, models and money alerts, newest first.</CardDescription>
          </CardHeader>
          <CardContent>
            {data && data.activity.length === 0 ? (
              <EmptyState icon={Activity} title="Nothing yet" description="Imports, runs and new models show up here." />
            ) : (
              <ul className="flex flex-col divide-y text-sm">
                {(data?.activity ?? []).map((a) => {
                  const Icon = SUBJECT_ICONS[a.subject];
                  return (
                    <li key={activityKey(a)} data-testid="activity-item" data-subject={a.subject}>
                      <Link to={activityLink(a)} className="flex items-center gap-3 py-2 hover:bg-accent">
                        <Icon className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                        <span className="flex min-w-0 flex-1 flex-col">
                          <span className="truncate font-medium">{a.title}</span>
                          {a.detail && <span className="truncate text-xs text-muted-foreground">{a.detail}</span>}
                        </span>
                        <time dateTime={a.at} className="shrink-0 text-xs text-muted-foreground" title={a.at}>
                          {timeAgo(a.at)}
                        </time>
                      </Link>
                    </li>
                  );
                })}
              </ul>
            )}
          </CardContent>
        </Card>
        <div className="flex flex-col gap-4">
          <Card data-testid="active-jobs">
            <CardHeader>
              <CardTitle>Active jobs</CardTitle>
              <CardDescription>Runs in progress, polled in the background.</CardDescription>
            </CardHeader>
            <CardContent>
              {active.length === 0 ? (
                <p className="text-sm text-muted-foreground">
                  No runs in progress.{" "}
                  <Link to="/training/configure" className="underline">
                    Configure a run
                  </Link>
                </p>
              ) : (
                <ul className="flex flex-col divide-y">
                  {active.map((job) => (
                    <li key={job.id}>
                      <Link to={`/training/jobs/${job.id}`} className="flex flex-col gap-1.5 py-2 hover:bg-accent">
                        <span className="flex items-center justify-between gap-2">
                          <span className="truncate text-sm font-medium">{job.name}</span>
                          <Badge variant={statusVariant(job.status)}>{JOB_STATUS_WORDS[job.status]}</Badge>
                        </span>
                        <Progress value={job.progress ?? 0} />
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </CardContent>
          </Card>
          <AppInfoCard />
        </div>
      </div>
    </div>
  );
}

/** Import a dataset, configure a run, open costs: the three things people come to the dashboard to start. */
function QuickActions() {
  const { pickAndStart } = useImports();
  const navigate = useNavigate();
  return (
    <div className="flex flex-wrap gap-2" data-testid="quick-actions">
      <Button
        variant="outline"
        onClick={() => {
          void navigate("/datasets");
          void pickAndStart();
        }}
        data-testid="quick-import"
      >
        <Upload aria-hidden="true" /> Import dataset
      </Button>
      <Button asChild data-testid="quick-train">
        <Link to="/training/configure">
          <Rocket aria-hidden="true" /> New training
        </Link>
      </Button>
      <Button variant="outline" asChild data-testid="quick-costs">
        <Link to="/costs">
          <Wallet aria-hidden="true" /> Open costs
        </Link>
      </Button>
    </div>
  );
}

/** Datasets, active jobs, completed models and this month's spend against the budget. */
function StatCards() {
  const overview = useQuery({ ...dashboardQuery, enabled: insideTauri() });
  const d = overview.data;
  const share = budgetShare(d?.monthSpentUsd, d?.monthlyBudgetUsd);
  const value = (n: number | null | undefined) => (d === undefined ? "–" : formatCount(n ?? 0));
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="dashboard-cards">
      <StatCard
        title="Datasets"
        value={value(d?.datasets)}
        note={d ? `${formatCount(d.datasetsReady ?? 0)} ready to train` : ""}
        to="/datasets"
        icon={Database}
        testId="card-datasets"
      />
      <StatCard title="Active jobs" value={value(d?.activeJobs)} note="Queued or running" to="/training/jobs" icon={Cpu} testId="card-active-jobs" />
      <StatCard
        title="Completed models"
        value={value(d?.completedModels)}
        note="LoRA adapters, verified"
        to="/models"
        icon={Boxes}
        testId="card-models"
      />
      <Card data-testid="month-spend" className="gap-3">
        <CardHeader>
          <CardDescription className="flex items-center gap-2">
            <Wallet className="size-4" aria-hidden="true" /> Spend this month
          </CardDescription>
          <CardTitle className="text-2xl tabular-nums">{d === undefined ? "–" : formatUsd(d.monthSpentUsd)}</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-2">
          {share && (
            <div className="h-2 overflow-hidden rounded-full bg-muted">
              <div
                className={cn("h-full", share.band === "ok" ? "bg-success" : share.band === "warning" ? "bg-warning" : "bg-destructive")}
                style={{ width: `${share.percent}%` }}
              />
            </div>
          )}
          <Link to={d?.monthlyBudgetUsd != null ? "/costs" : "/settings"} className="text-xs text-muted-foreground underline">
            {d?.monthlyBudgetUsd != null ? `of a ${formatUsd(d.monthlyBudgetUsd)} budget` : "No monthly budget set"}
          </Link>
        </CardContent>
      </Card>
    </div>
  );
}

function StatCard({
  title,
  value,
  note,
  to,
  icon: Icon,
  testId,
}: {
  title: string;
  value: string;
  note: string;
  to: string;
  icon: LucideIcon;
  testId: string;
}) {
  return (
    <Link to={to} className="rounded-xl focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none" data-testid={testId}>
      <Card className="h-full gap-3 hover:bg-accent/50">
        <CardHeader>
          <CardDescription className="flex items-center gap-2">
            <Icon className="size-4" aria-hidden="true" /> {title}
          </CardDescription>
          <CardTitle className="text-2xl tabular-nums" data-testid={`${testId}-value`}>
            {value}
          </CardTitle>
        </CardHeader>
        <CardContent>
          <span className="text-xs text-muted-foreground">{note}</span>
        </CardContent>
      </Card>
    </Link>
  );
}

function GetStarted() {
  return (
    <section aria-labelledby="get-started" className="flex flex-col gap-3">
      <h2 id="get-started" className="text-sm font-medium text-muted-foreground">
        Get started
      </h2>
      <ol className="grid gap-4 md:grid-cols-3">
        {STEPS.map((step, index) => (
          <li key={step.to}>
            <Card className="h-full gap-3">
              <CardHeader>
                <CardTitle className="flex items-center gap-2">
                  <span className="flex size-6 items-center justify-center rounded-full bg-primary/15 text-xs text-primary">{index + 1}</span>
                  {step.title}
                </CardTitle>
                <CardDescription>{step.text}</CardDescription>
              </CardHeader>
              <CardContent className="mt-auto">
                <Button variant="link" className="h-auto px-0" asChild>
                  <Link to={step.to}>
                    Go to {step.to.slice(1)} <ArrowRight aria-hidden="true" />
                  </Link>
                </Button>
              </CardContent>
            </Card>
          </li>
        ))}
      </ol>
    </section>
  );
}
