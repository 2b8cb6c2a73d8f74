import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeFailure } from "../../pipeline/errors.js";
import { resolvePlaces } from "../../pipeline/places.js";
import { WorkerPool } from "../../pipeline/runtime/pool.js";
import { parseThreads } from "../../pipeline/run.js";
import { workerCount } from "../../pipeline/tasks/blob-tasks.js";
import { PipelineError } from "../../pipeline/validate.js";
import { build, project, runCli, tempFolder, tree } from "./fixtures.js";

/** What the CLI prints for an error: exactly one line, without a stack trace. */
const oneLine = (stderr: string) => {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
};

const systemError = (code: string, syscall: string, file?: string) =>
  Object.assign(new Error(`${code}: failed, ${syscall}${file ? ` '${file}'` : ""}`), { code, syscall, ...(file && { path: file }) });

describe("THREADS", () => {
  it("[11.7a] refuses THREADS=abc with a message saying what to pass (the CLI exits 1 with one line)", async () => {
    expect(() => parseThreads("abc")).toThrow(/^THREADS=abc is not a whole number; pass the number of worker threads, e\.g\. THREADS=\d+\.$/);
    const { raw, out } = await project();
    const { status, stderr } = await runCli(["--raw", raw, "--out", out, "--threads", "abc"]);
    expect(status).toBe(1);
    expect(oneLine(stderr)).toMatch(/^build failed: THREADS=abc is not a whole number/);
  });

  it("[11.7b] refuses THREADS=-3, 0 and 1.5 with a message, never a stack trace", () => {
    expect(() => parseThreads("-3")).toThrow(/^THREADS=-3 is not a whole number/);
    expect(() => parseThreads("1.5")).toThrow(/^THREADS=1\.5 is not a whole number/);
    expect(() => workerCount(parseThreads("0"), 5)).toThrow(/^THREADS=0 is not a whole number of at least 1/);
    expect(() => workerCount(Number.NaN, 5)).toThrow(PipelineError);
  });

  it("[11.7c] caps THREADS=1000 at the number of blobs and at two workers per core", () => {
    expect(workerCount(1000, 5, 2)).toBe(4);
    expect(workerCount(1000, 3, 8)).toBe(3);
    expect(workerCount(2, 5, 2)).toBe(2);
    expect(workerCount(parseThreads(" 7 "), 100, 4)).toBe(7);
  });
});

describe("every error a user can cause is one line: what, where, what to do", () => {
  it("[11.12a] a missing RAW", async () => {
    const root = await tempFolder();
    const { status, stderr } = await runCli(["--raw", path.join(root, "nope"), "--out", path.join(root, "out")]);
    expect(status).toBe(1);
    expect(oneLine(stderr)).toBe(`build failed: RAW ${path.join(root, "nope")} does not exist; pass RAW=<the folder that holds the text blobs>.`);
  });

  it("[11.12b] a RAW that is a file", async () => {
    const root = await tempFolder();
    await writeFile(path.join(root, "blob.txt"), "Carrie.\n");
    await expect(resolvePlaces({ rawDir: path.join(root, "blob.txt"), outDir: path.join(root, "out") })).rejects.toThrow(
      `RAW ${path.join(root, "blob.txt")} is a file, not a folder; pass RAW=<the folder that holds the text blobs>.`,
    );
  });

  it("[11.12c] a CACHE that is a file", async () => {
    const { root, raw, out } = await project();
    await writeFile(path.join(root, "cache"), "");
    await expect(build({ rawDir: raw, outDir: out, cacheDir: path.join(root, "cache") })).rejects.toThrow(/^CACHE .*cache is a file, not a folder, and the build never replaces a file; pass CACHE=/);
    // The default cache beside OUT, when something else took its name.
    await writeFile(path.join(root, ".out.cache"), "");
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out })).rejects.toThrow(/^CACHE .*\.out\.cache is not a folder; remove it or pass another CACHE=<folder>/);
    expect(await tree(root)).toEqual(before);
  });

  it("[11.12d] an OUT whose folder is missing or read-only", async () => {
    const { root, raw } = await project();
    await expect(build({ rawDir: raw, outDir: path.join(root, "missing", "out") })).rejects.toThrow(
      `OUT ${path.join(root, "missing", "out")} cannot be made: the folder ${path.join(root, "missing")} does not exist; create it first`,
    );
    // /sys refuses new files even to root, where a chmod-ed folder would not.
    const { status, stderr } = await runCli(["--raw", raw, "--out", "/sys/satc-out"]);
    expect(status).toBe(1);
    expect(oneLine(stderr)).toMatch(/^build failed: (mkdir|open) \/sys\/\.satc-out\.(cache|lock) failed \((EACCES|EPERM|EROFS)\): .*choose an OUT, CACHE or TMPDIR/);
  });

  it("[11.12e] a full disk names the file and what to do, not a bare `ENOSPC write`", () => {
    expect(describeFailure(systemError("ENOSPC", "write", "/dev/full"), false)).toBe(
      "build failed: write /dev/full failed (ENOSPC): no space left on the device: free space there, or point TMPDIR, OUT or CACHE at a disk with room, and build again",
    );
  });

  it("[11.12f] shows the stack trace only with DEBUG=1, and points to it for unexpected errors", async () => {
    expect(describeFailure(systemError("EROFS", "mkdir", "/mnt/ro/.out.staging"), false)).toBe(
      "build failed: mkdir /mnt/ro/.out.staging failed (EROFS): the file system is read-only: choose an OUT, CACHE or TMPDIR on a writable disk",
    );
    expect(describeFailure(new TypeError("x is undefined"), false)).toBe("build failed: x is undefined (run with DEBUG=1 for the stack trace)");
    expect(describeFailure(new TypeError("x is undefined"), true)).toMatch(/^build failed: x is undefined\nTypeError: x is undefined\n\s+at /);
    const root = await tempFolder();
    const { stderr } = await runCli(["--raw", path.join(root, "nope")], { DEBUG: "1" });
    expect(stderr).toMatch(/^build failed: RAW .*nope does not exist.*\nPipelineError: .*\n\s+at /);
  });

  it("[11.12g] keeps a worker thread's system error (code, call and file) across the thread boundary", async () => {
    const pool = new WorkerPool(new URL("./full-disk-worker.ts", import.meta.url), 1, null);
    try {
      const failure = await pool.run({}).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "ENOSPC", syscall: "write", path: "/dev/full" });
      expect(describeFailure(failure, false)).toMatch(/^build failed: write \/dev\/full failed \(ENOSPC\): no space left on the device/);
    } finally {
      await pool.close();
    }
  });
});
