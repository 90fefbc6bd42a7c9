import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { toast } from "sonner";

import type { SettingsView_Serialize as SettingsView } from "@/bindings";
import { describeError, insideTauri } from "@/lib/ipc";
import { SettingRefused, settingsQuery, useSaveSettings } from "@/lib/settings-queries";
import { budgetInput } from "@/lib/spend";
import { formatUsd } from "@/lib/training-format";

/**
 * The monthly budget and the polling interval. The core checks both (the same rules as `brightrun settings
 * set`); its message is shown under the field it refused.
 */
export function BudgetCard() {
  const settings = useQuery({ ...settingsQuery, enabled: insideTauri() });
  return (
    <Card data-testid="budget-card">
      <CardHeader>
        <CardTitle>Budget and polling</CardTitle>
        <CardDescription>
          A launch whose estimate would take the month past the budget is refused unless you override it; you are
          alerted at 80, 90 and 100 % of it.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {settings.isError && <p className="text-sm text-destructive">{describeError(settings.error)}</p>}
        {/* The fields start from what is stored; after a save they already hold it. */}
        {settings.data && <SettingsForm stored={settings.data} />}
      </CardContent>
    </Card>
  );
}

function SettingsForm({ stored }: { stored: SettingsView }) {
  const save = useSaveSettings();
  const [budget, setBudget] = useState(stored.monthlyBudgetUsd == null ? "" : String(stored.monthlyBudgetUsd));
  const [interval, setInterval] = useState(String(stored.pollIntervalS));
  const [min, max] = stored.pollIntervalRange;
  const failed = save.error instanceof SettingRefused ? save.error : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      [
        { key: "monthly_budget_usd", value: budgetInput(budget) },
        { key: "poll_interval_s", value: interval.trim() },
      ],
      {
        onSuccess: (now) =>
          toast.success(
            now.monthlyBudgetUsd == null ? "Saved: no monthly budget." : `Saved: a budget of ${formatUsd(now.monthlyBudgetUsd)} a month.`,
          ),
      },
    );
  };

  return (
    <form className="flex flex-col gap-4" onSubmit={(e) => void submit(e)}>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="monthly-budget">Monthly budget (USD)</Label>
        <Input
          id="monthly-budget"
          inputMode="decimal"
          placeholder="No budget"
          value={budget}
          onChange={(e) => setBudget(e.target.value)}
          aria-invalid={failed?.key === "monthly_budget_usd"}
          aria-describedby="monthly-budget-hint"
          data-testid="monthly-budget"
        />
        <p id="monthly-budget-hint" className="text-xs text-muted-foreground">
          Leave empty for no budget. Months run on UTC.
        </p>
        {failed?.key === "monthly_budget_usd" && (
          <p role="alert" className="text-sm text-destructive" data-testid="budget-error">
            {failed.message}
          </p>
        )}
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="poll-interval">Check running jobs every (seconds)</Label>
        <Input
          id="poll-interval"
          inputMode="numeric"
          value={interval}
          onChange={(e) => setInterval(e.target.value)}
          aria-invalid={failed?.key === "poll_interval_s"}
          aria-describedby="poll-interval-hint"
          data-testid="poll-interval"
        />
        <p id="poll-interval-hint" className="text-xs text-muted-foreground">
          {min} to {max} seconds. Applies at once: the next check comes that long after saving.
        </p>
        {failed?.key === "poll_interval_s" && (
          <p role="alert" className="text-sm text-destructive" data-testid="interval-error">
            {failed.message}
          </p>
        )}
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={save.isPending} data-testid="save-settings">
          Save
        </Button>
      </div>
    </form>
  );
}
