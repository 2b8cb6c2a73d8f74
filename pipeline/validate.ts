import type { z } from "zod";
import { columnName } from "../schemas/columns.js";
import type { Occurrence, Reject } from "../schemas/records.js";
import type { DecodedBlob } from "./ingest.js";

/** A build-stopping problem; the message names the stage, file, line and field and says what to do. */
export class PipelineError extends Error {
  override name = "PipelineError";
}

interface Located {
  sourceFile?: unknown;
  lineStart?: unknown;
}

/** Checks every record against its schema at a stage boundary; the first failure stops the build. */
export function validateRecords<T>(schema: z.ZodType<T>, records: readonly unknown[], boundary: string): T[] {
  return records.map((record, index) => {
    const result = schema.safeParse(record);
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    const where = record as Located;
    const place =
      typeof where.sourceFile === "string" ? `${where.sourceFile} line ${String(where.lineStart ?? "?")}` : `record ${index + 1}`;
    const field = issue.path.map((part) => (typeof part === "string" ? columnName(part) : String(part))).join(".") || "(record)";
    throw new PipelineError(
      `${boundary}: ${place}, field "${field}": ${issue.message}. ` +
        `The stage produced a record its schema forbids: fix the stage or, if the rule changed, its schema in schemas/.`,
    );
  });
}

/**
 * The "nothing lost" audit: every non-blank line of every decoded blob lies in exactly one
 * occurrence or one reject row, and no line is in two. Files rejected whole are accounted
 * for by their reject rows.
 */
export function checkNothingLost(decodedBlobs: DecodedBlob[], occurrences: Occurrence[], rejects: Reject[]): void {
  const coverage = new Map<string, Map<number, number>>();
  for (const span of [...occurrences, ...rejects]) {
    const lines = coverage.get(span.sourceFile) ?? new Map<number, number>();
    coverage.set(span.sourceFile, lines);
    for (let line = span.lineStart; line <= span.lineEnd; line++) lines.set(line, (lines.get(line) ?? 0) + 1);
  }
  for (const { blob, text } of decodedBlobs) {
    const lines = coverage.get(blob.sourceFile) ?? new Map<number, number>();
    text.split(/\r\n|\r|\n/).forEach((lineText, index) => {
      const seen = lines.get(index + 1) ?? 0;
      const blank = lineText.trim() === "";
      if ((!blank && seen !== 1) || seen > 1) {
        throw new PipelineError(
          `nothing-lost audit: ${blob.sourceFile} line ${index + 1} is in ${seen} occurrences or rejects (expected ${blank ? "at most one" : "exactly one"}). ` +
            "This is a bug in pipeline/split.ts.",
        );
      }
    });
  }
}
