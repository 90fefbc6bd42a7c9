import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Boxes, ShieldCheck, Star } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { describeError } from "@/lib/ipc";
import { fmt } from "@/pages/models/model-queries";
import { ModelTrash } from "@/pages/models/model-trash";
import { modelsQuery } from "@/lib/training-queries";

/** 1–5 stars. */
export function Rating({ value }: { value: number }) {
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
                      <span className="flex min-w-0 items-center gap-2">
                        <span className="truncate">{m.name}</span>
                        <Badge variant="outline" data-testid="model-row-version">
                          v{m.version}
                        </Badge>
                      </span>
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
      <ModelTrash />
    </div>
  );
}
