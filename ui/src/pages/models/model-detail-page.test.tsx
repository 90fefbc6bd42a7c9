import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";

import type { ModelPage_Serialize as ModelPage, ModelView_Serialize as ModelView } from "@/bindings";
import { renderApp } from "@/test/render-app";

const MODEL: ModelView = {
  id: "m2",
  name: "Support bot v2",
  job_id: "job-2",
  base_model: "tiny-llama",
  dataset_id: "d1",
  dataset_name: "EQ demo",
  dataset_sha256: "a".repeat(64),
  adapter_dir: "/data/models/job-2",
  config: "{}",
  final_train_loss: 1.5,
  final_val_loss: 1.75,
  perplexity: 5.75,
  improvement_pct: 40,
  overfitting: false,
  rating: 4,
  files: [{ name: "adapter_model.safetensors", size: 2048, sha256: "b".repeat(64) }],
  bytes: 2048,
  verified: true,
  created_at: "2026-11-30T12:00:00Z",
  version: 2,
};

function page(deleted: boolean): ModelPage {
  return {
    model: MODEL,
    description: "",
    deleted_at: deleted ? "2026-11-30T13:00:00Z" : null,
    version: 2,
    parent_model_id: "m1",
    versions: [
      { model_id: "m1", name: "Support bot", version: 1, created_at: "2026-11-29T12:00:00Z" },
      { model_id: "m2", name: "Support bot v2", version: 2, created_at: "2026-11-30T12:00:00Z" },
    ],
    cluster_name: "Local (this computer)",
    snippets: { peft: "PeftModel.from_pretrained(base, '/data/models/job-2')", vllm: "vllm serve tiny-llama --enable-lora" },
  };
}

let trashed = false;
const calls: string[] = [];

beforeEach(() => {
  trashed = false;
  calls.length = 0;
  mockWindows("main");
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      switch (cmd) {
        case "model_page":
          return page(trashed);
        case "delete_model":
          trashed = true;
          return page(true);
        case "restore_model":
          trashed = false;
          return page(false);
        case "list_models":
          return trashed ? [] : [MODEL];
        case "list_deleted_models":
          return trashed ? [MODEL] : [];
        default:
          return [];
      }
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("model page", () => {
  it("shows the version, the parent, the line and the snippets", async () => {
    renderApp("/models/m2");
    expect(await screen.findByTestId("model-version")).toHaveTextContent("v2");
    expect(screen.getByTestId("parent-model")).toHaveTextContent("Support bot");
    const versions = within(screen.getByTestId("model-versions"));
    expect(versions.getByText("v1")).toBeInTheDocument();
    expect(versions.getByText(/this model/)).toBeInTheDocument();
    expect(screen.getByTestId("model-lineage")).toHaveTextContent("a".repeat(64));
    expect(screen.getByTestId("snippet-peft")).toHaveTextContent("PeftModel.from_pretrained");
    expect(screen.getByTestId("train-again")).toHaveAttribute("href", "/training/configure?dataset=d1&from_model=m2");
  });

  it("shows each model's version on its card in the Models list", async () => {
    renderApp("/models");
    const card = await screen.findByTestId("model-row");
    expect(within(card).getByTestId("model-row-version")).toHaveTextContent("v2");
  });

  it("moves the model to the trash and back; the Models page lists the trash", async () => {
    const user = userEvent.setup();
    const { router } = renderApp("/models/m2");
    await user.click(await screen.findByTestId("delete-model"));
    await waitFor(() => expect(screen.getByText("in the trash")).toBeInTheDocument());
    expect(calls).toContain("delete_model");

    await act(() => router.navigate("/models"));
    expect(await screen.findByTestId("model-trash")).toHaveTextContent("Trash (1)");

    await act(() => router.navigate("/models/m2"));
    await user.click(await screen.findByTestId("restore-model"));
    await waitFor(() => expect(screen.queryByText("in the trash")).not.toBeInTheDocument());
    expect(calls).toContain("restore_model");
  });
});
