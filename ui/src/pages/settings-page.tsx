import { Server } from "lucide-react";

import { AppInfoCard } from "@/components/app-info-card";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { parseThemePreference, useTheme } from "@/lib/theme";

export function SettingsPage() {
  const { preference, setPreference } = useTheme();
  return (
    <div data-testid="page-settings" className="flex flex-col gap-6">
      <PageHeader title="Settings" description="Clusters, credentials, budget and appearance." />
      <div className="grid gap-4 lg:grid-cols-2">
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
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Clusters</CardTitle>
            <CardDescription>Where training runs. API keys stay in the system keyring, never on disk.</CardDescription>
          </CardHeader>
          <CardContent>
            <EmptyState
              icon={Server}
              title="No clusters yet"
              description="“Local (this computer)” will be set up for you on your first run; add a GPU machine running brightrun-agent with its address and API key."
            />
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
