import type { LinkQuality } from "../../schemas/catalog.js";
import type { Manifest } from "../../schemas/manifest.js";
import { columnTableMarkdown, OUTPUT_TABLES } from "../../schemas/tables.js";

/**
 * OUT/README.md, the dataset card in the form the Hugging Face hub reads (YAML front matter, then
 * Markdown), and the metadata every Parquet and Arrow file carries: what the data is and which build
 * made it, for someone who finds the files without this repository. Everything in them derives
 * from the build's manifest, its languages and the catalog's measured quality, in a fixed order,
 * so the same input gives the same bytes.
 */

export const DATASET_NAME = "satc-episode-descriptions";
const PRETTY_NAME = "Sex and the City episode descriptions";
/** Tables published as Parquet, one configuration each; the first is the default. */
const CONFIGS = ["paragraphs", "occurrences", "episodes"];
const TO_FILL = "left for the dataset's owner to fill in";

export type BuildProvenance = Pick<Manifest, "buildKey" | "packageVersion" | "schemaVersion" | "catalogVersion" | "languageModelVersion">;

/**
 * The schema metadata of a table's Arrow and Parquet files and the Parquet key-value metadata:
 * one key, `build`, whose value is a JSON object saying which build wrote the file (one key,
 * because parquet-wasm writes several in an order that changes from writer to writer).
 */
export function tableMetadata(table: string, build: BuildProvenance): Map<string, string> {
  const value = {
    dataset: DATASET_NAME,
    table,
    package_version: build.packageVersion,
    schema_version: build.schemaVersion,
    build_key: build.buildKey,
    catalog_version: build.catalogVersion,
    language_model_version: build.languageModelVersion,
  };
  return new Map([["build", JSON.stringify(value)]]);
}

export interface CardInput {
  manifest: BuildProvenance & Pick<Manifest, "counts">;
  /** Distinct paragraphs per language code. */
  languages: ReadonlyMap<string, number>;
  rejects: number;
  /** How the linker measured on labelled text (catalog/quality.json through loadLinker); null when it was not measured. */
  quality: LinkQuality | null;
}

export function renderDatasetCard({ manifest, languages, rejects, quality }: CardInput): string {
  const codes = [...languages.keys()].sort();
  const { counts } = manifest;
  const frontMatter = [
    "---",
    `pretty_name: ${PRETTY_NAME}`,
    "language:",
    ...codes.map((code) => `- "${code}"`),
    `license: unknown  # ${TO_FILL}: the licence of the source texts`,
    "source_datasets:",
    `- unknown  # ${TO_FILL}: where the source texts come from`,
    `multilinguality: ${codes.filter((code) => code !== "und").length > 1 ? "multilingual" : "monolingual"}`,
    "size_categories:",
    `- ${sizeCategory(counts.paragraphs)}`,
    "task_categories:",
    "- text-classification",
    "task_ids:",
    "- multi-class-classification",
    "configs:",
    ...CONFIGS.flatMap((name, index) => [`- config_name: ${name}`, `  data_files: ${name}.parquet`, ...(index === 0 ? ["  default: true"] : [])]),
    "---",
  ];
  const tables = OUTPUT_TABLES.flatMap(({ name, files, schema, about }) => [`### ${name}`, "", `${files}. ${about}`, "", columnTableMarkdown(schema), ""]);
  return [
    ...frontMatter,
    "",
    `# ${PRETTY_NAME}`,
    "",
    "Paragraphs of text describing episodes of the TV series *Sex and the City* (synopses, teasers, podcast notes), " +
      "each with its language, the episode it describes (or none) and its exact place in the source files. " +
      `This build holds ${counts.paragraphs} distinct paragraphs, written ${counts.occurrences} times in ${counts.blobs} source files, ` +
      `in ${codes.length} language codes (${codes.join(", ")}); ${counts.linkedParagraphs} are linked to one of the 94 episodes. ` +
      (rejects === 0 ? "Every input was read; rejects.csv is empty." : `${rejects} inputs could not be read as paragraphs and are listed in rejects.csv.`),
    "",
    "## Tables",
    "",
    "Parquet, Arrow IPC and CSV hold the same rows in the same order; the Parquet files are this card's configurations. " +
      "In Parquet and Arrow every column's meaning is also the field metadata key `description`, and each file's metadata " +
      "names the build that wrote it (key `build`: `build_key`, `schema_version`, `catalog_version`, `language_model_version`). " +
      "`air_date` is a date; `paragraphs_by_language` a list of {language, paragraphs} (in CSV `de:2 el:1`). " +
      "The stage column says which step of the pipeline computes the column.",
    "",
    ...tables,
    "## How it was built",
    "",
    "Raw text files were read as strict UTF-8 and split into paragraphs with byte-exact provenance; exact duplicates " +
      "(after Unicode normalisation) became one paragraph and near-duplicates a cluster; fastText's lid.176 (with the " +
      "Efficient Language Detector within groups of close languages) identified the language; a linker matched each " +
      "paragraph against a curated episode catalog. `manifest.json` lists every input file with its SHA-256 and every " +
      "output; `report.html` shows the build's quality figures.",
    "",
    "| | |",
    "| --- | --- |",
    `| package version | ${manifest.packageVersion} |`,
    `| schema version | ${manifest.schemaVersion} |`,
    `| build key | ${manifest.buildKey} |`,
    `| language model | ${manifest.languageModelVersion} |`,
    `| episode catalog | ${manifest.catalogVersion} |`,
    "",
    "## How far to trust the episode links",
    "",
    ...qualitySection(quality),
    "## Known limits",
    "",
    "- Episode links come from catalog terms (characters, places, events, titles) found in the text. Paragraphs that name only " +
      "the four leads, recurring characters or generic events are often left unlinked (all episode columns null), and a term " +
      "listed for one episode that is common in a language the catalog does not show can mislead the linker. " +
      "`episode_score` is calibrated on labelled text; `episode_runner_up` shows the next candidate for review.",
    "- Paragraphs under the language model's confidence of 0.5 are `und`; short texts in close languages (Croatian, Serbian " +
      "and Bosnian; Czech and Slovak; the Scandinavian languages; Chinese and Japanese written only in Han) are the likeliest to be confused.",
    "- Near-duplicates are kept, not removed: `near_dup_cluster` groups them. Counts per episode and language count distinct " +
      "paragraphs, so one synopsis copied with small edits counts several times.",
    "- Texts and file names are as written in the source files. A CSV cell beginning with `=`, `+`, `-` or `@` opens as a " +
      "formula in spreadsheets: import the CSV files as text, or read the Parquet files.",
    "- The episode catalog is curated by hand and covers the 94 episodes of the series, not the films or the later series.",
    "",
    "## License and source",
    "",
    `The licence of the texts and where they come from are ${TO_FILL} (\`license\` and \`source_datasets\` above); ` +
      "the build cannot know them.",
    "",
  ].join("\n");
}

function qualitySection(quality: LinkQuality | null): string[] {
  if (!quality) {
    return [
      "The linker has not been measured on labelled text: `catalog/quality.json` was missing from the catalog this build used, " +
        "so no precision or recall can be given. `report.html` shows this build's own share of linked paragraphs per language.",
      "",
    ];
  }
  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  return [
    `Measured on ${quality.measuredOn}, labelled text the catalog and the calibration were not tuned on: precision ${percent(quality.precision)}, ` +
      `recall ${percent(quality.recall)}, paragraphs about no single episode left unlinked ${percent(quality.noneAbstained)}, ` +
      `language right ${percent(quality.languageAccuracy)}.`,
    "",
    "| language | episode paragraphs | linked right | linked wrong |",
    "| --- | --- | --- | --- |",
    ...quality.languages.map((entry) => `| ${entry.language} | ${entry.episodeParagraphs} | ${entry.right} | ${entry.wrong} |`),
    "",
    "| stated episode_score | links | right | mean stated |",
    "| --- | --- | --- | --- |",
    ...quality.bands.map((band) => `| ${band.from.toFixed(2)}–${band.to.toFixed(2)} | ${band.links} | ${band.right} | ${band.meanScore.toFixed(3)} |`),
    "",
  ];
}

/** The Hugging Face hub's size category for a number of rows. */
export function sizeCategory(rows: number): string {
  const bounds: Array<[number, string]> = [
    [1e3, "n<1K"],
    [1e4, "1K<n<10K"],
    [1e5, "10K<n<100K"],
    [1e6, "100K<n<1M"],
    [1e7, "1M<n<10M"],
    [1e8, "10M<n<100M"],
    [1e9, "100M<n<1B"],
    [1e10, "1B<n<10B"],
    [1e11, "10B<n<100B"],
    [1e12, "100B<n<1T"],
  ];
  return bounds.find(([bound]) => rows < bound)?.[1] ?? "n>1T";
}
