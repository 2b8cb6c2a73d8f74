import { occurrenceSchema, type Blob } from "../schemas/records.js";
import type { CatalogIndex, ContextBonus, EpisodeScore } from "./episode.js";
import { contextWithinBlob, decideEpisode, mergeContext, scoreEpisodes } from "./episode.js";
import type { DecodedBlob } from "./ingest.js";
import { identifyLanguage, type LanguageIdentifier } from "./language.js";
import { nearDupFingerprint, type NearDupFingerprint } from "./neardup.js";
import { splitBlob } from "./split.js";
import { normalizeText, paragraphIdOf } from "./text.js";
import { checkNothingLost, validateRecords } from "./validate.js";

/**
 * The per-blob stage: everything that needs only one blob (split, exact ids, language,
 * the episode evidence and in-blob context, near-dup fingerprints) computed in one go.
 * Its result is what the cache stores and what the global steps (dedup across blobs,
 * near-dup clustering, final episode decision, writing) read back, blob by blob.
 * It names no file: the same bytes under another name give the same analysis.
 */

/** One distinct paragraph of the blob, at its first occurrence in the blob. */
export interface AnalyzedParagraph {
  paragraphId: string;
  /** As written at this occurrence. */
  text: string;
  language: string;
  languageScore: number;
  /** Evidence per episode from the paragraph's own text (scoreEpisodes), best first. */
  evidence: EpisodeScore[];
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

export interface BlobAnalysis {
  blob: Omit<Blob, "sourceFile">;
  /** In line order. */
  occurrences: AnalyzedOccurrence[];
  /** Lines that could not become paragraphs, with why. */
  lineRejects: Array<{ lineStart: number; lineEnd: number; reason: string }>;
}

export interface AnalysisTools {
  identifier: LanguageIdentifier;
  catalog: CatalogIndex;
}

export async function analyzeBlob(decoded: DecodedBlob, { identifier, catalog }: AnalysisTools): Promise<BlobAnalysis> {
  const split = splitBlob(decoded);
  validateRecords(occurrenceSchema, split.occurrences, "split → dedup");
  checkNothingLost([decoded], split.occurrences, split.rejects);

  const paragraphs = new Map<string, AnalyzedParagraph>();
  const occurrences: AnalyzedOccurrence[] = [];
  for (const { text, lineStart, lineEnd, byteStart, byteEnd } of split.occurrences) {
    const normalizedText = normalizeText(text);
    const paragraphId = paragraphIdOf(normalizedText);
    let paragraph: AnalyzedParagraph | undefined;
    if (!paragraphs.has(paragraphId)) {
      paragraph = {
        paragraphId,
        text,
        ...(await identifyLanguage(normalizedText, identifier)),
        evidence: scoreEpisodes(text, catalog).map(({ code, evidence }) => ({ code, evidence })),
        context: [],
        fingerprint: nearDupFingerprint(normalizedText),
      };
      paragraphs.set(paragraphId, paragraph);
    }
    occurrences.push({ lineStart, lineEnd, byteStart, byteEnd, paragraphId, ...(paragraph && { paragraph }) });
  }

  const sequence = occurrences.map(({ paragraphId }) => {
    const paragraph = paragraphs.get(paragraphId)!;
    return { paragraphId, firstPass: decideEpisode(paragraph.evidence, catalog) };
  });
  const merged = new Map<string, ContextBonus>();
  contextWithinBlob(sequence, catalog).forEach((bonus, at) => {
    const paragraph = paragraphs.get(sequence[at]!.paragraphId)!;
    merged.set(paragraph.paragraphId, mergeContext(merged.get(paragraph.paragraphId) ?? new Map(), bonus, paragraph.evidence, catalog));
  });
  for (const [paragraphId, bonus] of merged) paragraphs.get(paragraphId)!.context = [...bonus].sort(([a], [b]) => a - b);

  const { sourceFile: _sourceFile, ...blob } = decoded.blob;
  return {
    blob,
    occurrences,
    lineRejects: split.rejects.map(({ lineStart, lineEnd, reason }) => ({ lineStart, lineEnd, reason })),
  };
}
