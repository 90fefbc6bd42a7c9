import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ArrowLeft, Pencil, Play, RotateCcw, SearchX, Trash2 } from "lucide-react";
import { toast } from "sonner";

import { ReadinessBadge, StatusBadge } from "@/components/datasets/dataset-card";
import { MetadataTab } from "@/components/datasets/detail/metadata-tab";
import { NoReport, OverviewTab } from "@/components/datasets/detail/overview-tab";
import { SamplesTab } from "@/components/datasets/detail/samples-tab";
import { ValidationTab } from "@/components/datasets/detail/validation-tab";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useDatasetDetail, useDatasetMutations } from "@/lib/dataset-queries";
import { formatCount, formatLabel, num } from "@/lib/format";
import { CommandError, describeError } from "@/lib/ipc";

export function DatasetDetailPage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const detail = useDatasetDetail(id);
  const { remove, restore } = useDatasetMutations();
  const [editing, setEditing] = useState(false);

  if (detail.isPending)
    return (
      <div data-testid="page-dataset-detail" className="flex flex-col gap-4">
        <Skeleton className="h-10 w-1/2" />
        <Skeleton className="h-64" />
      </div>
    );
  if (detail.isError)
    return (
      <div data-testid="page-dataset-detail">
        <EmptyState
          icon={SearchX}
          title={detail.error instanceof CommandError && detail.error.code === "not_found" ? "This dataset is gone" : "The dataset could not be read"}
          description={describeError(detail.error)}
          actions={
            <Button asChild variant="outline">
              <Link to="/datasets">Back to datasets</Link>
            </Button>
          }
        />
      </div>
    );

  const { dataset, report } = detail.data;
  const trashed = dataset.deletedAt !== null;

  const onDelete = async () => {
    try {
      await remove.mutateAsync(dataset.id);
      void navigate("/datasets");
      toast(`“${dataset.name}” moved to the trash`, {
        action: { label: "Undo", onClick: () => void restore.mutateAsync(dataset.id) },
      });
    } catch (error) {
      toast.error(describeError(error));
    }
  };

  const onRestore = async () => {
    try {
      await restore.mutateAsync(dataset.id);
      toast.success(`“${dataset.name}” is back in the library`);
    } catch (error) {
      toast.error(describeError(error));
    }
  };

  return (
    <div data-testid="page-dataset-detail" className="flex flex-col gap-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="flex min-w-0 flex-col gap-2">
          <Link to="/datasets" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
            <ArrowLeft className="size-4" aria-hidden="true" /> Datasets
          </Link>
          <h1 className="text-2xl font-semibold tracking-tight break-all" data-testid="dataset-name">
            {dataset.name}
          </h1>
          {dataset.description && <p className="text-sm text-muted-foreground">{dataset.description}</p>}
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={dataset.status} />
            <Badge variant="secondary">{formatLabel(dataset.format)}</Badge>
            <ReadinessBadge dataset={dataset} />
            {trashed && <Badge variant="outline">In the trash</Badge>}
            <span className="text-sm text-muted-foreground" data-testid="detail-examples">
              {formatCount(dataset.trainingExamples)} training examples
            </span>
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Button variant="outline" onClick={() => setEditing(true)}>
            <Pencil aria-hidden="true" /> Edit
          </Button>
          {trashed ? (
            <Button variant="outline" onClick={() => void onRestore()} data-testid="restore-button">
              <RotateCcw aria-hidden="true" /> Restore
            </Button>
          ) : (
            <Button variant="outline" onClick={() => void onDelete()} data-testid="delete-button">
              <Trash2 aria-hidden="true" /> Delete
            </Button>
          )}
          <Button
            disabled={trashed || dataset.status !== "ready"}
            title={dataset.status !== "ready" ? "Only a valid dataset can be trained on" : undefined}
            onClick={() => void navigate(`/training/configure?dataset=${encodeURIComponent(dataset.id)}`)}
            data-testid="start-training"
          >
            <Play aria-hidden="true" /> Start training
          </Button>
        </div>
      </div>

      <Tabs defaultValue="overview">
        <TabsList aria-label="Dataset sections">
          <TabsTrigger value="overview" data-testid="tab-overview">
            Overview
          </TabsTrigger>
          <TabsTrigger value="samples" data-testid="tab-samples">
            Samples
          </TabsTrigger>
          <TabsTrigger value="validation" data-testid="tab-validation">
            Validation
            {report && num(report.errorCount) + num(report.warningCount) > 0 && (
              <Badge variant={num(report.errorCount) > 0 ? "destructive" : "warning"} className="ml-1">
                {formatCount(num(report.errorCount) + num(report.warningCount))}
              </Badge>
            )}
          </TabsTrigger>
          <TabsTrigger value="metadata" data-testid="tab-metadata">
            Metadata
          </TabsTrigger>
        </TabsList>
        <TabsContent value="overview" className="mt-4">
          <OverviewTab detail={detail.data} />
        </TabsContent>
        <TabsContent value="samples" className="mt-4">
          <SamplesTab id={dataset.id} total={num(dataset.trainingExamples)} />
        </TabsContent>
        <TabsContent value="validation" className="mt-4">
          {report ? <ValidationTab report={report} /> : <NoReport detail={detail.data} />}
        </TabsContent>
        <TabsContent value="metadata" className="mt-4">
          <MetadataTab detail={detail.data} />
        </TabsContent>
      </Tabs>

      <EditDialog
        open={editing}
        onOpenChange={setEditing}
        id={dataset.id}
        name={dataset.name}
        description={dataset.description ?? ""}
      />
    </div>
  );
}

function EditDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; id: string; name: string; description: string }) {
  const { update } = useDatasetMutations();
  const [name, setName] = useState(props.name);
  const [description, setDescription] = useState(props.description);
  const [error, setError] = useState<string | null>(null);

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      await update.mutateAsync({ id: props.id, name, description });
      props.onOpenChange(false);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <Dialog
      open={props.open}
      onOpenChange={(open) => {
        // Start from the saved values each time the dialog opens.
        if (open) {
          setName(props.name);
          setDescription(props.description);
          setError(null);
        }
        props.onOpenChange(open);
      }}
    >
      <DialogContent>
        <form onSubmit={(e) => void onSubmit(e)} className="flex flex-col gap-4">
          <DialogHeader>
            <DialogTitle>Edit dataset</DialogTitle>
            <DialogDescription>The name and description are yours; the file itself never changes.</DialogDescription>
          </DialogHeader>
          <div className="flex flex-col gap-2">
            <Label htmlFor="dataset-name">Name</Label>
            <Input id="dataset-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={error !== null} />
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="dataset-description">Description</Label>
            <Input id="dataset-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          {error && (
            <p className="text-sm text-destructive" role="alert">
              {error}
            </p>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => props.onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={update.isPending}>
              Save
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
