import { NavLink } from "react-router";

import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { NAV_ITEMS } from "@/lib/navigation";
import { cn } from "@/lib/utils";

/** The left navigation: every page, icon-only when collapsed (with tooltips so names stay reachable). */
export function Sidebar({ collapsed }: { collapsed: boolean }) {
  return (
    <aside
      data-testid="sidebar"
      data-collapsed={collapsed}
      className={cn(
        "flex h-full shrink-0 flex-col border-r border-sidebar-border bg-sidebar text-sidebar-foreground transition-[width] duration-200",
        collapsed ? "w-16" : "w-60",
      )}
    >
      <div className={cn("flex h-14 items-center gap-2 border-b border-sidebar-border", collapsed ? "justify-center px-2" : "px-4")}>
        <img src="/icon.png" alt="" className="size-7 rounded-md" />
        {!collapsed && <span className="text-base font-semibold tracking-tight">BrightRun</span>}
      </div>
      <nav aria-label="Main" className="flex-1 overflow-y-auto p-2">
        <ul className="flex flex-col gap-1">
          {NAV_ITEMS.map((item) => {
            const link = (
              <NavLink
                to={item.path}
                end={item.path === "/"}
                data-testid={`nav-${item.id}`}
                aria-label={collapsed ? item.label : undefined}
                className={({ isActive }) =>
                  cn(
                    "flex h-9 items-center gap-3 rounded-md px-3 text-sm font-medium outline-none transition-colors",
                    "hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50",
                    collapsed && "justify-center px-0",
                    isActive ? "bg-sidebar-accent text-sidebar-accent-foreground" : "text-sidebar-foreground/80",
                  )
                }
              >
                {({ isActive }) => (
                  <>
                    <item.icon className={cn("size-4 shrink-0", isActive && "text-primary")} aria-hidden="true" />
                    {!collapsed && <span>{item.label}</span>}
                  </>
                )}
              </NavLink>
            );
            return (
              <li key={item.id}>
                {collapsed ? (
                  <Tooltip>
                    <TooltipTrigger asChild>{link}</TooltipTrigger>
                    <TooltipContent side="right">{item.label}</TooltipContent>
                  </Tooltip>
                ) : (
                  link
                )}
              </li>
            );
          })}
        </ul>
      </nav>
    </aside>
  );
}
