import type { FieldErrors, ResolverResult } from "react-hook-form";

import type {
  ClusterOptions,
  FieldIssue,
  GpuChoice,
  HyperparametersInput,
  PresetView,
  TrainingDefaults,
  TrainingForm_Deserialize as TrainingForm,
} from "@/bindings";

/**
 * What the configurator's form holds. Blanks mean "the default": an empty `base_model` is the cluster's first
 * local model (never a hub download the user did not ask for), an empty `gpu_type` its first GPU — resolved
 * against what the cluster offers once it answered (see `resolveOffered`).
 */
export type TrainingFormValues = {
  dataset_id: string;
  cluster_id: string;
  base_model: string;
  name: string;
  hyperparameters: HyperparametersInput;
  gpu_type: string;
  gpu_count: number;
  spot: boolean;
  max_duration_hours: number;
  skip_invalid: boolean;
};

/** What another page may prefill ("Train again" from a model): any subset of the form. */
export type TrainingInitialValues = Partial<Omit<TrainingFormValues, "hyperparameters">> & {
  hyperparameters?: Partial<HyperparametersInput>;
};

/** The preset a new form starts from. */
export const DEFAULT_PRESET = "balanced";

/** The starting values: the defaults (balanced preset, first cluster, dataset from the URL or the first ready
 *  one, default max duration), then whatever `initial` sets. */
export function initialFormValues(
  defaults: TrainingDefaults,
  datasetFromUrl: string | null,
  initial?: TrainingInitialValues,
): TrainingFormValues {
  const preset = defaults.presets.find((p) => p.name === DEFAULT_PRESET) ?? defaults.presets[0];
  if (!preset) throw new Error("the core offers no preset");
  const base: TrainingFormValues = {
    dataset_id: datasetFromUrl ?? defaults.datasets[0]?.id ?? "",
    cluster_id: defaults.clusters[0]?.id ?? "",
    base_model: "",
    name: "",
    hyperparameters: { ...preset.hyperparameters },
    gpu_type: "",
    gpu_count: 1,
    spot: false,
    max_duration_hours: defaults.ranges.default_max_duration_hours ?? 24,
    skip_invalid: false,
  };
  if (!initial) return base;
  const { hyperparameters, ...rest } = initial;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== null));
  return { ...base, ...defined, hyperparameters: { ...base.hyperparameters, ...hyperparameters } };
}

/** The base model and GPU the blanks stand for, from what the cluster offers. A GPU type the cluster does not
 *  have falls back to its first. */
export function resolveOffered(
  values: Pick<TrainingFormValues, "base_model" | "gpu_type">,
  options: ClusterOptions | undefined,
): { baseModel: string; gpu: GpuChoice | null } {
  const firstModel = options?.base_models.find((m) => m.source === "local") ?? options?.base_models[0];
  const baseModel = values.base_model.trim() || firstModel?.id || "";
  const gpus = options?.gpus ?? [];
  const gpu = gpus.find((g) => g.gpu_type === values.gpu_type) ?? gpus[0] ?? null;
  return { baseModel, gpu };
}

/** The form as the shell's commands take it (estimate, preview, launch, check). */
export function toTrainingForm(values: TrainingFormValues, options: ClusterOptions | undefined): TrainingForm {
  const { baseModel, gpu } = resolveOffered(values, options);
  return {
    dataset_id: values.dataset_id,
    cluster_id: values.cluster_id,
    name: values.name.trim() || null,
    base_model: baseModel,
    hyperparameters: values.hyperparameters,
    gpu_type: gpu?.gpu_type ?? null,
    gpu_count: values.gpu_count,
    spot: values.spot,
    max_duration_hours: values.max_duration_hours,
    skip_invalid: values.skip_invalid,
  };
}

/** Fields that cross IPC as whole numbers (`u32`): anything else cannot even be sent to the core's check. */
const WHOLE: readonly string[] = ["batch_size", "num_epochs", "lora_rank", "lora_alpha", "max_seq_len", "gpu_count"];
/** Fields that cross IPC as finite numbers (`f64`; JSON has no NaN). */
const DECIMAL: readonly string[] = ["learning_rate", "lora_dropout", "warmup_ratio", "validation_split", "max_duration_hours"];

/**
 * What the form cannot send to the core at all: a box left empty, "2e-" on its way to "2e-4", a fraction
 * where a whole number goes. Only the shape is checked here; every range is the core's (`check_training_form`).
 */
export function unsendableFields(values: TrainingFormValues): FieldIssue[] {
  const all: Record<string, unknown> = { ...values.hyperparameters, gpu_count: values.gpu_count, max_duration_hours: values.max_duration_hours };
  const issues: FieldIssue[] = [];
  for (const field of WHOLE) {
    const v = all[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) issues.push({ field, message: "must be a whole number" });
  }
  for (const field of DECIMAL) {
    const v = all[field];
    if (typeof v !== "number" || !Number.isFinite(v)) issues.push({ field, message: "must be a number" });
  }
  return issues;
}

/** The form's path of a field the core names (`lora_rank` → `hyperparameters.lora_rank`). */
export function fieldPath(field: string, hyperparameters: HyperparametersInput): string {
  const name = field.replace(/^hyperparameters\./, "");
  return name in hyperparameters ? `hyperparameters.${name}` : name;
}

/** The core's issues as react-hook-form errors, keyed by form path; the first issue of a field wins. */
export function issuesToErrors(issues: FieldIssue[], hyperparameters: HyperparametersInput): FieldErrors<TrainingFormValues> {
  const errors: Record<string, unknown> = {};
  for (const issue of issues) {
    const path = fieldPath(issue.field, hyperparameters);
    const dot = path.indexOf(".");
    const head = dot < 0 ? path : path.slice(0, dot);
    const tail = dot < 0 ? null : path.slice(dot + 1);
    const message = issue.message.startsWith("must")
      ? `${labelOf(tail ?? head)} ${issue.message}`
      : issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
    if (tail) {
      const group = (errors[head] ??= {}) as Record<string, unknown>;
      group[tail] ??= { type: "core", message };
    } else {
      errors[head] ??= { type: "core", message };
    }
  }
  return errors as FieldErrors<TrainingFormValues>;
}

/**
 * A react-hook-form resolver whose rules are the core's: `check` is `check_training_form` over IPC. Values the
 * core cannot receive are reported without asking it.
 */
export function coreResolver(check: (form: TrainingForm) => Promise<FieldIssue[]>) {
  return async (
    values: TrainingFormValues,
    context: { options?: ClusterOptions } | undefined,
  ): Promise<ResolverResult<TrainingFormValues>> => {
    const unsendable = unsendableFields(values);
    const issues = unsendable.length > 0 ? unsendable : await check(toTrainingForm(values, context?.options));
    if (issues.length === 0) return { values, errors: {} };
    return { values: {}, errors: issuesToErrors(issues, values.hyperparameters) };
  };
}

const LABELS: Record<string, string> = {
  learning_rate: "Learning rate",
  batch_size: "Batch size",
  num_epochs: "Epochs",
  lora_rank: "LoRA rank",
  lora_alpha: "LoRA alpha",
  lora_dropout: "Dropout",
  max_seq_len: "Max sequence length",
  warmup_ratio: "Warmup ratio",
  validation_split: "Validation share",
  gpu_count: "GPUs",
  max_duration_hours: "Max duration",
  base_model: "Base model",
};

function labelOf(field: string): string {
  return LABELS[field] ?? field;
}

/** The six settings a preset sets; the rest (length, split, QLoRA…) stay as the user chose. */
export function applyPreset(current: HyperparametersInput, preset: HyperparametersInput): HyperparametersInput {
  const { learning_rate, batch_size, num_epochs, lora_rank, lora_alpha, lora_dropout } = preset;
  return { ...current, learning_rate, batch_size, num_epochs, lora_rank, lora_alpha, lora_dropout };
}

/** The preset whose values the form holds, or "custom" once any of them is edited. */
export function presetBadge(h: HyperparametersInput, presets: PresetView[]): string {
  const same = (a: HyperparametersInput, b: HyperparametersInput) =>
    a.learning_rate === b.learning_rate &&
    a.batch_size === b.batch_size &&
    a.num_epochs === b.num_epochs &&
    a.lora_rank === b.lora_rank &&
    a.lora_alpha === b.lora_alpha &&
    a.lora_dropout === b.lora_dropout;
  return presets.find((p) => same(p.hyperparameters, h))?.name ?? "custom";
}
