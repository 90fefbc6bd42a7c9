import { Database, Upload } from "lucide-react";

import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

const FORMATS = ["BrightRun v4 (JSONL / JSON)", "OpenAI chat", "ShareGPT", "Alpaca", "prompt / completion"];

export function DatasetsPage() {
  return (
    <div data-testid="page-datasets" className="flex flex-col gap-6">
      <PageHeader
        title="Datasets"
        description="Conversation files you can train on, checked line by line."
        actions={
          // Import is wired to the dataset engine in the next step; until then it stays visibly inactive.
          <Button disabled title="Import arrives with the dataset engine">
            <Upload aria-hidden="true" /> Import
          </Button>
        }
      />
      <EmptyState
        icon={Database}
        title="No datasets yet"
        description={
          <>
            Drop a dataset file here or use Import. BrightRun recognises {FORMATS.join(", ")} and shows every
            problem with its line number.
          </>
        }
      />
    </div>
  );
}
