import { Boxes, Cpu, Database, LayoutDashboard, MessagesSquare, Settings, Wallet, type LucideIcon } from "lucide-react";

/** One entry of the sidebar; the e2e test clicks through every one of them by `id`. */
export type NavItem = {
  id: string;
  label: string;
  path: string;
  icon: LucideIcon;
};

export const NAV_ITEMS: readonly NavItem[] = [
  { id: "dashboard", label: "Dashboard", path: "/", icon: LayoutDashboard },
  { id: "datasets", label: "Datasets", path: "/datasets", icon: Database },
  { id: "training", label: "Training", path: "/training", icon: Cpu },
  { id: "models", label: "Models", path: "/models", icon: Boxes },
  { id: "playground", label: "Playground", path: "/playground", icon: MessagesSquare },
  { id: "costs", label: "Costs", path: "/costs", icon: Wallet },
  { id: "settings", label: "Settings", path: "/settings", icon: Settings },
];

/** The sidebar entry a path belongs to (`/datasets/42` → Datasets), if any. */
export function navItemForPath(pathname: string): NavItem | undefined {
  if (pathname === "/" || pathname === "") return NAV_ITEMS[0];
  return NAV_ITEMS.find((item) => item.path !== "/" && (pathname === item.path || pathname.startsWith(`${item.path}/`)));
}
