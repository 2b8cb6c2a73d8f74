import type { z } from "zod";
import { columnSpecs } from "./columns.js";
import { episodeRowSchema, occurrenceRowSchema, paragraphRowSchema, rejectSchema } from "./records.js";

/** The tables a build writes, for the data dictionary (docs/DATA.md) and the dataset card (OUT/README.md). */
export const OUTPUT_TABLES: ReadonlyArray<{ name: string; files: string; schema: z.ZodObject; about: string }> = [
  {
    name: "paragraphs",
    files: "paragraphs.parquet, paragraphs.arrow, paragraphs.csv",
    schema: paragraphRowSchema,
    about: "One row per distinct paragraph (after exact deduplication), in order of first occurrence.",
  },
  {
    name: "occurrences",
    files: "occurrences.parquet, occurrences.arrow, occurrences.csv",
    schema: occurrenceRowSchema,
    about: "One row per place in RAW where a paragraph is written; join to paragraphs on paragraph_id.",
  },
  {
    name: "episodes",
    files: "episodes.parquet, episodes.arrow, episodes.csv",
    schema: episodeRowSchema,
    about: "The curated catalog of all 94 episodes, with how many paragraphs were linked to each.",
  },
  {
    name: "rejects",
    files: "rejects.csv",
    schema: rejectSchema,
    about: "Input that could not become a paragraph, with the reason; only the header when nothing was rejected.",
  },
];

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const exampleText = (example: unknown) => (typeof example === "object" ? JSON.stringify(example) : String(example));

/** A table's columns as a Markdown table: name, type, nullability, the stage that computes it, meaning and example. */
export function columnTableMarkdown(schema: z.ZodObject): string {
  const rows = columnSpecs(schema).map(
    (spec) =>
      `| \`${spec.column}\` | ${escapeCell(spec.type)} | ${spec.nullable ? "yes" : "no"} | ${spec.stages.join(", ")} | ${escapeCell(spec.description)} | ${
        spec.example === undefined ? "" : `\`${escapeCell(exampleText(spec.example))}\``
      } |`,
  );
  return ["| column | type | nullable | stage | meaning | example |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
