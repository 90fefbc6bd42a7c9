import { adviceFor } from "@/lib/error-actions";
import { CommandError } from "@/lib/ipc";

describe("adviceFor", () => {
  it("offers Prepare when the local training stack is missing", () => {
    const advice = adviceFor(new CommandError({ code: "python_stack_missing", message: "no torch" }));
    expect(advice.action).toEqual({ kind: "prepare", label: "Prepare" });
  });

  it("sends a rejected key or a removed cluster to Settings", () => {
    expect(adviceFor(new CommandError({ code: "key_rejected", message: "401" })).action.kind).toBe("settings");
    expect(adviceFor(new CommandError({ code: "cluster_missing", message: "no cluster" })).action.kind).toBe("settings");
  });

  it("offers a retry when the cluster does not answer, and says a missing thing is gone", () => {
    expect(adviceFor(new CommandError({ code: "cluster_unreachable", message: "refused" })).action.kind).toBe("retry");
    expect(adviceFor(new CommandError({ code: "not_found", message: "no job" })).title).toBe("It is gone");
  });

  it("gives nothing for errors that are not a command's", () => {
    expect(adviceFor(new Error("boom"))).toEqual({ code: null, title: null, action: { kind: "none" } });
  });
});
