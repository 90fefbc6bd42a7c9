import { useEffect, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";

import { commands, type HyperparametersInput } from "@/bindings";
import { unwrap } from "@/lib/ipc";
import { modelPageQuery } from "@/pages/models/model-queries";
import { jobDetailQuery } from "@/lib/training-queries";

/** The settings a model was trained with, for the configurator to start from. */
export type TrainAgainSettings = {
  cluster_id: string;
  base_model: string;
  hyperparameters: HyperparametersInput;
  gpu_type: string;
  gpu_count: number;
  spot: boolean;
  max_duration_hours: number;
  /** "<model name> v<next>". */
  name: string;
};

/**
 * "Train again" (`/training/configure?dataset=D&from_model=M`): loads model M's job and hands its settings to
 * `apply` once; the dataset comes through `?dataset=` like any other link to the configurator. After the
 * launch, `recordParent(jobId)` records M as the new job's parent, so its model becomes the next version.
 */
export function useTrainAgain(apply: (settings: TrainAgainSettings) => void) {
  const [params] = useSearchParams();
  const fromModel = params.get("from_model");
  const page = useQuery({ ...modelPageQuery(fromModel ?? ""), enabled: fromModel !== null });
  const jobId = page.data?.model.job_id ?? "";
  const job = useQuery({ ...jobDetailQuery(jobId), enabled: jobId !== "" });
  const applied = useRef<string | null>(null);
  const applyRef = useRef(apply);
  useEffect(() => {
    applyRef.current = apply;
  });

  useEffect(() => {
    const j = job.data?.job;
    const p = page.data;
    if (!j || !p || applied.current === p.model.id) return;
    applied.current = p.model.id;
    applyRef.current({
      cluster_id: j.cluster_id,
      base_model: j.base_model,
      hyperparameters: j.hyperparameters,
      gpu_type: j.gpu_type,
      gpu_count: j.gpu_count,
      spot: j.spot,
      max_duration_hours: j.max_duration_hours ?? 24,
      name: `${p.model.name} v${p.version + 1}`,
    });
  }, [job.data, page.data]);

  const parentModelId = page.data?.model.id ?? null;
  return {
    /** The model being trained again, once loaded. */
    parentModel: page.data ?? null,
    /** Records the parent of the job just launched (nothing when this is not a "Train again"). */
    recordParent: async (launchedJobId: string) => {
      if (parentModelId) await unwrap(commands.recordParentModel(launchedJobId, parentModelId));
    },
  };
}
