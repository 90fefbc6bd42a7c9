import { describe, expect, it } from "vitest";

import type { HyperparametersInput, RangesView } from "@/bindings";
import {
  formatDuration,
  formatDurationRange,
  formatLearningRate,
  formatUsd,
  formatUsdRange,
  presetBadge,
  projectedCost,
  remainingSeconds,
  validateHyperparameters,
} from "@/pages/training-format";

const ranges: RangesView = {
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
};

const balanced: HyperparametersInput = {
  learning_rate: 2e-4,
  batch_size: 8,
  num_epochs: 5,
  lora_rank: 16,
  lora_alpha: 32,
  lora_dropout: 0.1,
  max_seq_len: 2048,
  warmup_ratio: 0.03,
  validation_split: 0.1,
  qlora: false,
  gradient_checkpointing: "auto",
};

describe("estimate formatting", () => {
  it("formats money with cents below $100 and whole dollars above", () => {
    expect(formatUsd(0.4213)).toBe("$0.42");
    expect(formatUsd(1204.4)).toBe("$1,204");
    expect(formatUsdRange(0.4, 0.9)).toBe("$0.40–$0.90");
    expect(formatUsdRange(0.001, 0.002)).toBe("$0.00");
    expect(formatUsd(Number.NaN)).toBe("—");
  });

  it("formats durations as people say them", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(720)).toBe("12 min");
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
    expect(formatDuration(52 * 3600)).toBe("2 d 4 h");
    expect(formatDurationRange(600, 1800)).toBe("10 min – 30 min");
  });

  it("writes learning rates in e-notation", () => {
    expect(formatLearningRate(2e-4)).toBe("2e-4");
    expect(formatLearningRate(1e-5)).toBe("1e-5");
    expect(formatLearningRate(2.5e-4)).toBe("2.5e-4");
  });
});

describe("validation against the core's ranges", () => {
  it("accepts a preset", () => {
    expect(validateHyperparameters(balanced, ranges, 24, 1)).toEqual({});
  });

  it("names every field out of range", () => {
    const issues = validateHyperparameters(
      { ...balanced, lora_rank: 6, lora_alpha: 200, lora_dropout: 0.3, batch_size: 3, learning_rate: 0.01, max_seq_len: 3000 },
      ranges,
      100,
      0,
    );
    expect(Object.keys(issues).sort()).toEqual(
      ["batch_size", "gpu_count", "learning_rate", "lora_alpha", "lora_dropout", "lora_rank", "max_duration_hours", "max_seq_len"].sort(),
    );
    expect(issues.lora_rank).toContain("steps of 4");
  });

  it("turns the badge to custom on any edit", () => {
    const presets = [{ name: "balanced", hyperparameters: balanced }];
    expect(presetBadge(balanced, presets)).toBe("balanced");
    expect(presetBadge({ ...balanced, lora_rank: 20 }, presets)).toBe("custom");
  });
});

describe("cost tracking", () => {
  it("projects cost and remaining time from progress", () => {
    expect(projectedCost(1, 25)).toBe(4);
    expect(projectedCost(1, 0)).toBeNull();
    expect(remainingSeconds(100, 25)).toBe(300);
    expect(remainingSeconds(100, 100)).toBe(0);
  });
});
