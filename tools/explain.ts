import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { pathOfSourceFile } from "../pipeline/ingest/file-names.js";
import { absolutePathOf } from "../pipeline/ingest/ingest.js";
import { compareNearDup, nearDupKey } from "../pipeline/analyze/neardup.js";
import { forTerminal } from "../pipeline/runtime/terminal.js";
import { normalizeText, sha256Hex } from "../pipeline/text.js";
import { isMain } from "../pipeline/runtime/bundles.js";
import { openBuild, type BuildReader } from "../pipeline/output/read.js";

/**
 * Lineage of one piece of data, read from a built OUT (nothing is rebuilt): raw bytes →
 * paragraph → exact and near-duplicate decisions → language → episode → output rows, or
 * the reject reason. REF is `<source_file>:<line>` or a paragraph_id.
 */

export interface ExplainInput {
  ref: string;
  outDir: string;
  rawDir: string;
}

export async function explain({ ref, outDir, rawDir }: ExplainInput): Promise<string> {
  const build = await openBuild(outDir);
  try {
    return await lineage(build, ref, outDir, rawDir);
  } finally {
    await build.close();
  }
}

async function lineage(build: BuildReader, ref: string, outDir: string, rawDir: string): Promise<string> {
  const location = /^(.+):(\d+)$/.exec(ref);
  let paragraphId = ref;
  if (location) {
    const [, sourceFile, lineText] = location as unknown as [string, string, string];
    const line = Number(lineText);
    const occurrence = await build.occurrenceAt({ sourceFile, line });
    if (!occurrence) {
      const reject = await build.rejectAt({ sourceFile, line });
      if (reject) return [`${sourceFile}:${line} was rejected (lines ${reject.lineStart}-${reject.lineEnd} in rejects.csv):`, `  ${reject.reason}`].map(forTerminal).join("\n");
      throw new Error(`${ref}: no occurrence or reject covers this line in ${outDir}; is it blank, or was OUT built from another RAW?`);
    }
    paragraphId = occurrence.paragraphId;
  }
  const found = await build.paragraph(paragraphId);
  if (!found) throw new Error(`${ref}: no paragraph with this id in ${outDir}/paragraphs.parquet; pass <source_file>:<line> or a paragraph_id.`);
  const { row: paragraphRow, record: paragraph } = found;
  const ownOccurrences = await build.occurrencesOf(paragraphId);

  const lines: string[] = [];
  lines.push("1. raw bytes");
  for (const { record: occurrence } of ownOccurrences) {
    const span = `${occurrence.sourceFile} lines ${occurrence.lineStart}-${occurrence.lineEnd}, bytes [${occurrence.byteStart}, ${occurrence.byteEnd})`;
    const bytes = await readFile(absolutePathOf(rawDir, pathOfSourceFile(occurrence.sourceFile))).catch(() => null);
    const check =
      bytes === null ? `(not in ${rawDir})` : sha256Hex(bytes) === occurrence.blobSha256 ? "(blob sha256 matches)" : "(the blob changed since the build)";
    lines.push(`   ${span} ${check}`);
    if (bytes && sha256Hex(bytes) === occurrence.blobSha256) {
      lines.push(`   ${JSON.stringify(bytes.subarray(occurrence.byteStart, occurrence.byteEnd).toString("utf8").slice(0, 200))}`);
    }
  }

  lines.push("", `2. paragraph ${paragraphId} (row ${paragraphRow} of paragraphs)`, `   ${paragraph.text.slice(0, 300)}`);
  lines.push(
    "",
    `3. exact duplicates: ${paragraph.occurrenceCount} occurrence(s); the first is canonical`,
    ...ownOccurrences.map(({ record }, index) => `   ${index === 0 ? "canonical" : "duplicate"}: ${record.sourceFile}:${record.lineStart}`),
  );
  const members = await build.nearDuplicates(paragraph.nearDupCluster);
  const key = nearDupKey(normalizeText(paragraph.text));
  lines.push("", `4. near-duplicate cluster ${paragraph.nearDupCluster}: ${members.length} member(s)`);
  for (const member of members) {
    if (member.paragraphId === paragraphId) continue;
    const evidence = compareNearDup(key, nearDupKey(normalizeText(member.text)));
    lines.push(
      `   ${member.paragraphId} (${member.sourceFile}:${member.lineStart}) Jaccard ${evidence.jaccard.toFixed(3)}` +
        `${evidence.wordEditWithinLimit ? ", one word changed" : ""}: ${member.text.slice(0, 80)}…`,
    );
  }

  lines.push("", `5. language: ${paragraph.language} (score ${paragraph.languageScore})`);

  const linked = paragraph.episodeCode ? `${paragraph.episodeCode} "${paragraph.episodeTitle}" (score ${paragraph.episodeScore})` : "none (abstained)";
  const runnerUp = paragraph.episodeRunnerUp ? `${paragraph.episodeRunnerUp} (${paragraph.episodeRunnerUpScore})` : "-";
  lines.push("", `6. episode: ${linked}; runner-up ${runnerUp}`);
  const decided = paragraph.episodeCode ? "the link" : paragraph.episodeRunnerUp ? `the best guess, ${paragraph.episodeRunnerUp}` : "";
  if (decided) {
    lines.push(`   evidence for ${decided}, as the build decided it (catalog ${build.manifest.catalogVersion}):`);
    for (const item of (paragraph.episodeEvidence ?? "").split("; ")) lines.push(`   - ${item}`);
  } else {
    lines.push("   no episode had any evidence");
  }

  lines.push(
    "",
    "7. output rows",
    `   paragraphs.{parquet,arrow,csv} row ${paragraphRow}`,
    `   occurrences.{parquet,arrow,csv} rows ${ownOccurrences.map(({ row }) => row).join(", ")}`,
  );
  if (paragraph.episodeCode) lines.push(`   episodes.{parquet,arrow,csv}: counted under ${paragraph.episodeCode}, language ${paragraph.language}`);
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
