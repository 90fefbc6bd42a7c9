import { Link } from "react-router";

import type { NotificationView_Serialize } from "@/bindings";
import { Badge } from "@/components/ui/badge";
import { PRIORITY_VARIANT } from "@/lib/job-vocabulary";
import { cn } from "@/lib/utils";


/** One notification, linking to its job. */
export function NotificationItem({ n, onOpen }: { n: NotificationView_Serialize; onOpen?: () => void }) {
  const body = (
    <div className={cn("flex flex-col gap-0.5 px-3 py-2 text-sm", !n.read && "bg-primary/5")}>
      <span className="flex items-center gap-2 font-medium">
        {!n.read && <span className="size-2 rounded-full bg-primary" aria-label="unread" />}
        {n.title}
        <Badge variant={PRIORITY_VARIANT[n.priority]} className="ml-auto">
          {n.priority}
        </Badge>
      </span>
      <span className="text-muted-foreground">{n.body}</span>
      <span className="text-xs text-muted-foreground">{new Date(n.created_at).toLocaleString()}</span>
    </div>
  );
  return n.job_id ? (
    <Link to={`/training/jobs/${n.job_id}`} onClick={onOpen} className="block hover:bg-accent">
      {body}
    </Link>
  ) : (
    body
  );
}

