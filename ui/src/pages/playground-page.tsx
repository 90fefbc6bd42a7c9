import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { Link, useSearchParams } from "react-router";
import { MessagesSquare, Send } from "lucide-react";

import { commands, type ChatPiece } from "@/bindings";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { describeError, unwrap } from "@/lib/ipc";
import { appendPiece, EMPTY_ANSWERS, type Answers } from "@/pages/playground-stream";
import { modelsQuery } from "@/lib/training-queries";

const TEXTAREA =
  "min-h-20 w-full rounded-md border border-input bg-transparent px-3 py-2 text-sm shadow-xs outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50";

/** Playground: one prompt to a trained model's base and to its adapter, both answers streamed side by side. */
export function PlaygroundPage() {
  const [params, setParams] = useSearchParams();
  const models = useQuery(modelsQuery);
  const modelId = params.get("model") ?? models.data?.[0]?.id ?? "";
  const model = models.data?.find((m) => m.id === modelId);
  const [system, setSystem] = useState("");
  const [prompt, setPrompt] = useState("Hello! How are you today?");
  const [temperature, setTemperature] = useState("0.7");
  const [topP, setTopP] = useState("0.95");
  const [maxTokens, setMaxTokens] = useState("128");
  const [seed, setSeed] = useState("1");
  const [answers, setAnswers] = useState<Answers>(EMPTY_ANSWERS);

  const chat = useMutation({
    mutationFn: () => {
      setAnswers(EMPTY_ANSWERS);
      const channel = new Channel<ChatPiece>();
      channel.onmessage = (piece) => setAnswers((a) => appendPiece(a, piece));
      return unwrap(
        commands.playgroundChat(
          modelId,
          prompt,
          {
            system: system.trim() || null,
            max_new_tokens: Number(maxTokens),
            temperature: Number(temperature),
            top_p: Number(topP),
            seed: seed.trim() === "" ? null : Number(seed),
          },
          channel,
        ),
      );
    },
    // The whole answers are the truth (a piece sent while the page re-rendered is never lost).
    onSuccess: (done) => setAnswers({ base: done.base.text, adapter: done.adapter.text, tokens: { base: done.base.tokens ?? 0, adapter: done.adapter.tokens ?? 0 } }),
  });

  if (models.isSuccess && models.data.length === 0) {
    return (
      <div data-testid="page-playground" className="flex flex-col gap-6">
        <PageHeader title="Playground" description="Try a trained model against its base model." />
        <EmptyState
          icon={MessagesSquare}
          title="No trained model yet"
          description="When a run completes, its adapter can be tried here against the base model."
          actions={
            <Button asChild>
              <Link to="/training/configure">Configure a run</Link>
            </Button>
          }
        />
      </div>
    );
  }
  return (
    <div data-testid="page-playground" className="flex flex-col gap-6">
      <PageHeader
        title="Playground"
        description="The same prompt to the base model and to the adapter, on the cluster that trained it; both answers stream as they are generated."
      />
      <Card>
        <CardContent className="grid gap-4 md:grid-cols-[2fr_1fr]">
          <div className="flex flex-col gap-3">
            <Label htmlFor="pg-model">Model</Label>
            <NativeSelect id="pg-model" value={modelId} onChange={(e) => setParams({ model: e.target.value }, { replace: true })}>
              {models.data?.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </NativeSelect>
            {model && <p className="text-xs text-muted-foreground">Base model: {model.base_model}</p>}
            <Label htmlFor="pg-system">System prompt (optional)</Label>
            <textarea id="pg-system" className={TEXTAREA} value={system} onChange={(e) => setSystem(e.target.value)} />
            <Label htmlFor="pg-prompt">Prompt</Label>
            <textarea id="pg-prompt" className={TEXTAREA} value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="pg-prompt" />
          </div>
          <div className="flex flex-col gap-3">
            <Setting id="pg-temperature" label="Temperature (0: greedy)" value={temperature} onChange={setTemperature} step="0.1" />
            <Setting id="pg-top-p" label="Top-p" value={topP} onChange={setTopP} step="0.05" />
            <Setting id="pg-max-tokens" label="Max tokens" value={maxTokens} onChange={setMaxTokens} step="1" />
            <Setting id="pg-seed" label="Seed (same seed, same answers)" value={seed} onChange={setSeed} step="1" />
            <Button onClick={() => chat.mutate()} disabled={chat.isPending || !modelId || prompt.trim() === ""} data-testid="pg-send">
              <Send aria-hidden="true" /> {chat.isPending ? "Generating…" : "Send"}
            </Button>
          </div>
        </CardContent>
      </Card>
      {chat.isError && (
        <p role="alert" className="text-sm text-destructive">
          {describeError(chat.error)}
        </p>
      )}
      <div className="grid gap-4 md:grid-cols-2">
        <AnswerCard title="Base model" subtitle={model?.base_model} text={answers.base} tokens={answers.tokens.base} testId="answer-base" />
        <AnswerCard title="With the adapter" subtitle={model?.name} text={answers.adapter} tokens={answers.tokens.adapter} testId="answer-adapter" />
      </div>
    </div>
  );
}

function Setting({ id, label, value, onChange, step }: { id: string; label: string; value: string; onChange: (v: string) => void; step: string }) {
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor={id}>{label}</Label>
      <Input id={id} type="number" step={step} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

function AnswerCard({ title, subtitle, text, tokens, testId }: { title: string; subtitle?: string; text: string; tokens: number; testId: string }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {subtitle && <CardDescription className="break-all">{subtitle}</CardDescription>}
      </CardHeader>
      <CardContent>
        <p className="min-h-24 whitespace-pre-wrap text-sm" data-testid={testId}>
          {text}
        </p>
        {tokens > 0 && <p className="mt-2 text-xs text-muted-foreground">{tokens} tokens</p>}
      </CardContent>
    </Card>
  );
}
