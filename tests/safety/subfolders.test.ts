import { chmod, mkdir, readdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRawFiles, readRawFile, type ReadDirectory } from "../../pipeline/ingest/ingest.js";
import { build } from "../build.js";
import { tempTree } from "../helpers.js";

/**
 * Issue 11.8: a subfolder that cannot be read (EACCES on scandir) or a path longer than
 * PATH_MAX crashed the whole build. Each is now a reject, like an unreadable file. Tests run
 * as root here, which reads any folder whatever its mode, so the permission case is tested
 * through an injected directory reader; the chmod variant runs only for a normal user.
 */

const PATH_MAX = 4096;
/** Length of the path of the deepest folder made directly: 250 bytes more pass PATH_MAX. */
const EDGE_DEPTH = PATH_MAX - 220;
const runningAsRoot = process.getuid?.() === 0;

describe("a subfolder that cannot be read", () => {
  it("[11.8a] becomes one reject naming the folder (injected EACCES, so it also holds as root); the rest of RAW is read", async () => {
    const raw = await tempTree({ "a.txt": "a", "season-2/locked/x.txt": "x", "season-2/open/y.txt": "y", "z.txt": "z" });
    const deniedLocked: ReadDirectory = async (fullPath) => {
      if (fullPath.toString().endsWith("/locked")) throw Object.assign(new Error("scandir: permission denied"), { code: "EACCES" });
      return readdir(fullPath, { encoding: "buffer", withFileTypes: true });
    };
    const { files, folderRejects } = await listRawFiles(raw, deniedLocked);
    expect(files.map((file) => file.sourceFile)).toEqual(["a.txt", "season-2/open/y.txt", "z.txt"]);
    expect(folderRejects).toEqual([
      { sourceFile: "season-2/locked/", lineStart: 0, lineEnd: 0, reason: "cannot be read (EACCES); check the folder's permissions; none of the files in it were read" },
    ]);
  });

  it("[11.8e] is still a failure when RAW itself cannot be read: there is nothing to build", async () => {
    const denied: ReadDirectory = async () => {
      throw Object.assign(new Error("scandir: permission denied"), { code: "EACCES" });
    };
    await expect(listRawFiles(await tempTree({}), denied)).rejects.toThrow("permission denied");
  });

  it.skipIf(runningAsRoot)("[11.8b] becomes a reject when its permissions deny reading (chmod 000; skipped as root)", async () => {
    const raw = await tempTree({ "a.txt": "a", "locked/x.txt": "x" });
    await chmod(path.join(raw, "locked"), 0o000);
    try {
      const { files, folderRejects } = await listRawFiles(raw);
      expect(files.map((file) => file.sourceFile)).toEqual(["a.txt"]);
      expect(folderRejects).toMatchObject([{ sourceFile: "locked/", reason: expect.stringContaining("cannot be read (EACCES)") }]);
    } finally {
      await chmod(path.join(raw, "locked"), 0o755);
    }
  });
});

describe("paths longer than PATH_MAX", () => {
  let raw: string;
  /** A folder whose own path fits PATH_MAX, holding a file and a folder whose paths do not. */
  let edge: string;
  const longFile = `${"f".repeat(240)}.txt`;
  const longFolder = "g".repeat(240);

  beforeAll(async () => {
    raw = await tempTree({ "ok.txt": "Carrie schreibt.\n" });
    // Folders are made while their paths still fit; the last, with its too-long contents, is
    // made near RAW and moved into place, since no call may name a path beyond PATH_MAX.
    let deep = path.join(raw, "deep");
    while (EDGE_DEPTH - deep.length > 201) deep = path.join(deep, "d".repeat(200));
    deep = path.join(deep, "e".repeat(EDGE_DEPTH - deep.length - 1));
    await mkdir(deep, { recursive: true });
    const staged = path.join(raw, "staged");
    await mkdir(path.join(staged, longFolder), { recursive: true });
    await writeFile(path.join(staged, longFile), "too deep to open\n");
    await writeFile(path.join(staged, longFolder, "inner.txt"), "too deep to list\n");
    edge = path.join(deep, "edge");
    await rename(staged, edge);
    expect(edge.length).toBeLessThan(PATH_MAX);
    expect(path.join(edge, longFile).length).toBeGreaterThan(PATH_MAX);
  });

  // Moved back so that the test run's temporary folder can be removed.
  afterAll(() => rename(edge, path.join(raw, "staged")));

  const relative = (full: string) => path.relative(raw, full);

  it("[11.8c] make a folder beyond PATH_MAX one reject, and a file beyond it a reject that says why", async () => {
    const { files, folderRejects } = await listRawFiles(raw);
    expect(folderRejects).toEqual([{ sourceFile: `${relative(path.join(edge, longFolder))}/`, lineStart: 0, lineEnd: 0, reason: expect.stringContaining("cannot be read (ENAMETOOLONG)") }]);
    expect(files.map((file) => file.sourceFile)).toEqual([relative(path.join(edge, longFile)), "ok.txt"]);
    const result = await readRawFile(raw, files[0]!);
    expect(result).toMatchObject({ kind: "reject", reject: { reason: expect.stringMatching(/ENAMETOOLONG.*longer than the system allows.*shorten/) }, input: { bytes: null, sha256: null } });
  });

  it("[11.8d] a build over them succeeds, reading the rest and listing both as rejects", async () => {
    const summary = await build({ rawDir: raw, outDir: `${raw}-out`, threads: 1 });
    expect(summary.occurrences).toBe(1);
    expect(summary.rejects.map((reject) => reject.sourceFile)).toEqual([relative(path.join(edge, longFile)), `${relative(path.join(edge, longFolder))}/`]);
  });
});
