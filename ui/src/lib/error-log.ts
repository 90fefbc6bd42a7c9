/** Something that went wrong in the page outside React's reach: an uncaught error or a CSP violation. */
export type PageProblem = { kind: "error" | "rejection" | "csp"; message: string };

declare global {
  interface Window {
    /** Read by the e2e test (and handy in the inspector): problems seen since the page loaded. */
    __brightrunErrors?: PageProblem[];
  }
}

const LIMIT = 50;

/** Starts recording uncaught errors, unhandled rejections and CSP violations on `target`. */
export function recordPageProblems(target: Window = window): PageProblem[] {
  const problems: PageProblem[] = [];
  target.__brightrunErrors = problems;
  const push = (problem: PageProblem) => {
    // Bounded: a render loop throwing every frame must not grow memory without end.
    if (problems.length < LIMIT) problems.push(problem);
    console.error(`[${problem.kind}] ${problem.message}`);
  };
  target.addEventListener("error", (event) => push({ kind: "error", message: String(event.message) }));
  target.addEventListener("unhandledrejection", (event) =>
    push({ kind: "rejection", message: String((event.reason as Error | undefined)?.message ?? event.reason) }),
  );
  target.document.addEventListener("securitypolicyviolation", (event) =>
    push({ kind: "csp", message: `${event.violatedDirective} blocked ${event.blockedURI || "inline content"}` }),
  );
  return problems;
}
