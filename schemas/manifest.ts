import { z } from "zod";

const fileEntry = z.object({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** manifest.json: what went in, what came out, and the versions of everything that decided it. */
export const manifestSchema = z.object({
  packageVersion: z.string(),
  schemaVersion: z.string(),
  languageModelVersion: z.string(),
  catalogVersion: z.string(),
  inputs: z.array(fileEntry.extend({ bytes: z.number().int().min(0) })),
  /** `rows` is null for outputs that are not tables (report.html). */
  outputs: z.array(fileEntry.extend({ rows: z.number().int().min(0).nullable() })),
});

export type Manifest = z.infer<typeof manifestSchema>;
