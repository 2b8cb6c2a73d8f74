import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { buildDataset } from "../pipeline/run.js";
import { forTerminal } from "../pipeline/terminal.js";

/**
 * Scores a build against hand labels (tests/fixtures/gold.csv): episode accuracy on the
 * paragraphs that describe an episode, abstention on those that describe none, language
 * accuracy, each per blob and per language, and every miss with its score and runner-up.
 */

interface GoldLine {
  source_file: string;
  line: string;
  language: string;
  episode: string;
  alternatives: string;
}

interface Prediction {
  language: string;
  episodeCode: string | null;
  episodeScore: string;
  runnerUp: string;
  runnerUpScore: string;
  text: string;
}

export interface Tally {
  episodeBearing: number;
  correct: number;
  none: number;
  abstained: number;
  languageCorrect: number;
  lines: number;
}

export interface Evaluation {
  overall: Tally;
  perBlob: Map<string, Tally>;
  perLanguage: Map<string, Tally>;
  misses: string[];
}

const emptyTally = (): Tally => ({ episodeBearing: 0, correct: 0, none: 0, abstained: 0, languageCorrect: 0, lines: 0 });

export async function evaluateBuild(outDir: string, goldFile: string): Promise<Evaluation> {
  const csv = async (name: string) => parse(await readFile(path.join(outDir, name), "utf8"), { columns: true }) as Array<Record<string, string>>;
  const paragraphs = new Map((await csv("paragraphs.csv")).map((row) => [row.paragraph_id!, row]));
  const paragraphAt = new Map((await csv("occurrences.csv")).map((row) => [`${row.source_file}:${row.line_start}`, paragraphs.get(row.paragraph_id!)!]));
  const gold = parse(await readFile(goldFile, "utf8"), { columns: true }) as GoldLine[];

  const evaluation: Evaluation = { overall: emptyTally(), perBlob: new Map(), perLanguage: new Map(), misses: [] };
  for (const label of gold) {
    const row = paragraphAt.get(`${label.source_file}:${label.line}`);
    if (!row) throw new Error(`${goldFile}: ${label.source_file} line ${label.line} is not the first line of any paragraph in ${outDir}; fix the label.`);
    const prediction: Prediction = {
      language: row.language!,
      episodeCode: row.episode_code || null,
      episodeScore: row.episode_score!,
      runnerUp: row.episode_runner_up!,
      runnerUpScore: row.episode_runner_up_score!,
      text: row.text!,
    };
    const tallies = [evaluation.overall, tallyFor(evaluation.perBlob, label.source_file), tallyFor(evaluation.perLanguage, label.language)];
    const accepted = [label.episode, ...label.alternatives.split(";").filter(Boolean)];
    for (const tally of tallies) {
      tally.lines++;
      if (prediction.language === label.language) tally.languageCorrect++;
      if (label.episode === "none") {
        tally.none++;
        if (prediction.episodeCode === null) tally.abstained++;
      } else {
        tally.episodeBearing++;
        if (prediction.episodeCode !== null && accepted.includes(prediction.episodeCode)) tally.correct++;
      }
    }
    const episodeMiss = label.episode === "none" ? prediction.episodeCode !== null : !accepted.includes(prediction.episodeCode ?? "none");
    if (episodeMiss || prediction.language !== label.language) evaluation.misses.push(describeMiss(label, prediction));
  }
  return evaluation;
}

function tallyFor(tallies: Map<string, Tally>, key: string): Tally {
  const tally = tallies.get(key) ?? emptyTally();
  tallies.set(key, tally);
  return tally;
}

function describeMiss(label: GoldLine, prediction: Prediction): string {
  const got = prediction.episodeCode ? `${prediction.episodeCode} (${prediction.episodeScore})` : "none";
  const runnerUp = prediction.runnerUp ? `${prediction.runnerUp} (${prediction.runnerUpScore})` : "-";
  const language = prediction.language === label.language ? "" : `  language: expected ${label.language}, got ${prediction.language}`;
  return `${forTerminal(label.source_file)}:${label.line}  expected ${label.episode}, got ${got}, runner-up ${runnerUp}${language}\n    ${forTerminal(prediction.text.slice(0, 110))}…`;
}

const percent = (part: number, whole: number) => (whole === 0 ? "    -" : `${((100 * part) / whole).toFixed(1).padStart(5)}%`);

export function formatEvaluation({ overall, perBlob, perLanguage, misses }: Evaluation): string {
  const line = (name: string, t: Tally) =>
    `${name.padEnd(28)} ${String(t.lines).padStart(5)}  ${percent(t.correct, t.episodeBearing)} of ${String(t.episodeBearing).padStart(3)}  ` +
    `${percent(t.abstained, t.none)} of ${String(t.none).padStart(2)}  ${percent(t.languageCorrect, t.lines)}`;
  const header = `${"".padEnd(28)} lines  episode top-1     none abstained  language`;
  return [
    header,
    line("all", overall),
    "",
    ...[...perBlob].sort(([a], [b]) => (a < b ? -1 : 1)).map(([blob, tally]) => line(forTerminal(blob), tally)),
    "",
    ...[...perLanguage].sort(([a], [b]) => (a < b ? -1 : 1)).map(([language, tally]) => line(`language ${language}`, tally)),
    "",
    misses.length === 0 ? "no misses" : `${misses.length} misses:\n${misses.join("\n")}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { raw: { type: "string", default: "raw" }, gold: { type: "string", default: "tests/fixtures/gold.csv" } } });
  // The build's cache goes beside its OUT, so both live in one folder that is removed afterwards.
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-evaluate-"));
  try {
    const outDir = path.join(root, "out");
    await buildDataset({ rawDir: values.raw!, outDir, log: () => {} });
    console.log(formatEvaluation(await evaluateBuild(outDir, values.gold!)));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
