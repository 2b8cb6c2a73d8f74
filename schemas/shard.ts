import { z } from "zod";

/**
 * A cache entry of the per-blob stage (pipeline/cache/cache.ts): one Parquet file per blob, one
 * row per occurrence in line order, which the global phase reads with DuckDB. The paragraph's
 * own columns are set at its first occurrence in the blob and null at its repeats there.
 * Internal to the build (never in OUT), so its columns are not in the data dictionary.
 */

const int32 = z.int32().min(0);
/** Typed arrays, written as they are: a list of uint32 and bytes (their Arrow types are named in `arrow`). */
const uint32List = z.custom<Uint32Array>((value) => value instanceof Uint32Array).meta({ arrow: "uint32[]" });
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array).meta({ arrow: "binary" });

export const shardRowSchema = z.object({
  /** The occurrence's place in its blob's line order, from 0. */
  ordinal: int32,
  lineStart: int32,
  lineEnd: int32,
  byteStart: int32,
  byteEnd: int32,
  paragraphId: z.string().regex(/^[0-9a-f]{16}$/),
  /** The paragraph as written (at its first occurrence in the blob). */
  text: z.string().min(1).nullable(),
  language: z.string().nullable(),
  languageScore: z.number().min(0).max(1).nullable(),
  /** The paragraph's own episode evidence (pipeline/link/evidence.ts ParagraphEvidence), as JSON. */
  evidence: z.string().nullable(),
  /** Its decision on its own evidence, for the context of its neighbours: position in the catalog's episodes, or -1. */
  firstPass: z.int32().min(-1).nullable(),
  firstPassScore: z.number().min(0).max(1).nullable(),
  /** Near-dup candidates: one LSH bucket key per band, and the deletion-neighbourhood keys of short texts. */
  bandKeys: uint32List.nullable(),
  deletionKeys: uint32List.nullable(),
  /** Near-dup verification features (pipeline/analyze/neardup.ts NearDupFeatures): code points, shingle and word hashes (little-endian uint32). */
  keyCharacters: int32.nullable(),
  shingles: bytes.nullable(),
  words: bytes.nullable(),
});

export type ShardRow = z.infer<typeof shardRowSchema>;

/** What an entry knows only once its blob was read to the end; written beside the Parquet file, last, as its commit record. */
export const shardRecordSchema = z.object({
  blob: z.object({ blobSha256: z.string().regex(/^[0-9a-f]{64}$/), sizeBytes: z.int32().min(0), bomStripped: z.boolean() }),
  /** Lines that could not become paragraphs, with why, in line order. */
  lineRejects: z.array(z.object({ lineStart: z.int32().min(0), lineEnd: z.int32().min(0), reason: z.string().min(1) })),
  rows: z.int32().min(0),
  /** SHA-256 of the Parquet file's bytes: an entry whose file does not match is never used. */
  parquetSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type ShardRecord = z.infer<typeof shardRecordSchema>;
