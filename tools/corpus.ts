import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * A deterministic synthetic corpus for scale tests (`make corpus SIZE=100MB OUT=<dir>`):
 * blobs of 1 KB to 100 MB built from the seed paragraphs and their sentences, recombined
 * (sentences shuffled and mixed across paragraphs of one language), perturbed (names
 * swapped, small edits), with exact and near duplicates at known rates, in both blob
 * layouts. The same SIZE always gives the same bytes.
 */

const EXACT_DUPLICATE_RATE = 0.08;
const NEAR_DUPLICATE_RATE = 0.08;
const BLOCK_LAYOUT_RATE = 0.3;
/** Share of new paragraphs that are a whole seed paragraph (any language), perturbed, rather than recombined sentences. */
const WHOLE_SEED_RATE = 0.2;
/** Sentences are only recombined within pools this large; smaller ones would repeat themselves. */
const MIN_POOL_SENTENCES = 8;
const MIN_BLOB_BYTES = 1024;
const MAX_BLOB_BYTES = 100 * 1024 * 1024;
const WRAP_WIDTH = 72;
/** Earlier paragraphs kept for duplicating: bounded, so generation memory is too. */
const RECENT_PARAGRAPHS = 2000;
const NAME_SWAPS: Array<[string, string]> = [
  ["Carrie", "Samantha"],
  ["Miranda", "Charlotte"],
  ["Aidan", "Berger"],
  ["Steve", "Harry"],
  ["Big", "Aleksandr"],
];

/** mulberry32: a small, fast, seedable generator; determinism matters more than quality here. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusStats {
  bytes: number;
  blobs: number;
  paragraphs: number;
  exactDuplicates: number;
  nearDuplicates: number;
}

export async function generateCorpus(seedDir: string, outDir: string, targetBytes: number): Promise<CorpusStats> {
  const next = random(targetBytes);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  // Sentences are pooled per seed blob, since a blob is in one language; seed 000 holds one
  // language per line, so its lines are only used whole.
  const pools: string[][] = [];
  const seedParagraphs: string[] = [];
  for (const name of (await readdir(seedDir)).sort()) {
    const lines = (await readFile(path.join(seedDir, name), "utf8")).split(/\r?\n/).filter((line) => line.trim() !== "");
    const sentencesOf = (line: string) => line.match(/[^.!?…]+[.!?…]+["“”»]?\s*|[^.!?…]+$/g)?.map((s) => s.trim()).filter(Boolean) ?? [line];
    seedParagraphs.push(...lines);
    const pool = name.startsWith("000") ? [] : lines.flatMap(sentencesOf);
    if (pool.length >= MIN_POOL_SENTENCES) pools.push(pool);
  }

  const perturb = (text: string) => {
    let result = text;
    if (next() < 0.5) {
      const [a, b] = pick(NAME_SWAPS);
      result = result.replaceAll(a, "\u0000").replaceAll(b, a).replaceAll("\u0000", b);
    }
    if (next() < 0.3) result = result.replace(/\b(\p{L})(\p{L})/u, "$2$1");
    return result;
  };
  const nearTwin = (text: string) => {
    const edits = [(t: string) => t.toUpperCase(), (t: string) => t.replace(/,/g, ""), (t: string) => t.replace(/ /, "  "), (t: string) => `${t} `];
    return pick(edits)(text.replace(/(\p{L})(\p{L})(\p{L}*)$/u, "$2$1$3"));
  };

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const stats: CorpusStats = { bytes: 0, blobs: 0, paragraphs: 0, exactDuplicates: 0, nearDuplicates: 0 };
  const recent: string[] = [];
  while (stats.bytes < targetBytes) {
    const remaining = targetBytes - stats.bytes;
    const logSize = Math.log(MIN_BLOB_BYTES) + next() * (Math.log(MAX_BLOB_BYTES) - Math.log(MIN_BLOB_BYTES));
    const blobTarget = Math.min(remaining, Math.max(MIN_BLOB_BYTES, Math.round(Math.exp(logSize))));
    const blocks = next() < BLOCK_LAYOUT_RATE;
    const pool = pick(pools);
    const parts: string[] = [];
    let blobBytes = 0;
    while (blobBytes < blobTarget) {
      const roll = next();
      let paragraph: string;
      if (roll < EXACT_DUPLICATE_RATE && recent.length > 0) {
        paragraph = pick(recent);
        stats.exactDuplicates++;
      } else if (roll < EXACT_DUPLICATE_RATE + NEAR_DUPLICATE_RATE && recent.length > 0) {
        paragraph = nearTwin(pick(recent));
        stats.nearDuplicates++;
      } else if (roll < EXACT_DUPLICATE_RATE + NEAR_DUPLICATE_RATE + WHOLE_SEED_RATE) {
        paragraph = perturb(pick(seedParagraphs));
      } else {
        const sentences = Array.from({ length: 2 + Math.floor(next() * 5) }, () => pick(pool));
        paragraph = perturb(sentences.join(" "));
      }
      recent[recent.length < RECENT_PARAGRAPHS ? recent.length : Math.floor(next() * RECENT_PARAGRAPHS)] = paragraph;
      const written = blocks ? wrap(paragraph) : paragraph;
      parts.push(written);
      blobBytes += Buffer.byteLength(written) + (blocks ? 2 : 1);
      stats.paragraphs++;
    }
    const content = `${parts.join(blocks ? "\n\n" : "\n")}\n`;
    await writeFile(path.join(outDir, `blob-${String(stats.blobs).padStart(5, "0")}.txt`), content);
    stats.bytes += Buffer.byteLength(content);
    stats.blobs++;
  }
  await writeFile(path.join(outDir, "..", `${path.basename(outDir)}.stats.json`), `${JSON.stringify(stats, null, 2)}\n`);
  return stats;
}

/** Greedy hard wrap at WRAP_WIDTH columns. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > WRAP_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

export function parseSize(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)?$/i.exec(size.trim());
  if (!match) throw new Error(`SIZE=${size}: write it like 10MB, 1GB or 500KB`);
  const unit = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(match[2] ?? "MB").toUpperCase() as "KB" | "MB" | "GB"];
  return Math.round(Number(match[1]) * unit);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: "string", default: "10MB" }, out: { type: "string" }, seeds: { type: "string", default: "raw" } } });
  const outDir = values.out ?? `corpus-${values.size}`;
  const stats = await generateCorpus(values.seeds!, outDir, parseSize(values.size!));
  console.log(JSON.stringify({ corpus: outDir, ...stats }));
}

if (isMain(import.meta.url)) await main();
