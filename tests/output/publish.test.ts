import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDataset } from "../../pipeline/run.js";

/** File name → SHA-256 of every file in a folder: what "OUT unchanged" compares. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const names = (await readdir(directory)).sort();
  const entries = await Promise.all(
    names.map(async (name) => [name, createHash("sha256").update(await readFile(path.join(directory, name))).digest("hex")] as const),
  );
  return Object.fromEntries(entries);
}

/** Starts the real CLI in this very process (no wrapper), so SIGKILL reaches the build itself. */
function startBuild(rawDir: string, outDir: string) {
  return spawn(process.execPath, ["--import", "tsx", "pipeline/run.ts", "--raw", rawDir, "--out", outDir], { stdio: "ignore" });
}

describe("crash safety", () => {
  it("leaves the previous OUT complete and unchanged when a build is killed at any moment, and the next build succeeds", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "satc-kill-"));
    const [oldRaw, newRaw, out] = ["raw-old", "raw-new", "out"].map((name) => path.join(root, name)) as [string, string, string];
    await cp("raw", oldRaw, { recursive: true });
    await cp("raw", newRaw, { recursive: true });
    await writeFile(path.join(newRaw, "005_added.txt"), "Samantha zieht in den Meatpacking District.\n");

    await buildDataset({ rawDir: newRaw, outDir: out, log: () => {} });
    const newSnapshot = await snapshot(out);
    await buildDataset({ rawDir: oldRaw, outDir: out, log: () => {} });
    const oldSnapshot = await snapshot(out);
    expect(newSnapshot).not.toEqual(oldSnapshot);

    let killedMidBuild = 0;
    for (const delayMs of [150, 400, 700, 1000, 1300, 1600, 1900, 2200, 2500, 2800, 3100, 3500]) {
      const before = await snapshot(out);
      const child = startBuild(newRaw, out);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (child.kill("SIGKILL")) killedMidBuild++;
      await exited;
      const after = await snapshot(out);
      // Killed before the swap: the old OUT; killed after it (or finished): the complete new one.
      expect([JSON.stringify(before), JSON.stringify(newSnapshot)]).toContain(JSON.stringify(after));
      if (JSON.stringify(after) === JSON.stringify(newSnapshot)) await buildDataset({ rawDir: oldRaw, outDir: out, log: () => {} });
    }
    expect(killedMidBuild).toBeGreaterThan(3);

    await buildDataset({ rawDir: newRaw, outDir: out, log: () => {} });
    expect(await snapshot(out)).toEqual(newSnapshot);
    // Beside OUT only the analysis cache remains: no staging folder, no previous OUT.
    expect((await readdir(root)).sort()).toEqual([".out.cache", "out", "raw-new", "raw-old"]);
  });
});
