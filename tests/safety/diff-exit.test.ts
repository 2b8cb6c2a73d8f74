import { spawnSync } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { build, builtProject, tempFolder } from "./fixtures.js";

let oldOut: string;
let newOut: string;
let brokenOut: string;
let missingOut: string;

beforeAll(async () => {
  const { root, raw, out } = await builtProject();
  oldOut = out;
  [newOut, brokenOut, missingOut] = ["new", "broken", "missing"].map((name) => path.join(root, name)) as [string, string, string];
  await writeFile(path.join(raw, "c.txt"), "Aidan baut Möbel für Carrie.\n");
  await build({ rawDir: raw, outDir: newOut });
  await cp(oldOut, brokenOut, { recursive: true });
  await writeFile(path.join(brokenOut, "paragraphs.arrow"), "not arrow");
});

/** `make diff` as a person or a script runs it, in a folder of its own (diff.json lands there). */
async function makeDiff(oldDir: string, newDir: string, ...variables: string[]) {
  const folder = await tempFolder();
  const json = path.join(folder, "diff.json");
  const result = spawnSync("make", ["--no-print-directory", "-o", "node_modules/.package-lock.json", "diff", `OLD=${oldDir}`, `NEW=${newDir}`, `DIFF_JSON=${json}`, ...variables], { encoding: "utf8" });
  const written = await readFile(json, "utf8").then((text) => JSON.parse(text) as { changed: boolean }, () => null);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json: written };
}

describe("make diff", () => {
  it("[11.10a] exits 0 when nothing changed and says so, in text and diff.json", async () => {
    const { status, stdout, json } = await makeDiff(oldOut, oldOut);
    expect(status).toBe(0);
    expect(stdout).toContain(`no changes between ${oldOut} and ${oldOut}`);
    expect(json).toMatchObject({ changed: false });
  });

  it("[11.10b] exits 0 when something changed and says what, in text and diff.json", async () => {
    const { status, stdout, json } = await makeDiff(oldOut, newOut);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^changes from .* to .*:\n\nparagraphs added \(1\):/);
    expect(json).toMatchObject({ changed: true });
  });

  it("[11.10c] fails on a missing or invalid OUT, with one line naming the file", async () => {
    for (const [target, problem] of [
      [missingOut, "paragraphs.arrow is missing"],
      [brokenOut, "paragraphs.arrow is not a readable Arrow IPC file"],
    ] as const) {
      const { status, stderr } = await makeDiff(oldOut, target);
      expect(status).not.toBe(0);
      expect(stderr.split("\n").filter((line) => line.startsWith("diff: "))).toEqual([expect.stringContaining(problem)]);
    }
  });

  it("[11.10d] with EXIT_CODE=1 fails when something changed (the tool exits 1, like git diff --exit-code), and not when nothing did", async () => {
    const changed = await makeDiff(oldOut, newOut, "EXIT_CODE=1");
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toMatch(/\] Error 1$/m);
    expect(changed.json).toMatchObject({ changed: true });
    expect((await makeDiff(oldOut, oldOut, "EXIT_CODE=1")).status).toBe(0);
  });
});

describe("the regenerate workflow's diff step", () => {
  /** Runs .github/diff-step.sh as the workflow does, in a folder of its own with a job summary file. */
  async function diffStep(previous: string, next: string) {
    const folder = await tempFolder();
    const summary = path.join(folder, "summary.md");
    const result = spawnSync(path.resolve(".github/diff-step.sh"), [previous, next], { cwd: folder, encoding: "utf8", env: { ...process.env, GITHUB_STEP_SUMMARY: summary } });
    const read = (name: string) => readFile(path.join(folder, name), "utf8").catch(() => null);
    return { status: result.status, summary: await read("summary.md"), text: await read("diff.txt"), json: await read("diff.json") };
  }

  it("[11.10e] succeeds on changed and unchanged builds, publishing the text, summary and diff.json; fails on a broken build; and is what the workflow runs", async () => {
    const changed = await diffStep(oldOut, newOut);
    expect(changed.status).toBe(0);
    expect(changed.summary).toMatch(/^## Dataset changes\n```\nchanges from .*paragraphs added \(1\)/s);
    expect(JSON.parse(changed.json!)).toMatchObject({ changed: true });
    const unchanged = await diffStep(newOut, newOut);
    expect(unchanged.status).toBe(0);
    expect(unchanged.text).toContain("no changes between");
    const broken = await diffStep(oldOut, brokenOut);
    expect(broken.status).not.toBe(0);
    expect(broken.summary).toContain("paragraphs.arrow is not a readable Arrow IPC file");
    const workflow = await readFile(".github/workflows/regenerate.yml", "utf8");
    expect(workflow).toContain("run: .github/diff-step.sh previous-out out");
    expect(workflow).toMatch(/- uses: actions\/upload-artifact@v4\n\s+if: steps\.diff\.outcome == 'success'\n\s+with:\n\s+name: dataset-diff/);
  });
});
