// Prints the configuration the Tauri CLI reads, as one JSON document, made from the top-level tauri.conf.json
// (what `cargo build` of the app reads too) merged with tauri.bundle.conf.json (what only bundles need: the
// sidecars and the trainer, which must exist before they can be named, so plain builds never see them).
//
// Why a generated file: the CLI takes its project folder to be the one holding the configuration, and needs a
// Cargo.toml with a [package] there, while the card's layout keeps tauri.conf.json beside the virtual workspace
// manifest. scripts/tauri.sh writes this output to src-tauri/tauri.conf.json (git-ignored) and points the CLI
// at src-tauri. Every path is made absolute, so it means the same from the CLI's folder as from the root.
//
//   node scripts/tauri-config.mjs            (run from anywhere)
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const read = (name) => JSON.parse(readFileSync(join(root, name), "utf8"));

// RFC 7396 merge patch, the way the CLI merges its own --config files.
function merge(base, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = base !== null && typeof base === "object" && !Array.isArray(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out;
}

// join keeps a trailing slash: a resource folder written "dir/" still means "the folder's contents".
const absolute = (path) => (isAbsolute(path) ? path : join(root, path));

const config = merge(read("tauri.conf.json"), read("tauri.bundle.conf.json"));
config.build.frontendDist = absolute(config.build.frontendDist);
config.bundle.icon = config.bundle.icon.map(absolute);
config.bundle.externalBin = (config.bundle.externalBin ?? []).map(absolute);
if (config.bundle.resources && !Array.isArray(config.bundle.resources)) {
  config.bundle.resources = Object.fromEntries(
    Object.entries(config.bundle.resources).map(([from, to]) => [absolute(from), to]),
  );
}
process.stdout.write(JSON.stringify(config, null, 2) + "\n");
