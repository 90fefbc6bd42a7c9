import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";

import type { JobDetail_Serialize, MetricsPointView_Serialize } from "@/bindings";
import { applyJobUpdates } from "@/lib/jobs-live";
import { trainingKeys } from "@/lib/training-queries";

function point(step: number, loss: number): MetricsPointView_Serialize {
  return {
    step,
    epoch: null,
    train_loss: loss,
    val_loss: null,
    learning_rate: null,
    grad_norm: null,
    tokens_per_second: null,
    gpu_utilization: null,
    gpu_memory_gb: null,
    timestamp: "",
  };
}

function detail(): JobDetail_Serialize {
  return {
    job: { id: "j1", status: "running", progress: 10, current_step: 1, cost_usd: 0 } as JobDetail_Serialize["job"],
    metrics: [point(1, 3)],
    log_tail: "start\n",
    checkpoints: [],
    cluster_name: "Local",
    model_id: null,
    suggested_retry: null,
  };
}

describe("job events in the cache", () => {
  it("appends metrics and log text to the open job and applies progress", () => {
    const client = new QueryClient();
    client.setQueryData(trainingKeys.job("j1"), detail());
    applyJobUpdates(
      client,
      [
        { type: "metrics", job_id: "j1", points: [point(2, 2.5)] },
        { type: "log", job_id: "j1", text: "step 2\n" },
        { type: "progress", job_id: "j1", status: "running", stage: "training", progress: 50, current_step: 2, total_steps: 4, cost_usd: 0.1, cost_alert: "warning" },
      ],
      false,
    );
    const after = client.getQueryData<JobDetail_Serialize>(trainingKeys.job("j1"));
    expect(after?.metrics.map((p) => p.step)).toEqual([1, 2]);
    expect(after?.log_tail).toBe("start\nstep 2\n");
    expect(after?.job.progress).toBe(50);
    expect(after?.job.stage).toBe("training");
    expect(after?.job.cost_alert).toBe("warning");
  });

  it("marks an unreachable cluster and leaves other jobs alone", () => {
    const client = new QueryClient();
    client.setQueryData(trainingKeys.job("j1"), detail());
    applyJobUpdates(
      client,
      [{ type: "unreachable", job_id: "j1", cluster_id: "c", since: "2026-11-22T04:00:00Z", message: "refused", retry_in_ms: 1000 }],
      false,
    );
    expect(client.getQueryData<JobDetail_Serialize>(trainingKeys.job("j1"))?.job.unreachable_since).toBe("2026-11-22T04:00:00Z");
    applyJobUpdates(client, [{ type: "metrics", job_id: "other", points: [point(1, 1)] }], false);
    expect(client.getQueryData(trainingKeys.job("other"))).toBeUndefined();
  });
});
