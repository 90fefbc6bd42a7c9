import type { CountView, DatasetDetailView_Serialize } from "@/bindings";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { formatBytes, formatCount, formatDate, formatFixed, formatLabel, num } from "@/lib/format";

const SCAFFOLDING_LABELS: Record<string, string> = {
  personas: "Personas",
  emotional_arcs: "Emotional arcs",
  training_topics: "Training topics",
};

/** The file's facts, and for v4 its quality and scaffolding distributions. */
export function MetadataTab({ detail }: { detail: DatasetDetailView_Serialize }) {
  const { dataset, report } = detail;
  const facts: [string, string][] = [
    ["Original file", dataset.originalFileName],
    ["Stored as", dataset.filePath],
    ["SHA-256", dataset.sha256],
    ["Size", `${formatBytes(dataset.bytes)} (${formatCount(dataset.bytes)} bytes)`],
    ["Format", formatLabel(dataset.format)],
    ["Imported", formatDate(dataset.createdAt)],
    ["Validated", formatDate(dataset.validatedAt) || "not yet"],
  ];
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="metadata-tab">
      <Card className="lg:col-span-2">
        <CardHeader>
          <CardTitle>File</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-2 text-sm sm:grid-cols-[10rem_1fr]">
            {facts.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-muted-foreground">{label}</dt>
                <dd className="font-mono text-xs break-all sm:text-sm">{value}</dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>
      {report?.quality && (
        <Card>
          <CardHeader>
            <CardTitle>Quality scores</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-3 text-sm">
            <p>
              Mean {formatFixed(report.quality.mean, 2)} (min {report.quality.min}, max {report.quality.max}) over{" "}
              {formatCount(report.quality.scoredExamples)} examples; {formatCount(report.quality.humanReviewed)} human-reviewed.
            </p>
            <Bars values={report.quality.distribution} />
          </CardContent>
        </Card>
      )}
      {report?.scaffolding.map((d) => (
        <Card key={d.name}>
          <CardHeader>
            <CardTitle>{SCAFFOLDING_LABELS[d.name] ?? d.name}</CardTitle>
          </CardHeader>
          <CardContent>
            <Bars values={d.values} />
          </CardContent>
        </Card>
      ))}
    </div>
  );
}

/** A distribution as horizontal bars. */
function Bars({ values }: { values: CountView[] }) {
  const max = Math.max(...values.map((v) => num(v.count)), 1);
  return (
    <ul className="flex flex-col gap-1.5 text-xs">
      {values.map((v) => (
        <li key={v.value} className="grid grid-cols-[minmax(6rem,12rem)_1fr_2.5rem] items-center gap-2">
          <span className="truncate" title={v.value}>
            {v.value}
          </span>
          <span className="h-2 rounded-full bg-primary/15">
            <span className="block h-2 rounded-full bg-primary" style={{ width: `${(num(v.count) / max) * 100}%` }} />
          </span>
          <span className="text-right tabular-nums">{formatCount(v.count)}</span>
        </li>
      ))}
    </ul>
  );
}
