import type { Assessment } from "../link/decide.js";
import type { LoadedLinker } from "../link/linker.js";
import type { BuildWork } from "../../schemas/work.js";
import type { BlobWorkers } from "./blob-tasks.js";

/** What a task may get from the process that runs it when that is the build itself (LAUNCHER=local). */
export interface TaskHooks {
  /** The catalog, loaded once for the build; a task on its own loads it. */
  linker?: LoadedLinker | undefined;
  signal?: AbortSignal | undefined;
  /** Sees how each paragraph's episode candidates stood before the decision (for fitting the calibration). */
  observeAssessment?: ((paragraphId: string, assessment: Assessment | null) => void) | undefined;
  /** The per-blob stage's worker threads, kept by the caller across builds; a blob task on its own starts its own. */
  workers?: BlobWorkers | undefined;
  /** Rows and bytes done so far, for the progress line. */
  advance?: ((counts: { bytes?: number; rowsIn?: number; rowsOut?: number }) => void) | undefined;
}

/** What a task reports: rows of its stage's input it read, rows it made, bytes of RAW it read. */
export interface TaskResult {
  rowsIn: number;
  rowsOut: number;
  bytes?: number;
}

/**
 * A stage of the build: `tasks` numbered tasks (pipeline/tasks/plan.ts), each reading what the
 * stages before it wrote in WORK and writing its own part, whichever machine runs it.
 */
export interface TaskStage {
  /** Names the stage's folder and markers in WORK. */
  name: string;
  /** What the progress line and the summary table call it. */
  title: string;
  tasks(build: BuildWork): number;
  run(work: string, rank: number, hooks: TaskHooks): Promise<TaskResult>;
}
