import { ACTIVE_STATUSES, JOB_STAGES, JOB_STATUSES, executorWords, isActive } from "@/lib/job-vocabulary";

describe("job vocabulary", () => {
  it("lists every status in lifecycle order and the unfinished ones as active", () => {
    expect(JOB_STATUSES).toEqual(["submitting", "queued", "initializing", "running", "completed", "failed", "cancelled"]);
    expect(ACTIVE_STATUSES).toEqual(["submitting", "queued", "initializing", "running"]);
    expect(isActive("failed")).toBe(false);
  });

  it("lists the trainer's stages in the order a run passes them", () => {
    expect(JOB_STAGES).toEqual(["preprocessing", "model_loading", "training", "validating", "saving"]);
  });

  it("says where a job runs: its Slurm job id, or the agent's own process", () => {
    expect(executorWords({ kind: "slurm", job_id: "1234" })).toBe("Slurm job 1234");
    expect(executorWords({ kind: "slurm", job_id: null })).toBe("Slurm job (waiting for its id)");
    expect(executorWords({ kind: "local", job_id: null })).toBe("Local process");
    expect(executorWords(null)).toBeNull();
  });
});
