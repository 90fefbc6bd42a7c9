import { appendPiece, EMPTY_ANSWERS } from "@/pages/playground-stream";

describe("playground stream", () => {
  it("appends each piece to its own side, in order", () => {
    let a = EMPTY_ANSWERS;
    a = appendPiece(a, { side: "base", text: "Hel" });
    a = appendPiece(a, { side: "adapter", text: "Hi" });
    a = appendPiece(a, { side: "base", text: "lo" });
    expect(a.base).toBe("Hello");
    expect(a.adapter).toBe("Hi");
    expect(EMPTY_ANSWERS.base).toBe("");
  });

  it("ignores an unknown side", () => {
    expect(appendPiece(EMPTY_ANSWERS, { side: "other", text: "x" })).toBe(EMPTY_ANSWERS);
  });
});
