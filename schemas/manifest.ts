import { z } from "zod";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const fileEntry = z.object({ path: z.string(), sha256 });

/** manifest.json: what went in, what came out, and the versions of everything that decided it. */
export const manifestSchema = z.object({
  /**
   * Hash of everything that decides the outputs: each input's path and content hash, and
   * the versions of code, model and catalog. A rebuild with the same key and intact
   * outputs would write the same bytes, so it is skipped.
   */
  buildKey: z.string().regex(/^[0-9a-f]{64}$/),
  counts: z.object({
    blobs: z.number().int().min(0),
    occurrences: z.number().int().min(0),
    paragraphs: z.number().int().min(0),
    linkedParagraphs: z.number().int().min(0),
  }),
  packageVersion: z.string(),
  schemaVersion: z.string(),
  languageModelVersion: z.string(),
  catalogVersion: z.string(),
  /**
   * Every file found under RAW, rejected or not, in source_file order (folders that could not
   * be read are only in rejects.csv). `path` is the source_file; `bytes` is null when the entry
   * is not a regular file or could not be examined, `sha256` when its content was not read
   * (links, files too large or unreadable).
   */
  inputs: z.array(z.object({ path: z.string(), bytes: z.number().int().min(0).nullable(), sha256: sha256.nullable() })),
  /** `rows` is null for outputs that are not tables (report.html, README.md). */
  outputs: z.array(fileEntry.extend({ rows: z.number().int().min(0).nullable() })),
});

export type Manifest = z.infer<typeof manifestSchema>;
