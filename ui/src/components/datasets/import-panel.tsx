import { CheckCircle2, Loader2, X, XCircle } from "lucide-react";
import { Link } from "react-router";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { useImports } from "@/components/datasets/import-provider";
import { formatBytes, formatPercent, percent } from "@/lib/format";
import { anyRunning, FINISHED_STAGES, type ImportProgress } from "@/lib/imports";

/** The imports of this session: a progress bar and Cancel while running, the outcome once finished. */
export function ImportPanel() {
  const { imports, cancel, dismissFinished } = useImports();
  if (imports.length === 0) return null;
  const running = anyRunning(imports);
  return (
    <Card data-testid="import-panel" className="gap-3 py-4">
      <CardHeader className="flex flex-row items-center justify-between px-4">
        <CardTitle className="text-sm">{running ? "Importing…" : "Imports finished"}</CardTitle>
        {!running && (
          <Button variant="ghost" size="sm" onClick={dismissFinished}>
            Dismiss
          </Button>
        )}
      </CardHeader>
      <CardContent className="flex flex-col gap-3 px-4">
        {imports.map((item) => (
          <div key={item.importId} className="flex items-center gap-3 text-sm" data-testid="import-row" data-stage={item.stage}>
            <StageIcon stage={item.stage} />
            <div className="flex min-w-0 flex-1 flex-col gap-1">
              <div className="flex items-center justify-between gap-2">
                <span className="truncate font-medium">{item.file}</span>
                <span className="shrink-0 text-xs text-muted-foreground">{stageText(item)}</span>
              </div>
              {!FINISHED_STAGES.has(item.stage) && (
                <Progress
                  value={item.stage === "queued" ? 0 : percent(item.bytesDone, item.bytesTotal)}
                  aria-label={`Validating ${item.file}`}
                />
              )}
              {item.stage === "failed" && <span className="text-xs text-destructive">{item.message}</span>}
            </div>
            {!FINISHED_STAGES.has(item.stage) ? (
              <Button variant="ghost" size="icon" aria-label={`Cancel importing ${item.file}`} onClick={() => void cancel(item.importId)}>
                <X aria-hidden="true" />
              </Button>
            ) : item.datasetId ? (
              <Button variant="link" size="sm" asChild>
                <Link to={`/datasets/${item.datasetId}`}>Open</Link>
              </Button>
            ) : null}
          </div>
        ))}
      </CardContent>
    </Card>
  );
}

function StageIcon({ stage }: { stage: string }) {
  if (stage === "done") return <CheckCircle2 className="size-4 shrink-0 text-success" aria-hidden="true" />;
  if (stage === "failed" || stage === "cancelled")
    return <XCircle className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />;
  return <Loader2 className="size-4 shrink-0 animate-spin text-muted-foreground" aria-hidden="true" />;
}

function stageText(item: ImportProgress): string {
  switch (item.stage) {
    case "queued":
      return `Waiting · ${formatBytes(item.bytesTotal)}`;
    case "validating":
      return `Validating ${formatPercent(item.bytesDone, item.bytesTotal)} of ${formatBytes(item.bytesTotal)}`;
    case "done":
      return item.message === "added" ? "Imported" : (item.message ?? "Imported");
    case "cancelled":
      return "Cancelled";
    default:
      return "Failed";
  }
}
