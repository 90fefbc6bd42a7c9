import { useMemo, useState } from "react";
import { CheckCircle2 } from "lucide-react";

import type { ReportView_Serialize } from "@/bindings";
import { Badge } from "@/components/ui/badge";
import { NativeSelect } from "@/components/ui/native-select";
import { formatCount, num } from "@/lib/format";

/** Errors and warnings with their line, code, message and suggestion, filterable by severity and code. */
export function ValidationTab({ report }: { report: ReportView_Serialize }) {
  const [severity, setSeverity] = useState("");
  const [code, setCode] = useState("");
  const codes = useMemo(() => [...new Set(report.issues.map((i) => i.code))].sort(), [report.issues]);
  const shown = report.issues.filter((i) => (!severity || i.severity === severity) && (!code || i.code === code));
  if (report.issues.length === 0)
    return (
      <p className="flex items-center gap-2 text-sm" data-testid="validation-tab">
        <CheckCircle2 className="size-4 text-success" aria-hidden="true" /> No errors or warnings: every record is valid.
      </p>
    );
  const kept = report.issues.length < num(report.errorCount) + num(report.warningCount);
  return (
    <div className="flex flex-col gap-4" data-testid="validation-tab">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span>
          {formatCount(report.errorCount)} errors, {formatCount(report.warningCount)} warnings
          {kept && " (the first ones are listed)"}
        </span>
        <NativeSelect aria-label="Severity" value={severity} onChange={(e) => setSeverity(e.target.value)} className="ml-auto">
          <option value="">Errors and warnings</option>
          <option value="error">Errors</option>
          <option value="warning">Warnings</option>
        </NativeSelect>
        <NativeSelect aria-label="Issue code" value={code} onChange={(e) => setCode(e.target.value)}>
          <option value="">Every code</option>
          {codes.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div className="overflow-x-auto rounded-lg border">
        <table className="w-full text-sm">
          <thead className="bg-muted/50 text-left text-xs text-muted-foreground">
            <tr>
              <th className="px-3 py-2 font-medium">Line</th>
              <th className="px-3 py-2 font-medium">Severity</th>
              <th className="px-3 py-2 font-medium">Code</th>
              <th className="px-3 py-2 font-medium">Problem and fix</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((issue, i) => (
              <tr key={i} className="border-t align-top" data-testid="issue-row">
                <td className="px-3 py-2 tabular-nums" data-testid="issue-line">
                  {issue.line === 0 ? "file" : issue.line}
                </td>
                <td className="px-3 py-2">
                  <Badge variant={issue.severity === "error" ? "destructive" : "warning"}>{issue.severity}</Badge>
                </td>
                <td className="px-3 py-2 font-mono text-xs">{issue.code}</td>
                <td className="px-3 py-2">
                  <p>{issue.message}</p>
                  {issue.path && <p className="font-mono text-xs text-muted-foreground">{issue.path}</p>}
                  {issue.suggestion && <p className="mt-1 text-xs text-muted-foreground">Fix: {issue.suggestion}</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
