import { Link } from "react-router";
import { Compass } from "lucide-react";

import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export function NotFoundPage() {
  return (
    <EmptyState
      icon={Compass}
      title="This page does not exist"
      description="The link may be from an older version of BrightRun."
      actions={
        <Button asChild>
          <Link to="/">Back to the Dashboard</Link>
        </Button>
      }
    />
  );
}
