import { deserialize, serialize } from "node:v8";
import type { AnalyzedOccurrence, AnalyzedParagraph } from "./analyze.js";
import { PARAGRAPH_ID_HEX_DIGITS as PARAGRAPH_ID_LENGTH } from "./text.js";

/**
 * How a batch of analysed occurrences is stored in a cache frame: as columns, one typed
 * array or string array per field, rather than as one object per occurrence. V8's
 * serialiser handles each typed array through a slow host-object callback and each object
 * through the garbage collector; per-object frames made reading the cache back the largest
 * cost of the global phase, which reads it three times.
 */
interface BatchColumns {
  lineStarts: Float64Array;
  lineEnds: Float64Array;
  byteStarts: Float64Array;
  byteEnds: Float64Array;
  /** Every occurrence's paragraph id, concatenated (ids have a fixed length). */
  paragraphIds: string;
  /** Per occurrence, 1 when it carries its paragraph (the first occurrence in the blob). */
  carriesParagraph: Uint8Array;
  /** The columns below have one entry per carried paragraph, in order. */
  texts: string[];
  languages: string[];
  languageScores: Float64Array;
  /** Each paragraph's episode evidence, as plain objects (a few candidates each). */
  evidence: AnalyzedParagraph["evidence"][];
  /** BANDS keys per paragraph. */
  bandKeys: Uint32Array;
  wordKeyOffsets: Int32Array;
  wordKeys: Uint32Array;
}

export function encodeBatch(batch: readonly AnalyzedOccurrence[]): Buffer {
  const paragraphs = batch.flatMap(({ paragraph }) => (paragraph ? [paragraph] : []));
  if (batch.some(({ paragraphId }) => paragraphId.length !== PARAGRAPH_ID_LENGTH)) throw new Error(`a paragraph id is not ${PARAGRAPH_ID_LENGTH} characters long`);
  const columns: BatchColumns = {
    lineStarts: Float64Array.from(batch, (occurrence) => occurrence.lineStart),
    lineEnds: Float64Array.from(batch, (occurrence) => occurrence.lineEnd),
    byteStarts: Float64Array.from(batch, (occurrence) => occurrence.byteStart),
    byteEnds: Float64Array.from(batch, (occurrence) => occurrence.byteEnd),
    paragraphIds: batch.map((occurrence) => occurrence.paragraphId).join(""),
    carriesParagraph: Uint8Array.from(batch, (occurrence) => (occurrence.paragraph ? 1 : 0)),
    texts: paragraphs.map((paragraph) => paragraph.text),
    languages: paragraphs.map((paragraph) => paragraph.language),
    languageScores: Float64Array.from(paragraphs, (paragraph) => paragraph.languageScore),
    evidence: paragraphs.map((paragraph) => paragraph.evidence),
    bandKeys: concatenate(paragraphs.map((paragraph) => paragraph.fingerprint.bandKeys)),
    wordKeyOffsets: offsetsOf(paragraphs.map((paragraph) => paragraph.fingerprint.wordKeys.length)),
    wordKeys: concatenate(paragraphs.map((paragraph) => paragraph.fingerprint.wordKeys)),
  };
  return serialize(columns);
}

/** The batch again; every paragraph's `context` is empty (the cache fills it in from the entry's trailer). */
export function decodeBatch(frame: Buffer): AnalyzedOccurrence[] {
  const columns = deserialize(frame) as BatchColumns;
  const bandsPerParagraph = columns.texts.length === 0 ? 0 : columns.bandKeys.length / columns.texts.length;
  let paragraphOrdinal = 0;
  return Array.from(columns.carriesParagraph, (carries, at) => {
    const occurrence: AnalyzedOccurrence = {
      lineStart: columns.lineStarts[at]!,
      lineEnd: columns.lineEnds[at]!,
      byteStart: columns.byteStarts[at]!,
      byteEnd: columns.byteEnds[at]!,
      paragraphId: columns.paragraphIds.slice(at * PARAGRAPH_ID_LENGTH, (at + 1) * PARAGRAPH_ID_LENGTH),
    };
    if (carries) occurrence.paragraph = paragraphAt(columns, paragraphOrdinal++, occurrence.paragraphId, bandsPerParagraph);
    return occurrence;
  });
}

function paragraphAt(columns: BatchColumns, ordinal: number, paragraphId: string, bandsPerParagraph: number): AnalyzedParagraph {
  return {
    paragraphId,
    text: columns.texts[ordinal]!,
    language: columns.languages[ordinal]!,
    languageScore: columns.languageScores[ordinal]!,
    evidence: columns.evidence[ordinal]!,
    context: [],
    fingerprint: {
      bandKeys: columns.bandKeys.subarray(ordinal * bandsPerParagraph, (ordinal + 1) * bandsPerParagraph),
      wordKeys: columns.wordKeys.subarray(columns.wordKeyOffsets[ordinal]!, columns.wordKeyOffsets[ordinal + 1]!),
    },
  };
}

function offsetsOf(lengths: number[]): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((length, i) => (offsets[i + 1] = offsets[i]! + length));
  return offsets;
}

function concatenate(arrays: Uint32Array[]): Uint32Array {
  const joined = new Uint32Array(arrays.reduce((sum, array) => sum + array.length, 0));
  let at = 0;
  for (const array of arrays) {
    joined.set(array, at);
    at += array.length;
  }
  return joined;
}
