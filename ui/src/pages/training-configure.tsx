import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { Rocket } from "lucide-react";

import { TrainingConfigurator } from "@/components/training/training-configurator";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { describeError } from "@/lib/ipc";
import type { TrainingInitialValues } from "@/lib/training-form";
import { trainingDefaultsQuery } from "@/lib/training-queries";
import { useTrainAgain, type TrainAgainSettings } from "@/pages/use-train-again";

/**
 * Training → Configure. Loads what the configurator offers (presets, ranges, clusters, ready datasets), then
 * hands over to the form. `initialValues` is the entry point for prefilling it; "Train again"
 * (`?from_model=ID`) waits for that model's settings and starts the form from them.
 */
export function TrainingConfigure({ initialValues }: { initialValues?: TrainingInitialValues }) {
  const defaults = useQuery(trainingDefaultsQuery);
  const [params] = useSearchParams();
  const [fromModel, setFromModel] = useState<TrainAgainSettings | null>(null);
  const trainAgain = useTrainAgain(setFromModel);
  const waitingForModel = params.get("from_model") !== null && fromModel === null;

  if (defaults.isPending || waitingForModel) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (defaults.isError) return <p role="alert">{describeError(defaults.error)}</p>;
  if (defaults.data.datasets.length === 0)
    return (
      <EmptyState
        icon={Rocket}
        title="No dataset is ready for training"
        description="Import a dataset on the Datasets page; once it is checked and ready, it can be trained on here."
        actions={
          <Button asChild>
            <Link to="/datasets">Go to Datasets</Link>
          </Button>
        }
      />
    );
  const initial: TrainingInitialValues | undefined = fromModel ? { ...fromModel, ...initialValues } : initialValues;
  return (
    <TrainingConfigurator
      key={fromModel?.name ?? "new"}
      defaults={defaults.data}
      initialValues={initial}
      onLaunched={trainAgain.recordParent}
    />
  );
}
