import { useState } from "react";
import { Loader2, X } from "lucide-react";

import { commands, events, type LocalPrepareProgress } from "@/bindings";
import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import { formatBytes } from "@/lib/format";
import { useTauriEvent } from "@/lib/use-tauri-event";

/** The local cluster's preparation while it runs: its step, the installer's latest line, the size written so far,
 *  and Cancel (the core stops the installer and leaves nothing half-installed). */
export function PrepareProgress() {
  const [progress, setProgress] = useState<LocalPrepareProgress | null>(null);
  const [cancelling, setCancelling] = useState(false);

  useTauriEvent(events.localPrepareProgress, setProgress);

  const done = progress?.bytesDone ?? null;
  const expected = progress?.bytesExpected ?? null;
  const percent = done !== null && expected ? Math.min(100, (done / expected) * 100) : undefined;
  return (
    <div className="flex flex-col gap-2 rounded-md border p-3" role="status" data-testid="local-prepare-progress">
      <p className="flex items-center gap-2 font-medium">
        <Loader2 className="size-4 animate-spin" aria-hidden="true" />
        {progress ? `Step ${progress.stepNumber} of ${progress.steps}: ${progress.title}` : "Installing the training stack…"}
      </p>
      {percent !== undefined && <Progress value={percent} aria-label="Installed so far" />}
      <p className="text-muted-foreground">
        {done !== null && `${formatBytes(done)}${expected ? ` of about ${formatBytes(expected)}` : ""} · `}
        {progress && progress.message !== progress.title ? progress.message : "This takes a few minutes; you can keep using the app."}
      </p>
      <div>
        <Button
          variant="outline"
          size="sm"
          disabled={cancelling}
          onClick={() => {
            setCancelling(true);
            void commands.cancelPrepareLocalCluster().finally(() => setCancelling(false));
          }}
          data-testid="local-prepare-cancel"
        >
          <X aria-hidden="true" /> Cancel
        </Button>
      </div>
    </div>
  );
}
