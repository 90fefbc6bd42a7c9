// The monthly budget through the window: set it in Settings, launch a run whose estimate would take the month
// past it, see the refusal, override, and the run goes. Runs after trainingFlow (the local cluster is up, the
// tiny model is there, the v4 sample is imported).
//
// Training on this computer's CPU costs $0 (the local agent's price), so no budget can be below a local
// estimate on its own: the month's spend is seeded with one $5 cost record on the finished job, written with
// the sqlite3 command line into the app's database (the app's connections wait on a lock: busy_timeout), as
// `crates/cli/tests/jobs_cli.rs` seeds it for `brightrun train`. A $1 budget is then below spend + estimate.

import { execFileSync } from "node:child_process";
import path from "node:path";

const SAMPLE_NAME = "EQ-12-conversations-demo";
const TINY_MODEL = "tiny-llama";

function invoke(session, command, args = {}) {
  return session.execute(
    "return window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(r => ({ ok: r }), e => ({ err: e }))",
    [command, args],
  );
}

async function setValue(session, selector, value) {
  const ok = await session.execute(
    `const el = document.querySelector(arguments[0]);
     if (!el) return false;
     const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
     Object.getOwnPropertyDescriptor(proto, "value").set.call(el, arguments[1]);
     el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
     return true;`,
    [selector, String(value)],
  );
  if (!ok) throw new Error(`no element ${selector}`);
}

/** One $5 compute record today on the newest job, straight into the app's database. */
function seedSpend(dataDir) {
  const db = path.join(dataDir, "brightrun.db");
  const now = new Date().toISOString();
  execFileSync("sqlite3", [
    db,
    ".timeout 10000",
    `INSERT INTO cost_records (job_id, amount_usd, kind, recorded_at)
       SELECT id, 5.0, 'compute', '${now}' FROM training_jobs ORDER BY created_at DESC LIMIT 1;`,
  ]);
}

export async function budgetFlow(session, { check, save, dataDir }) {
  seedSpend(dataDir);
  const before = (await invoke(session, "list_jobs", { status: null })).ok.length;

  // Settings: a $1 monthly budget, through the form (the core checks it as `brightrun settings set` does).
  await (await session.find('[data-testid="nav-settings"]')).click();
  await session.find('[data-testid="monthly-budget"]', 30_000);
  await setValue(session, '[data-testid="monthly-budget"]', "-3");
  await (await session.find('[data-testid="save-settings"]')).click();
  await session.until(async () => (await session.execute("return !!document.querySelector('[data-testid=budget-error]')")) === true, "a negative budget is refused under its field");
  await setValue(session, '[data-testid="monthly-budget"]', "1");
  await (await session.find('[data-testid="save-settings"]')).click();
  await session.until(
    async () => (await invoke(session, "get_settings")).ok?.monthlyBudgetUsd === 1,
    "the $1 budget is stored",
  );
  check(true, "Settings stores a monthly budget of $1 (and refuses -3)");
  await save(session, "settings-budget");

  // The Costs page shows the month against it.
  await (await session.find('[data-testid="nav-costs"]')).click();
  await session.until(async () => ((await session.execute("return document.querySelector('[data-testid=cost-budget]')?.innerText")) ?? "") === "$1.00", "Costs shows the budget");
  await session.find('[data-testid="daily-cost-chart"]', 30_000);
  // Drawn, not just mounted: uPlot's canvas holds the period's days (zeros included).
  await session.until(
    async () =>
      await session.execute(
        "const f = document.querySelector('[data-testid=daily-cost-chart]'); return !!f?.querySelector('canvas') && Number(f.dataset.points) > 0",
      ),
    "the daily chart is drawn",
  );
  check(true, "Costs shows the budget, the month's spend and the daily chart");
  await save(session, "costs-over-budget");

  // Configure the same run again and launch it: refused with over_budget, nothing recorded.
  const datasetId = (await invoke(session, "training_defaults")).ok.datasets.find((d) => d.name === SAMPLE_NAME).id;
  await session.execute("window.location.hash = arguments[0]", [`#/training/configure?dataset=${datasetId}`]);
  await session.find('[data-testid="configurator"]', 30_000);
  await session.execute("[...document.querySelectorAll('button')].find(b => b.innerText.includes('Use this computer'))?.click()");
  await session.until(
    async () => (await session.execute(`return !!document.querySelector('#base-model option[value="${TINY_MODEL}"]')`)) === true,
    "the local cluster offers the tiny model",
    120_000,
  );
  await setValue(session, "#base-model", TINY_MODEL);
  await (await session.find('[data-testid="preset-conservative"]')).click();
  await session.until(async () => (await session.execute("return document.querySelector('[data-testid=launch]')?.disabled")) === false, "launch is enabled");
  await (await session.find('[data-testid="launch"]')).click();
  await (await session.find('[data-testid="acknowledge-cost"]')).click();
  await (await session.find('[data-testid="confirm-launch"]')).click();
  await session.find('[data-testid="override-budget"]', 180_000);
  const refusal = await session.execute("return document.querySelector('[role=dialog] [role=alert]').innerText");
  check(/over the monthly budget/i.test(refusal) && refusal.includes("$1.00"), `the launch is refused over the budget (${refusal.replace(/\s+/g, " ")})`);
  check((await invoke(session, "list_jobs", { status: null })).ok.length === before, "a refused launch records no job");
  await save(session, "launch-refused-over-budget");

  // Override: the run is launched and its monitor opens.
  await (await session.find('[data-testid="override-budget"]')).click();
  await session.find('[data-testid="job-monitor"]', 180_000);
  const jobs = (await invoke(session, "list_jobs", { status: null })).ok;
  check(jobs.length === before + 1, "the override launches the run");
  // Stop it: the flow is about the guard, not a second training run.
  const jobId = await session.execute("return location.hash.split('/').pop()");
  await invoke(session, "cancel_job", { jobId, reason: "the e2e budget check is done" });
  await invoke(session, "set_setting", { key: "monthly_budget_usd", value: "none" });
}
