import { useCallback, useEffect, useState } from "react";
import { Outlet } from "react-router";

import { useJobEventBridge } from "@/lib/jobs-live";
import { NotificationsMenu } from "@/components/notifications/notifications-menu";
import { PanelLeftClose, PanelLeftOpen } from "lucide-react";

import { ImportProvider } from "@/components/datasets/import-provider";
import { Breadcrumbs } from "@/components/layout/breadcrumbs";
import { Sidebar } from "@/components/layout/sidebar";
import { ThemeToggle } from "@/components/layout/theme-toggle";
import { Button } from "@/components/ui/button";
import { Separator } from "@/components/ui/separator";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { isSidebarShortcut, parseCollapsed, SIDEBAR_STORAGE_KEY } from "@/lib/sidebar";

/** The frame around every page: sidebar, header with breadcrumbs and theme toggle, and the page itself. */
export function AppShell() {
  // The poller's job events update every page's data, and a clicked notification opens its job.
  useJobEventBridge();
  const [collapsed, setCollapsed] = useState(() => parseCollapsed(window.localStorage.getItem(SIDEBAR_STORAGE_KEY)));

  const toggle = useCallback(() => {
    setCollapsed((was) => {
      window.localStorage.setItem(SIDEBAR_STORAGE_KEY, String(!was));
      return !was;
    });
  }, []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isSidebarShortcut(event)) return;
      event.preventDefault();
      toggle();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [toggle]);

  const toggleLabel = collapsed ? "Expand sidebar (Ctrl+B)" : "Collapse sidebar (Ctrl+B)";

  return (
    // Imports (and the drop overlay) belong to the window, not to a page: they go on while the user browses.
    <ImportProvider>
    <div className="flex h-full overflow-hidden">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-background focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <Sidebar collapsed={collapsed} />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-14 shrink-0 items-center gap-2 border-b px-4">
          <Tooltip>
            <TooltipTrigger asChild>
              <Button
                variant="ghost"
                size="icon"
                onClick={toggle}
                aria-label={toggleLabel}
                aria-expanded={!collapsed}
                data-testid="sidebar-toggle"
              >
                {collapsed ? <PanelLeftOpen aria-hidden="true" /> : <PanelLeftClose aria-hidden="true" />}
              </Button>
            </TooltipTrigger>
            <TooltipContent>{toggleLabel}</TooltipContent>
          </Tooltip>
          <Separator orientation="vertical" className="mr-2 !h-5" />
          <Breadcrumbs />
          <div className="ml-auto flex items-center gap-1">
            <NotificationsMenu />
            <ThemeToggle />
          </div>
        </header>
        <main id="main" tabIndex={-1} className="flex-1 overflow-y-auto outline-none">
          <div className="mx-auto flex w-full max-w-6xl flex-col gap-6 p-6">
            <Outlet />
          </div>
        </main>
      </div>
    </div>
    </ImportProvider>
  );
}
