import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { generateCorpus, parseSize } from "./corpus.js";

/**
 * `make bench`: builds synthetic corpora (SIZES, default 10MB and 100MB), then times a full
 * build, a no-change rebuild and a one-blob-changed rebuild of each, and native fastText
 * (Debian's `fasttext predict-prob` with the same lid.176 model) labelling the same
 * paragraphs. One JSON line per run. Not a test: numbers, not verdicts.
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

function build(rawDir: string, outDir: string): Run {
  return measure(process.execPath, ["--import", "tsx", "pipeline/run.ts", "--raw", rawDir, "--out", outDir]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: "string", default: "10MB 100MB" } } });
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-bench-"));
  for (const size of values.sizes!.split(/\s+/).filter(Boolean)) {
    const rawDir = path.join(root, `corpus-${size}`);
    const outDir = path.join(root, `out-${size}`);
    const corpus = await generateCorpus("raw", rawDir, parseSize(size));
    const megabytes = corpus.bytes / 1024 ** 2;
    const report = (run: string, measured: Run, extra: object = {}) =>
      console.log(
        JSON.stringify({
          size,
          run,
          bytes: corpus.bytes,
          paragraphs: corpus.paragraphs,
          seconds: measured.wallSeconds,
          mbPerSecond: Number((megabytes / measured.wallSeconds).toFixed(2)),
          secondsPerMb: Number((measured.wallSeconds / megabytes).toFixed(3)),
          peakRssMiB: measured.peakRssMiB,
          ...extra,
        }),
      );

    const full = build(rawDir, outDir);
    report("full build", full);
    report("no-change rebuild", build(rawDir, outDir));
    const smallest = readdirSync(rawDir).sort((a, b) => statSync(path.join(rawDir, a)).size - statSync(path.join(rawDir, b)).size)[0]!;
    appendFileSync(path.join(rawDir, smallest), "Carrie schreibt eine neue Kolumne über Schuhe.\n");
    report("one-blob-changed rebuild", build(rawDir, outDir), { changedBlob: smallest });

    if (existsSync("/usr/bin/fasttext")) {
      // The same distinct paragraphs the build labelled, one per line, as fastText reads them.
      const paragraphs = parse(readFileSync(path.join(outDir, "paragraphs.csv"), "utf8"), { columns: true }) as Array<{ text: string }>;
      const input = path.join(root, `paragraphs-${size}.txt`);
      writeFileSync(input, paragraphs.map((row) => row.text.replace(/\s+/g, " ")).join("\n") + "\n");
      const native = measure("/usr/bin/fasttext", ["predict-prob", MODEL, input, "1"]);
      report("native fastText predict-prob", native, { buildOverNative: Number((full.wallSeconds / native.wallSeconds).toFixed(1)) });
    } else {
      console.log(JSON.stringify({ size, run: "native fastText predict-prob", skipped: "install Debian's fasttext package (apt-get install fasttext)" }));
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
