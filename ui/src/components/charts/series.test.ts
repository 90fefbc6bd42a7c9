import { describe, expect, it } from "vitest";

import type { MetricsPointView_Serialize as MetricsPointView } from "@/bindings";
import { formatTick, latest, mergePoints, syntheticLossCurve, toChartData, trend } from "@/components/charts/series";

function point(step: number, train: number | null, val: number | null = null): MetricsPointView {
  return {
    step,
    epoch: null,
    train_loss: train,
    val_loss: val,
    learning_rate: null,
    grad_norm: null,
    tokens_per_second: null,
    gpu_utilization: null,
    gpu_memory_gb: null,
    timestamp: "",
  };
}

describe("chart data", () => {
  it("makes uPlot columns with nulls for gaps and skips empty points", () => {
    const data = toChartData([point(1, 2.5), point(2, 2.0, 2.2), point(3, null)], ["train_loss", "val_loss"]);
    expect(data).toEqual([
      [1, 2],
      [2.5, 2.0],
      [null, 2.2],
    ]);
  });

  it("appends new steps and replaces a resent one", () => {
    const merged = mergePoints([point(1, 3), point(2, 2.5)], [point(3, 2.2)]);
    expect(merged.map((p) => p.step)).toEqual([1, 2, 3]);
    const replaced = mergePoints(merged, [point(3, 2.1), point(4, 2.0)]);
    expect(replaced.map((p) => [p.step, p.train_loss])).toEqual([
      [1, 3],
      [2, 2.5],
      [3, 2.1],
      [4, 2.0],
    ]);
  });

  it("reads trends and latest values", () => {
    const falling = [point(1, 3), point(2, 2.5), point(3, 2)];
    expect(trend(falling, "train_loss")).toBe("down");
    expect(trend([point(1, 2), point(2, 2.001)], "train_loss")).toBe("flat");
    expect(trend([point(1, 2)], "train_loss")).toBeNull();
    expect(latest(falling, "train_loss")).toBe(2);
    expect(latest(falling, "val_loss")).toBeNull();
  });

  it("generates the benchmark curve deterministically", () => {
    const a = syntheticLossCurve(1000);
    expect(a).toHaveLength(1000);
    expect(a[0]?.train_loss).toBe(syntheticLossCurve(1000)[0]?.train_loss);
    expect(a.filter((p) => p.val_loss !== null)).toHaveLength(20);
    const data = toChartData(syntheticLossCurve(100_000), ["train_loss", "val_loss"]);
    expect(data[0]).toHaveLength(100_000);
  });
});

describe("formatTick", () => {
  it("keeps a learning rate readable where the default rounds it to 0", () => {
    expect([0.0002, 0.0001, 0.00005].map(formatTick)).toEqual(["2.0e-4", "1.0e-4", "5.0e-5"]);
  });
  it("writes losses, dollars and counts plainly", () => {
    expect([6.2055, 0.5, 0, 12345.6].map(formatTick)).toEqual(["6.2055", "0.5", "0", "12,345.6"]);
  });
});
