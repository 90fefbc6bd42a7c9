import { describe, expect, it } from "vitest";

import { formatBytes, formatCompact, formatCount, formatDate, formatLabel, formatPercent, num, percent } from "@/lib/format";

describe("formatting", () => {
  it("names formats in words and keeps unknown ids", () => {
    expect(formatLabel("brightrun_lora_v4")).toBe("BrightRun v4");
    expect(formatLabel("openai_messages")).toBe("OpenAI chat");
    expect(formatLabel("something_new")).toBe("something_new");
    expect(formatLabel(null)).toBe("Unknown format");
  });

  it("writes sizes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
    expect(formatBytes(null)).toBe("—");
  });

  it("writes counts with separators and compact forms", () => {
    expect(formatCount(12345)).toBe("12,345");
    expect(formatCount(null)).toBe("—");
    expect(formatCompact(999)).toBe("999");
    expect(formatCompact(1234)).toBe("1.2k");
    expect(formatCompact(2000)).toBe("2k");
    expect(formatCompact(3_400_000)).toBe("3.4M");
  });

  it("computes progress without dividing by zero", () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(10, 0)).toBe(0);
    expect(percent(300, 200)).toBe(100);
    expect(formatPercent(1, 3)).toBe("33%");
    expect(num(null)).toBe(0);
  });

  it("writes dates, and nothing for none", () => {
    expect(formatDate("2026-11-22T03:44:05Z")).toBe("22 Nov 2026");
    expect(formatDate(null)).toBe("");
    expect(formatDate("garbage")).toBe("garbage");
  });
});
