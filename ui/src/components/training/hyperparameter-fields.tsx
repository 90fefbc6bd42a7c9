import type { RangesView } from "@/bindings";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ChoiceField, LearningRateField, RangeField } from "@/components/training/fields";
import { RunOptions } from "@/components/training/run-options";

/** The advanced settings, each within the core's ranges (checked by the core as the user types). */
export function HyperparameterFields({ ranges, invalidRecords }: { ranges: RangesView; invalidRecords: number }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Advanced settings</CardTitle>
        <CardDescription>Any change turns the preset into "Custom". Values are checked as you type.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-x-8 gap-y-5 md:grid-cols-2">
        <RangeField
          name="hyperparameters.lora_rank"
          label="LoRA rank"
          min={ranges.lora_rank[0]}
          max={ranges.lora_rank[1]}
          step={ranges.lora_rank_step}
        />
        <RangeField name="hyperparameters.lora_alpha" label="LoRA alpha" min={ranges.lora_alpha[0]} max={ranges.lora_alpha[1]} step={1} />
        <RangeField
          name="hyperparameters.lora_dropout"
          label="Dropout"
          min={ranges.lora_dropout[0] ?? 0}
          max={ranges.lora_dropout[1] ?? 0.2}
          step={0.01}
        />
        <RangeField name="hyperparameters.num_epochs" label="Epochs" min={ranges.num_epochs[0]} max={ranges.num_epochs[1]} step={1} />
        <ChoiceField name="hyperparameters.batch_size" label="Batch size" choices={ranges.batch_sizes} />
        <LearningRateField range={ranges.learning_rate} />
        <RangeField
          name="hyperparameters.warmup_ratio"
          label="Warmup ratio"
          min={ranges.warmup_ratio[0] ?? 0}
          max={ranges.warmup_ratio[1] ?? 0.1}
          step={0.005}
        />
        <ChoiceField name="hyperparameters.max_seq_len" label="Max sequence length" choices={ranges.max_seq_lens} />
        <RunOptions ranges={ranges} invalidRecords={invalidRecords} />
      </CardContent>
    </Card>
  );
}
