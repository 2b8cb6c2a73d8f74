import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readArrowTable } from "../pipeline/output/read.js";
import type { ParagraphRow } from "../schemas/records.js";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * What changed between two builds: paragraphs added and removed, paragraphs whose language
 * or episode changed (old and new values), and provenance changes (occurrences that
 * appeared or disappeared). Exit status: 0 when the comparison succeeded, changed or not
 * (the first line and diff.json's `changed` say which); 2 on a missing or invalid OUT. With
 * --exit-code, like `git diff --exit-code`, a change exits 1.
 */

export interface DatasetDiff {
  old: string;
  new: string;
  paragraphsAdded: Array<{ paragraph_id: string; text: string; source_file: string; line_start: number }>;
  paragraphsRemoved: Array<{ paragraph_id: string; text: string; source_file: string; line_start: number }>;
  languageChanged: Array<{ paragraph_id: string; old: string; new: string }>;
  episodeChanged: Array<{ paragraph_id: string; old: string | null; new: string | null; text: string }>;
  occurrencesAdded: string[];
  occurrencesRemoved: string[];
}

interface Loaded {
  paragraphs: Map<string, ParagraphRow>;
  /** Each occurrence as a line of the report. */
  occurrences: Set<string>;
}

function load(outDir: string): Loaded {
  const paragraphs = new Map<string, ParagraphRow>();
  for (const batch of readArrowTable(outDir, "paragraphs")) for (const row of batch) paragraphs.set(row.paragraphId, row);
  const occurrences = new Set<string>();
  for (const batch of readArrowTable(outDir, "occurrences")) {
    for (const row of batch) occurrences.add(`${row.paragraphId} ${row.sourceFile}:${row.lineStart}-${row.lineEnd} bytes ${row.byteStart}-${row.byteEnd}`);
  }
  return { paragraphs, occurrences };
}

export function diffBuilds(oldDir: string, newDir: string): DatasetDiff {
  const before = load(oldDir);
  const after = load(newDir);
  const summary = (row: ParagraphRow) => ({ paragraph_id: row.paragraphId, text: row.text, source_file: row.sourceFile, line_start: row.lineStart });
  const diff: DatasetDiff = {
    old: oldDir,
    new: newDir,
    paragraphsAdded: [...after.paragraphs].filter(([id]) => !before.paragraphs.has(id)).map(([, row]) => summary(row)),
    paragraphsRemoved: [...before.paragraphs].filter(([id]) => !after.paragraphs.has(id)).map(([, row]) => summary(row)),
    languageChanged: [],
    episodeChanged: [],
    occurrencesAdded: [...after.occurrences].filter((occurrence) => !before.occurrences.has(occurrence)).sort(),
    occurrencesRemoved: [...before.occurrences].filter((occurrence) => !after.occurrences.has(occurrence)).sort(),
  };
  for (const [id, next] of after.paragraphs) {
    const previous = before.paragraphs.get(id);
    if (!previous) continue;
    if (previous.language !== next.language) diff.languageChanged.push({ paragraph_id: id, old: previous.language, new: next.language });
    if (previous.episodeCode !== next.episodeCode) diff.episodeChanged.push({ paragraph_id: id, old: previous.episodeCode, new: next.episodeCode, text: next.text });
  }
  return diff;
}

export function hasChanges(diff: DatasetDiff): boolean {
  return [diff.paragraphsAdded, diff.paragraphsRemoved, diff.languageChanged, diff.episodeChanged, diff.occurrencesAdded, diff.occurrencesRemoved].some(
    (list) => list.length > 0,
  );
}

export function formatDiff(diff: DatasetDiff): string {
  if (!hasChanges(diff)) return `no changes between ${diff.old} and ${diff.new}`;
  const short = (text: string) => (text.length > 90 ? `${text.slice(0, 90)}…` : text);
  const lines = [`changes from ${diff.old} to ${diff.new}:`];
  const section = <T>(title: string, items: T[], render: (item: T) => string) => {
    if (items.length === 0) return;
    lines.push("", `${title} (${items.length}):`, ...items.map((item) => `  ${render(item)}`));
  };
  section("paragraphs added", diff.paragraphsAdded, (p) => `+ ${p.paragraph_id} ${p.source_file}:${p.line_start}  ${short(p.text)}`);
  section("paragraphs removed", diff.paragraphsRemoved, (p) => `- ${p.paragraph_id} ${p.source_file}:${p.line_start}  ${short(p.text)}`);
  section("language changed", diff.languageChanged, (c) => `~ ${c.paragraph_id} ${c.old} → ${c.new}`);
  section("episode changed", diff.episodeChanged, (c) => `~ ${c.paragraph_id} ${c.old ?? "none"} → ${c.new ?? "none"}  ${short(c.text)}`);
  section("occurrences added", diff.occurrencesAdded, (o) => `+ ${o}`);
  section("occurrences removed", diff.occurrencesRemoved, (o) => `- ${o}`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { old: { type: "string" }, new: { type: "string" }, json: { type: "string", default: "diff.json" }, "exit-code": { type: "boolean", default: false } },
  });
  if (!values.old || !values.new) {
    process.stderr.write("usage: make diff OLD=<dir> NEW=<dir> [DIFF_JSON=diff.json] [EXIT_CODE=1]\n");
    process.exit(2);
  }
  try {
    const diff = diffBuilds(values.old, values.new);
    const changed = hasChanges(diff);
    writeFileSync(values.json!, `${JSON.stringify({ changed, ...diff }, null, 2)}\n`);
    console.log(formatDiff(diff));
    process.exit(changed && values["exit-code"] ? 1 : 0);
  } catch (error) {
    process.stderr.write(`diff: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

if (isMain(import.meta.url)) await main();
