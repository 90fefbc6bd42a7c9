import { useQuery } from "@tanstack/react-query";
import { Bell, CheckCheck } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { describeError } from "@/lib/ipc";
import { NotificationItem } from "@/components/notifications/notification-item";
import { notificationsQuery, useMarkRead } from "@/lib/training-queries";

/** Notifications: everything the app told you, newest first. */
export function NotificationsPage() {
  const list = useQuery(notificationsQuery);
  const markRead = useMarkRead();
  return (
    <div data-testid="page-notifications" className="flex flex-col gap-6">
      <PageHeader
        title="Notifications"
        description="Jobs queued, finished or failed; adapters ready; cost and budget alerts."
        actions={
          <Button variant="outline" onClick={() => markRead.mutate([])} disabled={!list.data?.unread}>
            <CheckCheck aria-hidden="true" /> Mark all read
          </Button>
        }
      />
      {list.isError && <p role="alert">{describeError(list.error)}</p>}
      {list.isSuccess && list.data.items.length === 0 && (
        <EmptyState icon={Bell} title="No notifications" description="BrightRun tells you here (and on the desktop) when a job needs you." />
      )}
      {list.isSuccess && list.data.items.length > 0 && (
        <ul className="divide-y rounded-xl border" data-testid="notifications-list">
          {list.data.items.map((n) => (
            <li key={n.id}>
              <NotificationItem n={n} onOpen={() => !n.read && markRead.mutate([n.id])} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
