import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isAlive } from "./lock.js";

/**
 * A temporary folder for the global phase's scratch files (DuckDB's spill files and
 * database), removed when the build ends, whether it finished or stopped on an error. Its
 * name holds the process id and it holds a marker file, so that the folder of a killed build
 * (SIGKILL, a power cut) is recognised and removed by a later one, and nothing else is.
 */
export class ScratchDirectory {
  private constructor(readonly path: string) {}

  static async create(prefix: string): Promise<ScratchDirectory> {
    const folder = await mkdtemp(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
    await writeFile(path.join(folder, SCRATCH_MARKER), SCRATCH_MARKER_TEXT);
    return new ScratchDirectory(folder);
  }

  /** Removes the scratch folders with this prefix of processes that are gone. */
  static async clearLeftovers(prefix: string): Promise<void> {
    for (const name of await readdir(os.tmpdir()).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
      const folder = path.join(os.tmpdir(), name);
      if (pid === undefined || isAlive(Number(pid))) continue;
      if ((await readFile(path.join(folder, SCRATCH_MARKER), "utf8").catch(() => null)) === SCRATCH_MARKER_TEXT) await rm(folder, { recursive: true, force: true });
    }
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

const SCRATCH_MARKER = ".satc-scratch";
const SCRATCH_MARKER_TEXT = "Scratch files of a satc-episode-dataset build; removed when the build ends, or by a later build if it was killed.\n";
