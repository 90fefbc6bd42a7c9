import type { ErrorCode } from "@/bindings";
import { CommandError } from "@/lib/ipc";

/** What the UI offers next to an error, by its code (docs/app.md, "Error codes"). */
export type ErrorAction =
  | { kind: "prepare"; label: string }
  | { kind: "settings"; label: string }
  | { kind: "retry"; label: string }
  | { kind: "none" };

/** A headline for the codes that mean more than their message, and the action that fixes them. */
export interface ErrorAdvice {
  code: ErrorCode | null;
  title: string | null;
  action: ErrorAction;
}

/** Every code the shell can send, with its headline and action; `satisfies` makes a new code a type error here. */
const ADVICE = {
  data_dir_unavailable: { title: "The data folder cannot be read", action: { kind: "none" } },
  not_found: { title: "It is gone", action: { kind: "none" } },
  cluster_missing: {
    title: "Its cluster was removed",
    action: { kind: "settings", label: "Open Settings → Clusters" },
  },
  invalid_input: { title: null, action: { kind: "none" } },
  keyring: { title: "The keyring is not available", action: { kind: "none" } },
  key_rejected: {
    title: "The cluster refused its API key",
    action: { kind: "settings", label: "Edit the cluster's key" },
  },
  cluster_unreachable: { title: "The cluster does not answer", action: { kind: "retry", label: "Try again" } },
  python_stack_missing: {
    title: "The local training stack is not installed",
    action: { kind: "prepare", label: "Prepare" },
  },
  not_supported: { title: "The cluster cannot run this", action: { kind: "none" } },
  cancelled: { title: null, action: { kind: "none" } },
  over_budget: { title: "Over the monthly budget", action: { kind: "none" } },
  internal: { title: null, action: { kind: "none" } },
} satisfies Record<ErrorCode, { title: string | null; action: ErrorAction }>;

/** The advice for any error a query or mutation may hold (plain errors get none). */
export function adviceFor(error: unknown): ErrorAdvice {
  if (!(error instanceof CommandError)) return { code: null, title: null, action: { kind: "none" } };
  const advice = ADVICE[error.code];
  return { code: error.code, title: advice.title, action: advice.action };
}
