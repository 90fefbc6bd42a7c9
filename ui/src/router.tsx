import { createHashRouter, type RouteObject } from "react-router";

import { AppShell } from "@/components/layout/app-shell";
import { CostsPage } from "@/pages/costs-page";
import { DashboardPage } from "@/pages/dashboard-page";
import { DatasetDetailPage } from "@/pages/dataset-detail-page";
import { DatasetsPage } from "@/pages/datasets-page";
import { ModelsPage } from "@/pages/models-page";
import { NotFoundPage } from "@/pages/not-found-page";
import { SettingsPage } from "@/pages/settings-page";
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
      { path: "training", element: <TrainingPage />, handle: { crumb: "Training" } },
      { path: "models", element: <ModelsPage />, handle: { crumb: "Models" } },
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
