import { Cpu, Loader2, Play, Square, Wrench } from "lucide-react";
import { toast } from "sonner";

import { Capabilities } from "@/components/clusters/capabilities";
import { PrepareProgress } from "@/components/clusters/prepare-progress";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useClusterMutations, useLocalCluster } from "@/lib/cluster-queries";
import { CommandError, describeError } from "@/lib/ipc";

const STATE_BADGE: Record<string, { label: string; variant: "success" | "outline" | "warning" }> = {
  running: { label: "Running", variant: "success" },
  stopped: { label: "Stopped", variant: "outline" },
  python_missing: { label: "Python stack missing", variant: "warning" },
};

/** "Local (this computer)": its state, start / stop, and the one-click fix for a missing training stack. */
export function LocalClusterCard() {
  const local = useLocalCluster();
  const { startLocal, stopLocal, prepareLocal } = useClusterMutations();
  const busy = startLocal.isPending || stopLocal.isPending || prepareLocal.isPending;

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      toast.success(done);
    } catch (error) {
      // A missing stack is shown in the card itself, with its fix; a cancelled preparation needs no words.
      const quiet = error instanceof CommandError && (error.code === "python_stack_missing" || error.code === "cancelled");
      if (!quiet) toast.error(describeError(error));
      void local.refetch();
    }
  };

  const view = local.data;
  const badge = view ? STATE_BADGE[view.state] : undefined;
  return (
    <Card data-testid="local-cluster-card">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Cpu className="size-4" aria-hidden="true" /> Local (this computer)
          {badge && (
            <Badge variant={badge.variant} data-testid="local-cluster-state">
              {badge.label}
            </Badge>
          )}
        </CardTitle>
        <CardDescription>
          Trains on this machine’s CPU or GPU through the same API as a remote cluster. It keeps running when you close
          the window, so a training run is never cut short.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        {local.isPending ? (
          <Skeleton className="h-16" />
        ) : local.isError ? (
          <p className="text-destructive">{describeError(local.error)}</p>
        ) : view ? (
          <>
            {view.state === "running" && (
              <p>
                Serving at <code className="rounded bg-muted px-1">{view.url}</code> (process {view.pid}).
              </p>
            )}
            {view.state === "stopped" && <p>Not running. It starts by itself when a job needs it, or start it now.</p>}
            {view.state === "python_missing" && (
              <div className="flex flex-col gap-2 rounded-md border border-warning/50 bg-warning/10 p-3" data-testid="python-missing">
                <p className="font-medium">The training stack (Python with PyTorch and PEFT) is not installed.</p>
                <p className="text-muted-foreground">
                  {view.python}: {view.detail}
                </p>
                <p>
                  Prepare installs it into BrightRun’s data folder from the trainer that came with the app (a few GB
                  downloaded from PyPI, several minutes). From a terminal, the same is: <code className="rounded bg-muted px-1">{view.prepareCommand}</code>
                </p>
              </div>
            )}
            {prepareLocal.isPending && <PrepareProgress />}
            <div className="flex flex-wrap gap-2">
              {view.state === "python_missing" ? (
                <Button
                  onClick={() => void run(() => prepareLocal.mutateAsync(), "The training stack is installed")}
                  disabled={busy}
                  data-testid="local-prepare"
                >
                  <Wrench aria-hidden="true" /> Prepare
                </Button>
              ) : view.state === "running" ? (
                <Button variant="outline" onClick={() => void run(() => stopLocal.mutateAsync(), "Local cluster stopped")} disabled={busy}>
                  <Square aria-hidden="true" /> Stop
                </Button>
              ) : (
                <Button onClick={() => void run(() => startLocal.mutateAsync(), "Local cluster running")} disabled={busy} data-testid="local-start">
                  {startLocal.isPending ? <Loader2 className="animate-spin" aria-hidden="true" /> : <Play aria-hidden="true" />} Start
                </Button>
              )}
            </div>
            <p className="text-xs text-muted-foreground">Log: {view.log}</p>
            {view.state === "running" && view.cluster?.capabilities && <Capabilities capabilities={view.cluster.capabilities} />}
          </>
        ) : null}
      </CardContent>
    </Card>
  );
}
