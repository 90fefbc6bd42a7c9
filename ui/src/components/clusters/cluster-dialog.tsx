import { useState } from "react";
import { KeyRound } from "lucide-react";

import type { ClusterView_Serialize } from "@/bindings";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useClusterMutations } from "@/lib/cluster-queries";
import { CommandError, describeError } from "@/lib/ipc";

type Props = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The cluster to edit; none to add one. */
  cluster?: ClusterView_Serialize;
};

/** Add a remote cluster (name, URL, API key), or change a cluster's URL and key. The key goes to the OS keyring. */
export function ClusterDialog({ open, onOpenChange, cluster }: Props) {
  const { add, update } = useClusterMutations();
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [allowInsecure, setAllowInsecure] = useState(false);
  // Only a hint of when to offer the box; the core decides what is refused (loopback needs no opt-in).
  const plainHttp = url.trim().toLowerCase().startsWith("http://");
  const [error, setError] = useState<{ keyring: boolean; message: string } | null>(null);
  const editing = cluster !== undefined;
  const pending = add.isPending || update.isPending;

  const reset = () => {
    setName(cluster?.name ?? "");
    setUrl(cluster?.url ?? "");
    setApiKey("");
    setAllowInsecure(false);
    setError(null);
  };

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      if (cluster) {
        await update.mutateAsync({ id: cluster.id, url: url === cluster.url ? null : url, apiKey: apiKey || null, allowInsecure });
      } else {
        await add.mutateAsync({ name, url, apiKey, allowInsecure });
      }
      setApiKey("");
      onOpenChange(false);
    } catch (e) {
      setError({ keyring: e instanceof CommandError && e.code === "keyring", message: describeError(e) });
    }
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (next) reset();
        else setApiKey("");
        onOpenChange(next);
      }}
    >
      <DialogContent>
        <form onSubmit={(e) => void onSubmit(e)} className="flex flex-col gap-4" data-testid="cluster-form">
          <DialogHeader>
            <DialogTitle>{editing ? `Edit ${cluster.name}` : "Add a cluster"}</DialogTitle>
            <DialogDescription>
              A machine running brightrun-agent. The API key is kept in your system keyring, never on disk or in logs.
            </DialogDescription>
          </DialogHeader>
          {!editing && (
            <div className="flex flex-col gap-2">
              <Label htmlFor="cluster-name">Name</Label>
              <Input id="cluster-name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="GPU box" />
            </div>
          )}
          <div className="flex flex-col gap-2">
            <Label htmlFor="cluster-url">URL</Label>
            <Input
              id="cluster-url"
              required
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="http://10.0.0.5:8420"
              inputMode="url"
              autoComplete="off"
            />
          </div>
          {plainHttp && (
            <div className="flex flex-col gap-1 rounded-md border border-amber-500/40 bg-amber-500/5 p-3 text-sm" data-testid="cluster-insecure">
              <label className="flex items-center gap-2 font-medium">
                <input
                  type="checkbox"
                  checked={allowInsecure}
                  onChange={(e) => setAllowInsecure(e.target.checked)}
                  data-testid="cluster-allow-insecure"
                />
                Allow an unencrypted connection
              </label>
              <p className="text-xs text-muted-foreground">
                Over plain http:// the API key crosses the network readable by anyone on the way. Prefer https:// (the agent
                behind a TLS proxy) or an SSH tunnel; this computer (127.0.0.1, localhost) is safe without it.
              </p>
            </div>
          )}
          <div className="flex flex-col gap-2">
            <Label htmlFor="cluster-key">API key{editing && " (leave empty to keep the current one; needed again for another server)"}</Label>
            <Input
              id="cluster-key"
              type="password"
              required={!editing}
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
            <p className="text-xs text-muted-foreground">
              On the GPU machine: <code className="rounded bg-muted px-1">brightrun-agent keys create</code>
            </p>
          </div>
          {error && (
            <div role="alert" className="flex gap-2 rounded-md border border-destructive/40 bg-destructive/5 p-3 text-sm" data-testid="cluster-form-error">
              {error.keyring && <KeyRound className="mt-0.5 size-4 shrink-0" aria-hidden="true" />}
              <div>
                {error.keyring && <p className="font-medium">The system keyring cannot be used</p>}
                <p>{error.message}</p>
              </div>
            </div>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending} data-testid="cluster-save">
              {editing ? "Save" : "Add cluster"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
