import type { DistinctParagraph, Occurrence, OccurrenceRow } from "../schemas/records.js";
import { normalizeText, paragraphIdOf } from "./text.js";

/**
 * Exact deduplication: occurrences whose normalised texts are equal are one paragraph.
 * Occurrences must arrive in (source_file, line_start) order; the first one is canonical.
 */
export function dedupExact(occurrences: Occurrence[]): { paragraphs: DistinctParagraph[]; occurrenceRows: OccurrenceRow[] } {
  const byId = new Map<string, DistinctParagraph>();
  const occurrenceRows: OccurrenceRow[] = [];
  for (const occurrence of occurrences) {
    const normalizedText = normalizeText(occurrence.text);
    const paragraphId = paragraphIdOf(normalizedText);
    const known = byId.get(paragraphId);
    if (known) known.occurrenceCount++;
    else {
      byId.set(paragraphId, {
        paragraphId,
        text: occurrence.text,
        normalizedText,
        sourceFile: occurrence.sourceFile,
        lineStart: occurrence.lineStart,
        occurrenceCount: 1,
      });
    }
    const { text: _text, ...provenance } = occurrence;
    occurrenceRows.push({ paragraphId, ...provenance });
  }
  // Map iteration follows insertion order, which is first-occurrence order.
  return { paragraphs: [...byId.values()], occurrenceRows };
}
