import { Link } from "react-router";
import { toast } from "sonner";

import { PrepareProgress } from "@/components/clusters/prepare-progress";
import { Button } from "@/components/ui/button";
import { useClusterMutations } from "@/lib/cluster-queries";
import { adviceFor } from "@/lib/error-actions";
import { describeError } from "@/lib/ipc";

/** A command's error with what fixes it, chosen by its code: Prepare for a missing local training stack, Settings
 *  for a rejected key or a removed cluster, Try again for a cluster that does not answer (when `onRetry` is given). */
export function CommandErrorNotice({ error, onRetry, className }: { error: unknown; onRetry?: () => void; className?: string }) {
  const advice = adviceFor(error);
  const { prepareLocal } = useClusterMutations();
  const action = advice.action;
  return (
    <div role="alert" data-testid="command-error" data-code={advice.code ?? undefined} className={className ?? "flex flex-col gap-2 text-sm text-destructive"}>
      {advice.title && <p className="font-medium">{advice.title}</p>}
      <p>{describeError(error)}</p>
      {action.kind === "prepare" && (
        <div className="flex flex-col gap-2 text-foreground">
          <Button
            size="sm"
            variant="outline"
            className="self-start"
            disabled={prepareLocal.isPending}
            onClick={() =>
              prepareLocal.mutate(undefined, {
                onSuccess: () => {
                  toast.success("The local training stack is ready.");
                  onRetry?.();
                },
                onError: (e) => toast.error(describeError(e)),
              })
            }
          >
            {prepareLocal.isPending ? "Preparing…" : action.label}
          </Button>
          {prepareLocal.isPending && <PrepareProgress />}
        </div>
      )}
      {action.kind === "settings" && (
        <Button size="sm" variant="outline" className="self-start" asChild>
          <Link to="/settings">{action.label}</Link>
        </Button>
      )}
      {action.kind === "retry" && onRetry && (
        <Button size="sm" variant="outline" className="self-start" onClick={onRetry}>
          {action.label}
        </Button>
      )}
    </div>
  );
}
