import { CheckCircle2, AlertTriangle, Loader2 } from "lucide-react";
import { Link } from "react-router";

import type { DatasetSummary_Serialize } from "@/bindings";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { statusLabel } from "@/lib/dataset-filters";
import { formatBytes, formatCompact, formatCount, formatDate, formatLabel, num } from "@/lib/format";

/** One dataset in the list: the whole card is a link to its detail page. */
export function DatasetCard({ dataset }: { dataset: DatasetSummary_Serialize }) {
  return (
    <Card className="gap-0 p-0 transition-colors hover:border-primary/50" data-testid="dataset-card" data-name={dataset.name}>
      <Link
        to={`/datasets/${dataset.id}`}
        className="flex flex-col gap-3 rounded-xl p-4 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        <div className="flex items-start justify-between gap-2">
          <h3 className="line-clamp-2 font-semibold break-all" title={dataset.name}>
            {dataset.name}
          </h3>
          <StatusBadge status={dataset.status} />
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Badge variant="secondary">{formatLabel(dataset.format)}</Badge>
          <ReadinessBadge dataset={dataset} />
        </div>
        <dl className="grid grid-cols-3 gap-2 text-sm">
          <Stat label="Examples" value={formatCount(dataset.trainingExamples)} testId="card-examples" />
          <Stat label="Tokens" value={formatCompact(dataset.tokensTotal)} />
          <Stat label="Size" value={formatBytes(dataset.bytes)} />
        </dl>
        <p className="text-xs text-muted-foreground">
          Imported {formatDate(dataset.createdAt)}
          {num(dataset.errorCount) > 0 && ` · ${formatCount(dataset.errorCount)} errors`}
          {num(dataset.warningCount) > 0 && ` · ${formatCount(dataset.warningCount)} warnings`}
        </p>
        {(dataset.qualityMean != null || dataset.lastUsedAt) && (
          <p className="text-xs text-muted-foreground" data-testid="dataset-use">
            {dataset.qualityMean != null && `Quality ${dataset.qualityMean.toFixed(1)} / 5`}
            {dataset.qualityMean != null && dataset.lastUsedAt && " · "}
            {dataset.lastUsedAt && `Last trained on ${formatDate(dataset.lastUsedAt)}`}
          </p>
        )}
      </Link>
    </Card>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="flex flex-col">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="font-medium tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** Validating / Valid / Has errors. */
export function StatusBadge({ status }: { status: string }) {
  if (status === "validating")
    return (
      <Badge variant="outline" data-testid="status-badge">
        <Loader2 className="animate-spin" aria-hidden="true" /> {statusLabel(status)}
      </Badge>
    );
  return (
    <Badge variant={status === "ready" ? "success" : "destructive"} data-testid="status-badge">
      {statusLabel(status)}
    </Badge>
  );
}

/** Ready to train, or which readiness check is missing. */
export function ReadinessBadge({ dataset }: { dataset: Pick<DatasetSummary_Serialize, "ready" | "status"> }) {
  if (dataset.status === "validating") return null;
  return dataset.ready ? (
    <Badge variant="success" data-testid="ready-badge">
      <CheckCircle2 aria-hidden="true" /> Ready to train
    </Badge>
  ) : (
    <Badge variant="warning" data-testid="ready-badge">
      <AlertTriangle aria-hidden="true" /> Not ready
    </Badge>
  );
}
