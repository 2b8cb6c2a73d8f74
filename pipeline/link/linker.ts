import { readFile } from "node:fs/promises";
import path from "node:path";
import { linkQualitySchema, type Catalog, type LinkQuality } from "../../schemas/catalog.js";
import { sha256Hex } from "../text.js";
import { PipelineError } from "../validate.js";
import { CALIBRATION_FILE, loadCalibration } from "./calibration.js";
import { CATALOG_DIRECTORY, readCatalog } from "./catalog.js";
import { indexCatalog } from "./catalog-index.js";
import type { Linker } from "./decide.js";

/** The linker's files, read and checked: enough to know its version, before anything is indexed. */
export interface LinkerFiles {
  catalog: Catalog;
  calibration: Linker["calibration"];
  /** How this catalog and calibration measured on the blind set (catalog/quality.json), for the report. */
  quality: LinkQuality | null;
  /** The catalog's version plus hashes of its files, the calibration and the measured quality, recorded in the manifest. */
  version: string;
}

export type LoadedLinker = LinkerFiles & Linker;

/** The catalog, indexed, with the calibration that turns its evidence into probabilities. */
export async function loadLinker(catalogDirectory?: string, calibrationFile?: URL | string): Promise<LoadedLinker> {
  return indexLinker(await readLinker(catalogDirectory, calibrationFile));
}

/** Indexing the catalog takes seconds: done only where paragraphs are linked. */
export function indexLinker(files: LinkerFiles): LoadedLinker {
  return { ...files, index: indexCatalog(files.catalog) };
}

export async function readLinker(catalogDirectory: string = CATALOG_DIRECTORY, calibrationFile: URL | string = CALIBRATION_FILE): Promise<LinkerFiles> {
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
  return { catalog, calibration, quality, version: `${version} ${hashes}` };
}
