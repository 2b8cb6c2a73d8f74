import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { openBuild } from "../pipeline/output/read.js";
import { buildDataset } from "../pipeline/run.js";
import { forTerminal } from "../pipeline/runtime/terminal.js";
import { sha256Hex } from "../pipeline/text.js";
import type { LinkQuality } from "../schemas/catalog.js";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * Scores a build against hand labels (a gold.csv: source_file, line, language, episode,
 * alternatives, and optionally style): precision, recall and abstention of the episode links
 * overall, per language and per text style; how well the scores are calibrated; language
 * accuracy; and every wrong link with the evidence it was decided on.
 */

interface GoldLine {
  source_file: string;
  line: string;
  language: string;
  /** An episode code, or "none" for a paragraph about no single episode. */
  episode: string;
  alternatives: string;
  style?: string;
}

export interface Judged {
  label: GoldLine;
  language: string;
  linked: string | null;
  score: number | null;
  runnerUp: string | null;
  evidence: string;
  text: string;
}

export interface Tally {
  paragraphs: number;
  /** Paragraphs about one episode. */
  episodeParagraphs: number;
  right: number;
  /** Episode paragraphs linked to another episode. */
  wrong: number;
  /** Paragraphs about no single episode. */
  noneParagraphs: number;
  /** …of which linked to an episode anyway. */
  noneLinked: number;
  languageRight: number;
}

export async function judgeBuild(outDir: string, goldFile: string): Promise<Judged[]> {
  const build = await openBuild(outDir);
  try {
    const gold = parse(await readFile(goldFile, "utf8"), { columns: true }) as GoldLine[];
    const paragraphs = await build.paragraphsStartingAt(gold.map((label) => ({ sourceFile: label.source_file, line: Number(label.line) })));
    return gold.map((label, index) => {
      const paragraph = paragraphs[index];
      if (!paragraph) throw new Error(`${goldFile}: ${label.source_file} line ${label.line} is not the first line of any paragraph in ${outDir}; fix the label.`);
      return {
        label,
        language: paragraph.language,
        linked: paragraph.episodeCode,
        score: paragraph.episodeScore,
        runnerUp: paragraph.episodeRunnerUp,
        evidence: paragraph.episodeEvidence ?? "",
        text: paragraph.text,
      };
    });
  } finally {
    await build.close();
  }
}

export function isRight(judged: Judged): boolean {
  const accepted = [judged.label.episode, ...judged.label.alternatives.split(";").filter(Boolean)];
  return judged.linked !== null && judged.label.episode !== "none" && accepted.includes(judged.linked);
}

export function tally(judged: readonly Judged[]): Tally {
  const t: Tally = { paragraphs: 0, episodeParagraphs: 0, right: 0, wrong: 0, noneParagraphs: 0, noneLinked: 0, languageRight: 0 };
  for (const j of judged) {
    t.paragraphs++;
    if (j.language === j.label.language) t.languageRight++;
    if (j.label.episode === "none") {
      t.noneParagraphs++;
      if (j.linked !== null) t.noneLinked++;
    } else {
      t.episodeParagraphs++;
      if (isRight(j)) t.right++;
      else if (j.linked !== null) t.wrong++;
    }
  }
  return t;
}

export const precisionOf = (t: Tally) => ratio(t.right, t.right + t.wrong + t.noneLinked);
export const recallOf = (t: Tally) => ratio(t.right, t.episodeParagraphs);
export const noneAbstainedOf = (t: Tally) => ratio(t.noneParagraphs - t.noneLinked, t.noneParagraphs);
const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** Score bands of the calibration table, highest first. */
const BANDS = [0.99, 0.95, 0.9, 0.8, 0.7, 0.5, 0];

export interface CalibrationBand {
  from: number;
  to: number;
  links: number;
  right: number;
  meanScore: number;
}

export function calibrationBands(judged: readonly Judged[]): CalibrationBand[] {
  const links = judged.filter((j) => j.linked !== null);
  return BANDS.map((from, i) => {
    const to = i === 0 ? 1 : BANDS[i - 1]!;
    const inBand = links.filter((j) => j.score! >= from && (i === 0 ? j.score! <= to : j.score! < to));
    return { from, to, links: inBand.length, right: inBand.filter(isRight).length, meanScore: inBand.reduce((sum, j) => sum + j.score!, 0) / Math.max(1, inBand.length) };
  }).filter((band) => band.links > 0);
}

const percent = (value: number | null) => (value === null ? "     -" : `${(100 * value).toFixed(1).padStart(5)}%`);

function tableOf(title: string, groups: Map<string, Judged[]>): string[] {
  const rows = [...groups].sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    `${title.padEnd(18)} paras  episode  precision  recall  wrong  none  abstained  language`,
    ...rows.map(([name, judged]) => {
      const t = tally(judged);
      return (
        `${name.padEnd(18)} ${String(t.paragraphs).padStart(5)}  ${String(t.episodeParagraphs).padStart(7)}  ${percent(precisionOf(t)).padStart(9)}  ${percent(recallOf(t))}` +
        `  ${String(t.wrong + t.noneLinked).padStart(5)}  ${String(t.noneParagraphs).padStart(4)}  ${percent(noneAbstainedOf(t)).padStart(9)}  ${percent(ratio(t.languageRight, t.paragraphs))}`
      );
    }),
  ];
}

function groupBy(judged: readonly Judged[], key: (j: Judged) => string): Map<string, Judged[]> {
  const groups = new Map<string, Judged[]>();
  for (const j of judged) groups.set(key(j), [...(groups.get(key(j)) ?? []), j]);
  return groups;
}

export interface FormatOptions {
  /** Only figures: no paragraph text, evidence or line references (for a blind set). */
  figuresOnly?: boolean;
  /** Also list the episode paragraphs left unlinked. */
  listAbstentions?: boolean;
}

export function formatEvaluation(judged: readonly Judged[], { figuresOnly = false, listAbstentions = false }: FormatOptions = {}): string {
  const overall = tally(judged);
  const lines = [
    `episode links: precision ${percent(precisionOf(overall))}, recall ${percent(recallOf(overall))} (${overall.right} of ${overall.episodeParagraphs} episode paragraphs right, ` +
      `${overall.wrong} linked to a wrong episode), non-episode abstained ${percent(noneAbstainedOf(overall))} (${overall.noneParagraphs - overall.noneLinked} of ${overall.noneParagraphs}); ` +
      `language ${percent(ratio(overall.languageRight, overall.paragraphs))} (${overall.languageRight} of ${overall.paragraphs})`,
    "",
    ...tableOf("all", new Map([["all", [...judged]]])),
    "",
    ...tableOf("language", groupBy(judged, (j) => j.label.language)),
    "",
    ...tableOf("style", groupBy(judged, (j) => j.label.style || "-")),
    "",
    "calibration (links by stated episode_score: how many were right)",
    "band           links  right  observed  mean score",
    ...calibrationBands(judged).map(
      (band) =>
        `${band.from.toFixed(2)}–${band.to.toFixed(2)}  ${String(band.links).padStart(8)}  ${String(band.right).padStart(5)}  ${percent(band.right / band.links).padStart(8)}  ${band.meanScore.toFixed(3).padStart(10)}`,
    ),
  ];
  if (!figuresOnly) {
    const wrong = judged.filter((j) => j.linked !== null && !isRight(j));
    lines.push("", wrong.length === 0 ? "no wrong links" : `${wrong.length} wrong links:`, ...wrong.map(describe));
    if (listAbstentions) {
      const abstained = judged.filter((j) => j.label.episode !== "none" && j.linked === null);
      lines.push("", `${abstained.length} episode paragraphs not linked:`, ...abstained.map(describe));
    }
  }
  return lines.join("\n");
}

/** The figures the report and the dataset card show: what the linker measured on labelled text it was not tuned on. */
export function qualityOf(judged: readonly Judged[], measuredOn: string): LinkQuality {
  const overall = tally(judged);
  const round = (value: number | null) => Math.round((value ?? 0) * 1e4) / 1e4;
  return {
    measuredOn,
    precision: round(precisionOf(overall)),
    recall: round(recallOf(overall)),
    noneAbstained: round(noneAbstainedOf(overall)),
    languageAccuracy: round(ratio(overall.languageRight, overall.paragraphs)),
    bands: calibrationBands(judged).map((band) => ({ ...band, meanScore: round(band.meanScore) })),
    languages: [...groupBy(judged, (j) => j.label.language)]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([language, group]) => {
        const t = tally(group);
        return { language, episodeParagraphs: t.episodeParagraphs, right: t.right, wrong: t.wrong + t.noneLinked };
      }),
  };
}

function describe(j: Judged): string {
  const got = j.linked ? `${j.linked} (${j.score})` : `none (best guess ${j.runnerUp ?? "-"})`;
  // Texts and file names come from RAW: a terminal shows their control characters escaped.
  return forTerminal(`${j.label.source_file}:${j.label.line} [${j.label.language} ${j.label.style || "-"}] expected ${j.label.episode}, got ${got}`) + `\n    ${forTerminal(j.text.slice(0, 140))}\n    evidence: ${forTerminal(j.evidence || "-")}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      raw: { type: "string", default: "raw" },
      gold: { type: "string", default: "tests/fixtures/gold.csv" },
      "figures-only": { type: "boolean", default: false },
      abstentions: { type: "boolean", default: false },
      /** Score an OUT built already instead of building RAW. */
      out: { type: "string" },
      /** Also write the figures as catalog/quality.json (for the blind set only). */
      record: { type: "string" },
    },
  });
  const format = { figuresOnly: values["figures-only"]!, listAbstentions: values.abstentions! };
  const report = async (outDir: string) => {
    const judged = await judgeBuild(outDir, values.gold!);
    console.log(formatEvaluation(judged, format));
    if (values.record) {
      const measuredOn = `${values.gold} (${judged.length} paragraphs, gold sha256:${sha256Hex(await readFile(values.gold!)).slice(0, 12)})`;
      await writeFile(values.record, `${JSON.stringify(qualityOf(judged, measuredOn), null, 1)}\n`);
    }
  };
  if (values.out) return report(values.out);
  // The build's cache goes beside its OUT, so both live in one folder that is removed afterwards.
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-evaluate-"));
  try {
    const outDir = path.join(root, "out");
    await buildDataset({ rawDir: values.raw!, outDir, log: () => {} });
    await report(outDir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await main();
