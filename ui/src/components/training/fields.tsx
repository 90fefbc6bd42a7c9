import { useState } from "react";
import { useController, useFormContext, type FieldPath } from "react-hook-form";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatLearningRate } from "@/lib/training-format";
import type { TrainingFormValues } from "@/lib/training-form";

export const SELECT =
  "h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm shadow-xs focus-visible:ring-[3px] focus-visible:ring-ring/50 outline-none";

/** A numeric field of the form: its value, its setter and the core's message for it. */
function useNumberField(name: FieldPath<TrainingFormValues>) {
  const { control } = useFormContext<TrainingFormValues>();
  const { field, fieldState } = useController({ control, name });
  return { value: field.value as number, onChange: field.onChange as (v: number) => void, error: fieldState.error?.message };
}

/**
 * The text of a number box: what the user typed while it still stands for the current value, else the value
 * formatted (a preset click replaces it). Typed text is kept as is, so "2e-" can be on its way to "2e-4".
 */
function useDraft(value: number, format: (v: number) => string): [string, (text: string, parsed: number) => void] {
  const [draft, setDraft] = useState<{ text: string; parsed: number } | null>(null);
  const text = draft && Object.is(draft.parsed, value) ? draft.text : format(value);
  return [text, (t, parsed) => setDraft({ text: t, parsed })];
}

const parse = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

/** The id a field's input gets: the form path's last part (`hyperparameters.lora_rank` → `lora_rank`). */
const idOf = (name: string) => name.split(".").pop() ?? name;

/** A slider with a number box beside it; the box accepts anything typed and the error says what is allowed. */
export function RangeField({
  name,
  label,
  min,
  max,
  step,
}: {
  name: FieldPath<TrainingFormValues>;
  label: string;
  min: number;
  max: number;
  step: number;
}) {
  const { value, onChange, error } = useNumberField(name);
  const [text, setText] = useDraft(value, String);
  const id = idOf(name);
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <div className="flex items-center gap-3">
        <input
          type="range"
          aria-label={`${label} slider`}
          className="flex-1 accent-primary"
          min={min}
          max={max}
          step={step}
          value={Number.isFinite(value) ? value : min}
          onChange={(e) => onChange(Number(e.target.value))}
        />
        <Input
          id={id}
          data-testid={`field-${id}`}
          className="w-24"
          inputMode="decimal"
          value={text}
          aria-invalid={!!error}
          onChange={(e) => {
            const n = parse(e.target.value);
            setText(e.target.value, n);
            onChange(n);
          }}
        />
      </div>
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}

/** One of a list of allowed numbers (batch sizes, sequence lengths). */
export function ChoiceField({ name, label, choices }: { name: FieldPath<TrainingFormValues>; label: string; choices: number[] }) {
  const { value, onChange, error } = useNumberField(name);
  const id = idOf(name);
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <select id={id} data-testid={`field-${id}`} className={SELECT} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}

/** Learning rate on a log slider (1e-5…1e-3 spans two decades) with a box that takes 2e-4 as typed. */
export function LearningRateField({ range }: { range: [number | null, number | null] }) {
  const { value, onChange, error } = useNumberField("hyperparameters.learning_rate");
  const lo = Math.log10(range[0] ?? 1e-5);
  const hi = Math.log10(range[1] ?? 1e-3);
  const [text, setText] = useDraft(value, formatLearningRate);
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor="learning_rate">Learning rate</Label>
      <div className="flex items-center gap-3">
        <input
          type="range"
          aria-label="Learning rate slider"
          className="flex-1 accent-primary"
          min={lo}
          max={hi}
          step={0.01}
          value={value > 0 ? Math.log10(value) : lo}
          onChange={(e) => onChange(Number(Math.pow(10, Number(e.target.value)).toPrecision(2)))}
        />
        <Input
          id="learning_rate"
          data-testid="field-learning_rate"
          className="w-24"
          value={text}
          aria-invalid={!!error}
          onChange={(e) => {
            const n = parse(e.target.value);
            setText(e.target.value, n);
            onChange(n);
          }}
        />
      </div>
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}
