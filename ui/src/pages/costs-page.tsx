import { lazy, Suspense, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Download, Wallet } from "lucide-react";
import { toast } from "sonner";

import { commands } from "@/bindings";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { describeError, unwrap } from "@/lib/ipc";
import { budgetShare, dailyChartData, kindRows } from "@/lib/spend";
import { cn } from "@/lib/utils";
import { formatUsd } from "@/lib/training-format";
import { costsQuery } from "@/lib/training-queries";

// uPlot loads with the chart, not with the app: it needs a real window (matchMedia) and is only drawn here.
const MetricChart = lazy(async () => ({ default: (await import("@/components/charts/metric-chart")).MetricChart }));

const PERIODS = [7, 30, 90] as const;

const DAILY_SERIES = [{ label: "USD", color: "#6366f1", points: true }];

/** Costs: spend over 7/30/90 days in total, by kind, day, job and GPU type, the month against the budget, CSV. */
export function CostsPage() {
  const [days, setDays] = useState<number>(30);
  const costs = useQuery(costsQuery(days));
  const daily = useMemo(() => dailyChartData(costs.data?.byDay ?? []), [costs.data]);
  // A webview ignores `<a download>`: the shell shows the save dialog and writes the CSV itself.
  const exportCsv = async () => {
    try {
      const saved = await unwrap(commands.saveCostsCsv(days));
      if (saved) toast.success(`Saved ${saved}`);
    } catch (error) {
      toast.error(describeError(error));
    }
  };
  const data = costs.data;
  const share = budgetShare(data?.monthSpentUsd, data?.monthlyBudgetUsd);
  const spentAnything = (data?.byJob.length ?? 0) > 0;
  return (
    <div data-testid="page-costs" className="flex flex-col gap-6">
      <PageHeader
        title="Costs"
        description="What your training runs have cost, from the clusters' own figures."
        actions={
          <Button variant="outline" onClick={() => void exportCsv()} disabled={!spentAnything} data-testid="export-csv">
            <Download aria-hidden="true" /> Export CSV
          </Button>
        }
      />
      <div className="flex gap-1" role="group" aria-label="Period">
        {PERIODS.map((p) => (
          <Button key={p} size="sm" variant={days === p ? "default" : "outline"} aria-pressed={days === p} onClick={() => setDays(p)}>
            {p} days
          </Button>
        ))}
      </div>
      {costs.isError && <p role="alert">{describeError(costs.error)}</p>}
      {data && (
        <>
          <div className="grid gap-4 md:grid-cols-3">
            <Card>
              <CardHeader>
                <CardDescription>Last {days} days</CardDescription>
                <CardTitle className="text-2xl tabular-nums" data-testid="cost-total">
                  {formatUsd(data.totalUsd)}
                </CardTitle>
              </CardHeader>
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>This month</CardDescription>
                <CardTitle className="text-2xl tabular-nums" data-testid="cost-month">
                  {formatUsd(data.monthSpentUsd)}
                </CardTitle>
              </CardHeader>
              {share && (
                <CardContent>
                  <div className="h-2 overflow-hidden rounded-full bg-muted" aria-label={`${Math.round(share.percent)} % of the budget`}>
                    <div
                      className={cn(
                        "h-full",
                        share.band === "ok" ? "bg-success" : share.band === "warning" ? "bg-warning" : "bg-destructive",
                      )}
                      style={{ width: `${share.percent}%` }}
                    />
                  </div>
                </CardContent>
              )}
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>Monthly budget</CardDescription>
                <CardTitle className="text-2xl tabular-nums" data-testid="cost-budget">
                  {data.monthlyBudgetUsd != null ? formatUsd(data.monthlyBudgetUsd) : "Not set"}
                </CardTitle>
              </CardHeader>
              <CardContent>
                <Link to="/settings" className="text-sm underline">
                  {data.monthlyBudgetUsd != null ? "Change in Settings" : "Set one in Settings"}
                </Link>
              </CardContent>
            </Card>
          </div>
          {!spentAnything ? (
            <EmptyState icon={Wallet} title="Nothing spent in this period" description="Costs appear here as your jobs run." />
          ) : (
            <>
              <Card>
                <CardContent>
                  <Suspense fallback={<div className="h-[220px]" />}>
                    <MetricChart
                      title="Spend per day (USD)"
                      data={daily}
                      series={DAILY_SERIES}
                      xLabel="day"
                      timeX
                      testId="daily-cost-chart"
                      exportable
                    />
                  </Suspense>
                </CardContent>
              </Card>
              <div className="grid gap-4 lg:grid-cols-3">
                <Card data-testid="cost-kinds">
                  <CardHeader>
                    <CardTitle>By kind</CardTitle>
                    {!data.kindsReported && (
                      <CardDescription data-testid="kinds-note">
                        Your clusters report compute time only; storage and transfer are not billed separately.
                      </CardDescription>
                    )}
                  </CardHeader>
                  <CardContent>
                    <Bars rows={kindRows(data).map((k) => ({ key: k.kind, label: k.label, usd: k.usd }))} />
                  </CardContent>
                </Card>
                <Card>
                  <CardHeader>
                    <CardTitle>By GPU type</CardTitle>
                  </CardHeader>
                  <CardContent>
                    <Bars rows={data.byGpu.map((g) => ({ key: g.gpu, label: g.gpu, usd: g.usd ?? 0 }))} />
                  </CardContent>
                </Card>
                <Card>
                  <CardHeader>
                    <CardTitle>By job</CardTitle>
                  </CardHeader>
                  <CardContent>
                    <Bars
                      rows={data.byJob.map((j) => ({ key: j.jobId, label: j.name, usd: j.usd ?? 0, to: `/training/jobs/${j.jobId}` }))}
                      testId="cost-by-job"
                    />
                  </CardContent>
                </Card>
              </div>
            </>
          )}
        </>
      )}
    </div>
  );
}

type BarRow = { key: string; label: string; usd: number; to?: string };

/** Amounts as bars relative to the largest. */
function Bars({ rows, testId }: { rows: BarRow[]; testId?: string }) {
  const max = Math.max(...rows.map((r) => r.usd), 1e-9);
  return (
    <ul className="flex flex-col gap-2 text-sm" data-testid={testId}>
      {rows.map((r) => (
        <li key={r.key} className="flex flex-col gap-1">
          <span className="flex justify-between gap-2">
            {r.to ? (
              <Link to={r.to} className="truncate hover:underline">
                {r.label}
              </Link>
            ) : (
              <span className="truncate">{r.label}</span>
            )}
            <span className="tabular-nums">{formatUsd(r.usd)}</span>
          </span>
          <span className="h-1.5 rounded-full bg-primary/70" style={{ width: `${(r.usd / max) * 100}%` }} />
        </li>
      ))}
    </ul>
  );
}
