import { Link } from "react-router";
import { Wallet } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export function CostsPage() {
  return (
    <div data-testid="page-costs" className="flex flex-col gap-6">
      <PageHeader title="Costs" description="What your training runs cost, by day and by GPU type." />
      <EmptyState
        icon={Wallet}
        title="Nothing spent yet"
        description="Every run records its GPU time and cost here. Set a monthly budget in Settings to be warned at 80, 90 and 100 %."
        actions={
          <Button variant="outline" asChild>
            <Link to="/settings">Set a budget</Link>
          </Button>
        }
      />
    </div>
  );
}
