import { useState } from "react";
import { Plus, Server } from "lucide-react";

import { AppInfoCard } from "@/components/app-info-card";
import { BudgetCard } from "@/components/settings/budget-card";
import { ClusterCard } from "@/components/clusters/cluster-card";
import { ClusterDialog } from "@/components/clusters/cluster-dialog";
import { LocalClusterCard } from "@/components/clusters/local-cluster-card";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useClusters } from "@/lib/cluster-queries";
import { describeError } from "@/lib/ipc";
import { parseThemePreference, useTheme } from "@/lib/theme";

export function SettingsPage() {
  const { preference, setPreference } = useTheme();
  return (
    <div data-testid="page-settings" className="flex flex-col gap-6">
      <PageHeader title="Settings" description="Clusters, credentials, budget and appearance." />
      <div className="grid items-start gap-4 lg:grid-cols-2">
        <BudgetCard />
        <div className="flex flex-col gap-4">
          <Card>
            <CardHeader>
              <CardTitle>Appearance</CardTitle>
              <CardDescription>Light, dark, or follow the system.</CardDescription>
            </CardHeader>
            <CardContent>
              <Tabs value={preference} onValueChange={(value) => setPreference(parseThemePreference(value))}>
                <TabsList aria-label="Theme">
                  <TabsTrigger value="light">Light</TabsTrigger>
                  <TabsTrigger value="dark">Dark</TabsTrigger>
                  <TabsTrigger value="system">System</TabsTrigger>
                </TabsList>
              </Tabs>
            </CardContent>
          </Card>
          <AppInfoCard />
        </div>
        <div className="lg:col-span-2">
          <ClustersSection />
        </div>
      </div>
    </div>
  );
}

/** The local cluster, then the remote ones, with "Add cluster". */
function ClustersSection() {
  const clusters = useClusters();
  const [adding, setAdding] = useState(false);
  const remote = clusters.data?.filter((c) => c.kind === "remote") ?? [];
  return (
    <section className="flex flex-col gap-4" aria-labelledby="clusters-heading" data-testid="clusters-section">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 id="clusters-heading" className="text-lg font-semibold">
            Clusters
          </h2>
          <p className="text-sm text-muted-foreground">Where training runs. API keys stay in the system keyring, never on disk.</p>
        </div>
        <Button onClick={() => setAdding(true)} data-testid="add-cluster">
          <Plus aria-hidden="true" /> Add cluster
        </Button>
      </div>
      <LocalClusterCard />
      {clusters.isError && <p className="text-sm text-destructive">{describeError(clusters.error)}</p>}
      {remote.map((c) => (
        <ClusterCard key={c.id} cluster={c} />
      ))}
      {clusters.isSuccess && remote.length === 0 && (
        <EmptyState
          icon={Server}
          title="No remote clusters yet"
          description="Add a GPU machine running brightrun-agent with its address and an API key from `brightrun-agent keys create`."
          actions={
            <Button variant="outline" onClick={() => setAdding(true)}>
              <Plus aria-hidden="true" /> Add cluster
            </Button>
          }
        />
      )}
      <ClusterDialog open={adding} onOpenChange={setAdding} />
    </section>
  );
}
