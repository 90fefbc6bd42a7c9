import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Controller, useFormContext } from "react-hook-form";
import { FolderOpen } from "lucide-react";

import { commands, type ClusterOptions, type TrainingDefaults } from "@/bindings";
import { CommandErrorNotice } from "@/components/command-error-notice";
import { SELECT } from "@/components/training/fields";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { describeError, insideTauri, unwrap } from "@/lib/ipc";
import { trainingKeys } from "@/lib/training-queries";
import type { TrainingFormValues } from "@/lib/training-form";

/** Dataset, cluster, base model (one the cluster offers, or a model folder on this computer) and the name. */
export function DatasetModelPicker({
  defaults,
  options,
  optionsError,
  baseModel,
  onDatasetChange,
}: {
  defaults: TrainingDefaults;
  options: ClusterOptions | undefined;
  optionsError: unknown;
  baseModel: string;
  onDatasetChange: (id: string) => void;
}) {
  const { control, register, watch, setValue } = useFormContext<TrainingFormValues>();
  const client = useQueryClient();
  const [changingDataset, setChangingDataset] = useState(false);
  const datasetId = watch("dataset_id");
  const dataset = defaults.datasets.find((d) => d.id === datasetId);
  const hasLocal = defaults.clusters.some((c) => c.kind === "local");

  const ensureLocal = useMutation({
    mutationFn: () => unwrap(commands.ensureLocalCluster()),
    onSuccess: (cluster) => {
      setValue("cluster_id", cluster.id, { shouldValidate: true });
      void client.invalidateQueries({ queryKey: trainingKeys.defaults });
    },
  });

  return (
    <Card>
      <CardHeader>
        <CardTitle>What to train</CardTitle>
        <CardDescription>Dataset, where it runs and the model it adapts.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4 md:grid-cols-3">
        <div className="flex flex-col gap-2">
          <Label htmlFor="dataset">Dataset</Label>
          {changingDataset || !dataset ? (
            <select
              id="dataset"
              className={SELECT}
              value={datasetId}
              onChange={(e) => {
                onDatasetChange(e.target.value);
                setChangingDataset(false);
              }}
            >
              {!dataset && <option value="">Pick a dataset</option>}
              {defaults.datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          ) : (
            <div className="flex items-center justify-between gap-2 rounded-md border px-3 py-1.5 text-sm" data-testid="chosen-dataset">
              <span className="truncate">
                {dataset.name}
                <span className="ml-2 text-muted-foreground">{dataset.training_examples} examples</span>
              </span>
              <Button variant="link" size="sm" className="h-auto px-0" onClick={() => setChangingDataset(true)}>
                Change
              </Button>
            </div>
          )}
        </div>
        <div className="flex flex-col gap-2">
          <Label htmlFor="cluster">Cluster</Label>
          <select
            id="cluster"
            className={SELECT}
            {...register("cluster_id", {
              // Another cluster offers other models and GPUs: back to its defaults.
              onChange: () => {
                setValue("base_model", "");
                setValue("gpu_type", "");
              },
            })}
          >
            {defaults.clusters.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          {!hasLocal && (
            <Button variant="outline" size="sm" onClick={() => ensureLocal.mutate()} disabled={ensureLocal.isPending}>
              {ensureLocal.isPending ? "Starting the local cluster…" : "Use this computer (local cluster)"}
            </Button>
          )}
          {ensureLocal.isError && <CommandErrorNotice error={ensureLocal.error} onRetry={() => ensureLocal.mutate()} />}
          {optionsError != null && <CommandErrorNotice error={optionsError} />}
        </div>
        <Controller
          control={control}
          name="base_model"
          render={({ field, fieldState }) => (
            <div className="flex flex-col gap-2">
              <Label htmlFor="base-model">Base model</Label>
              <select id="base-model" className={SELECT} value={baseModel} onChange={(e) => field.onChange(e.target.value)}>
                {!options?.base_models.some((m) => m.id === baseModel) && baseModel && <option value={baseModel}>{baseModel}</option>}
                {(options?.base_models ?? []).map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id} {m.source === "local" ? "(local)" : ""}
                  </option>
                ))}
              </select>
              {fieldState.error && <p className="text-xs text-destructive">{fieldState.error.message}</p>}
              <LocalFolder
                onRegistered={(name) => {
                  field.onChange(name);
                  void client.invalidateQueries({ queryKey: trainingKeys.clusterOptions(watch("cluster_id")) });
                }}
              />
            </div>
          )}
        />
        <div className="flex flex-col gap-2 md:col-span-3">
          <Label htmlFor="job-name">Name (optional)</Label>
          <Input id="job-name" placeholder={dataset ? `${dataset.name} · ${baseModel}` : ""} {...register("name")} />
        </div>
      </CardContent>
    </Card>
  );
}

/**
 * "Use a local folder": a Hugging Face model folder on this computer, linked into the local agent's models
 * (not copied) and then offered by name. A cluster on another machine refuses it, saying why.
 */
function LocalFolder({ onRegistered }: { onRegistered: (name: string) => void }) {
  const { watch } = useFormContext<TrainingFormValues>();
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState("");
  const [linked, setLinked] = useState<string | null>(null);
  const link = useMutation({
    mutationFn: () => unwrap(commands.useLocalModelFolder(watch("cluster_id"), path)),
    onSuccess: (model) => {
      setLinked(`${model.path} is offered as ${model.name} (linked, not copied).`);
      setOpen(false);
      onRegistered(model.name);
    },
  });
  const browse = useMutation({
    mutationFn: () => unwrap(commands.pickModelFolder()),
    onSuccess: (picked) => picked && setPath(picked),
  });

  if (!open)
    return (
      <>
        <Button
          variant="link"
          size="sm"
          className="h-auto self-start px-0"
          onClick={() => setOpen(true)}
          data-testid="use-local-folder"
        >
          Use a local folder
        </Button>
        {linked && (
          <p className="text-xs text-muted-foreground" data-testid="local-folder-linked">
            {linked}
          </p>
        )}
      </>
    );
  return (
    <div className="flex flex-col gap-2 rounded-md border p-2" data-testid="local-folder">
      <div className="flex gap-2">
        <Input
          id="local-model-folder"
          aria-label="Model folder"
          placeholder="/path/to/model folder (with config.json)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        {insideTauri() && (
          <Button variant="outline" size="icon" aria-label="Browse for a folder" onClick={() => browse.mutate()}>
            <FolderOpen aria-hidden="true" />
          </Button>
        )}
      </div>
      <div className="flex gap-2">
        <Button size="sm" disabled={!path.trim() || link.isPending} onClick={() => link.mutate()} data-testid="register-local-folder">
          {link.isPending ? "Linking…" : "Use this folder"}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
      {link.isError && (
        <p role="alert" className="text-xs text-destructive" data-testid="local-folder-error">
          {describeError(link.error)}
        </p>
      )}
      {browse.isError && <p className="text-xs text-destructive">{describeError(browse.error)}</p>}
    </div>
  );
}
