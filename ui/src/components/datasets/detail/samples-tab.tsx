import { useState } from "react";

import type { MessageView, ToolCallView } from "@/bindings";
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
            {sample.tools.length > 0 && <ToolsList tools={sample.tools} />}
            {sample.messages.map((message, i) => (
              <Bubble key={i} message={message} />
            ))}
          </article>
        ))
      )}
    </div>
  );
}

/** The functions the assistant may call, collapsed: one JSON schema each. */
function ToolsList({ tools }: { tools: string[] }) {
  return (
    <details className="rounded-lg bg-muted/60 px-3 py-2 text-xs" data-role="tools">
      <summary className="cursor-pointer font-medium text-muted-foreground">
        Tools ({tools.length})
      </summary>
      {tools.map((tool, i) => (
        <pre key={i} className="mt-2 overflow-x-auto font-mono whitespace-pre">
          {tool}
        </pre>
      ))}
    </details>
  );
}

/** One call of the assistant: the function's name, its arguments collapsed as JSON. */
function ToolCall({ call }: { call: ToolCallView }) {
  return (
    <details className="rounded-md bg-background/15 px-2 py-1 text-xs" data-testid="tool-call">
      <summary className="cursor-pointer font-mono">
        {call.name}(…) <span className="opacity-70">{call.id}</span>
      </summary>
      <pre className="mt-1 overflow-x-auto font-mono whitespace-pre">{call.arguments}</pre>
    </details>
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
  if (message.role === "tool")
    return (
      <div className="flex justify-start" data-role="tool">
        <details className="max-w-[80%] rounded-lg border border-dashed px-3 py-2 text-xs" data-testid="tool-result">
          <summary className="cursor-pointer font-medium text-muted-foreground">
            Tool result{message.name && ` · ${message.name}`}
            {message.toolCallId && <span className="opacity-70"> ({message.toolCallId})</span>}
          </summary>
          <pre className="mt-2 overflow-x-auto font-mono whitespace-pre-wrap">{message.content}</pre>
        </details>
      </div>
    );
  const mine = message.role === "assistant";
  return (
    <div className={cn("flex", mine ? "justify-end" : "justify-start")} data-role={message.role}>
      <div
        className={cn(
          "flex max-w-[80%] flex-col gap-2 rounded-2xl px-4 py-2 text-sm whitespace-pre-wrap",
          mine ? "rounded-br-sm bg-primary text-primary-foreground" : "rounded-bl-sm bg-muted",
          mine && !message.trained && "opacity-60",
        )}
      >
        <span className="block text-[10px] font-semibold tracking-wide uppercase opacity-70">
          {mine ? "Assistant" : "User"}
          {mine && !message.trained && " · context (weight 0)"}
        </span>
        {message.reasoning && (
          <details className="rounded-md bg-background/15 px-2 py-1 text-xs" data-testid="reasoning">
            <summary className="cursor-pointer font-medium">Reasoning</summary>
            <p className="mt-1 whitespace-pre-wrap">{message.reasoning}</p>
          </details>
        )}
        {message.content && <span>{message.content}</span>}
        {message.toolCalls.map((call) => (
          <ToolCall key={call.id} call={call} />
        ))}
      </div>
    </div>
  );
}
