import { Link } from "react-router";
import { ArrowRight, Cpu, Database, Rocket } from "lucide-react";

import { AppInfoCard } from "@/components/app-info-card";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

const STEPS = [
  { title: "Import a dataset", text: "Drop a .jsonl or .json file; BrightRun checks every line.", to: "/datasets", icon: Database },
  { title: "Configure a run", text: "Pick a preset, see the cost and time before you launch.", to: "/training", icon: Cpu },
  { title: "Get your adapter", text: "Follow the loss live; the LoRA adapter lands in Models.", to: "/models", icon: Rocket },
] as const;

export function DashboardPage() {
  return (
    <div data-testid="page-dashboard" className="flex flex-col gap-6">
      <PageHeader title="Dashboard" description="Your datasets, training runs and spending at a glance." />
      <section aria-labelledby="get-started" className="flex flex-col gap-3">
        <h2 id="get-started" className="text-sm font-medium text-muted-foreground">
          Get started
        </h2>
        <ol className="grid gap-4 md:grid-cols-3">
          {STEPS.map((step, index) => (
            <li key={step.to}>
              <Card className="h-full gap-3">
                <CardHeader>
                  <CardTitle className="flex items-center gap-2">
                    <span className="flex size-6 items-center justify-center rounded-full bg-primary/15 text-xs text-primary">
                      {index + 1}
                    </span>
                    {step.title}
                  </CardTitle>
                  <CardDescription>{step.text}</CardDescription>
                </CardHeader>
                <CardContent className="mt-auto">
                  <Button variant="link" className="h-auto px-0" asChild>
                    <Link to={step.to}>
                      Go to {step.to.slice(1)} <ArrowRight aria-hidden="true" />
                    </Link>
                  </Button>
                </CardContent>
              </Card>
            </li>
          ))}
        </ol>
      </section>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Recent training runs</CardTitle>
            <CardDescription>Runs you launch appear here with their status and cost.</CardDescription>
          </CardHeader>
          <CardContent>
            <EmptyState
              icon={Cpu}
              title="No training runs yet"
              description="Import a dataset first, then configure a run on the Training page."
              actions={
                <Button asChild>
                  <Link to="/datasets">Import a dataset</Link>
                </Button>
              }
            />
          </CardContent>
        </Card>
        <AppInfoCard />
      </div>
    </div>
  );
}
