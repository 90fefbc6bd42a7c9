import { Fragment } from "react";
import { Link, useMatches } from "react-router";

import {
  Breadcrumb,
  BreadcrumbItem,
  BreadcrumbLink,
  BreadcrumbList,
  BreadcrumbPage,
  BreadcrumbSeparator,
} from "@/components/ui/breadcrumb";

/** Routes opt into the trail with `handle: { crumb: "Datasets" }`. */
export type CrumbHandle = { crumb: string };

function hasCrumb(handle: unknown): handle is CrumbHandle {
  return typeof handle === "object" && handle !== null && typeof (handle as CrumbHandle).crumb === "string";
}

/** "BrightRun › Datasets › …", built from the matched routes; the last one is the current page. */
export function Breadcrumbs() {
  const crumbs = useMatches()
    .filter((match) => hasCrumb(match.handle))
    .map((match) => ({ path: match.pathname, label: (match.handle as CrumbHandle).crumb }));

  return (
    <Breadcrumb>
      <BreadcrumbList>
        <BreadcrumbItem>
          <BreadcrumbLink asChild>
            <Link to="/">BrightRun</Link>
          </BreadcrumbLink>
        </BreadcrumbItem>
        {crumbs.map((crumb, index) => (
          <Fragment key={crumb.path}>
            <BreadcrumbSeparator />
            <BreadcrumbItem>
              {index === crumbs.length - 1 ? (
                <BreadcrumbPage data-testid="breadcrumb-current">{crumb.label}</BreadcrumbPage>
              ) : (
                <BreadcrumbLink asChild>
                  <Link to={crumb.path}>{crumb.label}</Link>
                </BreadcrumbLink>
              )}
            </BreadcrumbItem>
          </Fragment>
        ))}
      </BreadcrumbList>
    </Breadcrumb>
  );
}
