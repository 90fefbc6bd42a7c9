import { CommandError, describeError, unwrap } from "@/lib/ipc";

describe("unwrap", () => {
  it("returns the data of a successful command", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok" as const, data: 7 }))).resolves.toBe(7);
  });

  it("throws a command's error with its code and message intact", async () => {
    const failed = unwrap(
      Promise.resolve({
        status: "error" as const,
        error: { code: "data_dir_unavailable" as const, message: "The data folder is gone." },
      }),
    );
    const error = await failed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).code).toBe("data_dir_unavailable");
    expect(describeError(error)).toBe("The data folder is gone.");
  });

  it("explains that the page is outside the app when there is no Tauri bridge", () => {
    expect(describeError(new TypeError("undefined is not an object"))).toMatch(/outside the desktop app/);
  });
});
