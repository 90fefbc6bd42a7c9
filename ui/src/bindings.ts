// provisional; replaced by cargo test export_bindings
import { invoke as TAURI_INVOKE } from "@tauri-apps/api/core";
export type AppEnvironment = "release" | "dev" | "test";
export type ErrorCode = "data_dir_unavailable" | "internal";
export type AppError = { code: ErrorCode; message: string };
export type AppInfo = { name: string; version: string; environment: AppEnvironment; identifier: string; dataDir: string };
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };
export const commands = {
  async appInfo(): Promise<Result<AppInfo, AppError>> {
    try {
      return { status: "ok", data: await TAURI_INVOKE("app_info") };
    } catch (e) {
      if (e instanceof Error) throw e;
      return { status: "error", error: e as AppError };
    }
  },
};
