import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { tableFromIPC } from "apache-arrow";
import type { z } from "zod";
import { arrowSchema } from "../schemas/columns.js";
import { occurrenceRowSchema, paragraphRowSchema } from "../schemas/records.js";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * What changed between two builds: paragraphs added and removed, paragraphs whose language
 * or episode changed (old and new values), and provenance changes (occurrences that
 * appeared or disappeared). Exit status: 0 when the comparison succeeded, changed or not
 * (the first line and diff.json's `changed` say which); 2 on a missing or invalid OUT. With
 * --exit-code, like `git diff --exit-code`, a change exits 1.
 */

type Row = Record<string, string | number | null>;

export class InvalidBuildError extends Error {}

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

/** Reads one dataset's Arrow file, refusing it unless its columns and types are this version's. */
function readDataset(outDir: string, name: string, schema: z.ZodObject): Row[] {
  const file = path.join(outDir, `${name}.arrow`);
  if (!existsSync(file)) throw new InvalidBuildError(`${file} is missing; is ${outDir} a build output (make build-dataset OUT=${outDir})?`);
  let table;
  try {
    table = tableFromIPC(readFileSync(file));
  } catch (error) {
    throw new InvalidBuildError(`${file} is not a readable Arrow IPC file (${(error as Error).message}); rebuild it.`);
  }
  const describe = (fields: ReadonlyArray<{ name: string; type: unknown }>) => fields.map((field) => `${field.name}:${String(field.type)}`).join(",");
  if (describe(table.schema.fields) !== describe(arrowSchema(schema).fields)) {
    throw new InvalidBuildError(`${file} has columns ${describe(table.schema.fields)}; this version expects ${describe(arrowSchema(schema).fields)}. Rebuild it.`);
  }
  return table.toArray().map((row) => ({ ...(row.toJSON() as Row) }));
}

export function diffBuilds(oldDir: string, newDir: string): DatasetDiff {
  const load = (directory: string) => ({
    paragraphs: new Map(readDataset(directory, "paragraphs", paragraphRowSchema).map((row) => [String(row.paragraph_id), row])),
    occurrences: new Set(
      readDataset(directory, "occurrences", occurrenceRowSchema).map(
        (row) => `${row.paragraph_id} ${row.source_file}:${row.line_start}-${row.line_end} bytes ${row.byte_start}-${row.byte_end}`,
      ),
    ),
  });
  const before = load(oldDir);
  const after = load(newDir);
  const summary = (row: Row) => ({
    paragraph_id: String(row.paragraph_id),
    text: String(row.text),
    source_file: String(row.source_file),
    line_start: Number(row.line_start),
  });
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
    if (previous.language !== next.language) diff.languageChanged.push({ paragraph_id: id, old: String(previous.language), new: String(next.language) });
    if (previous.episode_code !== next.episode_code) {
      diff.episodeChanged.push({
        paragraph_id: id,
        old: previous.episode_code as string | null,
        new: next.episode_code as string | null,
        text: String(next.text),
      });
    }
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
