import { Copy } from "lucide-react";
import { toast } from "sonner";

import type { Snippets } from "@/bindings";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { copyText } from "@/lib/clipboard";
import { describeError } from "@/lib/ipc";

/** Ready-to-run code for this adapter (built by the core, the same as the model card's). */
export function ModelSnippets({ snippets }: { snippets: Snippets }) {
  const items = [
    { id: "peft", title: "Python (transformers + PEFT)", text: snippets.peft },
    { id: "vllm", title: "vLLM LoRA server and request", text: snippets.vllm },
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Use it</CardTitle>
        <CardDescription>Copy, paste, run: the adapter's folder is filled in.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {items.map((s) => (
          <div key={s.id} className="flex flex-col gap-1">
            <div className="flex items-center justify-between text-sm font-medium">
              <span>{s.title}</span>
              <Button
                variant="ghost"
                size="sm"
                data-testid={`copy-${s.id}`}
                onClick={() =>
                  copyText(s.text).then(
                    () => toast.success("Copied"),
                    (error: unknown) => toast.error(describeError(error)),
                  )
                }
              >
                <Copy aria-hidden="true" /> Copy
              </Button>
            </div>
            <pre className="max-h-48 overflow-auto rounded-md bg-muted p-2 text-xs" data-testid={`snippet-${s.id}`}>
              {s.text}
            </pre>
          </div>
        ))}
      </CardContent>
    </Card>
  );
}
