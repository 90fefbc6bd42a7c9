import type { HistogramBinView } from "@/bindings";
import { formatCompact, formatCount, num } from "@/lib/format";

/** Tokens per training example as a bar chart: a plain SVG, sized by its container. */
export function TokenHistogram({ bins }: { bins: HistogramBinView[] }) {
  if (bins.length === 0) return <p className="text-sm text-muted-foreground">No training examples to chart.</p>;
  const max = Math.max(...bins.map((b) => num(b.count)), 1);
  const first = bins[0];
  const last = bins[bins.length - 1];
  const width = 600;
  const height = 180;
  const barWidth = width / bins.length;
  return (
    <figure className="flex flex-col gap-2" data-testid="token-histogram">
      <svg viewBox={`0 0 ${width} ${height + 20}`} className="h-auto w-full" role="img" aria-label="Tokens per training example">
        {bins.map((bin, i) => {
          const h = (num(bin.count) / max) * height;
          return (
            <g key={bin.start}>
              <rect
                x={i * barWidth + 1}
                y={height - h}
                width={Math.max(barWidth - 2, 1)}
                height={h}
                rx={2}
                className="fill-primary"
              >
                <title>{`${formatCount(bin.start)}–${formatCount(bin.end)} tokens: ${formatCount(bin.count)} examples`}</title>
              </rect>
            </g>
          );
        })}
        <line x1={0} y1={height} x2={width} y2={height} className="stroke-border" />
        <text x={0} y={height + 15} className="fill-muted-foreground text-[11px]">
          {formatCompact(first?.start)}
        </text>
        <text x={width} y={height + 15} textAnchor="end" className="fill-muted-foreground text-[11px]">
          {formatCompact(last?.end)} tokens
        </text>
      </svg>
      <figcaption className="text-xs text-muted-foreground">
        Tokens per training example ({bins.length} bins, tallest {formatCount(max)} examples)
      </figcaption>
    </figure>
  );
}
