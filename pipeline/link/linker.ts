import { readFile } from "node:fs/promises";
import path from "node:path";
import { linkQualitySchema, type Catalog, type LinkQuality } from "../../schemas/catalog.js";
import { sha256Hex } from "../text.js";
import { PipelineError } from "../validate.js";
import { CALIBRATION_FILE, loadCalibration } from "./calibration.js";
import { CATALOG_DIRECTORY, readCatalog } from "./catalog.js";
import { indexCatalog, type CatalogIndex } from "./catalog-index.js";
import type { Linker } from "./decide.js";

export interface LoadedLinker extends Linker {
  catalog: Catalog;
  /** How this catalog and calibration measured on the blind set (catalog/quality.json), for the report. */
  quality: LinkQuality | null;
  /** The catalog's version plus hashes of its files, the calibration and the measured quality, recorded in the manifest. */
  version: string;
}

/** The catalog, indexed, with the calibration that turns its evidence into probabilities. */
export async function loadLinker(catalogDirectory: string = CATALOG_DIRECTORY, calibrationFile: URL | string = CALIBRATION_FILE): Promise<LoadedLinker> {
  const { catalog, version } = await readCatalog(catalogDirectory);
  const calibration = loadCalibration(calibrationFile);
  const qualityFile = path.join(catalogDirectory, "quality.json");
  // Absent until the linker was measured (make evaluate … RECORD=catalog/quality.json).
  const qualityBytes = await readFile(qualityFile).catch(() => null);
  let quality: LinkQuality | null = null;
  if (qualityBytes) {
    const parsed = linkQualitySchema.safeParse(JSON.parse(qualityBytes.toString("utf8")));
    if (!parsed.success) throw new PipelineError(`${qualityFile}, at ${parsed.error.issues[0]!.path.join(".")}: ${parsed.error.issues[0]!.message}; record it again with make evaluate.`);
    quality = parsed.data;
  }
  const hashes = `calibration:${sha256Hex(await readFile(calibrationFile)).slice(0, 16)} quality:${qualityBytes ? sha256Hex(qualityBytes).slice(0, 16) : "none"}`;
  // Indexed on first use, and its terms only when evidence is scored (catalog-index.ts): they
  // take a second or more to index, and a build that finds OUT up to date links nothing.
  let index: CatalogIndex | undefined;
  return {
    catalog,
    get index() {
      return (index ??= indexCatalog(catalog));
    },
    calibration,
    quality,
    version: `${version} ${hashes}`,
  };
}
