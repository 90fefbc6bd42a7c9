import { CheckCircle2, XCircle } from "lucide-react";

import type { DatasetDetailView_Serialize } from "@/bindings";
import { TokenHistogram } from "@/components/datasets/token-histogram";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { formatCount, formatFixed } from "@/lib/format";

/** Statistics, the readiness checklist and the token-length histogram. */
export function OverviewTab({ detail }: { detail: DatasetDetailView_Serialize }) {
  const report = detail.report;
  if (!report) return <NoReport detail={detail} />;
  const stats: [string, string][] = [
    ["Training examples", formatCount(report.trainingExamples)],
    ["Conversations", formatCount(report.conversations)],
    ["Training pairs", formatCount(report.trainingPairs)],
    ["Skipped user turns", formatCount(report.skippedRecords)],
    [`Tokens (${report.tokenMethod === "exact" ? "exact" : "estimated"})`, formatCount(report.tokensTotal)],
    ["Tokens per example (median / p95 / max)", `${formatCount(report.tokensP50)} / ${formatCount(report.tokensP95)} / ${formatCount(report.tokensMax)}`],
    ["Turns per conversation", formatFixed(report.avgTurnsPerConversation, 1)],
    ["Tokens per turn", formatFixed(report.avgTokensPerTurn, 0)],
    [`Longer than ${formatCount(report.maxSeqLen)} tokens`, formatCount(report.examplesOverMaxSeqLen)],
  ];
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="overview-tab">
      <Card>
        <CardHeader>
          <CardTitle>Statistics</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm">
            {stats.map(([label, value]) => (
              <div key={label} className="flex flex-col">
                <dt className="text-xs text-muted-foreground">{label}</dt>
                <dd className="font-medium tabular-nums">{value}</dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Readiness</CardTitle>
        </CardHeader>
        <CardContent>
          <ul className="flex flex-col gap-3" data-testid="readiness-checklist">
            {report.readiness.map((check) => (
              <li key={check.id} className="flex items-start gap-2 text-sm">
                {check.passed ? (
                  <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-success" aria-label="passed" />
                ) : (
                  <XCircle className="mt-0.5 size-4 shrink-0 text-warning" aria-label="not passed" />
                )}
                <div>
                  <p className="font-medium">{check.label}</p>
                  <p className="text-xs text-muted-foreground">{check.detail}</p>
                </div>
              </li>
            ))}
          </ul>
        </CardContent>
      </Card>
      <Card className="lg:col-span-2">
        <CardHeader>
          <CardTitle>Token lengths</CardTitle>
        </CardHeader>
        <CardContent>
          <TokenHistogram bins={report.histogram} />
        </CardContent>
      </Card>
    </div>
  );
}

/** While validating, or when validation could not run. */
export function NoReport({ detail }: { detail: DatasetDetailView_Serialize }) {
  return (
    <p className="rounded-lg border border-dashed p-6 text-sm text-muted-foreground">
      {detail.dataset.status === "validating"
        ? "Validation is running; this page fills in when it finishes."
        : (detail.dataset.errorMessage ?? "This dataset has no validation report.")}
    </p>
  );
}
