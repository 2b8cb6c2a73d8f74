import type { z } from "zod";
import { columnName } from "../schemas/columns.js";

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
 * The "nothing lost" audit of one blob, fed its lines and then the paragraphs and rejects
 * that cover them, both in line order: every non-blank line lies in exactly one occurrence
 * or reject, and no line in two. It holds the non-blank lines not yet covered, as runs.
 */
export class NothingLostAudit {
  private readonly uncovered: Array<{ from: number; to: number }> = [];
  private coveredUpTo = 0;

  constructor(private readonly sourceFile: string) {}

  line(number: number, blank: boolean): void {
    if (blank) return;
    const last = this.uncovered.at(-1);
    if (last && last.to === number - 1) last.to = number;
    else this.uncovered.push({ from: number, to: number });
  }

  cover(lineStart: number, lineEnd: number): void {
    if (lineStart <= this.coveredUpTo) this.fail(lineStart, "two", "at most one");
    const first = this.uncovered[0];
    if (first && first.from < lineStart) this.fail(first.from, "no", "exactly one");
    while (this.uncovered.length > 0 && this.uncovered[0]!.from <= lineEnd) {
      const run = this.uncovered[0]!;
      if (run.to <= lineEnd) this.uncovered.shift();
      else run.from = lineEnd + 1;
    }
    this.coveredUpTo = lineEnd;
  }

  finish(): void {
    const first = this.uncovered[0];
    if (first) this.fail(first.from, "no", "exactly one");
  }

  private fail(line: number, seen: string, expected: string): never {
    throw new PipelineError(
      `nothing-lost audit: ${this.sourceFile} line ${line} is in ${seen} occurrences or rejects (expected ${expected}). ` +
        "This is a bug in pipeline/ingest/split.ts.",
    );
  }
}
