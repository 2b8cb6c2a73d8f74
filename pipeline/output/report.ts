import type { LinkQuality } from "../../schemas/catalog.js";
import type { Manifest } from "../../schemas/manifest.js";
import type { EpisodeRow, ParagraphRow, Reject } from "../../schemas/records.js";

/**
 * OUT/report.html: a self-contained quality report (no scripts, fonts or network; charts
 * are inline SVG). Everything in it derives from the build's own tables, in a fixed order,
 * so identical builds give byte-identical reports.
 */

export interface ReportInput {
  blobs: number;
  occurrences: number;
  paragraphs: ParagraphStatistics;
  episodes: EpisodeRow[];
  /** Episode code → language → linked paragraphs (EpisodeTally.counts). */
  linkCounts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  rejects: Reject[];
  manifest: Omit<Manifest, "outputs">;
  /** How the linker measured on the labelled blind set (catalog/quality.json); null when it was not measured. */
  quality: LinkQuality | null;
}

/** How many of the weakest episode links the report lists for review. */
const LINKS_TO_REVIEW = 15;

/**
 * A CSV cell that begins with one of these opens as a formula in Excel, LibreOffice Calc and
 * Google Sheets. The data keeps texts and names as written; the report and docs/DATA.md warn.
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * What the report shows of the paragraphs, gathered row by row as they are written, so
 * the report never needs the table in memory: counts, score histograms, and the weakest
 * links (a short list kept sorted).
 */
export class ParagraphStatistics {
  paragraphs = 0;
  linked = 0;
  clusters = 0;
  /** Paragraph texts a spreadsheet would read as a formula (FORMULA_START). */
  formulaLikeTexts = 0;
  readonly languages = new Map<string, number>();
  readonly linkedByLanguage = new Map<string, number>();
  readonly languageScoreBins = Array.from({ length: 10 }, () => 0);
  readonly episodeScoreBins = Array.from({ length: 10 }, () => 0);
  readonly weakest: ParagraphRow[] = [];

  observe(row: ParagraphRow): void {
    this.paragraphs++;
    if (row.nearDupCluster === row.paragraphId) this.clusters++;
    if (FORMULA_START.test(row.text)) this.formulaLikeTexts++;
    this.languages.set(row.language, (this.languages.get(row.language) ?? 0) + 1);
    this.languageScoreBins[binOf(row.languageScore)]!++;
    if (row.episodeScore === null) return;
    this.linked++;
    this.linkedByLanguage.set(row.language, (this.linkedByLanguage.get(row.language) ?? 0) + 1);
    this.episodeScoreBins[binOf(row.episodeScore)]!++;
    const weaker = (a: ParagraphRow, b: ParagraphRow) => a.episodeScore! - b.episodeScore! || (a.paragraphId < b.paragraphId ? -1 : 1);
    if (this.weakest.length === LINKS_TO_REVIEW && weaker(row, this.weakest[LINKS_TO_REVIEW - 1]!) > 0) return;
    this.weakest.push(row);
    this.weakest.sort(weaker);
    this.weakest.length = Math.min(this.weakest.length, LINKS_TO_REVIEW);
  }
}

/** Ten equal bins over [0, 1]. */
const binOf = (score: number) => Math.min(9, Math.floor(score * 10));

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Horizontal bars, one per labelled value, longest first. */
function barChart(values: Array<[string, number]>, title: string): string {
  const rowHeight = 22;
  const labelWidth = 190;
  const barWidth = 420;
  const max = Math.max(1, ...values.map(([, value]) => value));
  const rows = values.map(([label, value], index) => {
    const y = index * rowHeight;
    const width = Math.max(1, Math.round((value / max) * barWidth));
    return (
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${width}" height="${rowHeight - 6}" fill="#4c78a8"/>` +
      `<text x="${labelWidth + width + 6}" y="${y + 15}">${value}</text>`
    );
  });
  const height = Math.max(rowHeight, values.length * rowHeight);
  return `<svg role="img" aria-label="${escapeHtml(title)}" width="${labelWidth + barWidth + 60}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 60} ${height}">${rows.join("")}</svg>`;
}

function histogram(bins: readonly number[], title: string): string {
  const max = Math.max(1, ...bins);
  const [width, height, binWidth] = [420, 140, 40];
  const bars = bins.map((count, index) => {
    const barHeight = Math.round((count / max) * (height - 30));
    const x = 10 + index * binWidth;
    return (
      `<rect x="${x}" y="${height - 20 - barHeight}" width="${binWidth - 4}" height="${barHeight}" fill="#f58518"/>` +
      `<text x="${x + (binWidth - 4) / 2}" y="${height - 24 - barHeight}" text-anchor="middle">${count || ""}</text>` +
      `<text x="${x}" y="${height - 6}">${(index / 10).toFixed(1)}</text>`
    );
  });
  return `<svg role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars.join("")}</svg>`;
}

/** Episodes × languages: one cell per pair, darker with more paragraphs, empty where there are none. */
function coverageMatrix(episodes: EpisodeRow[], linkCounts: ReportInput["linkCounts"]): string {
  const languages = [...new Set([...linkCounts.values()].flatMap((byLanguage) => [...byLanguage.keys()]))].sort();
  const cell = 9;
  const left = 40;
  const top = 30;
  const seasonGap = 6;
  const xOf = (index: number) => left + index * cell + (episodes[index]!.season - 1) * seasonGap;
  const width = xOf(episodes.length - 1) + cell + 10;
  const height = top + Math.max(1, languages.length) * cell + 10;
  const parts: string[] = [];
  for (let season = 1; season <= 6; season++) {
    const first = episodes.findIndex((episode) => episode.season === season);
    if (first >= 0) parts.push(`<text x="${xOf(first)}" y="${top - 8}">S${season}</text>`);
  }
  languages.forEach((language, row) => {
    parts.push(`<text x="${left - 6}" y="${top + row * cell + cell - 1}" text-anchor="end" font-size="9">${escapeHtml(language)}</text>`);
    episodes.forEach((episode, column) => {
      const count = linkCounts.get(episode.episodeCode)?.get(language) ?? 0;
      const fill = count === 0 ? "#f2f2f2" : count === 1 ? "#9ecae1" : count === 2 ? "#4292c6" : "#08519c";
      parts.push(
        `<rect x="${xOf(column)}" y="${top + row * cell}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${episode.episodeCode} ${escapeHtml(language)}: ${count}</title></rect>`,
      );
    });
  });
  return `<svg role="img" aria-label="Coverage of episodes by language" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

/** Stated episode score against the share of links found right, per score band, with the diagonal a calibrated linker follows. */
function reliabilityDiagram(bands: LinkQuality["bands"]): string {
  const [size, margin] = [260, 36];
  const at = (value: number) => margin + value * size;
  const y = (value: number) => margin + size - value * size;
  const maxLinks = Math.max(1, ...bands.map((band) => band.links));
  const points = bands.map((band) => {
    const observed = band.right / band.links;
    const radius = 3 + 9 * Math.sqrt(band.links / maxLinks);
    return (
      `<circle cx="${at(band.meanScore).toFixed(1)}" cy="${y(observed).toFixed(1)}" r="${radius.toFixed(1)}" fill="#4c78a8" fill-opacity="0.7">` +
      `<title>${band.from.toFixed(2)}–${band.to.toFixed(2)}: ${band.right} of ${band.links} right (${(100 * observed).toFixed(1)}%), mean stated ${band.meanScore.toFixed(3)}</title></circle>`
    );
  });
  const ticks = [0, 0.5, 1].map(
    (value) => `<text x="${at(value)}" y="${margin + size + 14}" text-anchor="middle">${value}</text><text x="${margin - 6}" y="${y(value) + 4}" text-anchor="end">${value}</text>`,
  );
  const width = size + 2 * margin;
  return (
    `<svg role="img" aria-label="Reliability of episode scores" width="${width}" height="${width}" viewBox="0 0 ${width} ${width}">` +
    `<rect x="${margin}" y="${margin}" width="${size}" height="${size}" fill="none" stroke="#bbb"/>` +
    `<line x1="${at(0)}" y1="${y(0)}" x2="${at(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>` +
    `${ticks.join("")}${points.join("")}` +
    `<text x="${margin + size / 2}" y="${width - 4}" text-anchor="middle">stated episode_score</text>` +
    `<text x="12" y="${margin + size / 2}" text-anchor="middle" transform="rotate(-90 12 ${margin + size / 2})">share right</text></svg>`
  );
}

function trustSection(quality: LinkQuality | null, paragraphs: ParagraphStatistics): string {
  const percentOf = (part: number, whole: number) => (whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`);
  const measured = new Map((quality?.languages ?? []).map((entry) => [entry.language, entry]));
  const languages = [...new Set([...paragraphs.languages.keys(), ...measured.keys()])].sort();
  const perLanguage = table(
    ["language", "paragraphs here", "linked here", "blind set: episode paragraphs", "recall", "wrong links"],
    languages.map((language) => {
      const here = paragraphs.languages.get(language) ?? 0;
      const blind = measured.get(language);
      return [
        language,
        String(here),
        here === 0 ? "-" : percentOf(paragraphs.linkedByLanguage.get(language) ?? 0, here),
        blind ? String(blind.episodeParagraphs) : "-",
        blind ? percentOf(blind.right, blind.episodeParagraphs) : "-",
        blind ? String(blind.wrong) : "-",
      ];
    }),
  );
  if (!quality) return `<p>The linker has not been measured on labelled text (catalog/quality.json is missing).</p>\n${perLanguage}`;
  return `<p class="note">Measured on ${escapeHtml(quality.measuredOn)}, labelled text the catalog and the calibration were not tuned on: precision ${percentOf(quality.precision, 1)}, recall ${percentOf(quality.recall, 1)}, paragraphs about no single episode left unlinked ${percentOf(quality.noneAbstained, 1)}. A calibrated score lies on the diagonal: among links scored about 0.9, about nine in ten are right.</p>
${reliabilityDiagram(quality.bands)}
${table(["stated score", "links", "right", "share right", "mean stated"], quality.bands.map((band) => [`${band.from.toFixed(2)}–${band.to.toFixed(2)}`, String(band.links), String(band.right), percentOf(band.right, band.links), band.meanScore.toFixed(3)]))}
<p>Per language: this build's share of paragraphs linked, and how the linker did on the blind set.</p>
${perLanguage}`;
}

function table(headers: string[], rows: string[][]): string {
  const head = headers.map((header) => `<th>${escapeHtml(header)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function renderReport({ blobs, occurrences, paragraphs, episodes, linkCounts, rejects, manifest, quality }: ReportInput): string {
  const episodesCovered = episodes.filter((episode) => episode.paragraphCount > 0).length;
  const languages = [...paragraphs.languages].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const abstained = paragraphs.paragraphs - paragraphs.linked;
  const formulaLikeNames = new Set([...manifest.inputs.map((input) => input.path), ...rejects.map((reject) => reject.sourceFile)].filter((name) => FORMULA_START.test(name)));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dataset quality report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
svg { font: 11px system-ui, sans-serif; display: block; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } .numbers td:nth-child(2) { text-align: right; } .note { color: #555; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
</style>
</head>
<body>
<h1>Dataset quality report</h1>
<p class="note">Package ${escapeHtml(manifest.packageVersion)}, schema ${escapeHtml(manifest.schemaVersion)}, language model ${escapeHtml(manifest.languageModelVersion)}, catalog ${escapeHtml(manifest.catalogVersion)}.</p>

<h2>Rows through the stages</h2>
${table(["stage", "rows"], [
  ["raw blobs read", String(blobs)],
  ["paragraph occurrences", String(occurrences)],
  ["distinct paragraphs (after exact dedup)", String(paragraphs.paragraphs)],
  ["near-duplicate clusters", String(paragraphs.clusters)],
  ["paragraphs linked to an episode", String(paragraphs.linked)],
  ["paragraphs linked to none (abstained)", String(abstained)],
  ["episodes with at least one paragraph", `${episodesCovered} of ${episodes.length}`],
  ["rejected inputs", String(rejects.length)],
]).replace("<table>", '<table class="numbers">')}

<h2>Languages</h2>
${barChart(languages, "Distinct paragraphs per language")}

<h2>Coverage: episodes × languages</h2>
<p class="note">One column per episode (seasons 1–6, left to right), one row per language; an empty cell is an episode with no description in that language.<span class="legend"><span style="background:#f2f2f2"></span>0<span style="background:#9ecae1"></span>1<span style="background:#4292c6"></span>2<span style="background:#08519c"></span>3+</span></p>
${paragraphs.linked === 0 ? "<p>No paragraph is linked to an episode.</p>" : coverageMatrix(episodes, linkCounts)}

<h2>Score distributions</h2>
<p>Language score (probability of the top language), all ${paragraphs.paragraphs} paragraphs:</p>
${histogram(paragraphs.languageScoreBins, "Language score distribution")}
<p>Episode score (linker confidence), ${paragraphs.linked} linked paragraphs:</p>
${histogram(paragraphs.episodeScoreBins, "Episode score distribution")}

<h2>How far to trust the episode links</h2>
${trustSection(quality, paragraphs)}

<h2>Weakest episode links, to review</h2>
${table(
  ["episode", "score", "runner-up", "source", "text"],
  paragraphs.weakest.map((p) => [
    `${p.episodeCode} ${p.episodeTitle}`,
    p.episodeScore!.toFixed(4),
    p.episodeRunnerUp ? `${p.episodeRunnerUp} (${p.episodeRunnerUpScore!.toFixed(4)})` : "-",
    `${p.sourceFile}:${p.lineStart}`,
    p.text.length > 220 ? `${p.text.slice(0, 220)}…` : p.text,
  ]),
)}

<h2>Rejected input</h2>
${rejects.length === 0 ? "<p>Nothing was rejected.</p>" : table(["file", "lines", "reason"], rejects.map((r) => [r.sourceFile, `${r.lineStart}-${r.lineEnd}`, r.reason]))}

<h2>Opening the CSV files in a spreadsheet</h2>
<p>Texts and file names are written as they are in RAW. A CSV cell that begins with <code>=</code>, <code>+</code>, <code>-</code> or <code>@</code> (or a tab or carriage return) opens as a formula in Excel, LibreOffice Calc and Google Sheets: it may show something other than the text, or run whatever the raw text wrote. Import the CSV files with every column as text (and formulas off), or read the Parquet or Arrow files. In this build ${paragraphs.formulaLikeTexts} paragraph text(s) and ${formulaLikeNames.size} <code>source_file</code> name(s) begin with such a character.</p>
</body>
</html>
`;
}
