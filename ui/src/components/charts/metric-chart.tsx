import { useEffect, useRef } from "react";
// Must run before uPlot loads (see locale-guard.ts).
import "@/components/charts/locale-guard";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { Download } from "lucide-react";
import { toast } from "sonner";

import { commands } from "@/bindings";

import { Button } from "@/components/ui/button";
import { formatTick, type ChartData } from "@/components/charts/series";
import { describeError, unwrap } from "@/lib/ipc";

/** One line of a chart. */
export type ChartSeries = { label: string; color: string; dashed?: boolean; points?: boolean };

type Props = {
  title: string;
  data: ChartData;
  series: ChartSeries[];
  height?: number;
  testId?: string;
  /** Y axis on a log scale (loss curves that start high). */
  logY?: boolean;
  /** Offer "Export PNG". */
  exportable?: boolean;
  /** Called after each draw with the time it took (ms), for the benchmark. */
  onDrawn?: (ms: number) => void;
  /** The x axis's name ("step" unless told). */
  xLabel?: string;
  /** X values are Unix seconds, shown as UTC dates (a daily chart). */
  timeX?: boolean;
};

/**
 * A uPlot line chart. uPlot draws on one canvas and keeps the data as typed columns, so 100,000 points
 * redraw in milliseconds; the chart is created once and later data goes through `setData`.
 */
export function MetricChart({
  title,
  data,
  series,
  height = 220,
  testId,
  logY = false,
  exportable = false,
  onDrawn,
  xLabel = "step",
  timeX = false,
}: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const drawStart = useRef(0);
  const onDrawnRef = useRef(onDrawn);
  useEffect(() => {
    onDrawnRef.current = onDrawn;
  }, [onDrawn]);

  // Create once per series layout; the data effect below feeds it.
  const layout = series.map((s) => `${s.label}:${s.color}:${s.dashed ? 1 : 0}`).join("|") + `|${logY}|${height}|${xLabel}|${timeX}`;
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const axisColor = getComputedStyle(el).color || "#888";
    const options: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: timeX }, y: logY ? { distr: 3 } : {} },
      // Days are UTC (the months the budget counts): label them so wherever the user is.
      ...(timeX ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") } : {}),
      axes: [
        { stroke: axisColor, grid: { stroke: "rgba(128,128,128,0.15)" }, label: xLabel },
        {
          stroke: axisColor,
          grid: { stroke: "rgba(128,128,128,0.15)" },
          size: 60,
          values: (_u: uPlot, ticks: number[]) => ticks.map(formatTick),
        },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          dash: s.dashed ? [6, 4] : undefined,
          spanGaps: true,
          points: { show: s.points ?? false, size: 5 },
        })),
      ],
      hooks: {
        draw: [
          () => {
            onDrawnRef.current?.(performance.now() - drawStart.current);
          },
        ],
      },
    };
    drawStart.current = performance.now();
    plot.current = new uPlot(options, [[]] as unknown as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (plot.current && Math.abs(plot.current.width - w) > 1) plot.current.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `layout` captures the series and height.
  }, [layout]);

  useEffect(() => {
    if (!plot.current) return;
    drawStart.current = performance.now();
    plot.current.setData(data as unknown as uPlot.AlignedData);
  }, [data, layout]);

  // A webview ignores `<a download>`: the shell asks where to save and writes the canvas's PNG there.
  const exportPng = async () => {
    const canvas = holder.current?.querySelector("canvas");
    if (!canvas) return;
    try {
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
      if (!blob) throw new Error("The chart could not be drawn as a PNG.");
      const png = Array.from(new Uint8Array(await blob.arrayBuffer()));
      const saved = await unwrap(commands.saveChartPng(title, png));
      if (saved) toast.success(`Saved ${saved}`);
    } catch (error) {
      toast.error(describeError(error));
    }
  };

  return (
    <figure className="flex flex-col gap-2" data-testid={testId} data-points={data[0].length}>
      <figcaption className="flex items-center justify-between text-sm font-medium">
        <span>{title}</span>
        {exportable && (
          <Button variant="ghost" size="sm" onClick={() => void exportPng()} data-testid={testId ? `${testId}-export` : undefined}>
            <Download aria-hidden="true" /> Export PNG
          </Button>
        )}
      </figcaption>
      <div ref={holder} className="w-full text-muted-foreground" />
    </figure>
  );
}
