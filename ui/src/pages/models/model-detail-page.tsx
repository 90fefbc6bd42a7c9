import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { GitBranch, Pencil, ShieldCheck } from "lucide-react";

import type { ModelPage_Serialize as ModelPage } from "@/bindings";
import { CommandErrorNotice } from "@/components/command-error-notice";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { describeError } from "@/lib/ipc";
import { cn } from "@/lib/utils";
import { Rating } from "@/pages/models-page";
import { MergeCard, ModelActions } from "@/pages/models/model-actions";
import { fmt, formatBytes, modelPageQuery, useModelEdit } from "@/pages/models/model-queries";
import { ModelSnippets } from "@/pages/models/model-snippets";

/** One model: what it is worth, where it came from, its versions, and how to use it. */
export function ModelDetailPage() {
  const { modelId = "" } = useParams();
  const page = useQuery(modelPageQuery(modelId));
  if (page.isPending) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (page.isError) return <CommandErrorNotice error={page.error} />;
  const p = page.data;
  const m = p.model;
  return (
    <div data-testid="page-model" className="flex flex-col gap-6">
      <PageHeader
        title={m.name}
        description={p.description || `LoRA adapter for ${m.base_model}`}
        actions={<EditButton page={p} />}
      />
      <div className="flex flex-wrap items-center gap-2">
        <Badge variant="secondary" data-testid="model-version">
          v{p.version}
        </Badge>
        {p.deleted_at && <Badge variant="destructive">in the trash</Badge>}
      </div>
      <ModelActions page={p} />
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
        <Lineage page={p} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <Versions page={p} />
        <ModelSnippets snippets={p.snippets} />
      </div>
      <MergeCard page={p} />
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
                  <td className="py-1.5 text-right tabular-nums">{formatBytes(f.size)}</td>
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

function Lineage({ page }: { page: ModelPage }) {
  const m = page.model;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Lineage</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm" data-testid="model-lineage">
          <dt className="text-muted-foreground">Dataset</dt>
          <dd>
            <Link className="underline" to={`/datasets/${m.dataset_id}`}>
              {m.dataset_name ?? m.dataset_id}
            </Link>
          </dd>
          <dt className="text-muted-foreground">Training file SHA-256</dt>
          <dd className="break-all font-mono text-xs">{m.dataset_sha256}</dd>
          <dt className="text-muted-foreground">Base model</dt>
          <dd className="break-all">{m.base_model}</dd>
          <dt className="text-muted-foreground">Job</dt>
          <dd>
            <Link className="underline" to={`/training/jobs/${m.job_id}`}>
              {m.job_id.slice(0, 8)}
            </Link>
            {page.cluster_name && <span className="text-muted-foreground"> on {page.cluster_name}</span>}
          </dd>
          <dt className="text-muted-foreground">Trained again from</dt>
          <dd>
            {page.parent_model_id ? (
              <Link className="underline" to={`/models/${page.parent_model_id}`} data-testid="parent-model">
                {page.versions.find((v) => v.model_id === page.parent_model_id)?.name ?? page.parent_model_id.slice(0, 8)}
              </Link>
            ) : (
              "— (trained from scratch)"
            )}
          </dd>
          <dt className="text-muted-foreground">Adapter folder</dt>
          <dd className="break-all font-mono text-xs" data-testid="adapter-dir">
            {m.adapter_dir}
          </dd>
        </dl>
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer text-muted-foreground">Configuration</summary>
          <pre className="mt-2 max-h-64 overflow-auto rounded-md bg-muted p-2 text-xs">{m.config}</pre>
        </details>
      </CardContent>
    </Card>
  );
}

function Versions({ page }: { page: ModelPage }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <GitBranch className="size-4" aria-hidden="true" /> Versions
        </CardTitle>
      </CardHeader>
      <CardContent>
        <ol className="flex flex-col gap-1 text-sm" data-testid="model-versions">
          {page.versions.map((v) => {
            const current = v.model_id === page.model.id;
            return (
              <li key={v.model_id} className={cn("flex items-center gap-2 rounded-md px-2 py-1", current && "bg-accent")}>
                <Badge variant={current ? "default" : "outline"}>v{v.version}</Badge>
                {current ? (
                  <span className="font-medium">{v.name} (this model)</span>
                ) : (
                  <Link className="underline" to={`/models/${v.model_id}`}>
                    {v.name}
                  </Link>
                )}
                <span className="ml-auto text-xs text-muted-foreground">{new Date(v.created_at).toLocaleDateString()}</span>
              </li>
            );
          })}
        </ol>
        <p className="mt-2 text-xs text-muted-foreground">"Train again" starts the next version from this model's settings.</p>
      </CardContent>
    </Card>
  );
}

function EditButton({ page }: { page: ModelPage }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(page.model.name);
  const [description, setDescription] = useState(page.description);
  const edit = useModelEdit(page.model.id);
  const save = async () => {
    if (name !== page.model.name) await edit.mutateAsync({ rename: name });
    if (description !== page.description) await edit.mutateAsync({ describe: description });
    setOpen(false);
  };
  return (
    <>
      <Button
        variant="outline"
        size="sm"
        data-testid="edit-model"
        onClick={() => {
          setName(page.model.name);
          setDescription(page.description);
          setOpen(true);
        }}
      >
        <Pencil aria-hidden="true" /> Rename / describe
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Name and description</DialogTitle>
          </DialogHeader>
          <div className="flex flex-col gap-2">
            <Label htmlFor="model-name">Name</Label>
            <Input id="model-name" value={name} onChange={(e) => setName(e.target.value)} />
            <Label htmlFor="model-description">Description</Label>
            <Input id="model-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          {edit.isError && <p className="text-sm text-destructive">{describeError(edit.error)}</p>}
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button onClick={() => void save().catch(() => undefined)} disabled={edit.isPending} data-testid="save-model">
              Save
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}
