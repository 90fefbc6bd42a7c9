import { AlertTriangle } from "lucide-react";

import type { EstimateSummary, GpuChoice, TokenCountView, TrainingEstimateView } from "@/bindings";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { formatDurationRange, formatUsd, formatUsdRange, verdictWords } from "@/lib/training-format";

/** Time, cost and GPU memory of the form as configured, with where the figures come from. */
export function EstimatePanel({
  view,
  tokens,
  countingTokens,
  gpu,
  gpuCount,
  spot,
  maxHours,
  maxSeqLen,
}: {
  view: TrainingEstimateView | undefined;
  tokens: TokenCountView | undefined;
  countingTokens: boolean;
  gpu: GpuChoice | null;
  gpuCount: number;
  spot: boolean;
  maxHours: number;
  maxSeqLen: number;
}) {
  const current = view?.current ?? null;
  return (
    <Card data-testid="estimate-card">
      <CardHeader>
        <CardTitle>Estimate</CardTitle>
        <CardDescription>
          {gpu ? `${gpuCount} × ${gpu.name}, ${spot ? "spot" : "on demand"}` : "Waiting for the cluster's GPUs"}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4 md:grid-cols-3">
        <Figure label="Time" value={current ? formatDurationRange(current.seconds[0], current.seconds[2]) : "—"} />
        <Figure
          label="Cost"
          value={current ? formatUsdRange(current.cost_usd[0], current.cost_usd[2]) : `at most ${formatUsd(view?.worst_case_usd ?? 0)}`}
        />
        <Figure
          label="GPU memory"
          value={current ? `${verdictWords(current.memory_verdict)} (${Math.round((current.memory_usage ?? 0) * 100)} %)` : "—"}
          testId="memory-verdict"
        />
        {current?.memory_suggestion && (
          <p className="flex items-start gap-2 text-sm md:col-span-3" data-testid="memory-suggestion">
            <AlertTriangle className="mt-0.5 size-4 text-warning" aria-hidden="true" />
            To fit: {current.memory_suggestion}
          </p>
        )}
        <TokenLine tokens={tokens} counting={countingTokens} estimateMethod={current?.tokens_method ?? null} />
        {current && <EstimateDetails current={current} maxSeqLen={maxSeqLen} />}
        {!current && view && (
          <p className="text-sm text-muted-foreground md:col-span-3">
            BrightRun does not know this model's size, so the cost is bounded by the max duration: every GPU for{" "}
            {maxHours} h.
          </p>
        )}
      </CardContent>
    </Card>
  );
}

/** The dataset's tokens: "estimated" until the background count with the model's tokenizer arrives. */
function TokenLine({
  tokens,
  counting,
  estimateMethod,
}: {
  tokens: TokenCountView | undefined;
  counting: boolean;
  estimateMethod: string | null;
}) {
  const exact = tokens?.method === "exact";
  const total = tokens?.tokens_total ?? null;
  const text = counting
    ? "Tokens: estimated (characters ÷ 4) · counting exactly with the model's tokenizer…"
    : exact
      ? `Tokens: ${total?.toLocaleString("en-US")} exact (the model's tokenizer)`
      : `Tokens: ${total !== null ? `about ${total.toLocaleString("en-US")} ` : ""}estimated (characters ÷ 4: no tokenizer for this model)`;
  return (
    <p
      className="text-sm text-muted-foreground md:col-span-3"
      data-testid="estimate-tokens"
      data-method={exact && estimateMethod !== "estimate" ? "exact" : "estimate"}
    >
      {text}
    </p>
  );
}

/** Where the estimate comes from: the user's own runs or the datasheet, checkpointing, truncation. */
export function EstimateDetails({ current, maxSeqLen }: { current: EstimateSummary; maxSeqLen: number }) {
  const runs = current.calibrated_runs ?? 0;
  const truncation = current.truncation ?? null;
  return (
    <ul className="flex flex-col gap-1 text-sm text-muted-foreground md:col-span-3" data-testid="estimate-details">
      <li data-testid="estimate-calibration" data-runs={runs}>
        {runs > 0
          ? `Time calibrated on ${runs} of your completed run${runs === 1 ? "" : "s"} with these settings.`
          : "Time from the GPU's datasheet: no completed run with these settings yet."}
      </li>
      <li>Gradient checkpointing {current.gradient_checkpointing ? "on" : "off"} for this run.</li>
      {truncation && (truncation.shortened ?? 0) > 0 && (
        <li data-testid="estimate-truncation">
          At {maxSeqLen} tokens: {truncation.shortened} example{truncation.shortened === 1 ? "" : "s"} shortened (oldest
          history dropped first), {truncation.without_target} keep no target token.
        </li>
      )}
    </ul>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="flex flex-col gap-1">
      <span className="text-xs text-muted-foreground">{label}</span>
      <span className="text-lg font-semibold" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}
