import { useEffect, useMemo, useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { AlertTriangle, CheckCircle2, Circle, Eye, Rocket } from "lucide-react";

import {
  commands,
  events,
  type GpuChoice,
  type HyperparametersInput,
  type LaunchStep,
  type MemoryVerdict,
  type RangesView,
  type TrainingForm_Deserialize as TrainingForm,
} from "@/bindings";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Progress } from "@/components/ui/progress";
import { CommandErrorNotice } from "@/components/command-error-notice";
import { CommandError, describeError, insideTauri, unwrap } from "@/lib/ipc";
import { LAUNCH_STEP_WORDS, MEMORY_VERDICT_WORDS } from "@/lib/job-vocabulary";
import { cn } from "@/lib/utils";
import {
  formatDurationRange,
  formatLearningRate,
  formatUsd,
  formatUsdRange,
  presetBadge,
  validateHyperparameters,
  type HyperparameterField,
} from "@/pages/training-format";
import { trainingDefaultsQuery, trainingKeys } from "@/pages/training-queries";
import { EstimateDetails, RunOptions } from "@/pages/training-run-options";

const SELECT =
  "h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm shadow-xs focus-visible:ring-[3px] focus-visible:ring-ring/50 outline-none";

const PRESET_BLURB: Record<string, string> = {
  conservative: "Small steps, few epochs: the safe first run.",
  balanced: "The usual choice for a few hundred conversations.",
  aggressive: "High rank and many epochs: more capacity, more risk of overfitting.",
};

type LaunchState = { step: LaunchStep; done: number; total: number } | null;

/** Training → Configure: dataset, cluster, model, preset, advanced settings, estimate, checklist, launch. */
export function TrainingConfigure() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const defaults = useQuery(trainingDefaultsQuery);

  const [changingDataset, setChangingDataset] = useState(false);
  const [chosenCluster, setClusterId] = useState("");
  const [chosenModel, setBaseModel] = useState<string | null>(null);
  const [localFolder, setLocalFolder] = useState(false);
  const [editedHyper, setHyper] = useState<HyperparametersInput | null>(null);
  const [chosenGpu, setGpuType] = useState("");
  const [gpuCount, setGpuCount] = useState(1);
  const [spot, setSpot] = useState(false);
  const [chosenHours, setMaxHours] = useState<number | null>(null);
  const [name, setName] = useState("");
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [previewOpen, setPreviewOpen] = useState(false);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);
  const [budgetRefusal, setBudgetRefusal] = useState<string | null>(null);
  const [launchStep, setLaunchStep] = useState<LaunchState>(null);

  const data = defaults.data;
  // Until the user picks, the defaults are the dataset in the URL (or the first ready one), the first
  // cluster (the local one sorts first), the balanced preset and the default max duration.
  const datasetId = params.get("dataset") ?? data?.datasets[0]?.id ?? "";
  const clusterId = chosenCluster || data?.clusters[0]?.id || "";
  const balanced = data?.presets.find((p) => p.name === "balanced") ?? data?.presets[0];
  const hyper = editedHyper ?? balanced?.hyperparameters ?? null;
  const maxHours = chosenHours ?? data?.ranges.default_max_duration_hours ?? 24;

  const hasLocal = data?.clusters.some((c) => c.kind === "local") ?? true;
  const ensureLocal = useMutation({
    mutationFn: () => unwrap(commands.ensureLocalCluster()),
    onSuccess: (cluster) => {
      setClusterId(cluster.id);
      void client.invalidateQueries({ queryKey: trainingKeys.defaults });
    },
  });

  const options = useQuery({
    queryKey: trainingKeys.clusterOptions(clusterId),
    queryFn: () => unwrap(commands.clusterOptions(clusterId)),
    enabled: clusterId !== "",
    staleTime: 60_000,
  });
  const gpuType = options.data?.gpus.some((g) => g.gpu_type === chosenGpu) ? chosenGpu : (options.data?.gpus[0]?.gpu_type ?? "");
  // A model already on the cluster's machine first: never a hub download the user did not ask for.
  const baseModel =
    chosenModel ?? (options.data?.base_models.find((m) => m.source === "local") ?? options.data?.base_models[0])?.id ?? "";

  const gpu: GpuChoice | null = options.data?.gpus.find((g) => g.gpu_type === gpuType) ?? null;
  const form: TrainingForm | null =
    hyper && datasetId && clusterId
      ? {
          dataset_id: datasetId,
          cluster_id: clusterId,
          name: name.trim() || null,
          base_model: baseModel,
          hyperparameters: hyper,
          gpu_type: gpuType || null,
          gpu_count: gpuCount,
          spot,
          max_duration_hours: maxHours,
          skip_invalid: skipInvalid,
        }
      : null;
  const invalidRecords = data?.datasets.find((d) => d.id === datasetId)?.invalid_records ?? 0;

  const issues = useMemo(
    () => (hyper && data ? validateHyperparameters(hyper, data.ranges, maxHours, gpuCount) : {}),
    [hyper, data, maxHours, gpuCount],
  );
  const valid = Object.keys(issues).length === 0 && baseModel.trim() !== "";

  const estimate = useQuery({
    queryKey: ["training", "estimate", form, gpu],
    queryFn: () => unwrap(commands.estimateTraining(form!, gpu)),
    enabled: form !== null && valid,
    placeholderData: keepPreviousData,
  });

  const preview = useQuery({
    queryKey: ["training", "preview", form],
    queryFn: () => unwrap(commands.previewJob(form!)),
    enabled: previewOpen && form !== null,
  });

  useEffect(() => {
    if (!insideTauri()) return;
    const stop = events.launchProgressEvent.listen((e) =>
      setLaunchStep({ step: e.payload.step, done: e.payload.done ?? 0, total: e.payload.total ?? 0 }),
    );
    stop.catch((error: unknown) => console.warn("cannot listen to launch progress", error));
    return () => void stop.then((fn) => fn()).catch(() => undefined);
  }, []);

  const launch = useMutation({
    mutationFn: (override: boolean) => unwrap(commands.launchTraining(form!, override)),
    onMutate: () => {
      setBudgetRefusal(null);
      setLaunchStep({ step: "converting", done: 0, total: 1 });
    },
    onSuccess: (job) => {
      setConfirmOpen(false);
      setLaunchStep(null);
      void client.invalidateQueries({ queryKey: trainingKeys.allJobs });
      void navigate(`/training/jobs/${job.id}`);
    },
    onError: (error) => {
      setLaunchStep(null);
      if (error instanceof CommandError && error.code === "over_budget") setBudgetRefusal(error.message);
    },
  });

  if (defaults.isPending) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (defaults.isError || !data) return <p role="alert">{describeError(defaults.error)}</p>;
  if (data.datasets.length === 0)
    return (
      <EmptyState
        icon={Rocket}
        title="No dataset is ready for training"
        description="Import a dataset on the Datasets page; once it is checked and ready, it can be trained on here."
        actions={
          <Button asChild>
            <Link to="/datasets">Go to Datasets</Link>
          </Button>
        }
      />
    );

  const dataset = data.datasets.find((d) => d.id === datasetId);
  const badge = hyper ? presetBadge(hyper, data.presets) : "custom";
  const current = estimate.data?.current ?? null;
  const budget = estimate.data?.budget;
  const costCeiling = current ? (current.cost_usd[2] ?? 0) : (estimate.data?.worst_case_usd ?? 0);
  const remaining =
    budget?.monthly_budget_usd != null ? (budget.monthly_budget_usd ?? 0) - (budget.spent_this_month_usd ?? 0) : null;

  const checklist = [
    { ok: !!dataset, label: dataset ? `Dataset "${dataset.name}" is ready` : "Pick a ready dataset" },
    { ok: options.isSuccess, label: options.isSuccess ? "The cluster answers" : "Waiting for the cluster" },
    { ok: baseModel.trim() !== "", label: baseModel ? `Base model ${baseModel}` : "Pick a base model" },
    { ok: valid, label: valid ? "Settings are within range" : "Some settings are out of range" },
    {
      ok: !current || current.memory_verdict !== "does_not_fit",
      label: current ? `GPU memory: ${verdictWords(current.memory_verdict)}` : "GPU memory: no estimate for this model",
    },
    {
      ok: remaining === null || costCeiling <= remaining,
      label: remaining === null ? "No monthly budget set" : `Within the month's remaining budget (${formatUsd(remaining)})`,
    },
  ];

  const setField = <K extends keyof HyperparametersInput>(key: K, value: HyperparametersInput[K]) =>
    setHyper({ ...hyper!, [key]: value });

  return (
    <div className="flex flex-col gap-6" data-testid="configurator">
      <Card>
        <CardHeader>
          <CardTitle>What to train</CardTitle>
          <CardDescription>Dataset, where it runs and the model it adapts.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-3">
          <div className="flex flex-col gap-2">
            <Label htmlFor="dataset">Dataset</Label>
            {changingDataset || !dataset ? (
              <select
                id="dataset"
                className={SELECT}
                value={datasetId}
                onChange={(e) => {
                  setParams({ dataset: e.target.value }, { replace: true });
                  setChangingDataset(false);
                }}
              >
                {!dataset && <option value="">Pick a dataset</option>}
                {data.datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            ) : (
              <div className="flex items-center justify-between gap-2 rounded-md border px-3 py-1.5 text-sm" data-testid="chosen-dataset">
                <span className="truncate">
                  {dataset.name}
                  <span className="ml-2 text-muted-foreground">{dataset.training_examples} examples</span>
                </span>
                <Button variant="link" size="sm" className="h-auto px-0" onClick={() => setChangingDataset(true)}>
                  Change
                </Button>
              </div>
            )}
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="cluster">Cluster</Label>
            <select id="cluster" className={SELECT} value={clusterId} onChange={(e) => setClusterId(e.target.value)}>
              {data.clusters.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            {!hasLocal && (
              <Button variant="outline" size="sm" onClick={() => ensureLocal.mutate()} disabled={ensureLocal.isPending}>
                {ensureLocal.isPending ? "Starting the local cluster…" : "Use this computer (local cluster)"}
              </Button>
            )}
            {ensureLocal.isError && <CommandErrorNotice error={ensureLocal.error} onRetry={() => ensureLocal.mutate()} />}
            {options.isError && <CommandErrorNotice error={options.error} onRetry={() => void options.refetch()} />}
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="base-model">Base model</Label>
            {localFolder ? (
              <Input
                id="base-model"
                placeholder="/path/to/model folder"
                value={baseModel}
                onChange={(e) => setBaseModel(e.target.value)}
              />
            ) : (
              <select id="base-model" className={SELECT} value={baseModel} onChange={(e) => setBaseModel(e.target.value)}>
                {(options.data?.base_models ?? []).map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id} {m.source === "local" ? "(local)" : ""}
                  </option>
                ))}
              </select>
            )}
            <Button variant="link" size="sm" className="h-auto self-start px-0" onClick={() => setLocalFolder((v) => !v)}>
              {localFolder ? "Pick from the cluster's models" : "Use a local folder"}
            </Button>
          </div>
          <div className="flex flex-col gap-2 md:col-span-3">
            <Label htmlFor="job-name">Name (optional)</Label>
            <Input
              id="job-name"
              placeholder={dataset ? `${dataset.name} · ${baseModel}` : ""}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
        </CardContent>
      </Card>

      <section aria-labelledby="presets" className="flex flex-col gap-3">
        <div className="flex items-center gap-2">
          <h2 id="presets" className="text-sm font-medium">
            Preset
          </h2>
          <Badge variant={badge === "custom" ? "warning" : "secondary"} data-testid="preset-badge">
            {badge === "custom" ? "Custom" : capitalise(badge)}
          </Badge>
        </div>
        <div className="grid gap-4 md:grid-cols-3">
          {data.presets.map((preset, i) => {
            const est = estimate.data?.presets[i] ?? null;
            const chosen = badge === preset.name;
            return (
              <button
                key={preset.name}
                type="button"
                data-testid={`preset-${preset.name}`}
                onClick={() => setHyper({ ...(hyper ?? preset.hyperparameters), ...pickPreset(preset.hyperparameters) })}
                className={cn(
                  "flex flex-col gap-2 rounded-xl border p-4 text-left text-sm transition-colors hover:bg-accent",
                  chosen && "border-primary ring-2 ring-primary/30",
                )}
              >
                <span className="font-semibold">{capitalise(preset.name)}</span>
                <span className="text-muted-foreground">{PRESET_BLURB[preset.name]}</span>
                <span className="text-xs text-muted-foreground">
                  lr {formatLearningRate(preset.hyperparameters.learning_rate)} · batch {preset.hyperparameters.batch_size} ·{" "}
                  {preset.hyperparameters.num_epochs} epochs · rank {preset.hyperparameters.lora_rank}
                </span>
                <span className="mt-1 font-medium" data-testid={`preset-${preset.name}-estimate`}>
                  {est
                    ? `${formatDurationRange(est.seconds[0], est.seconds[2])} · ${formatUsdRange(est.cost_usd[0], est.cost_usd[2])}`
                    : estimate.isFetching
                      ? "Estimating…"
                      : "No estimate for this model (bounded by the max duration)"}
                </span>
              </button>
            );
          })}
        </div>
      </section>

      {hyper && (
        <Card>
          <CardHeader>
            <CardTitle>Advanced settings</CardTitle>
            <CardDescription>Any change turns the preset into "Custom". Values are checked as you type.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-x-8 gap-y-5 md:grid-cols-2">
            <RangeField
              id="lora_rank"
              label="LoRA rank"
              value={hyper.lora_rank}
              min={data.ranges.lora_rank[0]}
              max={data.ranges.lora_rank[1]}
              step={data.ranges.lora_rank_step}
              error={issues.lora_rank}
              onChange={(v) => setField("lora_rank", v)}
            />
            <RangeField
              id="lora_alpha"
              label="LoRA alpha"
              value={hyper.lora_alpha}
              min={data.ranges.lora_alpha[0]}
              max={data.ranges.lora_alpha[1]}
              step={1}
              error={issues.lora_alpha}
              onChange={(v) => setField("lora_alpha", v)}
            />
            <RangeField
              id="lora_dropout"
              label="Dropout"
              value={hyper.lora_dropout ?? 0}
              min={data.ranges.lora_dropout[0] ?? 0}
              max={data.ranges.lora_dropout[1] ?? 0.2}
              step={0.01}
              error={issues.lora_dropout}
              onChange={(v) => setField("lora_dropout", v)}
            />
            <RangeField
              id="num_epochs"
              label="Epochs"
              value={hyper.num_epochs}
              min={data.ranges.num_epochs[0]}
              max={data.ranges.num_epochs[1]}
              step={1}
              error={issues.num_epochs}
              onChange={(v) => setField("num_epochs", v)}
            />
            <ChoiceField
              id="batch_size"
              label="Batch size"
              value={hyper.batch_size}
              choices={data.ranges.batch_sizes}
              error={issues.batch_size}
              onChange={(v) => setField("batch_size", v)}
            />
            <LearningRateField value={hyper.learning_rate ?? 0} ranges={data.ranges} error={issues.learning_rate} onChange={(v) => setField("learning_rate", v)} />
            <RangeField
              id="warmup_ratio"
              label="Warmup ratio"
              value={hyper.warmup_ratio ?? 0}
              min={data.ranges.warmup_ratio[0] ?? 0}
              max={data.ranges.warmup_ratio[1] ?? 0.1}
              step={0.005}
              error={issues.warmup_ratio}
              onChange={(v) => setField("warmup_ratio", v)}
            />
            <ChoiceField
              id="max_seq_len"
              label="Max sequence length"
              value={hyper.max_seq_len}
              choices={data.ranges.max_seq_lens}
              error={issues.max_seq_len}
              onChange={(v) => setField("max_seq_len", v)}
            />
            <RunOptions
              hyper={hyper}
              onChange={setHyper}
              invalidRecords={invalidRecords}
              skipInvalid={skipInvalid}
              onSkipInvalid={setSkipInvalid}
            />
          </CardContent>
        </Card>
      )}

      <Card>
        <CardHeader>
          <CardTitle>Hardware and limits</CardTitle>
          <CardDescription>From what the cluster offers.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-x-8 gap-y-5 md:grid-cols-2">
          <div className="flex flex-col gap-2">
            <Label htmlFor="gpu-type">GPU type</Label>
            <select id="gpu-type" className={SELECT} value={gpuType} onChange={(e) => setGpuType(e.target.value)}>
              {(options.data?.gpus ?? []).map((g) => (
                <option key={g.gpu_type} value={g.gpu_type}>
                  {g.name} · {g.memory_gb} GB · {formatUsd(spot ? g.spot : g.on_demand)}/h
                </option>
              ))}
            </select>
          </div>
          <RangeField
            id="gpu_count"
            label="GPUs"
            value={gpuCount}
            min={data.ranges.gpu_count[0]}
            max={Math.max(1, Math.min(data.ranges.gpu_count[1], gpu?.count || 1))}
            step={1}
            error={issues.gpu_count}
            onChange={setGpuCount}
          />
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-2 text-sm font-medium">Capacity</legend>
            <div className="flex gap-4 text-sm">
              <label className="flex items-center gap-2">
                <input type="radio" name="capacity" checked={!spot} onChange={() => setSpot(false)} /> On demand
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="capacity" checked={spot} onChange={() => setSpot(true)} /> Spot (cheaper, may be interrupted)
              </label>
            </div>
          </fieldset>
          <RangeField
            id="max_duration_hours"
            label="Max duration (hours)"
            value={maxHours}
            min={data.ranges.max_duration_hours[0] ?? 1}
            max={data.ranges.max_duration_hours[1] ?? 72}
            step={1}
            error={issues.max_duration_hours}
            onChange={setMaxHours}
          />
        </CardContent>
      </Card>

      <Card data-testid="estimate-card">
        <CardHeader>
          <CardTitle>Estimate</CardTitle>
          <CardDescription>
            {gpu ? `${gpuCount} × ${gpu.name}, ${spot ? "spot" : "on demand"}` : "Waiting for the cluster's GPUs"}
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-3">
          <Figure label="Time" value={current ? formatDurationRange(current.seconds[0], current.seconds[2]) : "—"} />
          <Figure
            label="Cost"
            value={current ? formatUsdRange(current.cost_usd[0], current.cost_usd[2]) : `at most ${formatUsd(estimate.data?.worst_case_usd ?? 0)}`}
          />
          <Figure
            label="GPU memory"
            value={current ? `${verdictWords(current.memory_verdict)} (${Math.round((current.memory_usage ?? 0) * 100)} %)` : "—"}
          />
          {current?.memory_suggestion && (
            <p className="flex items-start gap-2 text-sm md:col-span-3" data-testid="memory-suggestion">
              <AlertTriangle className="mt-0.5 size-4 text-warning" aria-hidden="true" />
              To fit: {current.memory_suggestion}
            </p>
          )}
          {current && <EstimateDetails current={current} maxSeqLen={hyper?.max_seq_len ?? 0} />}
          {!current && estimate.isSuccess && (
            <p className="text-sm text-muted-foreground md:col-span-3">
              BrightRun does not know this model's size, so the cost is bounded by the max duration: every GPU for{" "}
              {maxHours} h.
            </p>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Before you launch</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <ul className="flex flex-col gap-1.5 text-sm" data-testid="checklist">
            {checklist.map((item) => (
              <li key={item.label} className="flex items-center gap-2">
                {item.ok ? (
                  <CheckCircle2 className="size-4 text-success" aria-label="done" />
                ) : (
                  <Circle className="size-4 text-muted-foreground" aria-label="not yet" />
                )}
                {item.label}
              </li>
            ))}
          </ul>
          <div className="flex flex-wrap gap-2">
            <Button variant="outline" onClick={() => setPreviewOpen(true)} disabled={!form || !valid} data-testid="preview-job">
              <Eye aria-hidden="true" /> Preview job JSON
            </Button>
            <Button
              onClick={() => {
                setAcknowledged(false);
                setBudgetRefusal(null);
                setConfirmOpen(true);
              }}
              disabled={!form || !valid || !options.isSuccess}
              data-testid="launch"
            >
              <Rocket aria-hidden="true" /> Launch…
            </Button>
          </div>
        </CardContent>
      </Card>

      <Dialog open={previewOpen} onOpenChange={setPreviewOpen}>
        <DialogContent className="sm:max-w-2xl">
          <DialogHeader>
            <DialogTitle>The job as the cluster will receive it</DialogTitle>
            <DialogDescription>POST /v1/jobs, sent with an idempotency key so it is never created twice.</DialogDescription>
          </DialogHeader>
          <pre className="max-h-96 overflow-auto rounded-md bg-muted p-3 text-xs" data-testid="job-preview">
            {preview.isPending ? "Preparing the training file…" : preview.isError ? describeError(preview.error) : preview.data}
          </pre>
        </DialogContent>
      </Dialog>

      <Dialog open={confirmOpen} onOpenChange={(open) => !launch.isPending && setConfirmOpen(open)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Launch this training run?</DialogTitle>
            <DialogDescription>
              {dataset?.name} on {baseModel}, {gpuCount} × {gpu?.name ?? gpuType}, stopped after {maxHours} h at most.
            </DialogDescription>
          </DialogHeader>
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-1"
              checked={acknowledged}
              onChange={(e) => setAcknowledged(e.target.checked)}
              data-testid="acknowledge-cost"
            />
            <span>
              I understand this run may cost up to <strong>{formatUsd(costCeiling)}</strong>
              {current ? ` (expected ${formatUsd(current.cost_usd[1])})` : " (the whole max duration)"}, billed by the cluster.
            </span>
          </label>
          {launchStep && (
            <div className="flex flex-col gap-1 text-sm" data-testid="launch-progress">
              <span>{stepWords(launchStep.step)}</span>
              <Progress value={launchStep.total > 0 ? (launchStep.done / launchStep.total) * 100 : 0} />
            </div>
          )}
          {budgetRefusal && (
            <div role="alert" className="flex flex-col gap-2 rounded-md border border-destructive/50 p-3 text-sm">
              <span className="font-medium">Refused: over the monthly budget</span>
              <span>{budgetRefusal}</span>
              <Button variant="destructive" size="sm" className="self-start" onClick={() => launch.mutate(true)} data-testid="override-budget">
                Override budget and launch
              </Button>
            </div>
          )}
          {launch.isError && !budgetRefusal && <CommandErrorNotice error={launch.error} />}
          <DialogFooter>
            <Button variant="outline" onClick={() => setConfirmOpen(false)} disabled={launch.isPending}>
              Back
            </Button>
            <Button onClick={() => launch.mutate(false)} disabled={!acknowledged || launch.isPending} data-testid="confirm-launch">
              {launch.isPending ? "Launching…" : "Launch"}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}

function pickPreset(h: HyperparametersInput): Partial<HyperparametersInput> {
  const { learning_rate, batch_size, num_epochs, lora_rank, lora_alpha, lora_dropout } = h;
  return { learning_rate, batch_size, num_epochs, lora_rank, lora_alpha, lora_dropout };
}

function capitalise(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function verdictWords(verdict: MemoryVerdict) {
  return MEMORY_VERDICT_WORDS[verdict];
}

function stepWords(step: LaunchStep) {
  return LAUNCH_STEP_WORDS[step];
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex flex-col gap-1">
      <span className="text-xs text-muted-foreground">{label}</span>
      <span className="text-lg font-semibold">{value}</span>
    </div>
  );
}

/**
 * The text of a number box: what the user typed while it still stands for the current value, else the value
 * formatted (a preset click replaces it). Typed text is kept as is, so "2e-" can be on its way to "2e-4".
 */
function useDraft(value: number, format: (v: number) => string): [string, (text: string, parsed: number) => void] {
  const [draft, setDraft] = useState<{ text: string; parsed: number } | null>(null);
  const text = draft && Object.is(draft.parsed, value) ? draft.text : format(value);
  return [text, (t, parsed) => setDraft({ text: t, parsed })];
}

type FieldProps = { id: HyperparameterField; label: string; error?: string };

/** A slider with a number box beside it; the box accepts anything typed and the error says what is allowed. */
function RangeField({
  id,
  label,
  value,
  min,
  max,
  step,
  error,
  onChange,
}: FieldProps & { value: number; min: number; max: number; step: number; onChange: (v: number) => void }) {
  const [text, setText] = useDraft(value, String);
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <div className="flex items-center gap-3">
        <input
          type="range"
          aria-label={`${label} slider`}
          className="flex-1 accent-primary"
          min={min}
          max={max}
          step={step}
          value={Number.isFinite(value) ? value : min}
          onChange={(e) => onChange(Number(e.target.value))}
        />
        <Input
          id={id}
          data-testid={`field-${id}`}
          className="w-24"
          inputMode="decimal"
          value={text}
          aria-invalid={!!error}
          onChange={(e) => {
            const n = e.target.value.trim() === "" ? Number.NaN : Number(e.target.value);
            setText(e.target.value, n);
            onChange(n);
          }}
        />
      </div>
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}

function ChoiceField({
  id,
  label,
  value,
  choices,
  error,
  onChange,
}: FieldProps & { value: number; choices: number[]; onChange: (v: number) => void }) {
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <select id={id} data-testid={`field-${id}`} className={SELECT} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}

/** Learning rate on a log slider (1e-5…1e-3 spans two decades) with a box that takes 2e-4 as typed. */
function LearningRateField({
  value,
  ranges,
  error,
  onChange,
}: {
  value: number;
  ranges: RangesView;
  error?: string;
  onChange: (v: number) => void;
}) {
  const lo = Math.log10(ranges.learning_rate[0] ?? 1e-5);
  const hi = Math.log10(ranges.learning_rate[1] ?? 1e-3);
  const [text, setText] = useDraft(value, formatLearningRate);
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor="learning_rate">Learning rate</Label>
      <div className="flex items-center gap-3">
        <input
          type="range"
          aria-label="Learning rate slider"
          className="flex-1 accent-primary"
          min={lo}
          max={hi}
          step={0.01}
          value={value > 0 ? Math.log10(value) : lo}
          onChange={(e) => onChange(Number(Math.pow(10, Number(e.target.value)).toPrecision(2)))}
        />
        <Input
          id="learning_rate"
          data-testid="field-learning_rate"
          className="w-24"
          value={text}
          aria-invalid={!!error}
          onChange={(e) => {
            const n = e.target.value.trim() === "" ? Number.NaN : Number(e.target.value);
            setText(e.target.value, n);
            onChange(n);
          }}
        />
      </div>
      {error && <p className="text-xs text-destructive">{error}</p>}
    </div>
  );
}
