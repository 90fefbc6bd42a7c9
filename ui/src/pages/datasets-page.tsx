import { useState } from "react";
import { Database, FolderOpen, Search, Trash2, Upload, X } from "lucide-react";

import { DatasetCard } from "@/components/datasets/dataset-card";
import { ImportPanel } from "@/components/datasets/import-panel";
import { useImports } from "@/components/datasets/import-provider";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Skeleton } from "@/components/ui/skeleton";
import {
  activeChips,
  clearAll,
  DEFAULT_FILTERS,
  PAGE_SIZES,
  pageCount,
  removeChip,
  showingText,
  SORTS,
  statusLabel,
  STATUSES,
  withFilter,
  type DatasetFilters,
  type DatasetSortId,
} from "@/lib/dataset-filters";
import { useDatasetList, useLibraryStats } from "@/lib/dataset-queries";
import { FORMAT_IDS, formatCount, formatLabel } from "@/lib/format";
import { describeError } from "@/lib/ipc";

const FORMATS_TEXT = "BrightRun v4 (JSONL / JSON), OpenAI chat, ShareGPT, Alpaca and prompt / completion";

export function DatasetsPage() {
  const [filters, setFilters] = useState<DatasetFilters>(DEFAULT_FILTERS);
  const { pickAndStart, format: importFormat, setFormat: setImportFormat } = useImports();
  const list = useDatasetList(filters);
  const chips = activeChips(filters);
  const page = list.data;
  const total = page?.total ?? 0;

  return (
    <div data-testid="page-datasets" className="flex flex-col gap-6">
      <PageHeader
        title="Datasets"
        description="Conversation files you can train on, checked line by line. Drop files or folders anywhere on the window."
        actions={
          <div className="flex items-center gap-2">
            <NativeSelect
              aria-label="Read imported files as"
              title="Read imported files as"
              value={importFormat ?? ""}
              onChange={(e) => setImportFormat(e.target.value || null)}
              data-testid="import-format"
            >
              <option value="">Detect the format</option>
              {FORMAT_IDS.map((id) => (
                <option key={id} value={id}>
                  Read as {formatLabel(id)}
                </option>
              ))}
            </NativeSelect>
            <Button onClick={() => void pickAndStart()} data-testid="import-button">
              <Upload aria-hidden="true" /> Import
            </Button>
          </div>
        }
      />
      <StatsBar />
      <ImportPanel />

      <div className="flex flex-wrap items-center gap-2" role="search">
        <div className="relative min-w-56 flex-1">
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden="true" />
          <Input
            aria-label="Search datasets by name or description"
            placeholder="Search by name or description"
            className="pl-8"
            value={filters.search}
            onChange={(e) => setFilters(withFilter(filters, "search", e.target.value))}
            data-testid="dataset-search"
          />
        </div>
        <NativeSelect
          aria-label="Sort"
          value={filters.sort}
          onChange={(e) => setFilters(withFilter(filters, "sort", e.target.value as DatasetSortId))}
          data-testid="dataset-sort"
        >
          {SORTS.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
        </NativeSelect>
        <NativeSelect
          aria-label="Format"
          value={filters.format ?? ""}
          onChange={(e) => setFilters(withFilter(filters, "format", e.target.value || null))}
          data-testid="dataset-format-filter"
        >
          <option value="">All formats</option>
          {FORMAT_IDS.map((id) => (
            <option key={id} value={id}>
              {formatLabel(id)}
            </option>
          ))}
        </NativeSelect>
        <NativeSelect
          aria-label="Status"
          value={filters.status ?? ""}
          onChange={(e) => setFilters(withFilter(filters, "status", e.target.value || null))}
          data-testid="dataset-status-filter"
        >
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </NativeSelect>
        <NativeSelect
          aria-label="Readiness"
          value={filters.ready === null ? "" : String(filters.ready)}
          onChange={(e) => setFilters(withFilter(filters, "ready", e.target.value === "" ? null : e.target.value === "true"))}
          data-testid="dataset-ready-filter"
        >
          <option value="">Ready or not</option>
          <option value="true">Ready to train</option>
          <option value="false">Not ready</option>
        </NativeSelect>
        <Button
          variant={filters.trash ? "secondary" : "outline"}
          aria-pressed={filters.trash}
          onClick={() => setFilters(withFilter(filters, "trash", !filters.trash))}
          data-testid="trash-toggle"
        >
          <Trash2 aria-hidden="true" /> Trash
        </Button>
      </div>

      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-muted-foreground" data-testid="showing-text" aria-live="polite">
          {showingText(filters.page, filters.perPage, page?.items.length ?? 0, total)}
        </span>
        {chips.map((chip) => (
          <span key={chip.key} className="inline-flex items-center gap-1 rounded-full border bg-muted px-2.5 py-0.5 text-xs" data-testid="filter-chip">
            {chip.label}
            <button
              type="button"
              className="rounded-full p-0.5 hover:bg-background focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
              aria-label={`Remove filter ${chip.label}`}
              onClick={() => setFilters(removeChip(filters, chip.key))}
            >
              <X className="size-3" aria-hidden="true" />
            </button>
          </span>
        ))}
        {chips.length > 0 && (
          <Button variant="link" size="sm" className="h-auto px-1" onClick={() => setFilters(clearAll(filters))}>
            Clear all
          </Button>
        )}
      </div>

      {list.isPending ? (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-44 rounded-xl" />
          ))}
        </div>
      ) : list.isError ? (
        <EmptyState icon={Database} title="The library could not be read" description={describeError(list.error)} />
      ) : total === 0 ? (
        <EmptyList filters={filters} onClear={() => setFilters(clearAll(filters))} onImport={() => void pickAndStart()} />
      ) : (
        <>
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="dataset-grid">
            {page?.items.map((d) => <DatasetCard key={d.id} dataset={d} />)}
          </div>
          <Pager
            filters={filters}
            total={total}
            onPage={(p) => setFilters(withFilter(filters, "page", p))}
            onPerPage={(n) => setFilters(withFilter(filters, "perPage", n))}
          />
        </>
      )}
    </div>
  );
}

function StatsBar() {
  const stats = useLibraryStats();
  const items = [
    ["Datasets", stats.data?.datasets],
    ["Ready to train", stats.data?.ready],
    ["Conversations", stats.data?.conversations],
    ["Training examples", stats.data?.trainingExamples],
  ] as const;
  return (
    <Card className="grid grid-cols-2 gap-4 px-6 py-4 sm:grid-cols-4" data-testid="stats-bar">
      {items.map(([label, value]) => (
        <div key={label} className="flex flex-col">
          <span className="text-xs text-muted-foreground">{label}</span>
          <span className="text-2xl font-semibold tabular-nums">{value === undefined ? "–" : formatCount(value)}</span>
        </div>
      ))}
    </Card>
  );
}

function EmptyList({ filters, onClear, onImport }: { filters: DatasetFilters; onClear: () => void; onImport: () => void }) {
  if (filters.trash && activeChips(filters).length === 1)
    return <EmptyState icon={Trash2} title="The trash is empty" description="Deleted datasets wait here until you restore them." />;
  if (activeChips(filters).length > 0)
    return (
      <EmptyState
        icon={Search}
        title="No dataset matches"
        description="Change the search or remove a filter to see more."
        actions={<Button variant="outline" onClick={onClear}>Clear all filters</Button>}
      />
    );
  return (
    <EmptyState
      icon={FolderOpen}
      title="No datasets yet"
      description={`Drop dataset files or a folder onto this window, or use Import. BrightRun recognises ${FORMATS_TEXT}, and shows every problem with its line number.`}
      actions={
        <Button onClick={onImport}>
          <Upload aria-hidden="true" /> Import datasets
        </Button>
      }
    />
  );
}

function Pager({
  filters,
  total,
  onPage,
  onPerPage,
}: {
  filters: DatasetFilters;
  total: number;
  onPage: (page: number) => void;
  onPerPage: (perPage: number) => void;
}) {
  const pages = pageCount(total, filters.perPage);
  return (
    <nav className="flex flex-wrap items-center justify-center gap-2" aria-label="Pages">
      {pages > 1 && (
        <>
          <Button variant="outline" size="sm" disabled={filters.page <= 1} onClick={() => onPage(filters.page - 1)}>
            Previous
          </Button>
          <span className="text-sm text-muted-foreground">
            Page {filters.page} of {pages}
          </span>
          <Button variant="outline" size="sm" disabled={filters.page >= pages} onClick={() => onPage(filters.page + 1)}>
            Next
          </Button>
        </>
      )}
      <NativeSelect
        aria-label="Datasets per page"
        value={String(filters.perPage)}
        onChange={(e) => onPerPage(Number(e.target.value))}
        data-testid="dataset-per-page"
      >
        {PAGE_SIZES.map((n) => (
          <option key={n} value={n}>
            {n} per page
          </option>
        ))}
      </NativeSelect>
    </nav>
  );
}
