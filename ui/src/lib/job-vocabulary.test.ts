import { ACTIVE_STATUSES, JOB_STAGES, JOB_STATUSES, isActive } from "@/lib/job-vocabulary";

describe("job vocabulary", () => {
  it("lists every status in lifecycle order and the unfinished ones as active", () => {
    expect(JOB_STATUSES).toEqual(["submitting", "queued", "initializing", "running", "completed", "failed", "cancelled"]);
    expect(ACTIVE_STATUSES).toEqual(["submitting", "queued", "initializing", "running"]);
    expect(isActive("failed")).toBe(false);
  });

  it("lists the trainer's stages in the order a run passes them", () => {
    expect(JOB_STAGES).toEqual(["preprocessing", "model_loading", "training", "validating", "saving"]);
  });
});
