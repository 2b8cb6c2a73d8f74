import { occurrenceSchema } from "../../schemas/records.js";
import type { ShardRecord, ShardRow } from "../../schemas/shard.js";
import { SeenParagraphs } from "./dedup.js";
import type { ScannedBlob } from "../ingest/ingest.js";
import { identifyLanguage, type LanguageIdentifier } from "./language.js";
import { decideEpisode, type Linker } from "../link/decide.js";
import { scoreParagraph } from "../link/evidence.js";
import { nearDupFingerprint } from "./neardup.js";
import { BlobSplitter, type SplitPiece } from "../ingest/split.js";
import { paragraphIdOf } from "../text.js";
import { validateRecords } from "../validate.js";

/**
 * The per-blob stage: everything that needs only one blob (split, exact ids, language,
 * the episode evidence and the decision on it, near-dup fingerprints and features). Its rows
 * are what the cache stores (schemas/shard.ts) and what the global phase reads back with
 * DuckDB. It names no file: the same bytes under another name give the same analysis.
 *
 * It streams: the blob is read in chunks and its occurrences are analysed and handed on in
 * batches, so a worker holds one batch and a table of the paragraph ids seen in the blob,
 * whatever the blob's size.
 */

export interface AnalysisTools {
  identifier: LanguageIdentifier;
  linker: Linker;
}

/** A batch ends at this many occurrences or this much text, whichever comes first. */
const BATCH_OCCURRENCES = 2000;
const BATCH_TEXT_CHARACTERS = 4 << 20;
/** A worker reports its progress through a big blob about this often: every few seconds. */
const PROGRESS_BYTES = 1 << 20;

export interface AnalysisOptions {
  /** Bytes of the blob read and analysed since the last report. */
  reportBytes?: (bytes: number) => void;
  batchOccurrences?: number;
}

/**
 * Analyses a scanned blob read again from `chunks` (its bytes from the start), handing each
 * batch of rows, in line order, to `writeBatch` as soon as it is complete; returns what only
 * the end of the blob decides.
 */
export async function analyzeBlob(
  scanned: ScannedBlob,
  chunks: AsyncIterable<Uint8Array>,
  { identifier, linker }: AnalysisTools,
  writeBatch: (batch: ShardRow[]) => Promise<void>,
  { reportBytes, batchOccurrences = BATCH_OCCURRENCES }: AnalysisOptions = {},
): Promise<Omit<ShardRecord, "rows" | "parquetSha256">> {
  const { sourceFile, ...blob } = scanned.blob;
  const splitter = new BlobSplitter(scanned);
  // Which paragraph ids the blob has shown already: a paragraph's columns go with its first occurrence here.
  const seen = new SeenParagraphs();
  const lineRejects: Array<{ lineStart: number; lineEnd: number; reason: string }> = [];
  let batch: ShardRow[] = [];
  let batchText = 0;
  let ordinal = 0;

  const analyseOccurrence = async ({ text, normalizedText, lineStart, lineEnd, byteStart, byteEnd }: SplitPiece & { kind: "paragraph" }): Promise<ShardRow> => {
    validateRecords(occurrenceSchema, [{ sourceFile, lineStart, lineEnd, byteStart, byteEnd, blobSha256: blob.blobSha256, text }], "split → dedup");
    const paragraphId = paragraphIdOf(normalizedText);
    const place = { ordinal: ordinal++, lineStart, lineEnd, byteStart, byteEnd, paragraphId };
    if (!seen.add(paragraphId)) return { ...place, ...REPEAT };
    const evidence = scoreParagraph(text, linker.index);
    const firstPass = decideEpisode(evidence, linker);
    const { bandKeys, wordKeys, features } = nearDupFingerprint(normalizedText);
    return {
      ...place,
      text,
      ...(await identifyLanguage(normalizedText, identifier)),
      evidence: JSON.stringify(evidence),
      firstPass: firstPass.episodeCode === null ? -1 : linker.index.positionOf.get(firstPass.episodeCode)!,
      firstPassScore: firstPass.episodeScore ?? 0,
      bandKeys,
      deletionKeys: wordKeys,
      keyCharacters: features.characters,
      shingles: bytesOf(features.shingles),
      words: bytesOf(features.words),
    };
  };

  const analyse = async (pieces: SplitPiece[]) => {
    for (const piece of pieces) {
      if (piece.kind === "reject") {
        lineRejects.push({ lineStart: piece.lineStart, lineEnd: piece.lineEnd, reason: piece.reason });
        continue;
      }
      batch.push(await analyseOccurrence(piece));
      batchText += piece.text.length;
      if (batch.length >= batchOccurrences || batchText >= BATCH_TEXT_CHARACTERS) {
        await writeBatch(batch);
        batch = [];
        batchText = 0;
      }
    }
  };

  let unreported = 0;
  for await (const chunk of chunks) {
    unreported += chunk.length;
    await analyse(splitter.push(chunk));
    if (unreported >= PROGRESS_BYTES) {
      reportBytes?.(unreported);
      unreported = 0;
    }
  }
  await analyse(splitter.finish());
  if (batch.length > 0) await writeBatch(batch);
  return { blob, lineRejects };
}

/** The paragraph's columns at a repeat within the blob: null, since its first occurrence there has them. */
const REPEAT = {
  text: null,
  language: null,
  languageScore: null,
  evidence: null,
  firstPass: null,
  firstPassScore: null,
  bandKeys: null,
  deletionKeys: null,
  keyCharacters: null,
  shingles: null,
  words: null,
} as const;

/** The bytes of 32-bit words, little-endian (the machine order of every platform Node.js runs on). */
function bytesOf(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength).slice();
}
