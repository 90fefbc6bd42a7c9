import { afterEach, describe, expect, it, vi } from "vitest";
import { renderHook } from "@testing-library/react";

import { useTauriEvent, type TauriEvent } from "@/lib/use-tauri-event";

/** An event source whose `listen` resolves when the test says, like Tauri's (an IPC round trip). */
function slowEvent<T>() {
  let emit: (payload: T) => void = () => undefined;
  let resolve: () => void = () => undefined;
  const unlisten = vi.fn();
  const event: TauriEvent<T> = {
    listen: (cb) =>
      new Promise((done) => {
        emit = (payload) => cb({ payload });
        resolve = () => done(unlisten);
      }),
  };
  return { event, emit: (p: T) => emit(p), register: () => resolve(), unlisten };
}

describe("useTauriEvent", () => {
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
  });

  it("does nothing outside the app window", () => {
    const source = slowEvent<number>();
    const listen = vi.spyOn(source.event, "listen");
    renderHook(() => useTauriEvent(source.event, () => undefined));
    expect(listen).not.toHaveBeenCalled();
  });

  it("calls the latest handler and stops a listener that registered after unmount", async () => {
    (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {};
    const source = slowEvent<number>();
    const seen: string[] = [];
    const { rerender, unmount } = renderHook(({ tag }) => useTauriEvent(source.event, (n) => seen.push(`${tag}${n}`)), {
      initialProps: { tag: "a" },
    });
    rerender({ tag: "b" });
    source.emit(1);
    expect(seen).toEqual(["b1"]);

    unmount();
    expect(source.unlisten).not.toHaveBeenCalled();
    source.register();
    await Promise.resolve();
    await Promise.resolve();
    expect(source.unlisten).toHaveBeenCalledTimes(1);
  });
});
