import { useState } from "react";
import { KeyRound, Loader2, Pencil, PlugZap, Trash2 } from "lucide-react";
import { toast } from "sonner";

import type { ClusterView_Serialize } from "@/bindings";
import { Capabilities } from "@/components/clusters/capabilities";
import { ClusterDialog } from "@/components/clusters/cluster-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useClusterMutations } from "@/lib/cluster-queries";
import { formatDate } from "@/lib/format";
import { describeError } from "@/lib/ipc";

const STATUS: Record<string, { label: string; variant: "success" | "destructive" | "warning" }> = {
  ok: { label: "Connected", variant: "success" },
  unreachable: { label: "Unreachable", variant: "destructive" },
  unauthorized: { label: "Key refused", variant: "destructive" },
  failed: { label: "Bad answer", variant: "warning" },
};

/** The last test's outcome as a badge. */
export function ClusterStatusBadge({ status }: { status: string | null }) {
  if (!status) return <Badge variant="outline">Not tested</Badge>;
  const s = STATUS[status] ?? { label: status, variant: "warning" as const };
  return (
    <Badge variant={s.variant} data-testid="cluster-status">
      {s.label}
    </Badge>
  );
}

/** A remote cluster: its address, last test, capabilities; test, edit and remove. */
export function ClusterCard({ cluster }: { cluster: ClusterView_Serialize }) {
  const { test, remove } = useClusterMutations();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const onTest = async () => {
    try {
      const report = await test.mutateAsync(cluster.id);
      if (report.status === "ok") toast.success(`${cluster.name} answered: agent ${report.agentVersion ?? ""}`);
      else toast.error(report.error ?? `${cluster.name}: ${report.status}`);
    } catch (error) {
      toast.error(describeError(error));
    }
  };

  const onRemove = async () => {
    try {
      await remove.mutateAsync(cluster.id);
      setConfirming(false);
      toast.success(`${cluster.name} removed, and its key deleted from the keyring`);
    } catch (error) {
      toast.error(describeError(error));
    }
  };

  return (
    <Card className="gap-3" data-testid="cluster-card" data-name={cluster.name}>
      <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-2">
        <div className="flex min-w-0 flex-col gap-1">
          <CardTitle className="flex items-center gap-2">
            {cluster.name} <ClusterStatusBadge status={cluster.lastStatus} />
          </CardTitle>
          <p className="font-mono text-xs break-all text-muted-foreground">{cluster.url}</p>
          {cluster.lastTestedAt && (
            <p className="text-xs text-muted-foreground">Last tested {formatDate(cluster.lastTestedAt)}</p>
          )}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" onClick={() => void onTest()} disabled={test.isPending} data-testid="cluster-test">
            {test.isPending ? <Loader2 className="animate-spin" aria-hidden="true" /> : <PlugZap aria-hidden="true" />} Test
          </Button>
          <Button variant="outline" size="sm" onClick={() => setEditing(true)} data-testid="cluster-edit">
            <Pencil aria-hidden="true" /> Edit
          </Button>
          <Button variant="outline" size="sm" onClick={() => setConfirming(true)} data-testid="cluster-remove">
            <Trash2 aria-hidden="true" /> Remove
          </Button>
        </div>
      </CardHeader>
      <CardContent className="flex flex-col gap-2">
        {cluster.lastError && cluster.lastStatus !== "ok" && (
          <p className="text-sm text-destructive" data-testid="cluster-error">
            {cluster.lastError}
          </p>
        )}
        {cluster.lastStatus === "unauthorized" && (
          <div>
            <Button size="sm" onClick={() => setEditing(true)} data-testid="cluster-new-key">
              <KeyRound aria-hidden="true" /> Enter a new key
            </Button>
          </div>
        )}
        {cluster.capabilities && cluster.lastStatus === "ok" && <Capabilities capabilities={cluster.capabilities} />}
        {!cluster.lastStatus && <p className="text-sm text-muted-foreground">Test the connection to see its GPUs, prices and models.</p>}
      </CardContent>
      <ClusterDialog open={editing} onOpenChange={setEditing} cluster={cluster} />
      <Dialog open={confirming} onOpenChange={setConfirming}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Remove {cluster.name}?</DialogTitle>
            <DialogDescription>
              Its API key is deleted from the system keyring. Jobs already running on it keep running there.
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="outline" onClick={() => setConfirming(false)}>
              Keep it
            </Button>
            <Button variant="destructive" onClick={() => void onRemove()} disabled={remove.isPending} data-testid="cluster-remove-confirm">
              Remove
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </Card>
  );
}
