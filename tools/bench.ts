import { spawnSync } from "node:child_process";
import { appendFileSync, createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { once } from "node:events";
import { parse } from "csv-parse";
import type { StageRecord } from "../pipeline/runtime/progress.js";
import { generateCorpus, parseSize } from "./corpus.js";
import { isMain, runnable } from "../pipeline/runtime/bundles.js";

/**
 * `make bench`: builds synthetic corpora (SIZES, default 100MB and 1GB), then times a full
 * build (empty cache), a no-change rebuild and a one-blob-changed rebuild of each (REPEAT
 * times, median), and native fastText (Debian's `fasttext predict-prob` with the same lid.176
 * model) labelling the same paragraphs. One JSON line per run and stage, and the scaling in
 * seconds per MB. Not a test: numbers, not verdicts.
 */

const MODEL = "node_modules/fasttext.wasm.js/dist/models/language-identification/assets/lid.176.ftz";

interface Run {
  wallSeconds: number;
  peakRssMiB: number;
}

/** Runs a command under GNU time and returns its wall time and peak RSS. */
function measure(command: string, args: string[]): Run {
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", command, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  const [wall, rssKiB] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number) as [number, number];
  return { wallSeconds: wall, peakRssMiB: Math.round(rssKiB / 1024) };
}

/** One build as a separate process (so peak RSS is the build's own), with its per-stage timings. */
function build(rawDir: string, outDir: string, timingsFile: string): Run & { stages: StageRecord[]; blobsAnalysed: number } {
  const program = runnable(new URL("../pipeline/run.ts", import.meta.url));
  const run = measure(process.execPath, [...program.execArgv, program.file, "--raw", rawDir, "--out", outDir, "--timings", timingsFile]);
  const { stages, blobsAnalysed } = JSON.parse(readFileSync(timingsFile, "utf8")) as { stages: StageRecord[]; blobsAnalysed: number };
  return { ...run, stages, blobsAnalysed };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: "string", default: "100MB 1GB" }, repeat: { type: "string", default: "1" } } });
  const repeat = Math.max(1, Number(values.repeat));
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-bench-"));
  console.error(`corpora and builds in ${root} (removed at the end)`);
  try {
    await benchSizes(root, values.sizes!.split(/\s+/).filter(Boolean), repeat);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The paragraphs' texts, one per line as fastText reads them, streamed out of paragraphs.csv. */
async function writeParagraphLines(paragraphsCsv: string, linesFile: string): Promise<void> {
  const lines = createWriteStream(linesFile);
  for await (const row of createReadStream(paragraphsCsv).pipe(parse({ columns: true })) as AsyncIterable<{ text: string }>) {
    if (!lines.write(`${row.text.replace(/\s+/g, " ")}\n`)) await once(lines, "drain");
  }
  lines.end();
  await once(lines, "finish");
}

async function benchSizes(root: string, sizes: string[], repeat: number): Promise<void> {
  const secondsPerMb: Record<string, number> = {};
  for (const size of sizes) {
    const rawDir = path.join(root, `corpus-${size}`);
    const outDir = path.join(root, `out-${size}`);
    const timings = path.join(root, `timings-${size}.json`);
    const corpus = await generateCorpus("raw", rawDir, parseSize(size));
    const megabytes = corpus.bytes / 1024 ** 2;
    const print = (record: object) => console.log(JSON.stringify({ size, bytes: corpus.bytes, paragraphs: corpus.paragraphs, ...record }));
    const report = (run: string, measured: ReturnType<typeof build>[]) => {
      const seconds = median(measured.map((m) => m.wallSeconds));
      for (const stage of measured[0]!.stages) {
        print({ run, stage: stage.name, rowsIn: stage.rowsIn, rowsOut: stage.rowsOut, seconds: Number(stage.seconds.toFixed(2)), mbPerSecond: stage.bytes > 0 ? Number((stage.bytes / 1024 ** 2 / stage.seconds).toFixed(2)) : null, peakRssMiB: stage.peakRssMiB });
      }
      print({
        run,
        stage: "total",
        runs: measured.length,
        seconds,
        allSeconds: measured.map((m) => m.wallSeconds),
        mbPerSecond: Number((megabytes / seconds).toFixed(2)),
        secondsPerMb: Number((seconds / megabytes).toFixed(3)),
        peakRssMiB: Math.max(...measured.map((m) => m.peakRssMiB)),
        blobsAnalysed: measured[0]!.blobsAnalysed,
      });
      return seconds;
    };

    // Each full build starts from an empty cache and OUT; rebuilds reuse the last full build's.
    const fulls = Array.from({ length: repeat }, () => {
      rmSync(outDir, { recursive: true, force: true });
      rmSync(path.join(root, `.out-${size}.cache`), { recursive: true, force: true });
      return build(rawDir, outDir, timings);
    });
    const full = report("full build", fulls);
    secondsPerMb[size] = Number((full / megabytes).toFixed(3));
    const noChange = report("no-change rebuild", Array.from({ length: repeat }, () => build(rawDir, outDir, timings)));
    const smallest = readdirSync(rawDir).sort((a, b) => statSync(path.join(rawDir, a)).size - statSync(path.join(rawDir, b)).size)[0]!;
    const changed = report(
      "one-blob-changed rebuild",
      Array.from({ length: repeat }, (_, attempt) => {
        appendFileSync(path.join(rawDir, smallest), `Carrie schreibt eine neue Kolumne über Schuhe, Folge ${attempt + 1}.\n`);
        return build(rawDir, outDir, timings);
      }),
    );
    print({ run: "rebuild shares of the full build", noChangePercent: Number(((100 * noChange) / full).toFixed(1)), oneBlobChangedPercent: Number(((100 * changed) / full).toFixed(1)), changedBlob: smallest });

    if (existsSync("/usr/bin/fasttext")) {
      // The same distinct paragraphs the build labelled, one per line, as fastText reads them.
      const input = path.join(root, `paragraphs-${size}.txt`);
      await writeParagraphLines(path.join(outDir, "paragraphs.csv"), input);
      const native = median(Array.from({ length: repeat }, () => measure("/usr/bin/fasttext", ["predict-prob", MODEL, input, "1"]).wallSeconds));
      print({ run: "native fastText predict-prob", stage: "total", seconds: native, fullBuildOverNative: Number((full / native).toFixed(1)) });
    } else {
      print({ run: "native fastText predict-prob", skipped: "install Debian's fasttext package (apt-get install fasttext)" });
    }
  }
  console.log(JSON.stringify({ scaling: "seconds per MB of a full build", ...secondsPerMb }));
}

if (isMain(import.meta.url)) await main();
