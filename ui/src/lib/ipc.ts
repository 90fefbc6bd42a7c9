import type { AppError } from "@/bindings";

/** Result shape of every generated command in `bindings.ts`. */
export type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** An error a command returned, thrown so TanStack Query can hold it; keeps the `{code, message}` shape. */
export class CommandError extends Error {
  readonly code: AppError["code"];

  constructor(error: AppError) {
    super(error.message);
    this.name = "CommandError";
    this.code = error.code;
  }
}

/** Awaits a command and returns its data, or throws its error as a CommandError. */
export async function unwrap<T>(result: Promise<CommandResult<T>>): Promise<T> {
  const settled = await result;
  if (settled.status === "error") throw new CommandError(settled.error);
  return settled.data;
}

/** True when the page runs inside the Tauri window (false in a plain browser or a unit test). */
export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/** Words for any error a query may hold, for the user to read. */
export function describeError(error: unknown): string {
  if (error instanceof CommandError) return error.message;
  if (!insideTauri()) return "The BrightRun app is not connected: this page is open outside the desktop app.";
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  return "Something went wrong.";
}
