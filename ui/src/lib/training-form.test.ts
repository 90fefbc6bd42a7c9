import { describe, expect, it } from "vitest";

import type { ClusterOptions, FieldIssue, HyperparametersInput, TrainingDefaults, TrainingForm_Deserialize } from "@/bindings";
import {
  applyPreset,
  coreResolver,
  initialFormValues,
  issuesToErrors,
  presetBadge,
  resolveOffered,
  toTrainingForm,
  unsendableFields,
} from "@/lib/training-form";

const conservative: HyperparametersInput = {
  learning_rate: 1e-4,
  batch_size: 4,
  num_epochs: 3,
  lora_rank: 8,
  lora_alpha: 16,
  lora_dropout: 0.05,
  max_seq_len: 2048,
  warmup_ratio: 0.03,
  validation_split: 0.1,
  qlora: false,
  gradient_checkpointing: "auto",
  packing: "padding_free",
};
const balanced: HyperparametersInput = { ...conservative, learning_rate: 2e-4, batch_size: 8, num_epochs: 5, lora_rank: 16, lora_alpha: 32, lora_dropout: 0.1 };

const defaults: TrainingDefaults = {
  presets: [
    { name: "conservative", hyperparameters: conservative },
    { name: "balanced", hyperparameters: balanced },
  ],
  ranges: {
    lora_rank: [4, 64],
    lora_rank_step: 4,
    lora_alpha: [8, 128],
    lora_dropout: [0, 0.2],
    num_epochs: [1, 10],
    batch_sizes: [1, 2, 4, 8, 16],
    learning_rate: [1e-5, 1e-3],
    warmup_ratio: [0, 0.1],
    max_seq_lens: [512, 1024, 2048, 4096],
    max_duration_hours: [1, 72],
    default_max_duration_hours: 24,
    gpu_count: [1, 8],
    validation_split: [0, 0.5],
  },
  clusters: [{ id: "local-id", name: "Local", kind: "local" }],
  datasets: [
    { id: "d1", name: "first", training_examples: 44, tokens_total: 9000, format: "brightrun_lora_v4", invalid_records: 0 },
    { id: "d2", name: "second", training_examples: 10, tokens_total: 800, format: "openai_chat", invalid_records: 2 },
  ],
};

const options: ClusterOptions = {
  agent_version: "0.1.0",
  gpus: [
    { gpu_type: "a100", name: "A100", memory_gb: 80, count: 2, on_demand: 2, spot: 1, liger: false },
    { gpu_type: "h100", name: "H100", memory_gb: 80, count: 8, on_demand: 4, spot: 2, liger: true },
  ],
  base_models: [
    { id: "meta-llama/Llama-3.2-1B", source: "hub" },
    { id: "tiny-llama", source: "local" },
  ],
};

describe("the form's starting values", () => {
  it("starts from the balanced preset, the first cluster and the dataset in the URL", () => {
    const v = initialFormValues(defaults, "d2");
    expect(v.hyperparameters).toEqual(balanced);
    expect(v.cluster_id).toBe("local-id");
    expect(v.dataset_id).toBe("d2");
    expect(v.max_duration_hours).toBe(24);
    expect(initialFormValues(defaults, null).dataset_id).toBe("d1");
  });

  it("takes another page's initial values over the defaults, settings one by one", () => {
    const v = initialFormValues(defaults, "d1", {
      base_model: "tiny-llama",
      gpu_count: 2,
      name: undefined,
      hyperparameters: { lora_rank: 32, qlora: true },
    });
    expect(v.base_model).toBe("tiny-llama");
    expect(v.gpu_count).toBe(2);
    expect(v.name).toBe("");
    expect(v.hyperparameters).toEqual({ ...balanced, lora_rank: 32, qlora: true });
  });
});

describe("what the blanks stand for", () => {
  it("prefers a model already on the cluster's machine and the cluster's first GPU", () => {
    expect(resolveOffered({ base_model: "", gpu_type: "" }, options)).toEqual({ baseModel: "tiny-llama", gpu: options.gpus[0] });
    expect(resolveOffered({ base_model: " org/m ", gpu_type: "h100" }, options).baseModel).toBe("org/m");
    expect(resolveOffered({ base_model: "", gpu_type: "h100" }, options).gpu?.gpu_type).toBe("h100");
    // A GPU type from another cluster falls back to this one's first.
    expect(resolveOffered({ base_model: "", gpu_type: "t4" }, options).gpu?.gpu_type).toBe("a100");
    expect(resolveOffered({ base_model: "", gpu_type: "" }, undefined)).toEqual({ baseModel: "", gpu: null });
  });

  it("sends the form as the shell takes it", () => {
    const v = { ...initialFormValues(defaults, "d1"), name: "  ", skip_invalid: true };
    const form = toTrainingForm(v, options);
    expect(form).toMatchObject({ dataset_id: "d1", cluster_id: "local-id", name: null, base_model: "tiny-llama", gpu_type: "a100" });
    expect(form.skip_invalid).toBe(true);
    expect(toTrainingForm({ ...v, name: " run 1 " }, options).name).toBe("run 1");
  });
});

describe("validation by the core", () => {
  it("reports what cannot even be sent, without asking the core", () => {
    const v = initialFormValues(defaults, "d1");
    expect(unsendableFields(v)).toEqual([]);
    const bad = { ...v, gpu_count: 1.5, hyperparameters: { ...v.hyperparameters, learning_rate: Number.NaN, num_epochs: -1 } };
    expect(unsendableFields(bad).map((i) => i.field).sort()).toEqual(["gpu_count", "learning_rate", "num_epochs"]);
  });

  it("puts the core's issues on the form's fields, with the field's name", () => {
    const issues: FieldIssue[] = [
      { field: "lora_rank", message: "must be between 4 and 64 in steps of 4" },
      { field: "lora_rank", message: "a second issue of the same field" },
      { field: "max_duration_hours", message: "must be between 1 and 72 hours" },
      { field: "base_model", message: "pick a base model" },
    ];
    const errors = issuesToErrors(issues, balanced);
    expect(errors.hyperparameters?.lora_rank?.message).toBe("LoRA rank must be between 4 and 64 in steps of 4");
    expect(errors.max_duration_hours?.message).toBe("Max duration must be between 1 and 72 hours");
    expect(errors.base_model?.message).toBe("Pick a base model");
  });

  it("asks the core with the blanks resolved and maps its answer", async () => {
    const asked: TrainingForm_Deserialize[] = [];
    const resolver = coreResolver(async (form) => {
      asked.push(form);
      return form.hyperparameters.lora_rank === 6 ? [{ field: "lora_rank", message: "must be between 4 and 64 in steps of 4" }] : [];
    });
    const v = initialFormValues(defaults, "d1");
    const ok = await resolver(v, { options });
    expect(ok.errors).toEqual({});
    expect(ok.values).toEqual(v);
    expect(asked[0]?.base_model).toBe("tiny-llama");

    const bad = await resolver({ ...v, hyperparameters: { ...v.hyperparameters, lora_rank: 6 } }, { options });
    expect(bad.values).toEqual({});
    expect(bad.errors.hyperparameters?.lora_rank?.message).toContain("steps of 4");

    const unsent = await resolver({ ...v, max_duration_hours: Number.NaN }, { options });
    expect(unsent.errors.max_duration_hours?.message).toBe("Max duration must be a number");
    expect(asked).toHaveLength(2);
  });
});

describe("presets", () => {
  it("sets the six preset settings and keeps the rest", () => {
    const mine = { ...conservative, max_seq_len: 1024, qlora: true, validation_split: 0.25 };
    const next = applyPreset(mine, balanced);
    expect(next).toEqual({ ...balanced, max_seq_len: 1024, qlora: true, validation_split: 0.25 });
    expect(presetBadge(next, defaults.presets)).toBe("balanced");
    expect(presetBadge({ ...next, lora_rank: 20 }, defaults.presets)).toBe("custom");
  });
});
