import { createHashRouter, type RouteObject } from "react-router";

import { AppShell } from "@/components/layout/app-shell";
import { CostsPage } from "@/pages/costs-page";
import { DashboardPage } from "@/pages/dashboard-page";
import { DatasetDetailPage } from "@/pages/dataset-detail-page";
import { DatasetsPage } from "@/pages/datasets-page";
import { ModelsPage } from "@/pages/models-page";
import { ModelDetailPage } from "@/pages/models/model-detail-page";
import { NotificationsPage } from "@/pages/notifications-page";
import { NotFoundPage } from "@/pages/not-found-page";
import { PlaygroundPage } from "@/pages/playground-page";
import { SettingsPage } from "@/pages/settings-page";
import { TrainingConfigure } from "@/pages/training-configure";
import { TrainingJobs } from "@/pages/training-jobs";
import { TrainingPage } from "@/pages/training-page";

/** Every page, under the shell. `handle.crumb` feeds the header's breadcrumbs. */
export const routes: RouteObject[] = [
  {
    path: "/",
    element: <AppShell />,
    children: [
      { index: true, element: <DashboardPage />, handle: { crumb: "Dashboard" } },
      {
        path: "datasets",
        handle: { crumb: "Datasets" },
        children: [
          { index: true, element: <DatasetsPage /> },
          { path: ":id", element: <DatasetDetailPage />, handle: { crumb: "Dataset" } },
        ],
      },
      {
        path: "training",
        element: <TrainingPage />,
        handle: { crumb: "Training" },
        children: [
          // `/training` shows the configurator under the "Training" crumb; `/training/configure` is the same page.
          { index: true, element: <TrainingConfigure /> },
          { path: "configure", element: <TrainingConfigure />, handle: { crumb: "Configure" } },
          { path: "jobs", element: <TrainingJobs />, handle: { crumb: "Jobs" } },
          {
            path: "jobs/:jobId",
            // uPlot (the charts) loads with the monitor only: it needs a real browser (matchMedia) at import.
            lazy: async () => ({ Component: (await import("@/pages/training-monitor")).TrainingMonitor }),
            handle: { crumb: "Monitor" },
          },
        ],
      },
      {
        path: "models",
        handle: { crumb: "Models" },
        children: [
          { index: true, element: <ModelsPage /> },
          { path: ":modelId", element: <ModelDetailPage />, handle: { crumb: "Model" } },
        ],
      },
      { path: "playground", element: <PlaygroundPage />, handle: { crumb: "Playground" } },
      {
        path: "compare",
        // uPlot loads with the page, as with the monitor.
        lazy: async () => ({ Component: (await import("@/pages/compare-page")).ComparePage }),
        handle: { crumb: "Compare runs" },
      },
      { path: "notifications", element: <NotificationsPage />, handle: { crumb: "Notifications" } },
      // Dev and benchmark only: draws the loss chart with N synthetic points (docs/benchmarks.md).
      {
        path: "dev/chart-bench",
        lazy: async () => ({ Component: (await import("@/pages/dashboard-chart-bench")).ChartBenchPage }),
        handle: { crumb: "Chart benchmark" },
      },
      { path: "costs", element: <CostsPage />, handle: { crumb: "Costs" } },
      { path: "settings", element: <SettingsPage />, handle: { crumb: "Settings" } },
      { path: "*", element: <NotFoundPage />, handle: { crumb: "Not found" } },
    ],
  },
];

/**
 * Hash routing: the app is served from Tauri's asset protocol, where a reload of `/datasets` would look for a
 * file of that name; `#/datasets` always loads index.html.
 */
export function createAppRouter() {
  return createHashRouter(routes);
}
