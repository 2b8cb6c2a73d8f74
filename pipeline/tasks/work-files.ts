import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { taskCountsSchema, type TaskCounts } from "../../schemas/work.js";
import { completionMarker } from "./plan.js";

/** WORK's files: where each lives, and how a task writes one so that no reader sees it half-written. */
export const workFiles = {
  build: (work: string) => path.join(work, "build.json"),
  plan: (work: string) => path.join(work, "plan.json"),
  global: (work: string) => path.join(work, "global.json"),
  blobResults: (work: string, rank: number) => path.join(work, "blobs", `part-${String(rank).padStart(5, "0")}.json`),
  marker: (work: string, stage: string, rank: number) => path.join(work, completionMarker(stage, rank)),
};

/** Writes `value` (checked against `schema`) as JSON to a temporary name beside `file`, then renames it into place. */
export async function writeWorkFile<Schema extends z.ZodType>(file: string, schema: Schema, value: z.input<Schema>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(schema.parse(value))}\n`);
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}

export async function readWorkFile<Schema extends z.ZodType>(file: string, schema: Schema): Promise<z.output<Schema>> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${file} cannot be read (${error.code ?? error.message}): a stage before this one did not complete; run the build again to resume it`);
  });
  return schema.parse(JSON.parse(text));
}

export function writeCompletion(work: string, stage: string, rank: number, counts: TaskCounts): Promise<void> {
  return writeWorkFile(workFiles.marker(work, stage, rank), taskCountsSchema, counts);
}

export function readCompletion(work: string, stage: string, rank: number): Promise<TaskCounts> {
  return readWorkFile(workFiles.marker(work, stage, rank), taskCountsSchema);
}
