import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
// Must run before uPlot loads (see locale-guard.ts).
import "@/components/charts/locale-guard";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import { syntheticLossCurve, toChartData } from "@/components/charts/series";
import { PageHeader } from "@/components/page-header";

/** One size's figures, in milliseconds (performance.now() deltas in the webview). */
export type BenchResult = { points: number; prepareMs: number; firstDrawMs: number; redrawMs: number[] };

declare global {
  interface Window {
    __chartBench?: { done: boolean; results: BenchResult[]; error?: string };
  }
}

/** Draws the loss chart once, resolving with the time from creation to the end of the first draw. */
function drawOnce(el: HTMLElement, data: uPlot.AlignedData): Promise<{ plot: uPlot; ms: number; redraw: () => Promise<number> }> {
  return new Promise((resolve) => {
    let start = performance.now();
    let pending: ((ms: number) => void) | null = null;
    const options: uPlot.Options = {
      width: 900,
      height: 300,
      scales: { x: { time: false } },
      series: [{ label: "step" }, { label: "training", stroke: "#f97316", width: 1 }, { label: "validation", stroke: "#2563eb", spanGaps: true }],
      hooks: {
        draw: [
          (u) => {
            const ms = performance.now() - start;
            if (pending) {
              const p = pending;
              pending = null;
              p(ms);
            } else {
              resolve({
                plot: u,
                ms,
                redraw: () =>
                  new Promise<number>((r) => {
                    pending = r;
                    start = performance.now();
                    u.setData(data);
                  }),
              });
            }
          },
        ],
      },
    };
    start = performance.now();
    new uPlot(options, data, el);
  });
}

/**
 * Dev-only benchmark (route `#/dev/chart-bench?n=1000,100000`): builds synthetic loss curves, draws each with
 * uPlot and measures preparation, first draw and five redraws. The e2e test reads `window.__chartBench`.
 */
export function ChartBenchPage() {
  const [params] = useSearchParams();
  const sizes = (params.get("n") ?? "1000,100000")
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n <= 1_000_000);
  const holder = useRef<HTMLDivElement>(null);
  const [results, setResults] = useState<BenchResult[]>([]);
  const key = sizes.join(",");

  useEffect(() => {
    let cancelled = false;
    const plots: uPlot[] = [];
    window.__chartBench = { done: false, results: [] };
    void (async () => {
      try {
        const out: BenchResult[] = [];
        for (const n of key.split(",").map(Number)) {
          const points = syntheticLossCurve(n);
          const t0 = performance.now();
          const data = toChartData(points, ["train_loss", "val_loss"]) as unknown as uPlot.AlignedData;
          const prepareMs = performance.now() - t0;
          const el = document.createElement("div");
          el.dataset.points = String(n);
          holder.current?.appendChild(el);
          const first = await drawOnce(el, data);
          plots.push(first.plot);
          const redrawMs: number[] = [];
          for (let i = 0; i < 5; i++) redrawMs.push(await first.redraw());
          out.push({ points: n, prepareMs, firstDrawMs: first.ms, redrawMs });
          if (cancelled) return;
        }
        window.__chartBench = { done: true, results: out };
        setResults(out);
      } catch (error) {
        window.__chartBench = { done: true, results: [], error: String(error) };
      }
    })();
    return () => {
      cancelled = true;
      plots.forEach((p) => p.destroy());
    };
  }, [key]);

  return (
    <div data-testid="page-chart-bench" className="flex flex-col gap-4">
      <PageHeader title="Chart benchmark" description="uPlot loss chart render time with synthetic points (development only)." />
      <table className="text-sm" data-testid="bench-results">
        <thead>
          <tr className="text-left">
            <th>points</th>
            <th>prepare (ms)</th>
            <th>first draw (ms)</th>
            <th>redraws (ms)</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.points}>
              <td>{r.points.toLocaleString("en-US")}</td>
              <td>{r.prepareMs.toFixed(1)}</td>
              <td>{r.firstDrawMs.toFixed(1)}</td>
              <td>{r.redrawMs.map((ms) => ms.toFixed(1)).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div ref={holder} className="flex flex-col gap-4" />
    </div>
  );
}
