import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Download, Wallet } from "lucide-react";
import { toast } from "sonner";

import { commands } from "@/bindings";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { describeError, unwrap } from "@/lib/ipc";
import { formatUsd } from "@/lib/training-format";
import { costsQuery } from "@/lib/training-queries";

const PERIODS = [7, 30, 90] as const;

/** Costs: spend over 7/30/90 days, by GPU type and capacity, by job, and a CSV export. */
export function CostsPage() {
  const [days, setDays] = useState<number>(30);
  const costs = useQuery(costsQuery(days));
  // A webview ignores `<a download>`: the shell shows the save dialog and writes the CSV itself.
  const exportCsv = async () => {
    try {
      const saved = await unwrap(commands.saveCostsCsv(days));
      if (saved) toast.success(`Saved ${saved}`);
    } catch (error) {
      toast.error(describeError(error));
    }
  };
  return (
    <div data-testid="page-costs" className="flex flex-col gap-6">
      <PageHeader
        title="Costs"
        description="What your training runs have cost, from the clusters' own figures."
        actions={
          <Button variant="outline" onClick={() => void exportCsv()} disabled={!costs.data?.lines.length} data-testid="export-csv">
            <Download aria-hidden="true" /> Export CSV
          </Button>
        }
      />
      <div className="flex gap-1" role="group" aria-label="Period">
        {PERIODS.map((p) => (
          <Button key={p} size="sm" variant={days === p ? "default" : "outline"} onClick={() => setDays(p)}>
            {p} days
          </Button>
        ))}
      </div>
      {costs.isError && <p role="alert">{describeError(costs.error)}</p>}
      {costs.isSuccess && (
        <>
          <div className="grid gap-4 md:grid-cols-3">
            <Card>
              <CardHeader>
                <CardDescription>Last {days} days</CardDescription>
                <CardTitle className="text-2xl" data-testid="cost-total">
                  {formatUsd(costs.data.total_usd)}
                </CardTitle>
              </CardHeader>
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>This month</CardDescription>
                <CardTitle className="text-2xl">{formatUsd(costs.data.month_spent_usd)}</CardTitle>
              </CardHeader>
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>Monthly budget</CardDescription>
                <CardTitle className="text-2xl">
                  {costs.data.monthly_budget_usd != null ? formatUsd(costs.data.monthly_budget_usd) : "not set"}
                </CardTitle>
              </CardHeader>
            </Card>
          </div>
          {costs.data.lines.length === 0 ? (
            <EmptyState icon={Wallet} title="Nothing spent in this period" description="Costs appear here as your jobs run." />
          ) : (
            <div className="grid gap-4 lg:grid-cols-2">
              <Groups title="By GPU type" groups={costs.data.by_type} />
              <Groups title="By job" groups={costs.data.by_job} />
              <Groups title="By day" groups={costs.data.by_day} />
            </div>
          )}
        </>
      )}
    </div>
  );
}

function Groups({ title, groups }: { title: string; groups: { key: string; amount_usd: number | null }[] }) {
  const max = Math.max(...groups.map((g) => g.amount_usd ?? 0), 1e-9);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardContent>
        <ul className="flex flex-col gap-2 text-sm">
          {groups.map((g) => (
            <li key={g.key} className="flex flex-col gap-1">
              <span className="flex justify-between">
                <span className="truncate">{g.key}</span>
                <span className="tabular-nums">{formatUsd(g.amount_usd)}</span>
              </span>
              <span className="h-1.5 rounded-full bg-primary/70" style={{ width: `${((g.amount_usd ?? 0) / max) * 100}%` }} />
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
