import type {
  ArtifactStatus,
  CostAlert,
  ExecutorView,
  JobStage,
  JobStatus,
  LaunchStep,
  MemoryVerdict,
  NotificationPriority,
} from "@/bindings";

/**
 * The job vocabulary the shell sends as enums (`src-tauri/src/dto/`), in words. Each table is a `Record` over the
 * generated type, so a value added on the Rust side is a type error here until it has words; the lists below are
 * read from the tables, never typed twice.
 */
export const JOB_STATUS_WORDS: Record<JobStatus, string> = {
  submitting: "Submitting",
  queued: "Queued",
  initializing: "Initializing",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** Every status, in lifecycle order. */
export const JOB_STATUSES = Object.keys(JOB_STATUS_WORDS) as JobStatus[];

/** Whether a job in `status` is still going (the core's `!is_finished()`). */
const FINISHED: Record<JobStatus, boolean> = {
  submitting: false,
  queued: false,
  initializing: false,
  running: false,
  completed: true,
  failed: true,
  cancelled: true,
};

/** Jobs that are not finished. */
export const ACTIVE_STATUSES = JOB_STATUSES.filter((s) => !FINISHED[s]);

/** Whether a job is still going. */
export function isActive(status: JobStatus): boolean {
  return !FINISHED[status];
}

/** The trainer's stages, in the order a run passes them. */
export const JOB_STAGE_WORDS: Record<JobStage, string> = {
  preprocessing: "preprocessing",
  model_loading: "model loading",
  training: "training",
  validating: "validating",
  saving: "saving",
};

/** Every stage, in order. */
export const JOB_STAGES = Object.keys(JOB_STAGE_WORDS) as JobStage[];

/** A job's cost against its estimate (the core's bands), in words. */
export const COST_ALERT_WORDS: Record<CostAlert, string> = {
  normal: "within the estimate",
  warning: "80–100 % of the estimate",
  over_estimate: "over the estimate",
  far_over_estimate: "more than 120 % of the estimate",
};

/** The adapter download, in words. */
export const ARTIFACT_STATUS_WORDS: Record<ArtifactStatus, string> = {
  downloading: "downloading",
  ready: "ready",
  failed: "download failed",
};

/** The memory verdict, in words. */
export const MEMORY_VERDICT_WORDS: Record<MemoryVerdict, string> = {
  fits: "fits",
  tight: "tight",
  does_not_fit: "does not fit",
};

/** A launch's step, in words. */
export const LAUNCH_STEP_WORDS: Record<LaunchStep, string> = {
  converting: "Preparing the training file…",
  uploading: "Uploading the dataset…",
  submitting: "Submitting the job…",
};

/** A notification's priority as a badge variant. */
export const PRIORITY_VARIANT: Record<NotificationPriority, "secondary" | "outline" | "warning" | "destructive"> = {
  low: "secondary",
  medium: "outline",
  high: "warning",
  critical: "destructive",
};

/**
 * Where a job runs, in words, once its cluster said: "Slurm job 1234" (the id `squeue -j` takes), "Slurm job
 * (waiting for its id)" until Slurm accepted it, "Local process" on the agent's own machine; `null` when the
 * cluster did not say (older agents).
 */
export function executorWords(executor: ExecutorView | null | undefined): string | null {
  if (!executor) return null;
  switch (executor.kind) {
    case "slurm":
      return executor.job_id ? `Slurm job ${executor.job_id}` : "Slurm job (waiting for its id)";
    case "local":
      return "Local process";
  }
}
