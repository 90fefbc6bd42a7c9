import { AlertTriangle } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { describeError } from "@/lib/ipc";
import { useAppInfo } from "@/lib/queries";
import { shortenPath } from "@/lib/utils";

const ENVIRONMENT_BADGE = {
  release: { label: "Release", variant: "secondary" },
  dev: { label: "Development build", variant: "warning" },
  test: { label: "Test", variant: "warning" },
} as const;

/** Version, flavour and data folder of this installation, read from the `app_info` command. */
export function AppInfoCard() {
  const { data, error, isPending } = useAppInfo();

  return (
    <Card data-testid="app-info">
      <CardHeader>
        <CardTitle>This installation</CardTitle>
        <CardDescription>Where BrightRun keeps its database and files.</CardDescription>
      </CardHeader>
      <CardContent>
        {isPending ? (
          <div className="flex flex-col gap-3" aria-label="Loading">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-4 w-56" />
          </div>
        ) : error ? (
          <div role="alert" className="flex items-start gap-2 text-sm text-destructive">
            <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
            <span>{describeError(error)}</span>
          </div>
        ) : (
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-muted-foreground">Version</dt>
            <dd data-testid="app-version" className="flex items-center gap-2 font-medium">
              {data.version}
              <Badge variant={ENVIRONMENT_BADGE[data.environment].variant}>
                {ENVIRONMENT_BADGE[data.environment].label}
              </Badge>
            </dd>
            <dt className="text-muted-foreground">Identifier</dt>
            <dd className="font-mono text-xs leading-5 break-all">{data.identifier}</dd>
            <dt className="text-muted-foreground">Data folder</dt>
            <dd className="min-w-0 font-mono text-xs leading-5">
              <Tooltip>
                <TooltipTrigger asChild>
                  <span tabIndex={0} data-testid="app-data-dir" className="break-all">
                    {shortenPath(data.dataDir)}
                  </span>
                </TooltipTrigger>
                <TooltipContent className="max-w-md font-mono break-all">{data.dataDir}</TooltipContent>
              </Tooltip>
            </dd>
          </dl>
        )}
      </CardContent>
    </Card>
  );
}
