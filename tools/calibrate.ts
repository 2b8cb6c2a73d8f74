import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { CALIBRATION_FILE, fitLogistic, probability, SIGNALS, type Calibration, type Signals } from "../pipeline/link/calibration.js";
import type { Assessment } from "../pipeline/link/decide.js";
import { buildDataset } from "../pipeline/run.js";
import { sha256Hex } from "../pipeline/text.js";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * Fits the linker's calibration (pipeline/link/calibration.json) on labelled development sets:
 * builds each, sees how every paragraph's best candidate stood, and fits the probability that
 * linking it is right; then chooses the link threshold that keeps the most right links while
 * precision on these sets stays at PRECISION_TARGET. Never run it on a blind set.
 */

/** Precision the threshold is chosen for, a little above what we promise, since new text is harder than text we tuned on. */
const PRECISION_TARGET = 0.985;
const MIN_THRESHOLD = 0.5;

interface Example {
  signals: Signals;
  right: boolean;
}

export async function examplesOf(rawDir: string, goldFile: string): Promise<Example[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-calibrate-"));
  try {
    const outDir = path.join(root, "out");
    const assessments = new Map<string, Assessment | null>();
    await buildDataset({ rawDir, outDir, log: () => {}, observeAssessment: (id, assessment) => assessments.set(id, assessment) });
    const occurrences = parse(await readFile(path.join(outDir, "occurrences.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>;
    const paragraphAt = new Map(occurrences.map((row) => [`${row.source_file}:${row.line_start}`, row.paragraph_id!]));
    const gold = parse(await readFile(goldFile, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const examples: Example[] = [];
    for (const label of gold) {
      const assessment = assessments.get(paragraphAt.get(`${label.source_file}:${label.line}`) ?? "");
      // Only what the corroboration rule lets through can be linked, so only that is fitted.
      if (!assessment || !assessment.best.corroborated || assessment.tied) continue;
      const accepted = [label.episode, ...(label.alternatives ?? "").split(";").filter(Boolean)];
      examples.push({ signals: assessment.best.signals, right: label.episode !== "none" && accepted.includes(assessment.best.code) });
    }
    return examples;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The lowest threshold at which precision on the examples still reaches the target. */
export function chooseThreshold(examples: readonly Example[], calibration: Pick<Calibration, "coefficients" | "signals">): number {
  const scored = examples
    .map((example) => ({ p: probability({ ...calibration, threshold: 0, fittedOn: "" }, example.signals), right: example.right }))
    .sort((a, b) => b.p - a.p);
  let right = 0;
  let threshold = 1;
  scored.forEach(({ p, right: isRight }, i) => {
    if (isRight) right++;
    const next = scored[i + 1];
    // A threshold can only fall between two different probabilities.
    if (right / (i + 1) >= PRECISION_TARGET && (!next || next.p < p)) threshold = p;
  });
  return Math.max(MIN_THRESHOLD, Math.round(threshold * 1e4) / 1e4);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { set: { type: "string", multiple: true, default: ["tests/fixtures/dev/raw:tests/fixtures/dev/gold.csv"] } } });
  const examples: Example[] = [];
  const described: string[] = [];
  for (const set of values.set!) {
    const [rawDir, goldFile] = set.split(":") as [string, string];
    const fromSet = await examplesOf(rawDir, goldFile);
    examples.push(...fromSet);
    described.push(`${rawDir} (${fromSet.length} corroborated best candidates, gold sha256:${sha256Hex(await readFile(goldFile)).slice(0, 12)})`);
  }
  const coefficients = fitLogistic(examples).map((c) => Math.round(c * 1e4) / 1e4);
  const fitted = { signals: [...SIGNALS], coefficients };
  const calibration: Calibration = { ...fitted, threshold: chooseThreshold(examples, fitted), fittedOn: described.join("; ") };
  await writeFile(fileURLToPath(CALIBRATION_FILE), `${JSON.stringify(calibration, null, 2)}\n`);
  const right = examples.filter((e) => e.right).length;
  console.log(`fitted on ${examples.length} examples (${right} right): ${SIGNALS.map((s, i) => `${s} ${coefficients[i]}`).join(", ")}; threshold ${calibration.threshold}`);
}

if (isMain(import.meta.url)) await main();
