import { Controller, useFormContext } from "react-hook-form";

import type { GpuChoice, RangesView } from "@/bindings";
import { RangeField, SELECT } from "@/components/training/fields";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { formatUsd } from "@/lib/training-format";
import type { TrainingFormValues } from "@/lib/training-form";

/** GPU type and count, spot or on demand, and the max duration: from what the cluster offers. */
export function HardwareFields({ ranges, gpus, gpu }: { ranges: RangesView; gpus: GpuChoice[]; gpu: GpuChoice | null }) {
  const { control, watch } = useFormContext<TrainingFormValues>();
  const spot = watch("spot");
  return (
    <Card>
      <CardHeader>
        <CardTitle>Hardware and limits</CardTitle>
        <CardDescription>From what the cluster offers.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-x-8 gap-y-5 md:grid-cols-2">
        <Controller
          control={control}
          name="gpu_type"
          render={({ field }) => (
            <div className="flex flex-col gap-2">
              <Label htmlFor="gpu-type">GPU type</Label>
              <select id="gpu-type" className={SELECT} value={gpu?.gpu_type ?? ""} onChange={(e) => field.onChange(e.target.value)}>
                {gpus.map((g) => (
                  <option key={g.gpu_type} value={g.gpu_type}>
                    {g.name} · {g.memory_gb} GB · {formatUsd(spot ? g.spot : g.on_demand)}/h
                  </option>
                ))}
              </select>
            </div>
          )}
        />
        <RangeField
          name="gpu_count"
          label="GPUs"
          min={ranges.gpu_count[0]}
          max={Math.max(1, Math.min(ranges.gpu_count[1], gpu?.count || 1))}
          step={1}
        />
        <Controller
          control={control}
          name="spot"
          render={({ field }) => (
            <fieldset className="flex flex-col gap-2">
              <legend className="mb-2 text-sm font-medium">Capacity</legend>
              <div className="flex gap-4 text-sm">
                <label className="flex items-center gap-2">
                  <input type="radio" name="capacity" checked={!field.value} onChange={() => field.onChange(false)} /> On demand
                </label>
                <label className="flex items-center gap-2">
                  <input type="radio" name="capacity" checked={field.value} onChange={() => field.onChange(true)} /> Spot (cheaper,
                  may be interrupted)
                </label>
              </div>
            </fieldset>
          )}
        />
        <RangeField
          name="max_duration_hours"
          label="Max duration (hours)"
          min={ranges.max_duration_hours[0] ?? 1}
          max={ranges.max_duration_hours[1] ?? 72}
          step={1}
        />
      </CardContent>
    </Card>
  );
}
