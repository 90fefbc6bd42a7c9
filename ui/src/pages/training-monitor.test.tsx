import { cleanup, screen } from "@testing-library/react";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";

import type { ExecutorView_Serialize as ExecutorView, JobDetail_Serialize as JobDetail } from "@/bindings";
import { renderApp } from "@/test/render-app";

function detail(executor: ExecutorView | null): JobDetail {
  return {
    job: {
      id: "job-1",
      name: "EQ demo",
      cluster_id: "c1",
      remote_job_id: "r-1",
      dataset_id: "d1",
      base_model: "tiny-llama",
      hyperparameters: {
        learning_rate: 2e-4,
        batch_size: 4,
        num_epochs: 1,
        lora_rank: 8,
        lora_alpha: 16,
        lora_dropout: 0.05,
        max_seq_len: 512,
        warmup_ratio: 0.03,
        validation_split: 0.1,
        qlora: false,
        gradient_checkpointing: "auto",
        packing: "auto",
      },
      hyperparameters_json: "{}",
      gpu_type: "A100",
      gpu_count: 1,
      spot: false,
      max_duration_hours: 2,
      status: "running",
      stage: "training",
      progress: 0.5,
      current_step: 5,
      total_steps: 10,
      current_epoch: null,
      total_epochs: null,
      estimate_usd: null,
      estimate_high_usd: null,
      estimate_seconds: null,
      cost_usd: 0,
      cost_alert: null,
      error_kind: null,
      error_message: null,
      error_hint: null,
      cancel_reason: null,
      artifacts_status: null,
      artifacts_error: null,
      created_at: "2026-11-30T12:00:00Z",
      started_at: "2026-11-30T12:00:10Z",
      finished_at: null,
      unreachable_since: null,
      retry_of: null,
      executor,
    },
    metrics: [],
    log_tail: "",
    checkpoints: [],
    cluster_name: "HPC",
    model_id: null,
    suggested_retry: null,
  };
}

let shown: JobDetail = detail(null);

// The charts draw on a canvas (uPlot), which jsdom does not have; they are not what these tests look at.
vi.mock("@/components/charts/metric-chart", () => ({ MetricChart: () => null }));

beforeEach(() => {
  mockWindows("main");
  mockIPC((cmd) => (cmd === "job_detail" ? shown : cmd === "poll_jobs_now" ? null : []), { shouldMockEvents: true });
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("training monitor", () => {
  it("says which Slurm job runs the training", async () => {
    shown = detail({ kind: "slurm", job_id: "1234" });
    renderApp("/training/jobs/job-1");
    expect(await screen.findByTestId("job-executor")).toHaveTextContent("Slurm job 1234");
  });

  it("says nothing about the executor when the cluster did not", async () => {
    shown = detail(null);
    renderApp("/training/jobs/job-1");
    expect(await screen.findByTestId("job-name")).toHaveTextContent("EQ demo");
    expect(screen.queryByTestId("job-executor")).not.toBeInTheDocument();
  });
});
