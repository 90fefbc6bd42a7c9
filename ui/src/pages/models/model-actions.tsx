import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { Link } from "react-router";
import { FileArchive, FolderOpen, Merge, MessagesSquare, RotateCcw, Trash2, Undo2 } from "lucide-react";
import { toast } from "sonner";

import { commands, type MergeStep, type ModelPage_Serialize as ModelPage } from "@/bindings";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { describeError, unwrap } from "@/lib/ipc";
import { formatBytes, useModelEdit } from "@/pages/models/model-queries";

/** The buttons of a model: try it, train it again, export, open its folder, delete or restore. */
export function ModelActions({ page }: { page: ModelPage }) {
  const m = page.model;
  const edit = useModelEdit(m.id);
  const exportZip = useMutation({
    mutationFn: () => unwrap(commands.exportModelZip(m.id)),
    onSuccess: (zip) => {
      if (zip) toast.success(`Exported ${zip.path} (${formatBytes(zip.bytes)})`);
    },
    onError: (error) => toast.error(describeError(error)),
  });
  const openFolder = useMutation({
    mutationFn: () => unwrap(commands.openModelFolder(m.id)),
    onError: (error) => toast.error(describeError(error)),
  });
  const deleted = page.deleted_at !== null;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        <Button asChild size="sm" data-testid="open-playground">
          <Link to={`/playground?model=${m.id}`}>
            <MessagesSquare aria-hidden="true" /> Try in Playground
          </Link>
        </Button>
        <Button asChild size="sm" variant="outline" data-testid="train-again">
          <Link to={`/training/configure?dataset=${m.dataset_id}&from_model=${m.id}`}>
            <RotateCcw aria-hidden="true" /> Train again
          </Link>
        </Button>
        <Button size="sm" variant="outline" onClick={() => exportZip.mutate()} disabled={exportZip.isPending} data-testid="export-zip">
          <FileArchive aria-hidden="true" /> {exportZip.isPending ? "Exporting…" : "Export ZIP"}
        </Button>
        <Button size="sm" variant="outline" onClick={() => openFolder.mutate()} data-testid="open-folder">
          <FolderOpen aria-hidden="true" /> Open folder
        </Button>
        {deleted ? (
          <Button size="sm" variant="outline" onClick={() => edit.mutate({ restore: true })} data-testid="restore-model">
            <Undo2 aria-hidden="true" /> Restore
          </Button>
        ) : (
          <Button size="sm" variant="outline" onClick={() => edit.mutate({ delete: true })} data-testid="delete-model">
            <Trash2 aria-hidden="true" /> Move to trash
          </Button>
        )}
      </div>
      {exportZip.data && (
        <p className="text-xs text-muted-foreground" data-testid="export-result">
          Saved <code className="break-all">{exportZip.data.path}</code> · {formatBytes(exportZip.data.bytes)} · SHA-256{" "}
          <code>{exportZip.data.sha256.slice(0, 16)}…</code>
        </p>
      )}
      {edit.isError && <p className="text-xs text-destructive">{describeError(edit.error)}</p>}
    </div>
  );
}

/** Merge the adapter into its base model on the cluster, then download it with a progress bar. */
export function MergeCard({ page }: { page: ModelPage }) {
  const [step, setStep] = useState<MergeStep | null>(null);
  const merge = useMutation({
    mutationFn: () => {
      const channel = new Channel<MergeStep>();
      channel.onmessage = setStep;
      return unwrap(commands.mergeModel(page.model.id, channel));
    },
    onSuccess: (merged) => toast.success(`Merged model in ${merged.path}`),
  });
  const percent = step?.stage === "downloading" && (step.total ?? 0) > 0 ? ((step.done ?? 0) / (step.total ?? 1)) * 100 : 0;
  return (
    <Card data-testid="merge-card">
      <CardHeader>
        <CardTitle>Merged model</CardTitle>
        <CardDescription>
          The adapter folded into {page.model.base_model} (PEFT's merge_and_unload) on the cluster, downloaded and checked
          file by file: a folder any inference server loads.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        <Button size="sm" className="self-start" onClick={() => merge.mutate()} disabled={merge.isPending} data-testid="merge-model">
          <Merge aria-hidden="true" /> {merge.isPending ? "Merging…" : "Merge and download"}
        </Button>
        {merge.isPending && (
          <div className="flex flex-col gap-1" data-testid="merge-progress">
            <span>
              {step?.stage === "downloading"
                ? `Downloading ${formatBytes(step.done)} of ${formatBytes(step.total)}`
                : "Merging on the cluster…"}
            </span>
            <Progress value={percent} />
          </div>
        )}
        {merge.data && (
          <p data-testid="merge-result">
            <code className="break-all">{merge.data.path}</code> · {formatBytes(merge.data.bytes)} · weights SHA-256{" "}
            <code>{merge.data.sha256.slice(0, 16)}…</code>
          </p>
        )}
        {merge.isError && <p className="text-destructive">{describeError(merge.error)}</p>}
      </CardContent>
    </Card>
  );
}
