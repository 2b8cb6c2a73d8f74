import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, lstat, mkdtemp, readdir, readFile, readlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { build } from "../build.js";
import { tempTree } from "../helpers.js";
import { startProgram } from "../programs.js";

export { build };

/** A RAW of two small blobs: enough for a build of a second or two. */
export const TINY_RAW = {
  "a.txt": "Carrie Bradshaw schreibt ihre Kolumne über Sex in New York.\nSamantha zieht in den Meatpacking District.\n",
  "b.txt": "Charlotte heiratet Trey MacDougal.\nMiranda bekommt ein Baby.\n",
};

/** A fresh folder with `raw/` holding TINY_RAW, and paths for OUT beside it. */
export async function project(): Promise<{ root: string; raw: string; out: string }> {
  const root = await tempTree(Object.fromEntries(Object.entries(TINY_RAW).map(([name, text]) => [`raw/${name}`, text])));
  return paths(root);
}

/**
 * A fresh folder as `project()` makes it once it was built: OUT complete and its cache
 * `.out.cache` beside it, copied from the one build the test process makes of it, for tests of
 * what a build does to a previous one, or refuses to do.
 */
export async function builtProject(): Promise<{ root: string; raw: string; out: string }> {
  built ??= project().then(async ({ root, raw, out }) => {
    await build({ rawDir: raw, outDir: out });
    return root;
  });
  const root = await tempTree({});
  await cp(await built, root, { recursive: true });
  return paths(root);
}

let built: Promise<string> | undefined;

const paths = (root: string) => ({ root, raw: path.join(root, "raw"), out: path.join(root, "out") });

/**
 * Every file, folder and link under `root` with a hash of each file's bytes: what "nothing
 * was touched" compares.
 */
export async function tree(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  async function walk(relative: string): Promise<void> {
    const full = path.join(root, relative);
    const stats = await lstat(full);
    if (stats.isSymbolicLink()) found[relative] = `link → ${await readlink(full)}`;
    else if (stats.isDirectory()) {
      found[relative || "."] = "folder";
      for (const name of await readdir(full)) await walk(path.join(relative, name));
    } else found[relative] = createHash("sha256").update(await readFile(full)).digest("hex");
  }
  await walk("");
  return found;
}

/** A pid that no process has any more. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

/** Runs the real CLI (run.mjs, bundled from `pipeline/run.ts`) to the end: exit status and stderr. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stderr: string }> {
  const child = startCli(args, env);
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stderr })));
}

/** Starts the real CLI in its own process (signals reach the build itself, not a wrapper). */
export function startCli(args: string[], env: Record<string, string> = {}) {
  return startProgram("run.mjs", args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
}

export const tempFolder = () => mkdtemp(path.join(os.tmpdir(), "satc-safety-"));
