import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { Boxes, ShieldCheck, Star } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { CommandErrorNotice } from "@/components/command-error-notice";
import { describeError } from "@/lib/ipc";
import { modelQuery, modelsQuery } from "@/pages/training-queries";

function fmt(value: number | null | undefined, digits = 3) {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

function Rating({ value }: { value: number }) {
  return (
    <span className="flex items-center gap-0.5" aria-label={`rated ${value} of 5`}>
      {[1, 2, 3, 4, 5].map((i) => (
        <Star key={i} className={i <= value ? "size-3.5 fill-primary text-primary" : "size-3.5 text-muted-foreground"} aria-hidden="true" />
      ))}
    </span>
  );
}

/** Models: every downloaded, verified adapter with its quality and lineage. */
export function ModelsPage() {
  const models = useQuery(modelsQuery);
  return (
    <div data-testid="page-models" className="flex flex-col gap-6">
      <PageHeader title="Models" description="Trained LoRA adapters with their quality and where they came from." />
      {models.isError && <p role="alert">{describeError(models.error)}</p>}
      {models.isSuccess && models.data.length === 0 && (
        <EmptyState
          icon={Boxes}
          title="No models yet"
          description="When a training job completes, its adapter is downloaded, checked and listed here."
          actions={
            <Button asChild>
              <Link to="/training/configure">Configure a run</Link>
            </Button>
          }
        />
      )}
      {models.isSuccess && models.data.length > 0 && (
        <ul className="grid gap-4 md:grid-cols-2">
          {models.data.map((m) => (
            <li key={m.id}>
              <Link to={`/models/${m.id}`} data-testid="model-row">
                <Card className="h-full gap-3 hover:bg-accent">
                  <CardHeader>
                    <CardTitle className="flex items-center justify-between gap-2">
                      <span className="truncate">{m.name}</span>
                      <Rating value={m.rating} />
                    </CardTitle>
                    <CardDescription>
                      {m.base_model} · {m.dataset_name ?? "dataset removed"}
                    </CardDescription>
                  </CardHeader>
                  <CardContent className="flex flex-wrap gap-2 text-xs">
                    <Badge variant="secondary">val loss {fmt(m.final_val_loss)}</Badge>
                    <Badge variant="secondary">perplexity {fmt(m.perplexity, 2)}</Badge>
                    {m.verified && (
                      <Badge variant="success">
                        <ShieldCheck aria-hidden="true" /> verified
                      </Badge>
                    )}
                    {m.overfitting && <Badge variant="warning">overfitting</Badge>}
                  </CardContent>
                </Card>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** One model: quality, lineage (dataset, configuration, job) and the adapter's files. */
export function ModelDetailPage() {
  const { modelId = "" } = useParams();
  const model = useQuery(modelQuery(modelId));
  if (model.isPending) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (model.isError) return <CommandErrorNotice error={model.error} />;
  const m = model.data;
  return (
    <div data-testid="page-model" className="flex flex-col gap-6">
      <PageHeader title={m.name} description={`LoRA adapter for ${m.base_model}`} />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center justify-between">
              Quality <Rating value={m.rating} />
            </CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-2 gap-3 text-sm" data-testid="model-quality">
              <dt className="text-muted-foreground">Final training loss</dt>
              <dd className="tabular-nums">{fmt(m.final_train_loss)}</dd>
              <dt className="text-muted-foreground">Final validation loss</dt>
              <dd className="tabular-nums">{fmt(m.final_val_loss)}</dd>
              <dt className="text-muted-foreground">Perplexity</dt>
              <dd className="tabular-nums">{fmt(m.perplexity, 2)}</dd>
              <dt className="text-muted-foreground">Improvement over the first loss</dt>
              <dd className="tabular-nums">{m.improvement_pct != null ? `${m.improvement_pct.toFixed(1)} %` : "—"}</dd>
              <dt className="text-muted-foreground">Overfitting</dt>
              <dd>{m.overfitting ? "yes: validation loss well above training loss" : "no"}</dd>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Lineage</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-2 text-sm">
            <p>
              Dataset:{" "}
              <Link className="underline" to={`/datasets/${m.dataset_id}`}>
                {m.dataset_name ?? m.dataset_id}
              </Link>{" "}
              <span className="text-xs text-muted-foreground">(training file {m.dataset_sha256.slice(0, 12)}…)</span>
            </p>
            <p>
              Job:{" "}
              <Link className="underline" to={`/training/jobs/${m.job_id}`}>
                {m.job_id.slice(0, 8)}
              </Link>
            </p>
            <p>
              Adapter folder: <code className="break-all text-xs" data-testid="adapter-dir">{m.adapter_dir}</code>
            </p>
            <details>
              <summary className="cursor-pointer text-muted-foreground">Configuration</summary>
              <pre className="mt-2 max-h-64 overflow-auto rounded-md bg-muted p-2 text-xs">{m.config}</pre>
            </details>
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            Files{" "}
            {m.verified ? (
              <Badge variant="success" data-testid="model-verified">
                <ShieldCheck aria-hidden="true" /> SHA-256 verified
              </Badge>
            ) : (
              <Badge variant="destructive">not verified</Badge>
            )}
          </CardTitle>
        </CardHeader>
        <CardContent>
          <table className="w-full text-sm">
            <tbody>
              {m.files.map((f) => (
                <tr key={f.name} className="border-b last:border-0">
                  <td className="py-1.5">{f.name}</td>
                  <td className="py-1.5 text-right tabular-nums">{((f.size ?? 0) / 1024).toFixed(1)} KiB</td>
                  <td className="py-1.5 pl-4 font-mono text-xs text-muted-foreground">{f.sha256.slice(0, 16)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </CardContent>
      </Card>
    </div>
  );
}
