// The training flow of the e2e test, through the window: configure a run of the real v4 sample on the local
// cluster (the tiny model, on this machine's CPU), launch it, watch the loss chart fill, see the completion
// notification (in the app and on the session bus), and find the verified adapter on the Models page. Then the
// loss chart benchmark (1,000 and 100,000 points, performance.now() deltas read through WebDriver).
//
// Needs: BRIGHTRUN_AGENT_BIN (brightrun-agent), BRIGHTRUN_PYTHON (the trainer's Python: <repo>/.venv/bin/python),
// a Secret Service (the local cluster's key), and the v4 sample already imported (datasetFlow) — or run this file
// on its own (`node tests/e2e/training.e2e.mjs` in run.sh's environment), which imports it first.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { modelUseFlow } from "./model-use.e2e.mjs";
import { Session, waitForDriver } from "./webdriver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const SAMPLE_NAME = "EQ-12-conversations-demo";
const TINY_MODEL = "tiny-llama";

/** Sets a form control's value the way a user's input does, so React's onChange runs. */
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

async function text(session, selector) {
  return session.execute("const el = document.querySelector(arguments[0]); return el ? el.innerText : null;", [selector]);
}

async function go(session, hash) {
  await session.execute("window.location.hash = arguments[0]", [hash]);
}

/** The local agent offers the folders under <data>/local-agent/models: build the tiny model there once. */
function ensureTinyModel(dataDir) {
  buildTinyModel(path.join(dataDir, "local-agent", "models", TINY_MODEL));
}

/** The tiny test model (config, weights, tokenizer) in `out`, unless it is there already. */
function buildTinyModel(out) {
  if (existsSync(path.join(out, "config.json"))) return;
  const python = process.env.BRIGHTRUN_PYTHON ?? path.join(repo, ".venv/bin/python");
  execFileSync(python, ["-m", "brightrun_trainer.tiny_model", "--out", out], {
    env: { ...process.env, HF_HUB_OFFLINE: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/**
 * A screenshot of the whole X display (ImageMagick `import`): WebKitWebDriver's own screenshot never answers
 * on a page with uPlot's canvases (seen with WebKitGTK on Debian bookworm), so the monitor is shot this way.
 */
async function saveDisplay(name) {
  const dir = process.env.E2E_SCREENSHOTS ?? path.join(here, "screenshots");
  const file = path.join(dir, `${name}.png`);
  // Software rendering under Xvfb paints after the script that scrolled returns (see app.e2e.mjs's save).
  await new Promise((resolve) => setTimeout(resolve, 500));
  execFileSync("import", ["-window", "root", file]);
  console.log(`   screenshot ${path.relative(process.cwd(), file)} (X display)`);
}

/** dbus-monitor on the Notifications interface of this session; `seen()` is everything it printed so far. */
function watchNotifications() {
  let out = "";
  const child = spawn("dbus-monitor", ["--session", "interface='org.freedesktop.Notifications'"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  child.stdout.on("data", (chunk) => (out += chunk));
  return { seen: () => out, stop: () => child.kill() };
}

export async function trainingFlow(session, { check, save, dataDir }) {
  // BRIGHTRUN_AGENT_BIN is optional: without it the app starts the agent beside its own executable (the
  // sidecar of an installed bundle, or target/debug/brightrun-agent of a checkout's build).
  for (const name of ["BRIGHTRUN_PYTHON"]) {
    if (!process.env[name]) throw new Error(`${name} must be set for the training flow (see the top of this file)`);
  }
  ensureTinyModel(dataDir);
  const bus = watchNotifications();
  try {
    // Configure: from the dataset's "Start training" link (?dataset=ID), as a user would arrive.
    const datasetId = await session.execute(
      "return window.__TAURI_INTERNALS__.invoke('training_defaults').then(d => d.datasets.find(x => x.name === arguments[0])?.id ?? null)",
      [SAMPLE_NAME],
    );
    check(typeof datasetId === "string", "the imported v4 sample is offered for training");
    await go(session, `#/training/configure?dataset=${datasetId}`);
    await session.find('[data-testid="configurator"]', 30_000);
    const localButton = await session.execute(
      "return [...document.querySelectorAll('button')].find(b => b.innerText.includes('Use this computer')) ? true : false",
    );
    if (localButton) {
      await session.execute("[...document.querySelectorAll('button')].find(b => b.innerText.includes('Use this computer')).click()");
    }
    await session.until(
      async () => (await session.execute(`return !!document.querySelector('#base-model option[value="${TINY_MODEL}"]')`)) === true,
      "the local cluster answers and offers the tiny model",
      120_000,
    );
    check((await text(session, '[data-testid="chosen-dataset"]'))?.includes(SAMPLE_NAME), "the configurator holds the v4 sample");
    // "Use a local folder": a model folder elsewhere on this computer is linked into the local agent's models.
    const localFolder = path.join(path.dirname(dataDir), "my-local-model");
    buildTinyModel(localFolder);
    await (await session.find('[data-testid="use-local-folder"]')).click();
    await setValue(session, "#local-model-folder", localFolder);
    await (await session.find('[data-testid="register-local-folder"]')).click();
    await session.until(
      async () => (await session.execute("return document.querySelector('#base-model').value")) === "my-local-model",
      "the linked folder becomes the base model",
      30_000,
    );
    check(/linked, not copied/.test(await text(session, '[data-testid="local-folder-linked"]')), "a local folder is linked and offered by name");
    await setValue(session, "#base-model", TINY_MODEL);

    // Presets, the Custom badge and validation as typed.
    await (await session.find('[data-testid="preset-conservative"]')).click();
    await session.until(async () => (await text(session, '[data-testid="preset-badge"]')) === "Conservative", "the badge says Conservative");
    await setValue(session, '[data-testid="field-lora_rank"]', "6");
    await session.until(async () => (await text(session, '[data-testid="preset-badge"]')) === "Custom", "an edit turns the badge to Custom");
    // The core checks the form (check_training_form) as the user types: its message lands under the field.
    const rankError = () => session.execute("return document.querySelector('#lora_rank').closest('div.flex-col').innerText");
    await session.until(async () => /steps of 4/.test(await rankError()), "rank 6 is refused as typed (steps of 4)");
    check(true, "rank 6 is refused as typed, with the core's message (steps of 4)");
    check((await session.execute("return document.querySelector('[data-testid=launch]').disabled")) === true, "launch waits for valid settings");
    await (await session.find('[data-testid="preset-conservative"]')).click();
    await session.until(async () => (await text(session, '[data-testid="preset-badge"]')) === "Conservative", "the preset restores the settings");
    await session.until(
      async () => ((await text(session, '[data-testid="checklist"]')) ?? "").includes("The cluster answers"),
      "the checklist sees the cluster",
    );
    // Exact tokens: the tiny model's folder has its tokenizer, so the count arrives in the background.
    await session.until(
      async () => (await session.execute("return document.querySelector('[data-testid=estimate-tokens]')?.dataset.method")) === "exact",
      "the estimate switches to the exact token count",
      60_000,
    );
    check(/exact/.test(await text(session, '[data-testid="estimate-tokens"]')), "the estimate says its tokens are exact");
    check(!(await session.execute("return !!document.querySelector('[data-testid=skip-invalid]')")), "no 'skip invalid' for a clean dataset");
    await save(session, "training-configurator");
    await session.execute("document.querySelector('[data-testid=estimate-card]').scrollIntoView({ block: 'center' })");
    await save(session, "training-estimate");

    const openPreview = async (expected, what) => {
      await (await session.find('[data-testid="preview-job"]')).click();
      await session.until(async () => expected((await text(session, '[data-testid="job-preview"]')) ?? ""), what, 60_000);
      const shown = await text(session, '[data-testid="job-preview"]');
      await session.execute("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))");
      await session.until(async () => (await session.execute("return !document.querySelector('[data-testid=job-preview]')")) === true, "the preview closes");
      return shown;
    };
    // QLoRA on this machine's CPU: the plan refuses it before anything is uploaded.
    await (await session.find('[data-testid="qlora"]')).click();
    const refused = await openPreview((t) => t.includes("QLoRA needs"), "QLoRA on the CPU is refused in the preview");
    check(/CUDA/.test(refused), "QLoRA on a cluster without CUDA is refused, saying why");
    await (await session.find('[data-testid="qlora"]')).click();

    // The new run options reach the job as set.
    await setValue(session, '[data-testid="field-validation_split"]', "0.25");
    await setValue(session, "#packing", "group_by_length");
    await setValue(session, "#gradient_checkpointing", "off");
    const preview = JSON.parse(await openPreview((t) => t.includes('"dataset_sha256"'), "the preview shows the job JSON"));
    const h = preview.hyperparameters;
    check(preview.base_model === TINY_MODEL && h.lora_rank === 8, "the preview is the job as configured");
    check(
      h.validation_split === 0.25 && h.packing === "group_by_length" && h.gradient_checkpointing === "off" && h.qlora === false,
      "validation split, batch layout, checkpointing and QLoRA reach the job as set",
    );

    // Launch: the cost must be acknowledged first.
    await (await session.find('[data-testid="launch"]')).click();
    await session.find('[data-testid="acknowledge-cost"]');
    check((await session.execute("return document.querySelector('[data-testid=confirm-launch]').disabled")) === true, "launch needs the cost acknowledgement");
    await (await session.find('[data-testid="acknowledge-cost"]')).click();
    await (await session.find('[data-testid="confirm-launch"]')).click();
    let launchError = null;
    await session
      .until(
      async () => {
        const state = await session.execute(
          `const alert = document.querySelector('[role=dialog] [role=alert]');
           if (alert) return 'error: ' + alert.innerText;
           return document.querySelector('[data-testid=job-monitor]') ? 'monitor' : null;`,
        );
        if (state?.startsWith("error: ")) launchError = state.slice(7);
        return launchError !== null || state === "monitor";
      },
      "the launch opens the monitor",
      180_000,
    )
      .catch(async (error) => {
        await saveDisplay("training-launch-stuck");
        throw error;
      });
    if (launchError !== null) {
      await save(session, "training-launch-failed");
      throw new Error(`the launch failed: ${launchError}`);
    }
    check(true, "the launch converts, uploads, submits and opens the monitor");

    // The monitor fills as the poller forwards metrics, and the job completes.
    await session.until(
      async () => Number(await session.execute("return document.querySelector('[data-testid=loss-chart]')?.dataset.points ?? 0")) > 0,
      "the loss chart gets points",
      300_000,
    );
    check(true, "the loss chart fills with the run's points");
    await session.until(
      async () => (await session.execute("return document.querySelector('[data-testid=job-monitor]')?.dataset.status")) === "completed",
      "the job completes",
      600_000,
    );
    const jobName = await text(session, '[data-testid="job-name"]');
    check(true, `the job completed (${jobName})`);
    await session.until(
      async () => (await text(session, '[data-testid="job-artifacts"]')) === "ready",
      "the adapter is downloaded and verified",
      120_000,
    );
    await session.execute("document.querySelector('[data-testid=loss-chart]').scrollIntoView({ block: 'center' })");
    await saveDisplay("training-monitor");

    // The completion notification: in the app's list, and delivered to the desktop's notification server.
    await session.until(
      async () => ((await text(session, '[data-testid="unread-count"]')) ?? "0") !== "0",
      "the header counts unread notifications",
      30_000,
    );
    await (await session.find('[data-testid="notifications-menu"]')).click();
    await session.until(
      async () => (await session.execute("return document.body.innerText")).includes(`${jobName} completed`),
      "the menu lists the completion",
    );
    await session.until(
      async () => bus.seen().includes("member=Notify") && bus.seen().includes(`string "${jobName} completed"`),
      "a desktop notification was sent on the session bus",
      30_000,
    );
    check(true, "the completion notification reached the session bus (member=Notify)");
    // Close the menu (its open panel covers the bell's hit area for WebDriver's pointer).
    await session.execute("document.querySelector('[data-testid=notifications-menu]').click()");

    // The adapter on the Models page, verified, with its folder.
    await go(session, "#/models");
    await session.find('[data-testid="model-row"]', 30_000);
    // A link wrapping a card: WebDriver's pointer calls it not interactable, a user's click works.
    await session.execute("document.querySelector('[data-testid=model-row]').click()");
    await session.find('[data-testid="model-verified"]');
    const folder = await text(session, '[data-testid="adapter-dir"]');
    check(existsSync(path.join(folder, "adapter_config.json")), `the adapter folder holds adapter_config.json (${folder})`);
    await save(session, "model-detail");
  } finally {
    bus.stop();
  }
}

/** Draws the loss chart with 1,000 and 100,000 synthetic points in the webview; returns the timings. */
export async function chartBenchmark(session, { check }) {
  await go(session, "#/dev/chart-bench?n=1000,100000");
  await session.until(async () => (await session.execute("return window.__chartBench?.done === true")) === true, "the benchmark ends", 120_000);
  const bench = await session.execute("return window.__chartBench");
  check(!bench.error && bench.results.length === 2, `the chart benchmark ran (${bench.error ?? "2 sizes"})`);
  for (const r of bench.results) {
    const redraws = r.redrawMs.map((ms) => ms.toFixed(1)).join(", ");
    console.log(`   ${r.points} points: prepare ${r.prepareMs.toFixed(1)} ms, first draw ${r.firstDrawMs.toFixed(1)} ms, redraws ${redraws} ms`);
  }
  if (process.env.E2E_BENCH_OUT) writeFileSync(process.env.E2E_BENCH_OUT, JSON.stringify(bench.results, null, 2));
  return bench.results;
}

/** Standalone: a session of its own, the v4 sample imported through the app, then the two flows above. */
async function main() {
  const application = process.env.E2E_APP;
  const driverUrl = process.env.E2E_DRIVER_URL;
  const dataDir = process.env.BRIGHTRUN_DATA_DIR;
  const screenshots = process.env.E2E_SCREENSHOTS ?? path.join(here, "screenshots");
  if (!application || !driverUrl || !dataDir) throw new Error("set E2E_APP, E2E_DRIVER_URL and BRIGHTRUN_DATA_DIR (see run.sh)");
  mkdirSync(screenshots, { recursive: true });
  const check = (condition, message) => {
    if (!condition) throw new Error(`check failed: ${message}`);
    console.log(`ok - ${message}`);
  };
  const save = async (s, name) => {
    writeFileSync(path.join(screenshots, `${name}.png`), await s.screenshot());
    console.log(`   screenshot ${name}.png`);
  };
  await waitForDriver(driverUrl);
  const session = await Session.start(driverUrl, application);
  try {
    await session.find('[data-testid="page-dashboard"]', 30_000);
    const sample = process.env.E2E_V4_SAMPLE ?? path.join(repo, "../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");
    await session.execute("return window.__TAURI_INTERNALS__.invoke('import_datasets', { paths: arguments[0] })", [[sample]]);
    await session.until(
      async () =>
        (await session.execute(
          "return window.__TAURI_INTERNALS__.invoke('training_defaults').then(d => d.datasets.some(x => x.name === arguments[0]))",
          [SAMPLE_NAME],
        )) === true,
      "the v4 sample is imported and ready",
      60_000,
    );
    await trainingFlow(session, { check, save, dataDir });
    if (process.env.BRIGHTRUN_TEST_SAVE_DIR) await modelUseFlow(session, { check, save, saveDir: process.env.BRIGHTRUN_TEST_SAVE_DIR });
    await chartBenchmark(session, { check });
    const errors = await session.execute("return window.__brightrunErrors ?? []");
    check(errors.length === 0, `no page errors or CSP violations (${JSON.stringify(errors)})`);
  } finally {
    await session.end().catch(() => undefined);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
