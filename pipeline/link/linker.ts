import { readFile } from "node:fs/promises";
import type { Catalog } from "../../schemas/catalog.js";
import { sha256Hex } from "../text.js";
import { CALIBRATION_FILE, loadCalibration } from "./calibration.js";
import { CATALOG_DIRECTORY, readCatalog } from "./catalog.js";
import { indexCatalog } from "./catalog-index.js";
import type { Linker } from "./decide.js";

export interface LoadedLinker extends Linker {
  catalog: Catalog;
  /** The catalog's version plus hashes of its files and of the calibration, recorded in the manifest. */
  version: string;
}

/** The catalog, indexed, with the calibration that turns its evidence into probabilities. */
export async function loadLinker(catalogDirectory: string = CATALOG_DIRECTORY, calibrationFile: URL | string = CALIBRATION_FILE): Promise<LoadedLinker> {
  const { catalog, version } = await readCatalog(catalogDirectory);
  const calibration = loadCalibration(calibrationFile);
  const calibrationHash = sha256Hex(await readFile(calibrationFile)).slice(0, 16);
  return { catalog, index: indexCatalog(catalog), calibration, version: `${version} calibration:${calibrationHash}` };
}
