import { describe, expect, it } from "vitest";

import { activityKey, activityLink, timeAgo } from "@/lib/activity";

describe("activityLink", () => {
  it("opens the job, dataset or model the event is about", () => {
    expect(activityLink({ subject: "job", id: "j1", jobId: "j1" })).toBe("/training/jobs/j1");
    expect(activityLink({ subject: "dataset", id: "d1", jobId: null })).toBe("/datasets/d1");
    expect(activityLink({ subject: "model", id: "m1", jobId: "j1" })).toBe("/models/m1");
  });

  it("opens an alert's job, or the notifications when it has none", () => {
    expect(activityLink({ subject: "notification", id: "n1", jobId: "j2" })).toBe("/training/jobs/j2");
    expect(activityLink({ subject: "notification", id: "n1", jobId: null })).toBe("/notifications");
  });
});

describe("timeAgo", () => {
  const now = Date.parse("2026-11-20T12:00:00Z");
  it("says how long ago in the largest whole unit", () => {
    expect(timeAgo("2026-11-20T11:59:30Z", now)).toBe("just now");
    expect(timeAgo("2026-11-20T11:55:00Z", now)).toBe("5 min ago");
    expect(timeAgo("2026-11-20T09:00:00Z", now)).toBe("3 h ago");
    expect(timeAgo("2026-11-18T12:00:00Z", now)).toBe("2 d ago");
    expect(timeAgo("2026-10-01T12:00:00Z", now)).toBe("1 Oct 2026");
    expect(timeAgo("not a date", now)).toBe("not a date");
  });
});

it("keys a job's launch and end apart", () => {
  const launched = { subject: "job" as const, id: "j1", at: "2026-11-01T00:00:00Z", title: "run launched" };
  const ended = { ...launched, at: "2026-11-02T00:00:00Z", title: "run completed" };
  expect(activityKey(launched)).not.toBe(activityKey(ended));
});
