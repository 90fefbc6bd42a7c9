import { cn, shortenPath } from "@/lib/utils";

describe("cn", () => {
  it("lets a later Tailwind class win over a conflicting earlier one", () => {
    expect(cn("px-2 py-1", "px-4")).toBe("py-1 px-4");
  });

  it("drops falsy values and keeps conditional classes", () => {
    const active = false;
    expect(cn("a", active && "b", undefined, null, { c: true, d: false })).toBe("a c");
  });
});

describe("shortenPath", () => {
  it("leaves short paths alone", () => {
    expect(shortenPath("/home/ann/data", 48)).toBe("/home/ann/data");
  });

  it("keeps the start and the last folder of a long path within the limit", () => {
    const long = "/home/ann/.local/share/some/deeply/nested/folder/app.brightrun.desktop.dev";
    const short = shortenPath(long, 48);
    expect(short.length).toBeLessThanOrEqual(48);
    expect(short.startsWith("/home/ann")).toBe(true);
    expect(short.endsWith("…/app.brightrun.desktop.dev")).toBe(true);
  });

  it("uses backslashes for Windows paths", () => {
    const long = "C:\\Users\\ann\\AppData\\Roaming\\very\\long\\folder\\name\\app.brightrun.desktop";
    expect(shortenPath(long, 40).endsWith("…\\app.brightrun.desktop")).toBe(true);
  });
});
