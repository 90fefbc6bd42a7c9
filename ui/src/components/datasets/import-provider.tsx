import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { Upload } from "lucide-react";
import { toast } from "sonner";

import { commands, events } from "@/bindings";
import { datasetKeys } from "@/lib/dataset-queries";
import { applyProgress, FINISHED_STAGES, type ImportProgress } from "@/lib/imports";
import { describeError, insideTauri, unwrap } from "@/lib/ipc";
import { useTauriEvent } from "@/lib/use-tauri-event";
import { dashboardQuery } from "@/lib/dashboard-queries";
import { trainingKeys } from "@/lib/training-queries";

type ImportContextValue = {
  imports: ImportProgress[];
  /**
   * Imports files and folders; resolves once they are queued (validation runs in the background). `format`
   * forces one of the core's formats; absent, each file's format is detected.
   */
  start: (paths: string[], format?: string | null) => Promise<void>;
  /** Opens the system file dialog, then imports what was picked as the chosen format. */
  pickAndStart: () => Promise<void>;
  /** The format picked and dropped files are read as: a core format id, or `null` to detect it (the default). */
  format: string | null;
  setFormat: (format: string | null) => void;
  cancel: (importId: string) => Promise<void>;
  /** Forgets the finished imports (the progress panel's "Dismiss"). */
  dismissFinished: () => void;
};

const ImportContext = createContext<ImportContextValue | null>(null);

/** The imports of this window: progress events, drag-and-drop anywhere on the window, and the overlay. */
export function ImportProvider({ children }: { children: ReactNode }) {
  const [imports, setImports] = useState<ImportProgress[]>([]);
  const [hovering, setHovering] = useState(false);
  const [format, setFormat] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const start = useCallback(
    async (paths: string[], format?: string | null) => {
      if (paths.length === 0) return;
      try {
        await unwrap(commands.importDatasets(paths, format ?? null));
      } catch (error) {
        toast.error(describeError(error));
      }
    },
    [],
  );

  const pickAndStart = useCallback(async () => {
    try {
      const paths = await unwrap(commands.pickDatasetFiles());
      await start(paths, format);
    } catch (error) {
      toast.error(describeError(error));
    }
  }, [start, format]);

  const cancel = useCallback(async (importId: string) => {
    await commands.cancelImport(importId);
  }, []);

  const dismissFinished = useCallback(() => {
    setImports((list) => list.filter((item) => !FINISHED_STAGES.has(item.stage)));
  }, []);

  useTauriEvent(events.datasetImportProgress, (payload) => {
    setImports((list) => applyProgress(list, payload));
    if (FINISHED_STAGES.has(payload.stage)) {
      void queryClient.invalidateQueries({ queryKey: datasetKeys.all });
      // A finished validation is recorded as a dataset_ready notification and changes the dashboard.
      void queryClient.invalidateQueries({ queryKey: trainingKeys.notifications });
      void queryClient.invalidateQueries({ queryKey: dashboardQuery.queryKey });
      if (payload.stage === "failed") toast.error(`${payload.file}: ${payload.message ?? "import failed"}`);
    }
  });

  // Files dropped on the window: a webview event, not one of the app's own.
  useEffect(() => {
    if (!insideTauri()) return;
    let disposed = false;
    const unlisteners: (() => void)[] = [];
    const keep = (promise: Promise<() => void>) =>
      promise.then((unlisten) => (disposed ? unlisten() : unlisteners.push(unlisten)));

    // The webview API is loaded lazily: it only exists inside the app window.
    void import("@tauri-apps/api/webview").then(({ getCurrentWebview }) => {
      if (disposed) return;
      keep(
        getCurrentWebview().onDragDropEvent(({ payload }) => {
          if (payload.type === "enter" || payload.type === "over") setHovering(true);
          else if (payload.type === "leave") setHovering(false);
          else if (payload.type === "drop") {
            setHovering(false);
            void navigate("/datasets");
            void start(payload.paths, format);
          }
        }),
      );
    });
    return () => {
      disposed = true;
      unlisteners.forEach((unlisten) => unlisten());
    };
  }, [queryClient, navigate, start, format]);

  const value = useMemo(
    () => ({ imports, start, pickAndStart, cancel, dismissFinished, format, setFormat }),
    [imports, start, pickAndStart, cancel, dismissFinished, format],
  );

  return (
    <ImportContext.Provider value={value}>
      {children}
      {hovering && (
        <div
          data-testid="drop-overlay"
          className="pointer-events-none fixed inset-0 z-50 flex items-center justify-center bg-background/80 backdrop-blur-sm"
        >
          <div className="flex flex-col items-center gap-3 rounded-2xl border-2 border-dashed border-primary px-16 py-12 text-center">
            <Upload className="size-10 text-primary" aria-hidden="true" />
            <p className="text-lg font-semibold">Drop to import</p>
            <p className="text-sm text-muted-foreground">Files (.jsonl, .json, .jsonl.gz) or folders of them</p>
          </div>
        </div>
      )}
    </ImportContext.Provider>
  );
}

/** The window's imports; only inside `ImportProvider`. */
// eslint-disable-next-line react-refresh/only-export-components
export function useImports(): ImportContextValue {
  const value = useContext(ImportContext);
  if (!value) throw new Error("useImports must be used inside ImportProvider");
  return value;
}
