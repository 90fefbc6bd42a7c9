// The dataset and cluster flows of the e2e test: import the real v4 sample and a broken file through the
// app's own import command, look at every detail tab, and add / test / remove a cluster against a real agent.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The real BrightHub v4 sample, kept beside the repository (E2E_V4_SAMPLE overrides). */
export const V4_SAMPLE =
  process.env.E2E_V4_SAMPLE ?? path.join(repo, "../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");

/** Imports files through the same command the drop handler calls (WebDriver cannot drop files). */
async function importFiles(session, paths) {
  return session.execute(
    "return window.__TAURI_INTERNALS__.invoke('import_datasets', { paths: arguments[0] })",
    [paths],
  );
}

async function openDataset(session, name) {
  await (await session.find('[data-testid="nav-datasets"]')).click();
  const card = await session.find(`[data-testid="dataset-card"][data-name="${name}"] a`, 30_000);
  await card.click();
  await session.find('[data-testid="page-dataset-detail"] [data-testid="dataset-name"]');
}

export async function datasetFlow(session, { check, save }) {
  if (!existsSync(V4_SAMPLE)) throw new Error(`the v4 sample is missing at ${V4_SAMPLE} (set E2E_V4_SAMPLE)`);
  await (await session.find('[data-testid="nav-datasets"]')).click();
  await session.find('[data-testid="page-datasets"]');
  const tickets = await importFiles(session, [V4_SAMPLE]);
  check(Array.isArray(tickets) && tickets.length === 1, "import_datasets queues the v4 sample");

  const card = '[data-testid="dataset-card"][data-name="EQ-12-conversations-demo"]';
  await session.until(
    async () =>
      (await session.execute(
        `const c = document.querySelector('${card}');
         return !!c && c.querySelector('[data-testid=card-examples]').innerText === '44'
           && c.querySelector('[data-testid=ready-badge]').innerText.includes('Ready to train');`,
      )) === true,
    "the v4 sample is listed as ready with 44 examples",
    60_000,
  );
  check(true, "the v4 sample is ready with 44 training examples");
  const stats = await (await session.find('[data-testid="stats-bar"]')).text();
  check(/44/.test(stats), `the stats bar counts 44 training examples (${stats.replace(/\s+/g, " ")})`);
  await save(session, "datasets-list");

  await openDataset(session, "EQ-12-conversations-demo");
  const examples = await (await session.find('[data-testid="detail-examples"]')).text();
  check(examples.startsWith("44"), "the detail page shows 44 training examples");
  await session.find('[data-testid="readiness-checklist"]');
  await session.find('[data-testid="token-histogram"]');
  check(true, "Overview shows the readiness checklist and the token histogram");
  await save(session, "dataset-overview");

  await (await session.find('[data-testid="tab-samples"]')).click();
  await session.find('[data-testid="sample"] [data-role="assistant"]', 20_000);
  const roles = await session.execute(
    "return [...document.querySelector('[data-testid=sample]').querySelectorAll('[data-role]')].map(e => e.dataset.role)",
  );
  check(roles[0] === "system" && roles.at(-1) === "assistant", `a sample starts with the system prompt and ends with the assistant (${roles})`);
  await save(session, "dataset-samples");

  await (await session.find('[data-testid="tab-validation"]')).click();
  await session.find('[data-testid="validation-tab"]');
  check(true, "Validation tab opens");
  await save(session, "dataset-validation");

  await (await session.find('[data-testid="tab-metadata"]')).click();
  const metadata = await (await session.find('[data-testid="metadata-tab"]')).text();
  check(metadata.includes("SHA-256") && metadata.includes("Personas"), "Metadata shows the hash and the v4 scaffolding");
  await save(session, "dataset-metadata");

  // A file with a broken third line: its errors come with line numbers.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "brightrun-e2e-"));
  const line = '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}';
  const broken = path.join(scratch, "broken-e2e.jsonl");
  writeFileSync(broken, `${line}\n${line}\n{"messages": [oops\n${line}\n`);
  await importFiles(session, [broken]);
  await openDataset(session, "broken-e2e");
  await session.until(
    async () =>
      (await session.execute(
        "const n = document.querySelector('[data-testid=dataset-name]'); return !!n && n.innerText === 'broken-e2e' && document.querySelector('[data-testid=page-dataset-detail]').innerText.includes('Has errors')",
      )) === true,
    "the broken file is marked as having errors",
    30_000,
  );
  await (await session.find('[data-testid="tab-validation"]')).click();
  const lineCell = await (await session.find('[data-testid="issue-line"]')).text();
  check(lineCell === "3", `the broken file's error is on line 3 (${lineCell})`);
  await save(session, "dataset-broken-validation");
}

/** `brightrun-agent keys create` then `serve --listen 127.0.0.1:0`; returns its URL, a key and a stop function. */
async function startAgent() {
  // The agent that came with the app under test (beside it: a build folder, or /usr/bin of an installed bundle).
  const beside = process.env.E2E_APP ? path.join(path.dirname(process.env.E2E_APP), "brightrun-agent") : null;
  const bin =
    process.env.BRIGHTRUN_AGENT_BIN ?? (beside && existsSync(beside) ? beside : path.join(repo, "target/debug/brightrun-agent"));
  if (!existsSync(bin)) throw new Error(`no agent at ${bin}: cargo build -p brightrun-agent (or set BRIGHTRUN_AGENT_BIN)`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "brightrun-e2e-agent-"));
  const key = execFileSync(bin, ["keys", "create", "--data-dir", dataDir], { encoding: "utf8" }).trim().split("\n").at(-1).trim();
  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--python", "/nonexistent/python"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (text) => {
      if (text.startsWith("listening on ")) resolve(text.slice("listening on ".length).trim());
    });
    child.on("exit", (code) => reject(new Error(`the agent exited (${code}) before listening`)));
  });
  return { url, key, stop: () => child.kill() };
}

/** Clicks, retrying while a closing dialog's overlay or a toast still covers the element. */
async function clickWhenFree(session, selector) {
  await session.until(
    async () => {
      await (await session.find(selector)).click();
      return true;
    },
    `could click ${selector}`,
    15_000,
  );
}

export async function clusterFlow(session, { check, save }) {
  const agent = await startAgent();
  try {
    await (await session.find('[data-testid="nav-settings"]')).click();
    await session.find('[data-testid="local-cluster-card"] [data-testid="local-cluster-state"]', 60_000);
    check(true, "the local cluster card shows its state");
    await save(session, "settings-local-cluster");

    await (await session.find('[data-testid="add-cluster"]')).click();
    await (await session.find("#cluster-name")).type("E2E agent");
    await (await session.find("#cluster-url")).type(agent.url);
    await (await session.find("#cluster-key")).type(agent.key);
    await (await session.find('[data-testid="cluster-save"]')).click();
    const card = '[data-testid="cluster-card"][data-name="E2E agent"]';
    try {
      await session.find(card, 20_000);
    } catch (error) {
      await save(session, "settings-add-cluster-failed");
      const form = await session.execute("return document.querySelector('[data-testid=cluster-form]')?.innerText ?? 'no form'");
      throw new Error(`${error.message}; the form says: ${form}`);
    }
    check(true, "a remote cluster is added");
    // The dialog closes once the cluster is saved; an open one would take the next clicks with its overlay.
    await session
      .until(
        async () => (await session.execute("return document.querySelector('[data-testid=cluster-form]') === null")) === true,
        "the add-cluster dialog closes once the cluster is saved",
        10_000,
      )
      .catch(async (error) => {
        await save(session, "settings-add-cluster-dialog-open");
        throw error;
      });
    check(true, "the add-cluster dialog closes once the cluster is saved");
    const shown = await session.execute("return document.body.innerText");
    check(!shown.includes(agent.key), "the API key is nowhere on the page");

    await clickWhenFree(session, `${card} [data-testid="cluster-test"]`);
    await session
      .until(
        // textContent: WebDriver's element text is empty for an element scrolled out of view.
        async () =>
          (await session.execute(
            `return document.querySelector('${card} [data-testid=cluster-status]')?.textContent ?? ''`,
          )) === "Connected",
        "the connection test succeeds",
        30_000,
      )
      .catch(async (error) => {
        await save(session, "settings-cluster-test-failed");
        const text = await session.execute(`return document.querySelector('${card}')?.innerText ?? 'no card'`);
        throw new Error(`${error.message}; the card says: ${text}`);
      });
    const gpus = await session.execute(`return document.querySelector('${card} [data-testid=cluster-gpus]')?.textContent ?? ''`);
    check(gpus.length > 0, `the test shows the cluster's GPUs (${gpus})`);
    await save(session, "settings-cluster-tested");

    await clickWhenFree(session, `${card} [data-testid="cluster-remove"]`);
    await clickWhenFree(session, '[data-testid="cluster-remove-confirm"]');
    await session.until(
      async () => (await session.execute(`return document.querySelectorAll('${card}').length`)) === 0,
      "the cluster is removed",
      20_000,
    );
    check(true, "the cluster is removed");
    await save(session, "settings-after-remove");
  } finally {
    agent.stop();
  }
}
