import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { build, builtSeeds } from "../build.js";
import { runProgram } from "../programs.js";
import { openTableWriter } from "../../pipeline/output/write.js";
import { paragraphRowSchema, type ParagraphRow } from "../../schemas/records.js";
import { readArrowRows } from "../readers.js";
import { diffBuilds, hasChanges } from "../../tools/diff.js";

let root: string;
let oldOut: string;
let newOut: string;

/** Runs the real CLI, as `make diff` does, and returns its exit status and output. */
function runDiff(oldDir: string, newDir: string, ...flags: string[]) {
  const result = runProgram("diff.mjs", ["--old", oldDir, "--new", newDir, "--json", path.join(root, "diff.json"), ...flags]);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "satc-diff-"));
  const newRaw = path.join(root, "raw-new");
  oldOut = await builtSeeds();
  newOut = path.join(root, "out-new");
  await cp("raw", newRaw, { recursive: true });
  // Edits: one paragraph rewritten, one moved to another file, one new file with an added paragraph.
  const file = path.join(newRaw, "004_a58078538e24c6c1.txt");
  const lines = (await readFile(file, "utf8")).split("\n");
  lines[0] = "Chris und Nils sprechen heute über die Feuerwehrmänner von Staten Island.";
  await writeFile(file, lines.join("\n"));
  await writeFile(path.join(newRaw, "005_new.txt"), "Carrie trifft Aidan in seinem Möbelgeschäft.\n");
  await build({ rawDir: newRaw, outDir: newOut });
});

describe("diff", () => {
  it("reports added and removed paragraphs and the provenance changes of an edited input", () => {
    const diff = diffBuilds(oldOut, newOut);
    expect(diff.paragraphsRemoved.map((p) => p.text)).toEqual(['Chris und Nils setzten sich zusammen und sprechen über "Sex and the City" im REWATCH.']);
    expect(diff.paragraphsAdded.map((p) => p.text).sort()).toEqual([
      "Carrie trifft Aidan in seinem Möbelgeschäft.",
      "Chris und Nils sprechen heute über die Feuerwehrmänner von Staten Island.",
    ]);
    expect(diff.occurrencesAdded.some((o) => o.includes("005_new.txt:1-1"))).toBe(true);
    // Line 1 got shorter, so every later occurrence in that blob moved: provenance changes.
    expect(diff.occurrencesRemoved.length).toBeGreaterThan(40);
    expect(hasChanges(diff)).toBe(true);
  });

  it("reports language and episode changes of a kept paragraph with old and new values", async () => {
    const edited = path.join(root, "out-relabelled");
    await cp(oldOut, edited, { recursive: true });
    const camel = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).map(([column, value]) => [column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), value])) as ParagraphRow;
    const rows = readArrowRows(path.join(oldOut, "paragraphs.arrow")).map(camel);
    const target = rows.find((row) => row.episodeCode !== null)!;
    const relabelled = rows.map((row) => (row === target ? { ...row, language: "nl", episodeCode: "S01E01" } : row));
    const writer = await openTableWriter<ParagraphRow>(paragraphRowSchema, edited, "paragraphs", ["arrow"]);
    await writer.write(relabelled);
    await writer.close();
    const diff = diffBuilds(oldOut, edited);
    expect(diff.languageChanged).toEqual([{ paragraph_id: target.paragraphId, old: target.language, new: "nl" }]);
    expect(diff.episodeChanged).toEqual([{ paragraph_id: target.paragraphId, old: target.episodeCode, new: "S01E01", text: target.text }]);
    expect(diff.paragraphsAdded).toEqual([]);
  });

  it("exits 0 whether or not something changed (1 on a change with --exit-code), 2 on a missing or invalid OUT, and writes diff.json", async () => {
    expect(runDiff(oldOut, oldOut).status).toBe(0);
    const changed = runDiff(oldOut, newOut);
    expect(changed.status).toBe(0);
    expect(changed.stdout).toContain("paragraphs added (2)");
    const written = JSON.parse(await readFile(path.join(root, "diff.json"), "utf8"));
    expect(written).toMatchObject({ changed: true, paragraphsAdded: [expect.anything(), expect.anything()] });
    expect(runDiff(oldOut, newOut, "--exit-code").status).toBe(1);
    expect(runDiff(oldOut, oldOut, "--exit-code").status).toBe(0);
    const missing = runDiff(oldOut, path.join(root, "no-such-out"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("paragraphs.arrow is missing");
    await writeFile(path.join(root, "broken.arrow"), "not arrow");
    const broken = path.join(root, "broken-out");
    await cp(oldOut, broken, { recursive: true });
    await writeFile(path.join(broken, "paragraphs.arrow"), "not arrow");
    expect(runDiff(oldOut, broken).status).toBe(2);
  });
});
