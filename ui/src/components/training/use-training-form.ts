import { useEffect, useMemo, useRef } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";

import { commands, type ClusterOptions, type TrainingDefaults } from "@/bindings";
import { unwrap } from "@/lib/ipc";
import {
  coreResolver,
  initialFormValues,
  resolveOffered,
  toTrainingForm,
  type TrainingFormValues,
  type TrainingInitialValues,
} from "@/lib/training-form";
import { trainingKeys } from "@/lib/training-queries";

/**
 * The configurator's state: the form (react-hook-form, checked by the core as the user types), what the
 * chosen cluster offers, the dataset's exact token count (counted once in the background), and the estimate
 * of the form as it stands.
 */
export function useTrainingForm(defaults: TrainingDefaults, datasetFromUrl: string | null, initial?: TrainingInitialValues) {
  // The resolver reads the cluster's offer through a ref: a blank base model means the cluster's first one.
  const offered = useRef<ClusterOptions | undefined>(undefined);
  const resolver = useMemo(() => {
    const check = coreResolver((form) => commands.checkTrainingForm(form));
    return (values: TrainingFormValues) => check(values, { options: offered.current });
  }, []);
  const form = useForm<TrainingFormValues>({
    mode: "onChange",
    defaultValues: initialFormValues(defaults, datasetFromUrl, initial),
    resolver,
  });
  // The whole form, as typed (every field has a default, so nothing is missing).
  const values = useWatch({ control: form.control }) as TrainingFormValues;

  const options = useQuery({
    queryKey: trainingKeys.clusterOptions(values.cluster_id),
    queryFn: () => unwrap(commands.clusterOptions(values.cluster_id)),
    enabled: values.cluster_id !== "",
    staleTime: 60_000,
  });
  const { trigger } = form;
  useEffect(() => {
    offered.current = options.data;
    // The blanks now stand for real choices: check the whole form again (not before: "pick a base model"
    // would flash under the field while the cluster is still answering).
    if (options.data) void trigger();
  }, [options.data, trigger]);

  const { baseModel, gpu } = resolveOffered(values, options.data);
  const trainingForm = toTrainingForm(values, options.data);
  const valid = form.formState.isValid && baseModel !== "";

  // Exact tokens: once per dataset and tokenizer (the core caches the count); "estimated" until it is in.
  const tokens = useQuery({
    queryKey: trainingKeys.tokens(values.dataset_id, values.cluster_id, baseModel),
    queryFn: () => unwrap(commands.countDatasetTokens(values.dataset_id, values.cluster_id, baseModel)),
    enabled: values.dataset_id !== "" && baseModel !== "" && options.isSuccess,
    staleTime: Infinity,
    retry: false,
  });

  const estimate = useQuery({
    // The token method is part of the key: the estimate is asked again once the exact count is cached.
    queryKey: ["training", "estimate", trainingForm, gpu, tokens.data?.method ?? "pending"],
    queryFn: () => unwrap(commands.estimateTraining(trainingForm, gpu)),
    enabled: valid,
    placeholderData: keepPreviousData,
  });

  return { form, values, options, baseModel, gpu, trainingForm, valid, tokens, estimate };
}
