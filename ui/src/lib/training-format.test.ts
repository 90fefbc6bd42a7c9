import { describe, expect, it } from "vitest";

import {
  formatDuration,
  formatDurationRange,
  formatLearningRate,
  formatUsd,
  formatUsdRange,
  projectedCost,
  remainingSeconds,
} from "@/lib/training-format";

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

describe("cost tracking", () => {
  it("projects cost and remaining time from progress", () => {
    expect(projectedCost(1, 25)).toBe(4);
    expect(projectedCost(1, 0)).toBeNull();
    expect(remainingSeconds(100, 25)).toBe(300);
    expect(remainingSeconds(100, 100)).toBe(0);
  });
});
