import { useState } from "react";

import type { MessageView } from "@/bindings";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useDatasetSamples } from "@/lib/dataset-queries";
import { formatCount } from "@/lib/format";
import { describeError } from "@/lib/ipc";
import { cn } from "@/lib/utils";

const PAGE = 5;

/** Training examples as the trainer sees them, drawn as chat bubbles, five at a time. */
export function SamplesTab({ id, total }: { id: string; total: number }) {
  const [offset, setOffset] = useState(0);
  const samples = useDatasetSamples(id, offset, PAGE);
  if (total === 0) return <p className="text-sm text-muted-foreground">This dataset has no training examples to show.</p>;
  return (
    <div className="flex flex-col gap-4" data-testid="samples-tab">
      <div className="flex items-center justify-between text-sm">
        <span className="text-muted-foreground">
          Examples {formatCount(offset + 1)}–{formatCount(Math.min(offset + PAGE, total))} of {formatCount(total)}
        </span>
        <div className="flex gap-2">
          <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </Button>
          <Button variant="outline" size="sm" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
            Next
          </Button>
        </div>
      </div>
      {samples.isPending ? (
        <Skeleton className="h-64 rounded-xl" />
      ) : samples.isError ? (
        <p className="text-sm text-destructive">{describeError(samples.error)}</p>
      ) : (
        samples.data.map((sample) => (
          <article key={sample.line} className="flex flex-col gap-3 rounded-xl border p-4" data-testid="sample">
            <header className="text-xs text-muted-foreground">
              Line {formatCount(sample.line)}
              {sample.conversationId && ` · conversation ${sample.conversationId}`}
            </header>
            {sample.messages.map((message, i) => (
              <Bubble key={i} message={message} />
            ))}
          </article>
        ))
      )}
    </div>
  );
}

function Bubble({ message }: { message: MessageView }) {
  if (message.role === "system")
    return (
      <details className="rounded-lg bg-muted/60 px-3 py-2 text-xs" data-role="system">
        <summary className="cursor-pointer font-medium text-muted-foreground">System prompt</summary>
        <p className="mt-2 whitespace-pre-wrap">{message.content}</p>
      </details>
    );
  const mine = message.role === "assistant";
  return (
    <div className={cn("flex", mine ? "justify-end" : "justify-start")} data-role={message.role}>
      <div
        className={cn(
          "max-w-[80%] rounded-2xl px-4 py-2 text-sm whitespace-pre-wrap",
          mine ? "rounded-br-sm bg-primary text-primary-foreground" : "rounded-bl-sm bg-muted",
        )}
      >
        <span className="mb-1 block text-[10px] font-semibold tracking-wide uppercase opacity-70">
          {mine ? "Assistant" : "User"}
        </span>
        {message.content}
      </div>
    </div>
  );
}
