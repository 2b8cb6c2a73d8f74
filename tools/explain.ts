import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { pathOfSourceFile } from "../pipeline/ingest/file-names.js";
import { absolutePathOf } from "../pipeline/ingest/ingest.js";
import { compareNearDup, nearDupKey } from "../pipeline/analyze/neardup.js";
import { forTerminal } from "../pipeline/runtime/terminal.js";
import { normalizeText, sha256Hex } from "../pipeline/text.js";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * Lineage of one piece of data, read from a built OUT (nothing is rebuilt): raw bytes →
 * paragraph → exact and near-duplicate decisions → language → episode → output rows, or
 * the reject reason. REF is `<source_file>:<line>` or a paragraph_id.
 */

type Row = Record<string, string>;

export interface ExplainInput {
  ref: string;
  outDir: string;
  rawDir: string;
}

export async function explain({ ref, outDir, rawDir }: ExplainInput): Promise<string> {
  const table = (name: string) => parse(readFileSync(path.join(outDir, name), "utf8"), { columns: true }) as Row[];
  const paragraphs = table("paragraphs.csv");
  const occurrences = table("occurrences.csv");
  const rejects = table("rejects.csv");
  const manifest = JSON.parse(readFileSync(path.join(outDir, "manifest.json"), "utf8")) as { catalogVersion: string };

  const location = /^(.+):(\d+)$/.exec(ref);
  let paragraphId = ref;
  if (location) {
    const [, sourceFile, lineText] = location as unknown as [string, string, string];
    const line = Number(lineText);
    const within = (row: Row) => row.source_file === sourceFile && Number(row.line_start) <= line && line <= Number(row.line_end);
    const occurrence = occurrences.find(within);
    if (!occurrence) {
      const reject = rejects.find((row) => row.source_file === sourceFile && (within(row) || row.line_start === "0"));
      if (reject) return [`${sourceFile}:${line} was rejected (lines ${reject.line_start}-${reject.line_end} in rejects.csv):`, `  ${reject.reason}`].map(forTerminal).join("\n");
      throw new Error(`${ref}: no occurrence or reject covers this line in ${outDir}; is it blank, or was OUT built from another RAW?`);
    }
    paragraphId = occurrence.paragraph_id!;
  }
  const paragraphIndex = paragraphs.findIndex((row) => row.paragraph_id === paragraphId);
  if (paragraphIndex === -1) throw new Error(`${ref}: no paragraph with this id in ${outDir}/paragraphs.csv; pass <source_file>:<line> or a paragraph_id.`);
  const paragraph = paragraphs[paragraphIndex]!;
  const ownOccurrences = occurrences.map((row, index) => ({ row, index })).filter(({ row }) => row.paragraph_id === paragraphId);

  const lines: string[] = [];
  lines.push("1. raw bytes");
  for (const { row } of ownOccurrences) {
    const span = `${row.source_file} lines ${row.line_start}-${row.line_end}, bytes [${row.byte_start}, ${row.byte_end})`;
    const bytes = await readFile(absolutePathOf(rawDir, pathOfSourceFile(row.source_file!))).catch(() => null);
    const check =
      bytes === null ? `(not in ${rawDir})` : sha256Hex(bytes) === row.blob_sha256 ? "(blob sha256 matches)" : "(the blob changed since the build)";
    lines.push(`   ${span} ${check}`);
    if (bytes && sha256Hex(bytes) === row.blob_sha256) {
      lines.push(`   ${JSON.stringify(bytes.subarray(Number(row.byte_start), Number(row.byte_end)).toString("utf8").slice(0, 200))}`);
    }
  }

  lines.push("", `2. paragraph ${paragraphId} (row ${paragraphIndex + 1} of paragraphs)`, `   ${paragraph.text!.slice(0, 300)}`);
  lines.push(
    "",
    `3. exact duplicates: ${paragraph.occurrence_count} occurrence(s); the first is canonical`,
    ...ownOccurrences.map(({ row }, index) => `   ${index === 0 ? "canonical" : "duplicate"}: ${row.source_file}:${row.line_start}`),
  );
  const members = paragraphs.filter((row) => row.near_dup_cluster === paragraph.near_dup_cluster);
  const key = nearDupKey(normalizeText(paragraph.text!));
  lines.push("", `4. near-duplicate cluster ${paragraph.near_dup_cluster}: ${members.length} member(s)`);
  for (const member of members) {
    if (member.paragraph_id === paragraphId) continue;
    const evidence = compareNearDup(key, nearDupKey(normalizeText(member.text!)));
    lines.push(
      `   ${member.paragraph_id} (${member.source_file}:${member.line_start}) Jaccard ${evidence.jaccard.toFixed(3)}` +
        `${evidence.wordEditWithinLimit ? ", one word changed" : ""}: ${member.text!.slice(0, 80)}…`,
    );
  }

  lines.push("", `5. language: ${paragraph.language} (score ${paragraph.language_score})`);

  const linked = paragraph.episode_code ? `${paragraph.episode_code} "${paragraph.episode_title}" (score ${paragraph.episode_score})` : "none (abstained)";
  const runnerUp = paragraph.episode_runner_up ? `${paragraph.episode_runner_up} (${paragraph.episode_runner_up_score})` : "-";
  lines.push("", `6. episode: ${linked}; runner-up ${runnerUp}`);
  const decided = paragraph.episode_code ? "the link" : paragraph.episode_runner_up ? `the best guess, ${paragraph.episode_runner_up}` : "";
  if (decided) {
    lines.push(`   evidence for ${decided}, as the build decided it (catalog ${manifest.catalogVersion}):`);
    for (const item of (paragraph.episode_evidence ?? "").split("; ")) lines.push(`   - ${item}`);
  } else {
    lines.push("   no episode had any evidence");
  }

  lines.push(
    "",
    "7. output rows",
    `   paragraphs.{parquet,arrow,csv} row ${paragraphIndex + 1}`,
    `   occurrences.{parquet,arrow,csv} rows ${ownOccurrences.map(({ index }) => index + 1).join(", ")}`,
  );
  if (paragraph.episode_code) lines.push(`   episodes.{parquet,arrow,csv}: counted under ${paragraph.episode_code}, language ${paragraph.language}`);
  // Every line may hold text from RAW: printed as it is, it could drive the terminal.
  return lines.map(forTerminal).join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ref: { type: "string" }, out: { type: "string", default: "out" }, raw: { type: "string", default: "raw" } },
  });
  if (!values.ref) {
    process.stderr.write("usage: make explain REF=<source_file>:<line> | REF=<paragraph_id> [OUT=out] [RAW=raw]\n");
    process.exit(2);
  }
  try {
    console.log(await explain({ ref: values.ref, outDir: values.out!, rawDir: values.raw! }));
  } catch (error) {
    process.stderr.write(`explain: ${forTerminal((error as Error).message)}\n`);
    process.exit(2);
  }
}

if (isMain(import.meta.url)) await main();
