import { Link } from "react-router";
import { Cpu, ListChecks } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";

export function TrainingPage() {
  return (
    <div data-testid="page-training" className="flex flex-col gap-6">
      <PageHeader title="Training" description="Configure LoRA runs and follow them live." />
      <Tabs defaultValue="configure">
        <TabsList>
          <TabsTrigger value="configure">Configure</TabsTrigger>
          <TabsTrigger value="jobs">Jobs</TabsTrigger>
        </TabsList>
        <TabsContent value="configure">
          <EmptyState
            icon={ListChecks}
            title="Pick a dataset to train on"
            description="A run starts from a checked dataset. Import one on the Datasets page, then come back to choose a preset and see the cost before you launch."
            actions={
              <Button asChild>
                <Link to="/datasets">Go to Datasets</Link>
              </Button>
            }
          />
        </TabsContent>
        <TabsContent value="jobs">
          <EmptyState
            icon={Cpu}
            title="No training jobs yet"
            description="Jobs you launch are listed here with their progress, loss and cost so far."
          />
        </TabsContent>
      </Tabs>
    </div>
  );
}
