import type { HyperparametersInput, PresetView, TrainingEstimateView } from "@/bindings";
import { Badge } from "@/components/ui/badge";
import { capitalise, formatDurationRange, formatLearningRate, formatUsdRange } from "@/lib/training-format";
import { cn } from "@/lib/utils";

const PRESET_BLURB: Record<string, string> = {
  conservative: "Small steps, few epochs: the safe first run.",
  balanced: "The usual choice for a few hundred conversations.",
  aggressive: "High rank and many epochs: more capacity, more risk of overfitting.",
};

/** The three presets as cards, each with its own estimate on the chosen GPU; the badge says which one the
 *  form holds, or "Custom". */
export function PresetPicker({
  presets,
  badge,
  estimate,
  estimating,
  onPick,
}: {
  presets: PresetView[];
  badge: string;
  estimate: TrainingEstimateView | undefined;
  estimating: boolean;
  onPick: (hyperparameters: HyperparametersInput) => void;
}) {
  return (
    <section aria-labelledby="presets" className="flex flex-col gap-3">
      <div className="flex items-center gap-2">
        <h2 id="presets" className="text-sm font-medium">
          Preset
        </h2>
        <Badge variant={badge === "custom" ? "warning" : "secondary"} data-testid="preset-badge">
          {badge === "custom" ? "Custom" : capitalise(badge)}
        </Badge>
      </div>
      <div className="grid gap-4 md:grid-cols-3">
        {presets.map((preset, i) => {
          const est = estimate?.presets[i] ?? null;
          const h = preset.hyperparameters;
          return (
            <button
              key={preset.name}
              type="button"
              data-testid={`preset-${preset.name}`}
              onClick={() => onPick(h)}
              className={cn(
                "flex flex-col gap-2 rounded-xl border p-4 text-left text-sm transition-colors hover:bg-accent",
                badge === preset.name && "border-primary ring-2 ring-primary/30",
              )}
            >
              <span className="font-semibold">{capitalise(preset.name)}</span>
              <span className="text-muted-foreground">{PRESET_BLURB[preset.name]}</span>
              <span className="text-xs text-muted-foreground">
                lr {formatLearningRate(h.learning_rate)} · batch {h.batch_size} · {h.num_epochs} epochs · rank {h.lora_rank}
              </span>
              <span className="mt-1 font-medium" data-testid={`preset-${preset.name}-estimate`}>
                {est
                  ? `${formatDurationRange(est.seconds[0], est.seconds[2])} · ${formatUsdRange(est.cost_usd[0], est.cost_usd[2])}`
                  : estimating
                    ? "Estimating…"
                    : "No estimate for this model (bounded by the max duration)"}
              </span>
            </button>
          );
        })}
      </div>
    </section>
  );
}
