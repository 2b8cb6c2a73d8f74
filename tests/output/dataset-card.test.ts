import { describe, expect, it } from "vitest";
import { renderDatasetCard, sizeCategory, tableMetadata, type CardInput } from "../../pipeline/output/dataset-card.js";
import type { LinkQuality } from "../../schemas/catalog.js";

const manifest: CardInput["manifest"] = {
  buildKey: "b".repeat(64),
  packageVersion: "0.1.0",
  schemaVersion: "457ceaa74759",
  catalogVersion: "2026.12.05-2 sha256:18d395dc97565e30",
  languageModelVersion: "lid.176.ftz sha256:8f3472cfe8738a7b",
  counts: { blobs: 3, occurrences: 12, paragraphs: 10, linkedParagraphs: 7 },
};
const quality: LinkQuality = {
  measuredOn: "the blind set (40 paragraphs)",
  precision: 0.95,
  recall: 0.875,
  noneAbstained: 0.9,
  languageAccuracy: 1,
  bands: [{ from: 0.9, to: 1, links: 20, right: 19, meanScore: 0.95 }],
  languages: [{ language: "de", episodeParagraphs: 12, right: 11, wrong: 1 }],
};
const input: CardInput = { manifest, languages: new Map([["no", 2], ["de", 5], ["und", 1]]), rejects: 0, quality: null };

/** The YAML front matter between the two `---` lines. */
const frontMatterOf = (card: string) => card.slice(4, card.indexOf("\n---\n") + 1);

describe("the dataset card (OUT/README.md)", () => {
  it("has front matter the hub reads: configurations, every language of the build sorted and quoted, size, task, and licence and source left to the owner", () => {
    const front = frontMatterOf(renderDatasetCard(input));
    expect(front).toContain('language:\n- "de"\n- "no"\n- "und"\n');
    expect(front).toContain("configs:\n- config_name: paragraphs\n  data_files: paragraphs.parquet\n  default: true\n- config_name: occurrences\n");
    expect(front).toContain("- config_name: episodes\n  data_files: episodes.parquet\n");
    expect(front).toMatch(/^license: unknown {2}# left for the dataset's owner to fill in/m);
    expect(front).toMatch(/^source_datasets:\n- unknown {2}# left for the dataset's owner to fill in/m);
    expect(front).toContain("size_categories:\n- n<1K\n");
    expect(front).toContain("task_categories:\n- text-classification\n");
    expect(front).toMatch(/^pretty_name: \S/m);
  });

  it("describes the columns, the versions that built it and the known limits, and says when the linker was not measured", () => {
    const card = renderDatasetCard(input);
    expect(card).toContain("| `paragraphs_by_language` | list<struct<language: utf8, paragraphs: int32>> | no | link |");
    expect(card).toContain("| `air_date` | date32 | no | catalog |");
    for (const version of [manifest.buildKey, manifest.schemaVersion, manifest.catalogVersion, manifest.languageModelVersion]) expect(card).toContain(version);
    expect(card).toContain("## Known limits");
    expect(card).toContain("`catalog/quality.json` was missing");
    expect(card).toContain("License and source");
  });

  it("gives the linker's measured figures when the catalog has them", () => {
    const card = renderDatasetCard({ ...input, quality });
    expect(card).toContain("Measured on the blind set (40 paragraphs)");
    expect(card).toContain("precision 95.0%, recall 87.5%");
    expect(card).toContain("| de | 12 | 11 | 1 |");
    expect(card).not.toContain("was missing");
  });

  it("is the same text for the same build, whatever order the languages were seen in", () => {
    const reordered = { ...input, languages: new Map([...input.languages].reverse()) };
    expect(renderDatasetCard(reordered)).toBe(renderDatasetCard(input));
  });

  it("names the hub's size category of the paragraphs", () => {
    expect([999, 1000, 99_999, 1_362_810].map(sizeCategory)).toEqual(["n<1K", "1K<n<10K", "10K<n<100K", "1M<n<10M"]);
  });

  it("gives every file the build's versions as metadata", () => {
    const metadata = tableMetadata("episodes", manifest);
    expect([...metadata.keys()]).toEqual(["build"]);
    expect(JSON.parse(metadata.get("build")!)).toEqual({
      dataset: "satc-episode-descriptions",
      table: "episodes",
      package_version: "0.1.0",
      schema_version: manifest.schemaVersion,
      build_key: manifest.buildKey,
      catalog_version: manifest.catalogVersion,
      language_model_version: manifest.languageModelVersion,
    });
  });
});
