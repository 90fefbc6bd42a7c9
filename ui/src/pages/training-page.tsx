import { Link, Outlet, useLocation } from "react-router";

import { PageHeader } from "@/components/page-header";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";

/** Training: Configure and Jobs as tabs over child routes (so a dataset's "Start training" can link in). */
export function TrainingPage() {
  const { pathname, search } = useLocation();
  const tab = pathname.startsWith("/training/jobs") ? "jobs" : "configure";
  return (
    <div data-testid="page-training" className="flex flex-col gap-6">
      <PageHeader title="Training" description="Configure LoRA runs and follow them live." />
      <Tabs value={tab}>
        <TabsList>
          <TabsTrigger value="configure" asChild>
            <Link to={`/training/configure${tab === "configure" ? search : ""}`} data-testid="tab-configure">
              Configure
            </Link>
          </TabsTrigger>
          <TabsTrigger value="jobs" asChild>
            <Link to="/training/jobs" data-testid="tab-jobs">
              Jobs
            </Link>
          </TabsTrigger>
        </TabsList>
      </Tabs>
      <Outlet />
    </div>
  );
}
