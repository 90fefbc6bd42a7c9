import { recordPageProblems } from "@/lib/error-log";

describe("recordPageProblems", () => {
  it("records uncaught errors and keeps at most 50", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const problems = recordPageProblems(window);
    for (let i = 0; i < 60; i += 1) window.dispatchEvent(new ErrorEvent("error", { message: `boom ${i}` }));
    expect(problems).toHaveLength(50);
    expect(problems[0]).toEqual({ kind: "error", message: "boom 0" });
    expect(window.__brightrunErrors).toBe(problems);
    spy.mockRestore();
  });
});
