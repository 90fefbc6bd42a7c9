import type { EstimateSummary, HyperparametersInput } from "@/bindings";
import { Label } from "@/components/ui/label";

const SELECT =
  "h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm shadow-xs focus-visible:ring-[3px] focus-visible:ring-ring/50 outline-none";

/** Validation split, QLoRA, gradient checkpointing and, for a dataset with invalid records, skipping them. */
export function RunOptions({
  hyper,
  onChange,
  invalidRecords,
  skipInvalid,
  onSkipInvalid,
}: {
  hyper: HyperparametersInput;
  onChange: (next: HyperparametersInput) => void;
  invalidRecords: number;
  skipInvalid: boolean;
  onSkipInvalid: (skip: boolean) => void;
}) {
  return (
    <>
      <div className="flex flex-col gap-2">
        <Label htmlFor="validation_split">Validation (share of conversations held out)</Label>
        <input
          id="validation_split"
          type="number"
          className={SELECT}
          min={0}
          max={0.5}
          step={0.05}
          value={hyper.validation_split ?? 0.1}
          onChange={(e) => onChange({ ...hyper, validation_split: Number(e.target.value) })}
        />
        <p className="text-xs text-muted-foreground">
          Whole conversations, the same ones for every run with this seed. 0 trains without validation.
        </p>
      </div>
      <div className="flex flex-col gap-2">
        <Label htmlFor="gradient_checkpointing">Gradient checkpointing</Label>
        <select
          id="gradient_checkpointing"
          className={SELECT}
          value={hyper.gradient_checkpointing ?? "auto"}
          onChange={(e) => onChange({ ...hyper, gradient_checkpointing: e.target.value })}
        >
          <option value="auto">Auto (only when the run would not fit without it)</option>
          <option value="on">On (less memory, about a third slower)</option>
          <option value="off">Off</option>
        </select>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          data-testid="qlora"
          checked={hyper.qlora ?? false}
          onChange={(e) => onChange({ ...hyper, qlora: e.target.checked })}
        />
        QLoRA: base model in 4 bits (needs a CUDA GPU with bitsandbytes)
      </label>
      {invalidRecords > 0 && (
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            data-testid="skip-invalid"
            checked={skipInvalid}
            onChange={(e) => onSkipInvalid(e.target.checked)}
          />
          Skip the {invalidRecords} invalid record{invalidRecords === 1 ? "" : "s"} and train on the rest
        </label>
      )}
    </>
  );
}

/** Where the estimate comes from: the user's own runs or the datasheet, exact or estimated tokens, truncation. */
export function EstimateDetails({ current, maxSeqLen }: { current: EstimateSummary; maxSeqLen: number }) {
  const runs = current.calibrated_runs ?? 0;
  const truncation = current.truncation ?? null;
  return (
    <ul className="flex flex-col gap-1 text-sm text-muted-foreground md:col-span-3" data-testid="estimate-details">
      <li data-testid="estimate-calibration">
        {runs > 0
          ? `Time calibrated on ${runs} of your completed run${runs === 1 ? "" : "s"} with these settings.`
          : "Time from the GPU's datasheet: no completed run with these settings yet."}
      </li>
      <li data-testid="estimate-tokens">
        Tokens: {current.tokens_method === "exact" ? "exact (the model's tokenizer)" : "estimated (characters ÷ 4)"} ·
        gradient checkpointing {current.gradient_checkpointing ? "on" : "off"}
      </li>
      {truncation && (truncation.shortened ?? 0) > 0 && (
        <li data-testid="estimate-truncation">
          At {maxSeqLen} tokens: {truncation.shortened} example{truncation.shortened === 1 ? "" : "s"} shortened (oldest
          history dropped first), {truncation.without_target} keep no target token.
        </li>
      )}
    </ul>
  );
}
