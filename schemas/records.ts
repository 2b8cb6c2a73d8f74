import { z } from "zod";
import { episodeCodeSchema } from "./catalog.js";
import type { Stage } from "./columns.js";

/**
 * Every record type of the pipeline, stage by stage. Fields are camelCase here; the
 * output column of a field is its snake_case form (schemas/columns.ts), so `lineStart`
 * is written as `line_start`. Descriptions and examples feed the data dictionary and the
 * files' field metadata; `stage` records, once, which stage computes an output column.
 */

const doc = (description: string, example: unknown, stage: Stage | Stage[]) => ({ description, example, stage });
/** Rejects come from reading a file (ingest) or from splitting it (split). */
const rejectStages: Stage[] = ["ingest", "split"];

const sourceFile = z
  .string()
  .min(1)
  .meta(
    doc(
      "Path of the raw file relative to RAW, with `/` separators, as UTF-8 text; a backslash is written `\\\\` and a byte of the name that is not UTF-8 `\\xHH` (pipeline/ingest/file-names.ts).",
      "004_a58078538e24c6c1.txt",
      "ingest",
    ),
  );
const blobSha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .meta(doc("SHA-256 of the raw blob's bytes, hex.", "9f2c…e1", "ingest"));
const lineStart = z.int32().min(1).meta(doc("First line of the paragraph in its blob, 1-based.", 12, "split"));
const lineEnd = z.int32().min(1).meta(doc("Last line of the paragraph in its blob, 1-based, inclusive.", 12, "split"));
const paragraphId = z
  .string()
  .regex(/^[0-9a-f]{16}$/)
  .meta(doc("Stable id: the first 16 hex digits of SHA-256 of the normalised text.", "3f9a0c1d2b4e5f60", "dedup"));
const score = z.number().min(0).max(1);

/** A raw file that decoded as UTF-8 text (ingest → split). Its bytes travel alongside, not in the record. */
export const blobSchema = z.object({
  sourceFile,
  blobSha256,
  sizeBytes: z.int32().min(0),
  /** A leading UTF-8 byte order mark was present and is not part of the text. */
  bomStripped: z.boolean(),
});

/** One place in RAW where a paragraph is written (split → dedup). */
export const occurrenceSchema = z.object({
  sourceFile,
  lineStart,
  lineEnd,
  byteStart: z
    .int32()
    .min(0)
    .meta(doc("Offset of the paragraph's first byte in the raw blob, 0-based.", 0, "split")),
  byteEnd: z
    .int32()
    .min(0)
    .meta(doc("Offset just past the paragraph's last byte, exclusive: bytes[byte_start, byte_end) decode to the text.", 312, "split")),
  blobSha256,
  /** The paragraph as written; lines of a hard-wrapped block are joined with single spaces. */
  text: z.string().min(1),
});

export const occurrenceRowSchema = occurrenceSchema.omit({ text: true }).extend({ paragraphId });

/** One distinct paragraph after exact deduplication (dedup → language). */
export const distinctParagraphSchema = z.object({
  paragraphId,
  text: z
    .string()
    .min(1)
    .meta(doc("The paragraph as written at its first occurrence.", "Carrie considers Aleksandr's question; …", "split")),
  normalizedText: z.string().min(1),
  sourceFile: sourceFile.meta(doc("Blob of the first occurrence.", "000_2c8cc0b03077b88f.txt", "dedup")),
  lineStart: lineStart.meta(doc("Line of the first occurrence.", 2, "dedup")),
  occurrenceCount: z.int32().min(1).meta(doc("How many times the paragraph occurs in RAW.", 1, "dedup")),
});

export const languageFields = z.object({
  language: z
    .string()
    .regex(/^(und|[a-z]{2,3})$/)
    .meta(doc("ISO 639-1 code (ISO 639-3 where there is none), or `und` when the model is not confident.", "de", "language")),
  languageScore: score.meta(doc("Probability of the model's top language, rounded to 4 decimals.", 0.9985, "language")),
});

export const episodeFields = z.object({
  season: z.int32().min(1).max(6).nullable().meta(doc("Season of the linked episode; null when the paragraph is linked to none.", 6, "link")),
  episode: z.int32().min(1).max(20).nullable().meta(doc("Episode number within the season; null when linked to none.", 18, "link")),
  episodeCode: episodeCodeSchema.nullable().meta(doc("Episode code; null when linked to none.", "S06E18", "link")),
  episodeTitle: z.string().nullable().meta(doc("Episode title from the catalog; null when linked to none.", "Splat!", "link")),
  episodeScore: score.nullable().meta(doc("Linker confidence in [0, 1]; null when linked to none.", 0.93, "link")),
  episodeRunnerUp: episodeCodeSchema
    .nullable()
    .meta(doc("Second-best episode, for reviewing close calls (also when the linker abstained); null when no other episode had evidence.", "S06E17", "link")),
  episodeRunnerUpScore: score.nullable().meta(doc("Confidence of the runner-up, on the same scale as the best's; null with it.", 0.21, "link")),
  episodeEvidence: z
    .string()
    .nullable()
    .meta(
      doc(
        "What the link was decided on, as the build saw it: the linked episode's (or, on abstention, the best guess's) matched catalog features with their weights, the context from neighbouring paragraphs and any framing found, separated by `; `; null when no episode had evidence.",
        'character lexi-featherston (4.54); carrie: Aleksandr asks her to move to Paris (3.85)',
        "link",
      ),
    ),
});

export const nearDupFields = z.object({
  nearDupCluster: paragraphId.meta(
    doc("Near-duplicate cluster: the paragraph_id of the cluster's first paragraph (its own id when it has no near twin).", "3f9a0c1d2b4e5f60", "neardup"),
  ),
});


/** paragraphs.{parquet,arrow,csv}: one row per distinct paragraph, ordered by first occurrence. */
export const paragraphRowSchema = z.object({
  paragraphId,
  text: distinctParagraphSchema.shape.text,
  ...languageFields.shape,
  ...episodeFields.shape,
  ...nearDupFields.shape,
  sourceFile: distinctParagraphSchema.shape.sourceFile,
  lineStart: distinctParagraphSchema.shape.lineStart,
  occurrenceCount: distinctParagraphSchema.shape.occurrenceCount,
});

/** rejects.csv: input that could not become a paragraph, and why. */
export const rejectSchema = z.object({
  sourceFile: sourceFile.meta({ stage: rejectStages }),
  lineStart: z.int32().min(0).meta(doc("First rejected line (0 when the file has no lines).", 1, rejectStages)),
  lineEnd: z.int32().min(0).meta(doc("Last rejected line.", 40, rejectStages)),
  reason: z.string().min(1).meta(doc("Why the input was rejected and what to do about it.", "not valid UTF-8 …", rejectStages)),
});

/** episodes.{parquet,arrow,csv}: the catalog with how many paragraphs were linked to each episode. */
export const episodeRowSchema = z.object({
  season: z.int32().min(1).max(6).meta(doc("Season.", 6, "catalog")),
  episode: z.int32().min(1).max(20).meta(doc("Episode number within the season.", 18, "catalog")),
  episodeCode: episodeCodeSchema.meta(doc("Episode code.", "S06E18", "catalog")),
  title: z.string().meta(doc("Title.", "Splat!", "catalog")),
  airDate: z.iso.date().meta(doc("Original US air date (in CSV as YYYY-MM-DD).", "2004-02-15", "catalog")),
  paragraphCount: z.int32().min(0).meta(doc("Distinct paragraphs linked to the episode.", 11, "link")),
  paragraphsByLanguage: z
    .array(z.object({ language: languageFields.shape.language, paragraphs: z.int32().min(1) }))
    .meta(
      doc(
        "Linked paragraphs per language, one {language, paragraphs} entry per language, sorted by language; empty when none. In CSV as `language:paragraphs` pairs separated by spaces.",
        [
          { language: "de", paragraphs: 2 },
          { language: "el", paragraphs: 1 },
        ],
        "link",
      ),
    ),
});

export type Blob = z.infer<typeof blobSchema>;
export type Occurrence = z.infer<typeof occurrenceSchema>;
export type OccurrenceRow = z.infer<typeof occurrenceRowSchema>;
export type LanguageFields = z.infer<typeof languageFields>;
export type EpisodeFields = z.infer<typeof episodeFields>;
export type ParagraphRow = z.infer<typeof paragraphRowSchema>;
export type Reject = z.infer<typeof rejectSchema>;
export type EpisodeRow = z.infer<typeof episodeRowSchema>;
