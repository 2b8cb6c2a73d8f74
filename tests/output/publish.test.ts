import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../build.js";
import { startProgram } from "../programs.js";

/** File name → SHA-256 of every file in a folder: what "OUT unchanged" compares. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const names = (await readdir(directory)).sort();
  const entries = await Promise.all(
    names.map(async (name) => [name, createHash("sha256").update(await readFile(path.join(directory, name))).digest("hex")] as const),
  );
  return Object.fromEntries(entries);
}

/** Starts the real CLI in a process of its own (no wrapper), so SIGKILL reaches the build itself. */
function startBuild(rawDir: string, outDir: string, cacheDir: string) {
  return startProgram("run.mjs", ["--raw", rawDir, "--out", outDir, "--cache", cacheDir], { stdio: "ignore" });
}

/** The exit code of a started program, once it ended (null when a signal ended it). */
const exitOf = (child: ReturnType<typeof startBuild>) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

describe("crash safety", () => {
  it("leaves the previous OUT complete and unchanged when a build is killed at any moment, and the next build succeeds", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "satc-kill-"));
    const [oldRaw, newRaw, out] = ["raw-old", "raw-new", "out"].map((name) => path.join(root, name)) as [string, string, string];
    await cp("raw", oldRaw, { recursive: true });
    await cp("raw", newRaw, { recursive: true });
    await writeFile(path.join(newRaw, "005_added.txt"), "Samantha zieht in den Meatpacking District.\n");
    // The new builds' analyses, in a cache of their own that the old builds do not prune: the
    // killed builds spend their time writing OUT, not loading the language model again.
    const newCache = path.join(root, "cache-new");

    await build({ rawDir: newRaw, outDir: out, cacheDir: newCache });
    const newSnapshot = await snapshot(out);
    await build({ rawDir: oldRaw, outDir: out });
    const oldSnapshot = await snapshot(out);
    expect(newSnapshot).not.toEqual(oldSnapshot);

    // A build of the CLI that is not killed: it writes what the build in this process wrote, and
    // shows how long a build takes here, so that the kills below fall all through one however
    // fast the machine is. A build that ends before its kill shows that builds got faster.
    const started = performance.now();
    expect(await exitOf(startBuild(newRaw, out, newCache))).toBe(0);
    let buildMs = performance.now() - started;
    expect(await snapshot(out)).toEqual(newSnapshot);
    await build({ rawDir: oldRaw, outDir: out });

    let killedMidBuild = 0;
    for (const share of [0.05, 0.15, 0.3, 0.45, 0.6, 0.8]) {
      const before = await snapshot(out);
      const start = performance.now();
      const child = startBuild(newRaw, out, newCache);
      const lasted = exitOf(child).then(() => performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, share * buildMs));
      if (child.kill("SIGKILL")) killedMidBuild++;
      else buildMs = await lasted;
      await lasted;
      const after = await snapshot(out);
      // Killed before the swap: the old OUT; killed after it (or finished): the complete new one.
      expect([JSON.stringify(before), JSON.stringify(newSnapshot)]).toContain(JSON.stringify(after));
      if (JSON.stringify(after) === JSON.stringify(newSnapshot)) await build({ rawDir: oldRaw, outDir: out });
    }
    expect(killedMidBuild).toBeGreaterThan(3);

    await build({ rawDir: newRaw, outDir: out, cacheDir: newCache });
    expect(await snapshot(out)).toEqual(newSnapshot);
    // Beside OUT only the analysis caches remain: no staging folder, no previous OUT.
    expect((await readdir(root)).sort()).toEqual([".out.cache", "cache-new", "out", "raw-new", "raw-old"]);
  });
});
