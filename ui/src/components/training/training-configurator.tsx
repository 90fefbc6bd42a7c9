import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormProvider } from "react-hook-form";
import { useNavigate, useSearchParams } from "react-router";

import { commands, events, type TrainingDefaults } from "@/bindings";
import { DatasetModelPicker } from "@/components/training/dataset-model-picker";
import { EstimatePanel } from "@/components/training/estimate-panel";
import { HardwareFields } from "@/components/training/hardware-fields";
import { HyperparameterFields } from "@/components/training/hyperparameter-fields";
import { LaunchChecklist, LaunchDialog, PreviewDialog, type LaunchStep } from "@/components/training/launch-dialogs";
import { PresetPicker } from "@/components/training/preset-picker";
import { useTrainingForm } from "@/components/training/use-training-form";
import { CommandError, unwrap } from "@/lib/ipc";
import { formatUsd, verdictWords } from "@/lib/training-format";
import { applyPreset, presetBadge, type TrainingInitialValues } from "@/lib/training-form";
import { trainingKeys } from "@/lib/training-queries";
import { useTauriEvent } from "@/lib/use-tauri-event";

/**
 * Training → Configure: dataset, cluster, model, preset, advanced settings, estimate, checklist, launch.
 * `initialValues` prefills the form (another page's "Train again"); the URL's `?dataset=` picks the dataset.
 */
export function TrainingConfigurator({
  defaults,
  initialValues,
  onLaunched,
}: {
  defaults: TrainingDefaults;
  initialValues?: TrainingInitialValues;
  /** Runs after a launch succeeds, before the monitor opens ("Train again" records the parent here). */
  onLaunched?: (jobId: string) => Promise<void>;
}) {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const datasetParam = params.get("dataset");
  const { form, values, options, baseModel, gpu, trainingForm, valid, tokens, estimate } = useTrainingForm(
    defaults,
    datasetParam,
    initialValues,
  );
  const { setValue } = form;

  // A dataset's "Start training" while the configurator is open: follow the URL.
  useEffect(() => {
    if (datasetParam) setValue("dataset_id", datasetParam, { shouldValidate: true });
  }, [datasetParam, setValue]);

  const [previewOpen, setPreviewOpen] = useState(false);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);
  const [budgetRefusal, setBudgetRefusal] = useState<string | null>(null);
  const [launchStep, setLaunchStep] = useState<LaunchStep>(null);

  useTauriEvent(events.launchProgressEvent, (p) => setLaunchStep({ step: p.step, done: p.done ?? 0, total: p.total ?? 0 }));

  const preview = useQuery({
    queryKey: ["training", "preview", trainingForm],
    queryFn: () => unwrap(commands.previewJob(trainingForm)),
    enabled: previewOpen && valid,
  });

  const launch = useMutation({
    mutationFn: async (override: boolean) => {
      const job = await unwrap(commands.launchTraining(trainingForm, override));
      await onLaunched?.(job.id);
      return job;
    },
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

  const dataset = defaults.datasets.find((d) => d.id === values.dataset_id);
  const current = estimate.data?.current ?? null;
  const budget = estimate.data?.budget;
  const costCeiling = current ? (current.cost_usd[2] ?? 0) : (estimate.data?.worst_case_usd ?? 0);
  const remaining =
    budget?.monthly_budget_usd != null ? (budget.monthly_budget_usd ?? 0) - (budget.spent_this_month_usd ?? 0) : null;

  const checklist = [
    { ok: !!dataset, label: dataset ? `Dataset "${dataset.name}" is ready` : "Pick a ready dataset" },
    { ok: options.isSuccess, label: options.isSuccess ? "The cluster answers" : "Waiting for the cluster" },
    { ok: baseModel !== "", label: baseModel ? `Base model ${baseModel}` : "Pick a base model" },
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

  return (
    <FormProvider {...form}>
      <form className="flex flex-col gap-6" data-testid="configurator" onSubmit={(e) => e.preventDefault()}>
        <DatasetModelPicker
          defaults={defaults}
          options={options.data}
          optionsError={options.isError ? options.error : null}
          baseModel={baseModel}
          onDatasetChange={(id) => {
            setParams({ dataset: id }, { replace: true });
            setValue("dataset_id", id, { shouldValidate: true });
          }}
        />
        <PresetPicker
          presets={defaults.presets}
          badge={presetBadge(values.hyperparameters, defaults.presets)}
          estimate={estimate.data}
          estimating={estimate.isFetching}
          onPick={(preset) => setValue("hyperparameters", applyPreset(values.hyperparameters, preset), { shouldValidate: true })}
        />
        <HyperparameterFields ranges={defaults.ranges} invalidRecords={dataset?.invalid_records ?? 0} />
        <HardwareFields ranges={defaults.ranges} gpus={options.data?.gpus ?? []} gpu={gpu} />
        <EstimatePanel
          view={estimate.data}
          tokens={tokens.data}
          countingTokens={tokens.isFetching}
          gpu={gpu}
          gpuCount={values.gpu_count}
          spot={values.spot}
          maxHours={values.max_duration_hours}
          maxSeqLen={values.hyperparameters.max_seq_len}
        />
        <LaunchChecklist
          items={checklist}
          canPreview={valid}
          canLaunch={valid && options.isSuccess}
          onPreview={() => setPreviewOpen(true)}
          onLaunch={() => {
            setAcknowledged(false);
            setBudgetRefusal(null);
            setConfirmOpen(true);
          }}
        />
      </form>
      <PreviewDialog
        open={previewOpen}
        onOpenChange={setPreviewOpen}
        pending={preview.isPending}
        error={preview.isError ? preview.error : null}
        json={preview.data}
      />
      <LaunchDialog
        open={confirmOpen}
        onOpenChange={setConfirmOpen}
        summary={`${dataset?.name ?? ""} on ${baseModel}, ${values.gpu_count} × ${gpu?.name ?? gpu?.gpu_type ?? ""}, stopped after ${values.max_duration_hours} h at most.`}
        costCeiling={costCeiling}
        expectedUsd={current ? current.cost_usd[1] : null}
        acknowledged={acknowledged}
        onAcknowledge={setAcknowledged}
        launching={launch.isPending}
        launchStep={launchStep}
        budgetRefusal={budgetRefusal}
        error={launch.isError ? launch.error : null}
        onLaunch={(override) => launch.mutate(override)}
      />
    </FormProvider>
  );
}
