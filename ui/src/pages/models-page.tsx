import { Link } from "react-router";
import { Boxes } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export function ModelsPage() {
  return (
    <div data-testid="page-models" className="flex flex-col gap-6">
      <PageHeader title="Models" description="Trained LoRA adapters with their lineage and quality." />
      <EmptyState
        icon={Boxes}
        title="No adapters yet"
        description="When a training run finishes, its adapter is downloaded, checked and kept here with the dataset and settings it came from."
        actions={
          <Button variant="outline" asChild>
            <Link to="/training">Start a training run</Link>
          </Button>
        }
      />
    </div>
  );
}
