import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { GitCompare } from "lucide-react";

import { MetricChart, type ChartSeries } from "@/components/charts/metric-chart";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { describeError } from "@/lib/ipc";
import { compareQuery, fmt } from "@/pages/models/model-queries";
import { JOB_COLORS, overlayLosses, parseJobIds, showValue, type CompareAxis } from "@/pages/compare-data";

/** Compare runs: 2–6 jobs' loss curves overlaid, the settings that differ, the final losses. */
export function ComparePage() {
  const [params] = useSearchParams();
  const ids = parseJobIds(params.get("jobs"));
  const [axis, setAxis] = useState<CompareAxis>("step");
  const comparison = useQuery(compareQuery(ids));
  const jobs = comparison.data?.jobs;
  const data = useMemo(() => (jobs ? overlayLosses(jobs, axis) : null), [jobs, axis]);
  const series: ChartSeries[] = (jobs ?? []).flatMap((j, i) => {
    const color = JOB_COLORS[i % JOB_COLORS.length] ?? "#888";
    return [
      { label: `${j.name} · train`, color },
      { label: `${j.name} · validation`, color, dashed: true, points: true },
    ];
  });

  return (
    <div data-testid="page-compare" className="flex flex-col gap-6">
      <PageHeader title="Compare runs" description="Loss curves overlaid, the settings that differ and the final losses." />
      {ids.length < 2 && (
        <EmptyState
          icon={GitCompare}
          title="Pick two to six jobs"
          description="Tick jobs on the Jobs list and press Compare, or open a job's monitor and compare it with earlier runs on its dataset."
          actions={
            <Button asChild>
              <Link to="/training/jobs">Jobs</Link>
            </Button>
          }
        />
      )}
      {comparison.isError && <p role="alert">{describeError(comparison.error)}</p>}
      {comparison.isSuccess && data && (
        <>
          <Card>
            <CardContent className="flex flex-col gap-3">
              <div className="flex gap-1" role="group" aria-label="x axis">
                {(["step", "tokens"] as const).map((a) => (
                  <Button key={a} size="sm" variant={axis === a ? "default" : "outline"} onClick={() => setAxis(a)} data-testid={`axis-${a}`}>
                    {a === "step" ? "By step" : "By tokens seen"}
                  </Button>
                ))}
              </div>
              <MetricChart
                title="Loss (solid: training, dashed: validation)"
                testId="compare-chart"
                data={data}
                series={series}
                height={320}
                xLabel={axis === "step" ? "step" : "tokens seen"}
                exportable
              />
            </CardContent>
          </Card>
          <div className="grid gap-4 lg:grid-cols-2">
            <Card>
              <CardHeader>
                <CardTitle>Final losses</CardTitle>
              </CardHeader>
              <CardContent>
                <table className="w-full text-sm" data-testid="compare-finals">
                  <thead>
                    <tr className="border-b text-left text-muted-foreground">
                      <th className="py-1.5 pr-4 font-normal">Job</th>
                      <th className="py-1.5 pl-4 text-right font-normal">Training</th>
                      <th className="py-1.5 pl-4 text-right font-normal">Validation</th>
                    </tr>
                  </thead>
                  <tbody>
                    {comparison.data.jobs.map((j, i) => (
                      <tr key={j.id} className="border-b last:border-0">
                        <td className="py-1.5">
                          <span className="mr-2 inline-block size-2.5 rounded-full" style={{ background: JOB_COLORS[i % JOB_COLORS.length] }} />
                          <Link className="underline" to={`/training/jobs/${j.id}`}>
                            {j.name}
                          </Link>
                        </td>
                        <td className="py-1.5 pl-4 text-right tabular-nums">{fmt(j.final_train_loss, 4)}</td>
                        <td className="py-1.5 pl-4 text-right tabular-nums">{fmt(j.final_val_loss, 4)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardTitle>Settings that differ</CardTitle>
              </CardHeader>
              <CardContent className="overflow-x-auto">
                {comparison.data.differences.length === 0 ? (
                  <p className="text-sm text-muted-foreground" data-testid="compare-differences">
                    Every setting is the same.
                  </p>
                ) : (
                  <table className="w-full text-sm" data-testid="compare-differences">
                    <thead>
                      <tr className="border-b text-left text-muted-foreground">
                        <th className="py-1.5 pr-4 font-normal">Setting</th>
                        {comparison.data.jobs.map((j) => (
                          <th key={j.id} className="py-1.5 pr-4 font-normal">
                            {j.name}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {comparison.data.differences.map((d) => (
                        <tr key={d.field} className="border-b last:border-0">
                          <td className="py-1.5 pr-4 font-mono text-xs">{d.field}</td>
                          {d.values.map((v, i) => (
                            <td key={i} className="max-w-48 truncate py-1.5 pr-4 tabular-nums" title={v}>
                              {showValue(v)}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </CardContent>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
