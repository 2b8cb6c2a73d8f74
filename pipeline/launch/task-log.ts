import { open } from "node:fs/promises";
import { forTerminal } from "../runtime/terminal.js";
import { taskLogPath } from "./work.js";

/** How much of a log's end is read for its last line: a task's one-line error is far shorter. */
const TAIL_BYTES = 4096;
const QUOTED_CHARACTERS = 300;

/**
 * One line about a failed task: what happened (`how`: an exit code or a Slurm state), the last
 * line of its log (by the task contract, its one-line error) and the log's path.
 */
export async function describeTaskFailure(work: string, stage: string, rank: number, how: string): Promise<string> {
  const log = taskLogPath(work, stage, rank);
  const last = await lastLine(log);
  return `task ${rank} of stage ${stage} failed (${how})${last ? `: "${forTerminal(last)}"` : ""}; its log: ${forTerminal(log)}`;
}

/** The last non-blank line of a file, shortened; "" when there is none or it cannot be read. */
async function lastLine(file: string): Promise<string> {
  try {
    const handle = await open(file);
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(size - start), 0, size - start, start);
      const line = buffer.subarray(0, bytesRead).toString("utf8").split(/\r?\n/).filter((text) => text.trim() !== "").pop() ?? "";
      return line.length > QUOTED_CHARACTERS ? `${line.slice(0, QUOTED_CHARACTERS)}…` : line;
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}
