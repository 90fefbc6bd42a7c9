// End-to-end test of the desktop app through tauri-driver. Started by run.sh, which provides the display,
// the D-Bus session and the driver. Exits non-zero on the first failure.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { clusterFlow, datasetFlow } from "./datasets-clusters.mjs";
import { modelUseFlow } from "./model-use.e2e.mjs";
import { budgetFlow } from "./budget.e2e.mjs";
import { chartBenchmark, trainingFlow } from "./training.e2e.mjs";
import { Session, waitForDriver } from "./webdriver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const application = process.env.E2E_APP;
const driverUrl = process.env.E2E_DRIVER_URL;
const dataDir = process.env.BRIGHTRUN_DATA_DIR;
const screenshots = process.env.E2E_SCREENSHOTS ?? path.join(here, "screenshots");

// Same order and ids as ui/src/lib/navigation.ts.
const PAGES = [
  ["dashboard", "Dashboard"],
  ["datasets", "Datasets"],
  ["training", "Training"],
  ["models", "Models"],
  ["playground", "Playground"],
  ["costs", "Costs"],
  ["settings", "Settings"],
];

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok - ${message}`);
}

/** Names of the top-level X windows; the native title lives there, not in document.title. */
function nativeWindowNames() {
  return execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8" });
}

async function save(session, name) {
  const file = path.join(screenshots, `${name}.png`);
  // The X server's picture of the window: WebKitWebDriver's own screenshot hangs on some pages (seen on the
  // Datasets page with its native <select> elements) and takes the driver down with it.
  void session;
  // Give the window a moment to paint what the test just did (a scrollIntoView, a new page): software rendering
  // under Xvfb paints later than the script returns, and the picture would show the previous frame.
  await new Promise((resolve) => setTimeout(resolve, 500));
  execFileSync("import", ["-window", "root", file]);
  console.log(`   screenshot ${path.relative(process.cwd(), file)}`);
}

async function main() {
  if (!application || !driverUrl || !dataDir) throw new Error("run me through tests/e2e/run.sh");
  mkdirSync(screenshots, { recursive: true });
  await waitForDriver(driverUrl);
  const session = await Session.start(driverUrl, application);
  try {
    await session.find('[data-testid="page-dashboard"]', 30_000);
    check((await session.title()) === "BrightRun", "document title is BrightRun");
    check(/"BrightRun":/.test(nativeWindowNames()), "a native window titled BrightRun is open");

    // The typed app_info command answers through the real IPC, with the test identifier and data folder.
    const version = await session.find('[data-testid="app-version"]');
    await session.until(async () => (await version.text()).startsWith("0."), "app_info shows a version");
    const dataDirText = await (await session.find('[data-testid="app-data-dir"]')).text();
    check(dataDirText.endsWith(path.basename(dataDir)), `data folder shown is BRIGHTRUN_DATA_DIR (${dataDirText})`);
    const identifier = await session.execute("return document.querySelector('[data-testid=app-info]').innerText");
    check(identifier.includes("app.brightrun.desktop.test"), "runs under the .test identifier");

    for (const [id, label] of PAGES) {
      await (await session.find(`[data-testid="nav-${id}"]`)).click();
      await session.find(`[data-testid="page-${id}"]`);
      const crumb = await session.find('[data-testid="breadcrumb-current"]');
      await session.until(async () => (await crumb.text()) === label, `breadcrumb shows ${label}`);
      const heading = await (await session.find("main h1")).text();
      check(heading === label, `${label} page opens from the sidebar`);
      await save(session, id);
    }

    await datasetFlow(session, { check, save });
    await clusterFlow(session, { check, save });
    // Configure → launch on the local cluster (tiny model, CPU) → loss chart fills → completion notification →
    // verified adapter on Models; then the loss chart's 100,000-point benchmark.
    await trainingFlow(session, { check, save, dataDir });
    // The model page → Export ZIP → Playground (both answers stream) → Compare when two jobs exist.
    await modelUseFlow(session, { check, save, saveDir: process.env.BRIGHTRUN_TEST_SAVE_DIR });
    // Settings' budget → a launch over it is refused → the override launches (docs/app.md, "Budget").
    await budgetFlow(session, { check, save, dataDir });
    await chartBenchmark(session, { check });

    // Theme toggle and collapsed sidebar, seen on the Dashboard.
    await (await session.find('[data-testid="nav-dashboard"]')).click();
    await (await session.find('[data-testid="theme-toggle"]')).click();
    await session.until(
      async () => await session.execute("return document.documentElement.classList.contains('dark')"),
      "theme toggle turns on dark mode",
    );
    await (await session.find('[data-testid="sidebar-toggle"]')).click();
    const sidebar = await session.find('[data-testid="sidebar"]');
    await session.until(async () => (await sidebar.attribute("data-collapsed")) === "true", "sidebar collapses");
    check(true, "dark theme and collapsed sidebar");
    await save(session, "dashboard-dark-collapsed");

    const errors = await session.execute("return window.__brightrunErrors ?? []");
    check(errors.length === 0, `no uncaught errors in the page (${JSON.stringify(errors)})`);
  } finally {
    await session.end().catch((error) => console.error(`could not end the session: ${error.message}`));
  }
}

main().then(
  () => console.log("e2e: all checks passed"),
  (error) => {
    console.error(`e2e: FAILED: ${error.stack ?? error}`);
    process.exitCode = 1;
  },
);
