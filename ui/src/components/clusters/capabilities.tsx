import type { CapabilitiesView } from "@/bindings";
import { formatBytes } from "@/lib/format";

/** GPUs, prices and base models a cluster offers, as its last good test read them. */
export function Capabilities({ capabilities }: { capabilities: CapabilitiesView }) {
  return (
    <div className="grid gap-4 rounded-lg bg-muted/40 p-3 text-sm sm:grid-cols-3" data-testid="cluster-capabilities">
      <section>
        <h4 className="mb-1 text-xs font-medium text-muted-foreground">GPUs</h4>
        <ul data-testid="cluster-gpus">
          {capabilities.gpus.map((g) => (
            <li key={g.gpuType}>
              {g.count} × {g.name} ({g.gpuType}
              {g.memoryGb ? `, ${g.memoryGb} GB` : ""}) · {g.free} free
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h4 className="mb-1 text-xs font-medium text-muted-foreground">Price per GPU-hour</h4>
        <ul>
          {capabilities.prices.length === 0 && <li className="text-muted-foreground">Free (no prices set)</li>}
          {capabilities.prices.map((p) => (
            <li key={p.gpuType}>
              {p.gpuType}: ${(p.onDemand ?? 0).toFixed(2)} on demand, ${(p.spot ?? 0).toFixed(2)} spot
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h4 className="mb-1 text-xs font-medium text-muted-foreground">Base models</h4>
        <ul>
          {capabilities.baseModels.length === 0 && <li className="text-muted-foreground">Any model it can download</li>}
          {capabilities.baseModels.map((m) => (
            <li key={m.id} className="truncate" title={m.id}>
              {m.id}
            </li>
          ))}
        </ul>
        <p className="mt-2 text-xs text-muted-foreground">
          Agent {capabilities.agentVersion} · datasets up to {formatBytes(capabilities.maxDatasetBytes)} ·{" "}
          {capabilities.maxConcurrentJobs} job(s) at once
        </p>
      </section>
    </div>
  );
}
