import { appendFileSync, watch } from "node:fs";
import os from "node:os";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AnalysisCache } from "../../pipeline/cache/cache.js";
import { Lock } from "../../pipeline/runtime/lock.js";
import { resolvePlaces } from "../../pipeline/places.js";
import { ScratchDirectory } from "../../pipeline/runtime/scratch.js";
import { generateCorpus } from "../../tools/corpus.js";
import { build, builtProject, deadPid, project, runCli, startCli, tempFolder, tree } from "./fixtures.js";

describe("one build at a time per OUT and per cache", () => {
  it("[11.9a] refuses a second build into an OUT another build holds, naming its pid, and touches nothing", async () => {
    const { root, raw, out } = await project();
    const held = await Lock.acquire((await resolvePlaces({ rawDir: raw, outDir: out })).lock, "OUT");
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out })).rejects.toThrow(`another build (pid ${process.pid} on `);
    expect(await tree(root)).toEqual(before);
    await held.release();
  });

  it("[11.9b] refuses a build whose cache another build (into another OUT) holds", async () => {
    const { root, raw, out } = await project();
    const cacheDir = path.join(root, "shared-cache");
    const held = await Lock.acquire((await AnalysisCache.openFolder(cacheDir, "v")).lockFile, "CACHE");
    await expect(build({ rawDir: raw, outDir: out, cacheDir })).rejects.toThrow(/another build \(pid \d+ on .*\) is using CACHE .*shared-cache; wait for it/);
    await held.release();
    expect(await readdir(root)).not.toContain("out");
  });

  it("[11.9c] takes over a lock whose process is gone (a killed build), and removes it when done", async () => {
    const { root, raw, out } = await builtProject();
    const lockFile = path.join(root, ".out.lock");
    await writeFile(lockFile, `${JSON.stringify({ pid: deadPid(), host: os.hostname() })}\n`);
    await build({ rawDir: raw, outDir: out });
    expect((await readdir(root)).sort()).toEqual([".out.cache", "out", "raw"]);
  });

  it("[11.9d] refuses a file in the lock's place that is not a lock, and leaves it", async () => {
    const { root, raw, out } = await project();
    await writeFile(path.join(root, ".out.lock"), "my notes\n");
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out })).rejects.toThrow(/\.out\.lock is in the place of the build's lock for OUT .* but is not one/);
    expect(await tree(root)).toEqual(before);
  });

  it("[11.9e] of two builds started into one OUT at once, one builds and the other says another build is running", async () => {
    // Into a new OUT, with the analyses in the cache already: the one that builds does not load the language model first.
    const { raw, out } = await builtProject();
    await rm(out, { recursive: true });
    const results = await Promise.all([runCli(["--raw", raw, "--out", out]), runCli(["--raw", raw, "--out", out])]);
    expect(results.map((result) => result.status).sort()).toEqual([0, 1]);
    const refused = results.find((result) => result.status === 1)!;
    expect(refused.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^build failed: another build \(pid \d+ on .*\) is using OUT .*; wait for it to finish/)]);
    expect(await readdir(out)).toContain("manifest.json");
  });
});

describe("leftovers of killed builds", () => {
  it("[11.11c] are removed at the start of every build, even an up-to-date one, and only when provably the build's own", async () => {
    const { root, raw, out } = await builtProject();
    const tmp = os.tmpdir();
    const dead = deadPid();
    // A scratch folder of a killed build: the build's name with a dead pid, and its marker.
    const scratch = await ScratchDirectory.create("satc-build-");
    const killedScratch = path.join(tmp, path.basename(scratch.path).replace(`-${process.pid}-`, `-${dead}-`));
    await rename(scratch.path, killedScratch);
    const lookAlike = path.join(tmp, `satc-build-${dead}-unmarked`);
    await mkdir(lookAlike);
    await mkdir(path.join(root, ".out.staging"));
    await writeFile(path.join(root, ".out.staging", ".satc-build"), await readFile(path.join(out, ".satc-build")));
    const shard = (await readdir(path.join(root, ".out.cache"))).find((name) => name.length === 2)!;
    await writeFile(path.join(root, ".out.cache", shard, `${"0".repeat(64)}.${dead}-1.tmp.parquet`), "half");

    const summary = await build({ rawDir: raw, outDir: out });
    expect(summary.upToDate).toBe(true);
    const remaining = await readdir(tmp);
    expect(remaining).not.toContain(path.basename(killedScratch));
    expect(remaining).toContain(path.basename(lookAlike));
    expect((await readdir(root)).sort()).toEqual([".out.cache", "out", "raw"]);
    expect((await readdir(path.join(root, ".out.cache", shard))).filter((name) => name.includes(".tmp."))).toEqual([]);
  });

  it("[11.11d] puts back the previous OUT when a kill fell between the two renames of the swap", async () => {
    const { root, raw, out } = await builtProject();
    const built = await tree(out);
    await rename(out, path.join(root, ".out.previous"));
    expect((await build({ rawDir: raw, outDir: out })).upToDate).toBe(true);
    expect(await tree(out)).toEqual(built);
    expect(await readdir(root)).not.toContain(".out.previous");
  });
});

describe("SIGINT and SIGTERM", () => {
  let root: string;
  let raw: string;
  let out: string;
  let cacheDir: string;
  let built: Record<string, string>;

  beforeAll(async () => {
    root = await tempFolder();
    [raw, out, cacheDir] = ["raw", "out", "cache"].map((name) => path.join(root, name)) as [string, string, string];
    // Big enough that the build runs on for a while after its scratch folder appears.
    await generateCorpus("raw", raw, 256 * 1024);
    await build({ rawDir: raw, outDir: out, cacheDir });
    built = await tree(out);
    appendFileSync(path.join(raw, (await readdir(raw)).sort()[0]!), "Carrie kauft Schuhe.\n");
  });

  /** Starts a build with its own TMPDIR and sends `signal` as soon as its global phase made its scratch folder. */
  async function interruptGlobalPhase(signal: "SIGINT" | "SIGTERM") {
    const tmp = await tempFolder();
    const child = startCli(["--raw", raw, "--out", out, "--cache", cacheDir], { TMPDIR: tmp });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    // Once: the folder's removal is an event too, and a second signal exits at once.
    const watcher = watch(tmp, (_event, name) => {
      if (String(name).startsWith("satc-build-") && child.signalCode === null && !child.killed) child.kill(signal);
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    watcher.close();
    return { status, stderr, tmp };
  }

  async function expectCleanInterruption(signal: "SIGINT" | "SIGTERM", exitCode: number): Promise<void> {
    const { status, stderr, tmp } = await interruptGlobalPhase(signal);
    expect(stderr).toContain(`build failed: interrupted by ${signal}; the build removed what it had begun`);
    expect(status).toBe(exitCode);
    expect((await readdir(tmp)).filter((name) => name.startsWith("satc-"))).toEqual([]);
    expect((await readdir(root)).sort()).toEqual(["cache", "out", "raw", "raw.stats.json"]);
    expect((await readdir(cacheDir)).filter((name) => name.length !== 2)).toEqual(["CACHEDIR.TAG"]);
    expect(await tree(out)).toEqual(built);
  }

  it("[11.11a] SIGINT in the global phase removes the scratch folder, staging and locks, leaves OUT as it was, and exits 130", () => expectCleanInterruption("SIGINT", 130));

  it("[11.11b] SIGTERM in the global phase removes the scratch folder, staging and locks, leaves OUT as it was, and exits 143", () => expectCleanInterruption("SIGTERM", 143));
});
