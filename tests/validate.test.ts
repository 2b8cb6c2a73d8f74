import { describe, expect, it } from "vitest";
import { NothingLostAudit, PipelineError } from "../pipeline/validate.js";

describe("NothingLostAudit", () => {
  const audit = (lines: Array<[number, boolean]>, spans: Array<[number, number]>) => () => {
    const audited = new NothingLostAudit("a.txt");
    for (const [number, blank] of lines) audited.line(number, blank);
    for (const [lineStart, lineEnd] of spans) audited.cover(lineStart, lineEnd);
    audited.finish();
  };
  const lines: Array<[number, boolean]> = [
    [1, false],
    [2, false],
    [3, true],
    [4, false],
  ];

  it("passes when every non-blank line is in exactly one span", () => {
    expect(audit(lines, [[1, 2], [4, 4]])).not.toThrow();
  });

  it("names a line that is in no span, and one that is in two", () => {
    expect(audit(lines, [[1, 1], [4, 4]])).toThrow(new PipelineError("nothing-lost audit: a.txt line 2 is in no occurrences or rejects (expected exactly one). This is a bug in pipeline/ingest/split.ts."));
    expect(audit(lines, [[1, 2]])).toThrow("line 4 is in no occurrences");
    expect(audit(lines, [[1, 2], [2, 4]])).toThrow("line 2 is in two occurrences");
  });
});
