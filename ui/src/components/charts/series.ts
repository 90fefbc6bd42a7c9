import type { MetricsPointView_Serialize as MetricsPointView } from "@/bindings";

/** A metrics field a chart can draw. */
export type MetricField = Exclude<keyof MetricsPointView, "step" | "timestamp">;

/** uPlot's data: x values, then one array per series (null where a point has no value). */
export type ChartData = [number[], ...(number | null)[][]];

/**
 * Columns for uPlot from points in step order: x = step, one column per field. Points without any of the
 * fields are left out, so a validation-only chart has no empty x positions.
 */
export function toChartData(points: readonly MetricsPointView[], fields: readonly MetricField[]): ChartData {
  const xs: number[] = [];
  const columns: (number | null)[][] = fields.map(() => []);
  for (const point of points) {
    const values = fields.map((f) => {
      const v = point[f];
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    });
    if (values.every((v) => v === null)) continue;
    xs.push(point.step ?? 0);
    values.forEach((v, i) => columns[i]?.push(v));
  }
  return [xs, ...columns];
}

/**
 * Adds new points to a job's list: in step order, a step already held is replaced (the poller may resend
 * the last step), and the common case (all new points after the last) is a plain append.
 */
export function mergePoints(existing: readonly MetricsPointView[], incoming: readonly MetricsPointView[]): MetricsPointView[] {
  if (incoming.length === 0) return existing as MetricsPointView[];
  const last = existing.at(-1)?.step ?? -Infinity;
  if (incoming.every((p) => (p.step ?? 0) > last)) return [...existing, ...incoming];
  const byStep = new Map<number, MetricsPointView>();
  for (const p of existing) byStep.set(p.step ?? 0, p);
  for (const p of incoming) byStep.set(p.step ?? 0, p);
  return [...byStep.values()].sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
}

/** Where a metric is heading over its last `window` values: "up", "down" or "flat" (within 1 %). */
export function trend(points: readonly MetricsPointView[], field: MetricField, window = 5): "up" | "down" | "flat" | null {
  const values = points.map((p) => p[field]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (values.length < 2) return null;
  const recent = values.slice(-window);
  const first = recent[0] ?? 0;
  const last = recent.at(-1) ?? 0;
  const scale = Math.max(Math.abs(first), 1e-12);
  const change = (last - first) / scale;
  if (Math.abs(change) < 0.01) return "flat";
  return change > 0 ? "up" : "down";
}

/** The latest value of a field, if any point has one. */
export function latest(points: readonly MetricsPointView[], field: MetricField): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = points[i]?.[field];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * A synthetic loss curve of `n` points (decaying with noise; validation every 50 steps), for the chart
 * benchmark and tests. Deterministic: the noise comes from a fixed linear congruential generator.
 */
export function syntheticLossCurve(n: number): MetricsPointView[] {
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const points: MetricsPointView[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const base = 0.6 + 2.4 * Math.exp(-i / (n / 6));
    points[i] = {
      step: i + 1,
      epoch: (i + 1) / n,
      train_loss: base + noise() * 0.15,
      val_loss: i % 50 === 49 ? base + 0.05 : null,
      learning_rate: 2e-4 * Math.min(1, i / (n * 0.03 + 1)),
      grad_norm: 1 + noise(),
      tokens_per_second: 1000 + noise() * 100,
      gpu_utilization: 90 + noise() * 10,
      gpu_memory_gb: 20,
      timestamp: "",
    };
  }
  return points;
}

/**
 * A y-axis tick label. uPlot's default keeps three decimals, so a learning rate of 2e-4 reads "0" at every
 * tick; values below 0.01 (and huge ones) are written in scientific form, others with up to four decimals.
 */
export function formatTick(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  if (size < 0.01 || size >= 1e9) return value.toExponential(1);
  return value.toLocaleString("en-US", { maximumFractionDigits: 4 });
}
