import { Controller, useFormContext } from "react-hook-form";

import type { RangesView } from "@/bindings";
import { RangeField, SELECT } from "@/components/training/fields";
import { Label } from "@/components/ui/label";
import type { TrainingFormValues } from "@/lib/training-form";

/** Validation split, batch layout, gradient checkpointing, QLoRA and, for a dataset with invalid records,
 *  skipping them. */
export function RunOptions({ ranges, invalidRecords }: { ranges: RangesView; invalidRecords: number }) {
  const { control, register } = useFormContext<TrainingFormValues>();
  return (
    <>
      <div className="flex flex-col gap-2">
        <RangeField
          name="hyperparameters.validation_split"
          label="Validation (share of conversations held out)"
          min={ranges.validation_split[0] ?? 0}
          max={ranges.validation_split[1] ?? 0.5}
          step={0.05}
        />
        <p className="text-xs text-muted-foreground">
          Whole conversations, the same ones for every run with this seed. 0 trains without validation.
        </p>
      </div>
      <div className="flex flex-col gap-2">
        <Label htmlFor="gradient_checkpointing">Gradient checkpointing</Label>
        <select id="gradient_checkpointing" className={SELECT} {...register("hyperparameters.gradient_checkpointing")}>
          <option value="auto">Auto (only when the run would not fit without it)</option>
          <option value="on">On (less memory, about a third slower)</option>
          <option value="off">Off</option>
        </select>
      </div>
      <div className="flex flex-col gap-2">
        <Label htmlFor="packing">Batch layout</Label>
        <select id="packing" data-testid="field-packing" className={SELECT} {...register("hyperparameters.packing")}>
          <option value="padding_free">Padding-free (examples end to end, no padding: fastest)</option>
          <option value="group_by_length">Padded, similar lengths together</option>
          <option value="none">Padded, in shuffled order</option>
        </select>
      </div>
      <Controller
        control={control}
        name="hyperparameters.qlora"
        render={({ field }) => (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" data-testid="qlora" checked={field.value ?? false} onChange={(e) => field.onChange(e.target.checked)} />
            QLoRA: base model in 4 bits (needs a CUDA GPU with bitsandbytes)
          </label>
        )}
      />
      {invalidRecords > 0 && (
        <Controller
          control={control}
          name="skip_invalid"
          render={({ field }) => (
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" data-testid="skip-invalid" checked={field.value} onChange={(e) => field.onChange(e.target.checked)} />
              Skip the {invalidRecords} invalid record{invalidRecords === 1 ? "" : "s"} and train on the rest
            </label>
          )}
        />
      )}
    </>
  );
}
