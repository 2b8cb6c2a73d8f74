import { occurrenceSchema, type Blob } from "../schemas/records.js";
import { ExactDedup } from "./dedup.js";
import { BlobContextRecorder, type CompactContext } from "./blob-context.js";
import type { ScannedBlob } from "./ingest.js";
import { identifyLanguage, type LanguageIdentifier } from "./language.js";
import type { Linker } from "./link/decide.js";
import { scoreParagraph, type ParagraphEvidence } from "./link/evidence.js";
import { nearDupFingerprint, type NearDupFingerprint } from "./neardup.js";
import { BlobSplitter, type SplitPiece } from "./split.js";
import { paragraphIdOf } from "./text.js";
import { validateRecords } from "./validate.js";

/**
 * The per-blob stage: everything that needs only one blob (split, exact ids, language,
 * the episode evidence and in-blob context, near-dup fingerprints). Its result is what the
 * cache stores and what the global steps (dedup across blobs, near-dup clustering, final
 * episode decision, writing) read back, blob by blob. It names no file: the same bytes
 * under another name give the same analysis.
 *
 * It streams: the blob is read in chunks, its occurrences are analysed and handed on in
 * batches, and only compact per-occurrence numbers stay until the end, where the in-blob
 * context (which needs the whole blob's reading order) is computed. So what a worker holds
 * is bounded by the batch and chunk sizes, plus a few bytes per occurrence and per
 * distinct paragraph, not by the blob's size.
 */

/** One distinct paragraph of the blob, at its first occurrence in the blob. */
export interface AnalyzedParagraph {
  paragraphId: string;
  /** As written at this occurrence. */
  text: string;
  language: string;
  languageScore: number;
  /** Evidence per episode from the paragraph's own text (scoreParagraph). */
  evidence: ParagraphEvidence;
  /** Context its neighbours in this blob lend, over all its occurrences in the blob. */
  context: Array<[position: number, bonus: number]>;
  fingerprint: NearDupFingerprint;
}

export interface AnalyzedOccurrence {
  lineStart: number;
  lineEnd: number;
  byteStart: number;
  byteEnd: number;
  paragraphId: string;
  /** Set at the paragraph's first occurrence in this blob. */
  paragraph?: AnalyzedParagraph;
}

/** What is known of a blob only once all of it was analysed. */
export interface BlobAnalysisTrailer {
  blob: Omit<Blob, "sourceFile">;
  /** Lines that could not become paragraphs, with why, in line order. */
  lineRejects: Array<{ lineStart: number; lineEnd: number; reason: string }>;
  /** Every paragraph's context, by ordinal: the order of the `paragraph` fields in the batches. */
  context: CompactContext;
}

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
 * batch of occurrences, in line order, to `writeBatch` as soon as it is complete; returns
 * what only the end of the blob decides.
 */
export async function analyzeBlob(
  scanned: ScannedBlob,
  chunks: AsyncIterable<Uint8Array>,
  { identifier, linker }: AnalysisTools,
  writeBatch: (batch: AnalyzedOccurrence[]) => Promise<void>,
  { reportBytes, batchOccurrences = BATCH_OCCURRENCES }: AnalysisOptions = {},
): Promise<BlobAnalysisTrailer> {
  const { sourceFile, ...blob } = scanned.blob;
  const splitter = new BlobSplitter(scanned);
  const context = new BlobContextRecorder(linker);
  // Numbers the blob's distinct paragraphs 0, 1, 2… in the compact table the global dedup uses.
  const paragraphsInBlob = new ExactDedup();
  const lineRejects: BlobAnalysisTrailer["lineRejects"] = [];
  let batch: AnalyzedOccurrence[] = [];
  let batchText = 0;

  const analyseOccurrence = async ({ text, normalizedText, lineStart, lineEnd, byteStart, byteEnd }: SplitPiece & { kind: "paragraph" }): Promise<AnalyzedOccurrence> => {
    validateRecords(occurrenceSchema, [{ sourceFile, lineStart, lineEnd, byteStart, byteEnd, blobSha256: blob.blobSha256, text }], "split → dedup");
    const paragraphId = paragraphIdOf(normalizedText);
    const { paragraphNumber: ordinal, first } = paragraphsInBlob.add(paragraphId);
    let paragraph: AnalyzedParagraph | undefined;
    if (first) {
      paragraph = {
        paragraphId,
        text,
        ...(await identifyLanguage(normalizedText, identifier)),
        evidence: scoreParagraph(text, linker.index),
        context: [], // filled in from the trailer when the entry is read
        fingerprint: nearDupFingerprint(normalizedText),
      };
      context.addParagraph(paragraph.evidence);
    }
    context.addOccurrence(ordinal);
    return { lineStart, lineEnd, byteStart, byteEnd, paragraphId, ...(paragraph && { paragraph }) };
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
  return { blob, lineRejects, context: context.merged() };
}
