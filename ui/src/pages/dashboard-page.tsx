import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ArrowRight, Boxes, Cpu, Database, Rocket } from "lucide-react";

import { AppInfoCard } from "@/components/app-info-card";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Progress } from "@/components/ui/progress";
import { insideTauri } from "@/lib/ipc";
import { cn } from "@/lib/utils";
import { formatUsd } from "@/lib/training-format";
import { ACTIVE_STATUSES, costsQuery, jobsQuery, modelsQuery, statusVariant } from "@/lib/training-queries";

const STEPS = [
  { title: "Import a dataset", text: "Drop a .jsonl or .json file; BrightRun checks every line.", to: "/datasets", icon: Database },
  { title: "Configure a run", text: "Pick a preset, see the cost and time before you launch.", to: "/training", icon: Cpu },
  { title: "Get your adapter", text: "Follow the loss live; the LoRA adapter lands in Models.", to: "/models", icon: Rocket },
] as const;

export function DashboardPage() {
  const connected = insideTauri();
  const jobs = useQuery({ ...jobsQuery(null), enabled: connected });
  const models = useQuery({ ...modelsQuery, enabled: connected });
  const costs = useQuery({ ...costsQuery(30), enabled: connected });
  const active = (jobs.data ?? []).filter((j) => ACTIVE_STATUSES.includes(j.status));
  const recentModels = (models.data ?? []).slice(0, 4);
  const spent = costs.data?.month_spent_usd ?? 0;
  const budget = costs.data?.monthly_budget_usd ?? null;
  const share = budget ? Math.min(100, (spent / budget) * 100) : null;
  const firstRun = (jobs.data?.length ?? 0) === 0;

  return (
    <div data-testid="page-dashboard" className="flex flex-col gap-6">
      <PageHeader title="Dashboard" description="Your datasets, training runs and spending at a glance." />
      {firstRun && (
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
                      <span className="flex size-6 items-center justify-center rounded-full bg-primary/15 text-xs text-primary">
                        {index + 1}
                      </span>
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
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2" data-testid="active-jobs">
          <CardHeader>
            <CardTitle>Active jobs</CardTitle>
            <CardDescription>Runs in progress, polled in the background.</CardDescription>
          </CardHeader>
          <CardContent>
            {active.length === 0 ? (
              <EmptyState
                icon={Cpu}
                title="No active jobs"
                description="Launch a run on the Training page; it shows here while it runs."
                actions={
                  <Button asChild>
                    <Link to="/training/configure">Configure a run</Link>
                  </Button>
                }
              />
            ) : (
              <ul className="flex flex-col divide-y">
                {active.map((job) => (
                  <li key={job.id}>
                    <Link to={`/training/jobs/${job.id}`} className="grid grid-cols-[1fr_8rem_auto] items-center gap-4 py-2 hover:bg-accent">
                      <span className="truncate text-sm font-medium">{job.name}</span>
                      <Progress value={job.progress ?? 0} />
                      <Badge variant={statusVariant(job.status)}>{job.status}</Badge>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
        <Card data-testid="month-spend">
          <CardHeader>
            <CardTitle>This month</CardTitle>
            <CardDescription>{budget !== null ? `of a ${formatUsd(budget)} budget` : "No monthly budget set"}</CardDescription>
          </CardHeader>
          <CardContent className="flex flex-col gap-2">
            <span className="text-2xl font-semibold">{formatUsd(spent)}</span>
            {share !== null && (
              <div className="h-2 overflow-hidden rounded-full bg-muted">
                <div
                  className={cn("h-full", share >= 100 ? "bg-destructive" : share >= 80 ? "bg-warning" : "bg-success")}
                  style={{ width: `${share}%` }}
                />
              </div>
            )}
            <Link to="/costs" className="text-sm underline">
              See costs
            </Link>
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Recent models</CardTitle>
          </CardHeader>
          <CardContent>
            {recentModels.length === 0 ? (
              <EmptyState icon={Boxes} title="No models yet" description="Adapters of completed jobs appear here." />
            ) : (
              <ul className="flex flex-col divide-y text-sm">
                {recentModels.map((m) => (
                  <li key={m.id}>
                    <Link to={`/models/${m.id}`} className="flex justify-between py-2 hover:bg-accent">
                      <span className="truncate">{m.name}</span>
                      <span className="text-muted-foreground">{m.base_model}</span>
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
  );
}
