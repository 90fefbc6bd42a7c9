import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Trash2 } from "lucide-react";

import { commands } from "@/bindings";
import { unwrap } from "@/lib/ipc";

/** Models moved to the trash; each opens on its page, which offers Restore. Hidden when empty. */
export function ModelTrash() {
  const trash = useQuery({ queryKey: ["models", "trash"], queryFn: () => unwrap(commands.listDeletedModels()) });
  if (!trash.data || trash.data.length === 0) return null;
  return (
    <details className="rounded-xl border p-4 text-sm" data-testid="model-trash">
      <summary className="flex cursor-pointer items-center gap-2 text-muted-foreground">
        <Trash2 className="size-4" aria-hidden="true" /> Trash ({trash.data.length})
      </summary>
      <ul className="mt-2 flex flex-col gap-1">
        {trash.data.map((m) => (
          <li key={m.id}>
            <Link className="underline" to={`/models/${m.id}`}>
              {m.name}
            </Link>{" "}
            <span className="text-xs text-muted-foreground">{m.base_model}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
