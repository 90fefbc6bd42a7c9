import { useEffect, useRef } from "react";

import { insideTauri } from "@/lib/ipc";

/** What the generated bindings' `events.x` offers: `listen` resolves to the function that stops listening. */
export type TauriEvent<T> = { listen: (cb: (event: { payload: T }) => void) => Promise<() => void> };

/**
 * Calls `handler` with each payload of a Tauri event while the component is mounted (outside the app window —
 * a browser, a unit test — it does nothing). The latest `handler` is always the one called, so it may close
 * over state without re-subscribing. An unmount before `listen` resolved still stops the listener, and a
 * listener that never registered (no event plugin, e.g. a test's mocked IPC) has nothing to undo.
 */
export function useTauriEvent<T>(event: TauriEvent<T>, handler: (payload: T) => void, enabled = true) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!enabled || !insideTauri()) return;
    let disposed = false;
    let stop: (() => void) | undefined;
    event
      .listen(({ payload }) => latest.current(payload))
      .then((unlisten) => (disposed ? unlisten() : (stop = unlisten)))
      .catch((error: unknown) => console.warn("cannot listen to an app event", error));
    return () => {
      disposed = true;
      stop?.();
    };
  }, [event, enabled]);
}
