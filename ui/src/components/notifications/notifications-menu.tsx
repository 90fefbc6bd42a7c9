import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Bell } from "lucide-react";

import { Button } from "@/components/ui/button";
import { insideTauri } from "@/lib/ipc";
import { NotificationItem } from "@/components/notifications/notification-item";
import { notificationsQuery, useMarkRead } from "@/lib/training-queries";

/** The header's bell: unread count, the latest few, and a link to the page. */
export function NotificationsMenu() {
  const [open, setOpen] = useState(false);
  const list = useQuery({ ...notificationsQuery, enabled: insideTauri() });
  const markRead = useMarkRead();
  const unread = list.data?.unread ?? 0;
  return (
    <div className="relative">
      <Button
        variant="ghost"
        size="icon"
        aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        data-testid="notifications-menu"
      >
        <Bell aria-hidden="true" />
        {unread > 0 && (
          <span
            className="absolute -top-0.5 -right-0.5 flex min-w-4 items-center justify-center rounded-full bg-primary px-1 text-[10px] font-semibold text-primary-foreground"
            data-testid="unread-count"
          >
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </Button>
      {open && (
        <div className="absolute right-0 z-50 mt-2 w-96 overflow-hidden rounded-xl border bg-popover text-popover-foreground shadow-lg">
          <div className="flex items-center justify-between border-b px-3 py-2 text-sm font-medium">
            Notifications
            <Button variant="link" size="sm" className="h-auto px-0" onClick={() => markRead.mutate([])} disabled={!unread}>
              Mark all read
            </Button>
          </div>
          <ul className="max-h-96 divide-y overflow-y-auto">
            {(list.data?.items ?? []).slice(0, 8).map((n) => (
              <li key={n.id}>
                <NotificationItem
                  n={n}
                  onOpen={() => {
                    setOpen(false);
                    if (!n.read) markRead.mutate([n.id]);
                  }}
                />
              </li>
            ))}
            {list.data?.items.length === 0 && <li className="px-3 py-4 text-sm text-muted-foreground">Nothing yet.</li>}
          </ul>
          <Link to="/notifications" className="block border-t px-3 py-2 text-center text-sm hover:bg-accent" onClick={() => setOpen(false)}>
            See all
          </Link>
        </div>
      )}
    </div>
  );
}
