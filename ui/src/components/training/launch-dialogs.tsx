import { CheckCircle2, Circle, Eye, Rocket } from "lucide-react";

import type { LaunchStep as LaunchStepKind } from "@/bindings";
import { CommandErrorNotice } from "@/components/command-error-notice";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Progress } from "@/components/ui/progress";
import { describeError } from "@/lib/ipc";
import { LAUNCH_STEP_WORDS } from "@/lib/job-vocabulary";
import { formatUsd } from "@/lib/training-format";

/** A launch step as the shell's progress events report it. */
export type LaunchStep = { step: LaunchStepKind; done: number; total: number } | null;

function stepWords(step: LaunchStepKind) {
  return LAUNCH_STEP_WORDS[step];
}

/** What must hold before a launch, ticked as it does; then Preview and Launch. */
export function LaunchChecklist({
  items,
  canPreview,
  canLaunch,
  onPreview,
  onLaunch,
}: {
  items: { ok: boolean; label: string }[];
  canPreview: boolean;
  canLaunch: boolean;
  onPreview: () => void;
  onLaunch: () => void;
}) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Before you launch</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <ul className="flex flex-col gap-1.5 text-sm" data-testid="checklist">
          {items.map((item) => (
            <li key={item.label} className="flex items-center gap-2">
              {item.ok ? (
                <CheckCircle2 className="size-4 text-success" aria-label="done" />
              ) : (
                <Circle className="size-4 text-muted-foreground" aria-label="not yet" />
              )}
              {item.label}
            </li>
          ))}
        </ul>
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" onClick={onPreview} disabled={!canPreview} data-testid="preview-job">
            <Eye aria-hidden="true" /> Preview job JSON
          </Button>
          <Button onClick={onLaunch} disabled={!canLaunch} data-testid="launch">
            <Rocket aria-hidden="true" /> Launch…
          </Button>
        </div>
      </CardContent>
    </Card>
  );
}

/** The exact request the launch will send, from the launch's own plan. */
export function PreviewDialog({
  open,
  onOpenChange,
  pending,
  error,
  json,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  pending: boolean;
  error: unknown;
  json: string | undefined;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>The job as the cluster will receive it</DialogTitle>
          <DialogDescription>POST /v1/jobs, sent with an idempotency key so it is never created twice.</DialogDescription>
        </DialogHeader>
        <pre className="max-h-96 overflow-auto rounded-md bg-muted p-3 text-xs" data-testid="job-preview">
          {pending ? "Preparing the training file…" : error ? describeError(error) : json}
        </pre>
      </DialogContent>
    </Dialog>
  );
}

/** "Launch this training run?": the cost acknowledged, progress while it launches, a budget refusal with its
 *  override. */
export function LaunchDialog({
  open,
  onOpenChange,
  summary,
  costCeiling,
  expectedUsd,
  acknowledged,
  onAcknowledge,
  launching,
  launchStep,
  budgetRefusal,
  error,
  onLaunch,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  summary: string;
  costCeiling: number;
  expectedUsd: number | null;
  acknowledged: boolean;
  onAcknowledge: (ok: boolean) => void;
  launching: boolean;
  launchStep: LaunchStep;
  budgetRefusal: string | null;
  error: unknown;
  onLaunch: (budgetOverride: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={(next) => !launching && onOpenChange(next)}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Launch this training run?</DialogTitle>
          <DialogDescription>{summary}</DialogDescription>
        </DialogHeader>
        <label className="flex items-start gap-2 text-sm">
          <input
            type="checkbox"
            className="mt-1"
            checked={acknowledged}
            onChange={(e) => onAcknowledge(e.target.checked)}
            data-testid="acknowledge-cost"
          />
          <span>
            I understand this run may cost up to <strong>{formatUsd(costCeiling)}</strong>
            {expectedUsd !== null ? ` (expected ${formatUsd(expectedUsd)})` : " (the whole max duration)"}, billed by the cluster.
          </span>
        </label>
        {launchStep && (
          <div className="flex flex-col gap-1 text-sm" data-testid="launch-progress">
            <span>{stepWords(launchStep.step)}</span>
            <Progress value={launchStep.total > 0 ? (launchStep.done / launchStep.total) * 100 : 0} />
          </div>
        )}
        {budgetRefusal && (
          <div role="alert" className="flex flex-col gap-2 rounded-md border border-destructive/50 p-3 text-sm">
            <span className="font-medium">Refused: over the monthly budget</span>
            <span>{budgetRefusal}</span>
            <Button variant="destructive" size="sm" className="self-start" onClick={() => onLaunch(true)} data-testid="override-budget">
              Override budget and launch
            </Button>
          </div>
        )}
        {error != null && !budgetRefusal && <CommandErrorNotice error={error} />}
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={launching}>
            Back
          </Button>
          <Button onClick={() => onLaunch(false)} disabled={!acknowledged || launching} data-testid="confirm-launch">
            {launching ? "Launching…" : "Launch"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
