import type { ComparedJobView_Serialize as ComparedJob } from "@/bindings";
import { overlayLosses, parseJobIds, previousOnDataset, showValue } from "@/pages/compare-data";

function job(id: string, steps: number[], train: (number | null)[], val: (number | null)[], tokens: (number | null)[]): ComparedJob {
  return {
    id,
    name: id,
    base_model: "tiny",
    status: "completed",
    final_train_loss: null,
    final_val_loss: null,
    hyperparameters: "{}",
    series: { steps, train_loss: train, val_loss: val, tokens_seen: tokens },
  };
}

describe("compare data", () => {
  const a = job("a", [1, 2, 3], [3, 2, 1], [null, 2.5, null], [null, 100, 200]);
  const b = job("b", [2, 4], [2.2, 1.2], [null, 1.5], [50, null]);

  it("overlays the jobs on the union of their steps, train and validation per job", () => {
    const [xs, aTrain, aVal, bTrain, bVal] = overlayLosses([a, b], "step");
    expect(xs).toEqual([1, 2, 3, 4]);
    expect(aTrain).toEqual([3, 2, 1, null]);
    expect(aVal).toEqual([null, 2.5, null, null]);
    expect(bTrain).toEqual([null, 2.2, null, 1.2]);
    expect(bVal).toEqual([null, null, null, 1.5]);
  });

  it("by tokens seen, leaves out points whose tokens are unknown", () => {
    const [xs, aTrain, , bTrain] = overlayLosses([a, b], "tokens");
    expect(xs).toEqual([50, 100, 200]);
    expect(aTrain).toEqual([null, 2, 1]);
    expect(bTrain).toEqual([2.2, null, null]);
  });

  it("shows JSON values for people and reads the ids of the URL", () => {
    expect(showValue('"cpu"')).toBe("cpu");
    expect(showValue("0.0002")).toBe("0.0002");
    expect(showValue("null")).toBe("—");
    expect(parseJobIds(" a,b,,a ,c")).toEqual(["a", "b", "c"]);
    expect(parseJobIds(null)).toEqual([]);
    expect(parseJobIds("1,2,3,4,5,6,7")).toHaveLength(6);
  });
});

describe("previous runs on a dataset", () => {
  it("takes the other jobs on the same dataset, at most five", () => {
    const jobs = [
      { id: "j7", dataset_id: "d1" },
      { id: "j6", dataset_id: "d2" },
      ...["j5", "j4", "j3", "j2", "j1", "j0"].map((id) => ({ id, dataset_id: "d1" })),
    ];
    expect(previousOnDataset(jobs, "j7", "d1")).toEqual(["j5", "j4", "j3", "j2", "j1"]);
    expect(previousOnDataset(jobs, "j6", "d2")).toEqual([]);
  });
});
