import type { HyperparametersInput, RangesView } from "@/bindings";

/** "$0.42", "$12.30", "$1,204" — cents below $100, whole dollars above. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (Math.abs(value) >= 100) return `$${Math.round(value).toLocaleString("en-US")}`;
  return `$${value.toFixed(2)}`;
}

/** A low–high money band: "$0.40–$0.90", or one figure when both ends round the same. */
export function formatUsdRange(low: number | null, high: number | null): string {
  const a = formatUsd(low);
  const b = formatUsd(high);
  return a === b ? a : `${a}–${b}`;
}

/** Seconds as people say them: "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `${days} d ${restHours} h` : `${days} d`;
}

/** A time band: "12–30 min". */
export function formatDurationRange(low: number | null, high: number | null): string {
  const a = formatDuration(low);
  const b = formatDuration(high);
  return a === b ? a : `${a} – ${b}`;
}

/** Learning rates in the notation people type: 2e-4, 1e-5. */
export function formatLearningRate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const [mantissa, exponent] = value.toExponential().split("e");
  const m = Number(mantissa);
  return `${Number.isInteger(m) ? m : m.toFixed(2).replace(/0+$/, "")}e${Number(exponent)}`;
}

/** The editable fields, for per-field messages. */
export type HyperparameterField = keyof HyperparametersInput | "max_duration_hours" | "gpu_count";

/**
 * Checks the form as typed against the core's ranges (sent by `training_defaults`). It mirrors
 * `Hyperparameters::validate` so the form can say what is wrong at once; the core checks again at launch.
 */
export function validateHyperparameters(
  h: HyperparametersInput,
  ranges: RangesView,
  maxDurationHours: number,
  gpuCount: number,
): Partial<Record<HyperparameterField, string>> {
  const issues: Partial<Record<HyperparameterField, string>> = {};
  // f64 crosses IPC as `number | null` (serde writes NaN as null); a missing bound bounds nothing.
  const within = (v: number | null, [lo, hi]: [number | null, number | null]) =>
    v !== null && Number.isFinite(v) && v >= (lo ?? -Infinity) && v <= (hi ?? Infinity);
  const [rankLo, rankHi] = ranges.lora_rank;
  if (!within(h.lora_rank, ranges.lora_rank) || h.lora_rank % ranges.lora_rank_step !== 0)
    issues.lora_rank = `LoRA rank is ${rankLo}–${rankHi} in steps of ${ranges.lora_rank_step}`;
  if (!within(h.lora_alpha, ranges.lora_alpha) || !Number.isInteger(h.lora_alpha))
    issues.lora_alpha = `LoRA alpha is a whole number from ${ranges.lora_alpha[0]} to ${ranges.lora_alpha[1]}`;
  if (!within(h.lora_dropout, ranges.lora_dropout))
    issues.lora_dropout = `dropout is ${ranges.lora_dropout[0]}–${ranges.lora_dropout[1]}`;
  if (!within(h.num_epochs, ranges.num_epochs) || !Number.isInteger(h.num_epochs))
    issues.num_epochs = `epochs are ${ranges.num_epochs[0]}–${ranges.num_epochs[1]}`;
  if (!ranges.batch_sizes.includes(h.batch_size)) issues.batch_size = `batch size is one of ${ranges.batch_sizes.join(", ")}`;
  if (!within(h.learning_rate, ranges.learning_rate))
    issues.learning_rate = `learning rate is ${formatLearningRate(ranges.learning_rate[0] ?? 0)}–${formatLearningRate(ranges.learning_rate[1] ?? 0)}`;
  if (!within(h.warmup_ratio, ranges.warmup_ratio))
    issues.warmup_ratio = `warmup ratio is ${ranges.warmup_ratio[0]}–${ranges.warmup_ratio[1]}`;
  if (!ranges.max_seq_lens.includes(h.max_seq_len))
    issues.max_seq_len = `max sequence length is one of ${ranges.max_seq_lens.join(", ")}`;
  if (!within(maxDurationHours, ranges.max_duration_hours))
    issues.max_duration_hours = `max duration is ${ranges.max_duration_hours[0]}–${ranges.max_duration_hours[1]} hours`;
  if (!within(gpuCount, ranges.gpu_count) || !Number.isInteger(gpuCount))
    issues.gpu_count = `GPUs are ${ranges.gpu_count[0]}–${ranges.gpu_count[1]}`;
  return issues;
}

/** The preset whose values the form holds, or "custom" once any of them is edited. */
export function presetBadge(h: HyperparametersInput, presets: { name: string; hyperparameters: HyperparametersInput }[]): string {
  const same = (a: HyperparametersInput, b: HyperparametersInput) =>
    a.learning_rate === b.learning_rate &&
    a.batch_size === b.batch_size &&
    a.num_epochs === b.num_epochs &&
    a.lora_rank === b.lora_rank &&
    a.lora_alpha === b.lora_alpha &&
    a.lora_dropout === b.lora_dropout;
  return presets.find((p) => same(p.hyperparameters, h))?.name ?? "custom";
}

/** Cost at the end if spending goes on at the rate so far (null before any progress). */
export function projectedCost(spentUsd: number, progressPercent: number): number | null {
  if (progressPercent <= 0) return null;
  return (spentUsd * 100) / Math.min(100, progressPercent);
}

/** Remaining seconds at the pace so far (null before any progress). */
export function remainingSeconds(elapsedSeconds: number, progressPercent: number): number | null {
  if (progressPercent <= 0 || progressPercent >= 100) return progressPercent >= 100 ? 0 : null;
  return (elapsedSeconds * (100 - progressPercent)) / progressPercent;
}
