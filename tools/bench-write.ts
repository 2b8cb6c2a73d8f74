import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openTableWriter } from "../pipeline/write.js";
import { paragraphRowSchema, type ParagraphRow } from "../schemas/records.js";

/**
 * Streams synthetic paragraphs rows (~400-character texts) through `openTableWriter` into all three
 * formats and prints wall time and the files. Run it under GNU time for the peak RSS:
 *
 *   /usr/bin/time -v npx tsx tools/bench-write.ts --rows 1000000 [--batch-rows N] [--keep DIR]
 *
 * Not a test: numbers, not verdicts. Rows are deterministic, so the hashes are comparable across runs.
 */

const { values } = parseArgs({
  options: { rows: { type: "string", default: "1000000" }, "batch-rows": { type: "string" }, keep: { type: "string" } },
});
const rows = Number(values.rows);
const directory = values.keep ?? (await mkdtemp(path.join(os.tmpdir(), "bench-write-")));

const words = "Carrie Samantha Charlotte Miranda Aleksandr Paris Manhattan brunch column question love shoes Big Aidan Steve Harry".split(" ");
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
function text(): string {
  let result = "";
  while (result.length < 400) result += words[Math.floor(random() * words.length)] + (random() < 0.1 ? ", " : " ");
  return result.trim();
}
function row(index: number): ParagraphRow {
  const linked = index % 4 !== 0;
  const season = 1 + (index % 6);
  const episode = 1 + (index % 20);
  return {
    paragraphId: index.toString(16).padStart(16, "0"),
    text: text(),
    language: ["en", "de", "fr", "el"][index % 4]!,
    languageScore: Math.round(random() * 1e4) / 1e4,
    season: linked ? season : null,
    episode: linked ? episode : null,
    episodeCode: linked ? `S0${season}E${String(episode).padStart(2, "0")}` : null,
    episodeTitle: linked ? "Splat!" : null,
    episodeScore: linked ? 0.93 : null,
    episodeRunnerUp: null,
    episodeRunnerUpScore: null,
    nearDupCluster: (index - (index % 3)).toString(16).padStart(16, "0"),
    sourceFile: `${String(index % 1000).padStart(3, "0")}_a58078538e24c6c1.txt`,
    lineStart: 1 + (index % 500),
    occurrenceCount: 1,
  };
}

const started = performance.now();
const options = values["batch-rows"] ? { batchRows: Number(values["batch-rows"]) } : {};
const writer = await openTableWriter<ParagraphRow>(paragraphRowSchema, directory, "paragraphs", ["parquet", "arrow", "csv"], options);
// Uneven chunks, as a pipeline stage would hand them over.
for (let start = 0; start < rows; start += 7_919) {
  await writer.write(Array.from({ length: Math.min(7_919, rows - start) }, (_, offset) => row(start + offset)));
}
const files = await writer.close();
console.log(JSON.stringify({ rows, wallSeconds: Math.round((performance.now() - started) / 100) / 10, files }));
if (!values.keep) await rm(directory, { recursive: true });
