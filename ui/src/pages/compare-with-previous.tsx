import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { GitCompare } from "lucide-react";

import { Button } from "@/components/ui/button";
import { previousOnDataset } from "@/pages/compare-data";
import { jobsQuery } from "@/lib/training-queries";

/** The monitor's "Compare with previous runs on this dataset" (shown when there is at least one). */
export function CompareWithPrevious({ jobId, datasetId }: { jobId: string; datasetId: string }) {
  const jobs = useQuery(jobsQuery(null));
  const previous = previousOnDataset(jobs.data ?? [], jobId, datasetId);
  if (previous.length === 0) return null;
  return (
    <Button asChild size="sm" variant="outline" data-testid="compare-previous">
      <Link to={`/compare?jobs=${[jobId, ...previous].join(",")}`}>
        <GitCompare aria-hidden="true" /> Compare with previous runs on this dataset
      </Link>
    </Button>
  );
}
